"""Renaming, editing, tagging and duplicating voices."""

from __future__ import annotations

import json

import pytest

from engine.library import NameTakenError, VoiceInputError, VoiceNotFoundError
from tests.library.helpers import snapshot, whole_voice_problems


def _meta(lib, voice) -> dict:
    return json.loads((lib.root / "voices" / voice.id / "meta.json").read_text(encoding="utf-8"))


def test_rename_changes_index_and_meta(lib, alice):
    renamed = lib.rename(alice, "  Alice,   calm ")
    assert renamed.name == "Alice, calm"
    assert renamed.updated > alice.updated and renamed.created == alice.created
    assert lib.get(alice.id).name == "Alice, calm"
    assert _meta(lib, alice)["name"] == "Alice, calm"


def test_rename_to_own_name_in_other_case_is_allowed(lib, alice):
    assert lib.rename(alice, "ALICE").name == "ALICE"


def test_rename_to_a_taken_name_is_refused(lib, alice, bob):
    before = snapshot(lib.root)
    with pytest.raises(NameTakenError) as info:
        lib.rename(bob, "alice")
    assert "'Alice'" in info.value.message and info.value.hint
    assert snapshot(lib.root) == before


def test_update_changes_only_what_is_given(lib, alice):
    v = lib.update(alice, notes="Warm, slow.\nGood for audiobooks.", favorite=True)
    assert v.notes == "Warm, slow.\nGood for audiobooks." and v.favorite
    assert v.tags == alice.tags and v.language == alice.language and v.name == alice.name
    v = lib.update(v, tags=["Audiobook"], language="German")
    assert v.tags == ("Audiobook",) and v.language == "german" and v.favorite
    meta = _meta(lib, alice)
    assert meta["tags"] == ["Audiobook"] and meta["favorite"] is True and meta["language"] == "german"


def test_tag_adds_and_removes(lib, alice):
    v = lib.tag(alice, add=["warm", "Calm"], remove=["NARRATOR"])
    assert v.tags == ("calm", "warm")
    assert lib.tags() == ["calm", "warm"]


@pytest.mark.parametrize(
    "call",
    [
        lambda lib, v: lib.rename(v, ""),
        lambda lib, v: lib.update(v, language="12"),
        lambda lib, v: lib.update(v, notes="x" * 20_000),
        lambda lib, v: lib.update(v, tags=[3]),
        lambda lib, v: lib.tag(v, add=["\x07bell"]),
    ],
)
def test_bad_edits_change_nothing(lib, alice, call):
    before = snapshot(lib.root)
    with pytest.raises(VoiceInputError):
        call(lib, alice)
    assert snapshot(lib.root) == before


def test_unknown_voice_is_a_clear_error(lib):
    for bad in ("0123456789abcdef", "../../etc", ""):
        with pytest.raises(VoiceNotFoundError) as info:
            lib.rename(bad, "X")
        assert info.value.hint
    with pytest.raises(VoiceNotFoundError):
        lib.find("nobody")


def test_find_by_name_id_and_prefix(lib, alice, bob):
    assert lib.find("ALICE") == alice
    assert lib.find(bob.id) == bob
    assert lib.find(alice.id[:6]) == alice


def test_duplicate_copies_files_and_metadata(lib, alice, tiny_model):
    lib.update(alice, notes="n", favorite=True)
    copy = lib.duplicate(alice)
    assert copy.id != alice.id and copy.name == "Alice (copy)"
    assert copy.tags == alice.tags and copy.notes == "n" and not copy.favorite
    assert copy.transcript == alice.transcript and copy.duration_s == alice.duration_s
    assert copy.prompts == alice.prompts and whole_voice_problems(lib, copy) == []
    src, dst = lib.root / "voices" / alice.id, lib.root / "voices" / copy.id
    for name in ("reference.flac", alice.prompts[0].file):
        assert (src / name).read_bytes() == (dst / name).read_bytes()
    assert lib.duplicate(alice).name == "Alice (copy) (2)"
    named = lib.duplicate(alice, "Alice for chapter 2")
    assert named.name == "Alice for chapter 2"
    with pytest.raises(NameTakenError):
        lib.duplicate(alice, "Alice")
    assert lib.prompt_for(copy, tiny_model)[0].ref_text == alice.transcript
