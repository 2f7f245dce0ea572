"""The consistency check on open: each state a crash (or a person) can leave, and its repair."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3

import pytest

from engine.library import LibraryError, VoiceLibrary
from engine.library.layout import Layout, WorkArea
from tests.library.helpers import snapshot, whole_voice_problems


def _reopen(lib) -> VoiceLibrary:
    lib.close()
    return VoiceLibrary(lib.root)


def _sql(lib, statement: str, *args) -> None:
    conn = sqlite3.connect(lib.root / "library.sqlite")
    with conn:
        conn.execute("PRAGMA foreign_keys=ON")
        conn.execute(statement, args)
    conn.close()


def test_clean_library_reports_nothing(lib, alice, bob):
    again = _reopen(lib)
    assert again.last_check.clean and str(again.last_check) == "The voice library is in order."
    again.close()


def test_folder_without_row_is_recovered(lib, alice, bob):
    _sql(lib, "DELETE FROM voices WHERE id = ?", alice.id)  # died between moving the folder in and committing
    again = _reopen(lib)
    report = again.last_check
    assert report.recovered == (alice.id,) and "Recovered the voice 'Alice'" in report.actions[0]
    v = again.get(alice.id)
    assert (v.name, v.tags, v.transcript, v.prompts) == (
        alice.name,
        alice.tags,
        alice.transcript,
        alice.prompts,
    )
    assert whole_voice_problems(again, v) == [] and again.check().clean
    again.close()


def test_recovered_voice_with_a_taken_name_gets_a_number(lib, alice):
    clone = lib.root / "voices" / "00000000000000aa"
    shutil.copytree(lib.root / "voices" / alice.id, clone)
    meta = json.loads((clone / "meta.json").read_text())
    meta["id"] = clone.name
    (clone / "meta.json").write_text(json.dumps(meta))
    again = _reopen(lib)
    assert again.get(clone.name).name == "Alice (2)"
    again.close()


def test_incomplete_folder_without_row_is_quarantined(lib, alice):
    _sql(lib, "DELETE FROM voices WHERE id = ?", alice.id)
    (lib.root / "voices" / alice.id / "meta.json").unlink()
    again = _reopen(lib)
    report = again.last_check
    assert again.list() == [] and len(report.quarantined) == 1
    assert report.quarantined[0].parent == lib.root / "quarantine"
    assert (report.quarantined[0] / "reference.flac").is_file()  # kept for a person, never deleted
    assert again.check().clean
    again.close()


def test_row_without_folder_is_removed(lib, alice, bob):
    shutil.rmtree(lib.root / "voices" / bob.id)
    again = _reopen(lib)
    assert again.last_check.removed == (bob.id,) and "'Bob'" in again.last_check.actions[0]
    assert [v.name for v in again.list()] == ["Alice"]
    again.close()


def test_leftovers_of_a_dead_operation_are_cleared(lib, alice):
    area = lib.root / "work" / "deadbeefdeadbeef"
    (area / "00000000000000bb").mkdir(parents=True)  # a half-staged voice; its process is gone
    (area / "00000000000000bb" / "reference.flac").write_bytes(b"partial")
    (lib.root / "work" / "deadbeefdeadbeef.lock").write_bytes(b"")
    again = _reopen(lib)
    assert not again.last_check.clean
    assert list((lib.root / "work").iterdir()) == []
    assert [v.name for v in again.list()] == ["Alice"]
    again.close()


def test_interrupted_purge_is_undone(lib, alice):
    lib.delete(alice)
    area = lib.root / "work" / "feedfacefeedface"
    area.mkdir()
    os.replace(lib.root / "voices" / alice.id, area / alice.id)  # moved out, row not yet deleted
    again = _reopen(lib)
    assert "Put back the voice 'Alice'" in again.last_check.actions[0]
    assert [v.id for v in again.trash()] == [alice.id]
    assert whole_voice_problems(again, again.get(alice.id)) == []
    again.close()


def test_work_of_a_live_operation_is_left_alone(lib, alice):
    with WorkArea(Layout(lib.root)) as area:  # held, like another window in the middle of an import
        (area.path / "00000000000000cc").mkdir()
        report = VoiceLibrary(lib.root).check()
        assert report.in_progress == 1 and report.clean
        assert (area.path / "00000000000000cc").is_dir()
    assert list((lib.root / "work").iterdir()) == []


def test_files_inside_a_folder_are_repaired(lib, alice, tiny_model, sibling_model):
    folder = lib.root / "voices" / alice.id
    lib.prompt_for(alice, sibling_model)
    second = [p for p in lib.get(alice.id).prompts if p.signature == sibling_model.signature][0]
    _sql(
        lib, "DELETE FROM prompts WHERE voice_id = ? AND file = ?", alice.id, second.file
    )  # saved, not recorded
    (folder / ".meta.json.tmp").write_bytes(b"half")
    (folder / "meta.json").unlink()
    (folder / "transcript.txt").unlink()
    again = _reopen(lib)
    actions = " ".join(again.last_check.actions)
    assert "half-written" in actions and "description" in actions and "transcript" in actions
    assert "Indexed a prompt" in actions
    v = again.get(alice.id)
    assert set(v.signatures) == {tiny_model.signature, sibling_model.signature}
    assert whole_voice_problems(again, v) == [] and not (folder / ".meta.json.tmp").exists()
    assert again.check().clean
    again.close()


def test_missing_prompt_file_and_reference(lib, alice, tiny_model):
    folder = lib.root / "voices" / alice.id
    (folder / alice.prompts[0].file).unlink()
    again = _reopen(lib)
    assert again.get(alice.id).prompts == ()
    assert again.prompt_for(alice, tiny_model)  # extracted again from the reference
    (folder / "reference.flac").unlink()
    again.close()
    third = VoiceLibrary(lib.root)
    v = third.get(alice.id)
    assert not v.has_reference and v.duration_s is None and v.prompts
    third.close()


def test_voice_left_with_nothing_is_quarantined(lib, alice, bob):
    folder = lib.root / "voices" / bob.id
    (folder / bob.prompts[0].file).unlink()
    (folder / "reference.flac").unlink()
    again = _reopen(lib)
    assert [v.name for v in again.list()] == ["Alice"] and len(again.last_check.quarantined) == 1
    again.close()


def test_unreadable_prompt_file_is_moved_aside(lib, alice):
    folder = lib.root / "voices" / alice.id
    (folder / "prompt-zz-32-00000000.safetensors").write_bytes(b"\x80\x04junk")
    again = _reopen(lib)
    assert not (folder / "prompt-zz-32-00000000.safetensors").exists()
    assert len(again.last_check.quarantined) == 1 and again.get(alice.id).prompts == alice.prompts
    again.close()


def test_stray_entries_in_voices_are_moved_aside(lib, alice):
    (lib.root / "voices" / "notes.txt").write_text("mine")
    again = _reopen(lib)
    assert (again.last_check.quarantined[0]).read_text() == "mine"
    again.close()


def test_damaged_index_is_rebuilt_from_the_folders(lib, alice, bob):
    lib.delete(bob)
    lib.update(alice, favorite=True, notes="keep me")
    lib.close()
    for suffix in ("-wal", "-shm"):
        (lib.root / f"library.sqlite{suffix}").unlink(missing_ok=True)
    (lib.root / "library.sqlite").write_bytes(b"this is not a database" * 100)
    again = VoiceLibrary(lib.root)
    assert "rebuilt" in again.last_check.actions[0]
    assert [v.name for v in again.list()] == ["Alice"] and [v.name for v in again.trash()] == ["Bob"]
    v = again.get(alice.id)
    assert v.favorite and v.notes == "keep me" and v.prompts == alice.prompts
    assert any(
        p.name.endswith("-index-" + p.name.split("-")[-1]) for p in (lib.root / "quarantine").iterdir()
    )
    again.close()


def test_library_from_a_newer_timbre_is_refused(lib, alice):
    _sql(lib, "PRAGMA user_version = 99")
    before = snapshot(lib.root)
    lib.close()
    with pytest.raises(LibraryError) as info:
        VoiceLibrary(lib.root)
    assert "newer version" in info.value.message and info.value.hint
    assert snapshot(lib.root) == before


def test_damaged_indexed_prompt_is_moved_aside_and_forgotten(lib, alice, bob, tiny_model):
    (lib.root / "voices" / alice.id / alice.prompts[0].file).write_bytes(b"garbage")
    (lib.root / "voices" / bob.id / "meta.json").unlink()  # something else for the check to notice
    again = _reopen(lib)
    assert len(again.last_check.quarantined) == 1
    assert again.get(alice.id).prompts == () and again.check().clean
    assert again.prompt_for(alice, tiny_model)  # extracted again from the reference
    again.close()
