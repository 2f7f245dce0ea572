"""The project store on real SQLite and real FLAC files: what the studio and timbre-cli rely on."""

from __future__ import annotations

import multiprocessing
import sqlite3

import numpy as np
import pytest

from engine.projects import ProjectStore, ProjectStoreError, TakeRecord, new_id
from engine.projects.schema import SCHEMA_VERSION


@pytest.fixture
def store(tmp_path):
    s = ProjectStore(tmp_path / "data")
    yield s
    s.close()


def _take(line_id: str, text: str = "Hello.", **kw) -> TakeRecord:
    return TakeRecord(
        id=new_id(),
        line_id=line_id,
        text=text,
        voice_id="v1",
        voice_name="Alice",
        language="english",
        seed=1,
        **kw,
    )


def _audio(seconds: float = 0.5) -> np.ndarray:
    return (0.1 * np.sin(np.arange(int(24000 * seconds)) / 10)).astype(np.float32)


def test_a_new_project_has_a_first_script_named_by_its_kind(store):
    book = store.create_project("My audiobook", "audiobook")
    show = store.create_project("  The   Show ", "podcast")
    assert [p.name for p in store.projects()] == ["My audiobook", "The Show"]
    assert [s.name for s in store.scripts(book.id)] == ["Chapter 1"]
    assert store.create_script(book.id).name == "Chapter 2"
    assert [s.name for s in store.scripts(show.id)] == ["Episode 1"]
    with pytest.raises(ValueError, match="needs a name"):
        store.create_project("   ")
    with pytest.raises(ValueError, match="kind"):
        store.create_project("x", "opera")


def test_lines_keep_their_takes_through_edits_moves_and_removal(store):
    script = store.scripts(store.create_project("P").id)[0]
    a, b = new_id(), new_id()
    store.save_script(
        script.id, "One.\nTwo.", [(a, "One.", None, None), (b, "Two.", "v2", "german")], "v1", "auto"
    )
    store.add_take(_take(a, "One."), _audio())
    # reworded and moved: the same ids in another order
    store.save_script(
        script.id, "Two!\nOne.", [(b, "Two!", "v2", None), (a, "One.", None, None)], "v1", "auto"
    )
    lines = store.lines(script.id)
    assert [(ln.id, ln.text, ln.position) for ln in lines] == [(b, "Two!", 0), (a, "One.", 1)]
    assert [t.line_id for t in store.takes(script.id)] == [a]
    # deleted from the script: a line with takes waits under "removed lines", one without goes
    store.save_script(script.id, "", [], "v1", "auto")
    assert store.lines(script.id) == []
    assert [ln.id for ln in store.lines(script.id, removed=True)] == [a]
    assert len(store.takes(script.id)) == 1
    reopened = store.script(script.id)
    assert reopened.default_voice_id == "v1" and reopened.text == ""


def test_takes_go_to_the_trash_and_come_back(store):
    script = store.scripts(store.create_project("P").id)[0]
    line = new_id()
    store.save_script(script.id, "Hi.", [(line, "Hi.", None, None)], None, "auto")
    t1 = store.add_take(_take(line, favorite=True), _audio())
    t2 = store.add_take(_take(line), _audio(0.25))
    assert t2.duration_s == pytest.approx(0.25)
    np.testing.assert_allclose(store.load_audio(t2), _audio(0.25), atol=1e-6)  # 24-bit FLAC
    store.trash_takes([t1.id])
    assert [t.id for t in store.takes(script.id)] == [t2.id]
    assert [t.id for t in store.trashed_takes(script.id)] == [t1.id]
    assert store.audio_path(t1).is_file()  # nothing leaves the disk before purge
    store.restore_takes([t1.id])
    assert {t.id for t in store.takes(script.id)} == {t1.id, t2.id} and store.take(t1.id).favorite
    store.trash_takes([t1.id])
    assert store.purge() == 1
    assert not store.audio_path(t1).exists() and store.audio_path(t2).is_file()


def test_delete_with_undo_and_purge(store):
    p = store.create_project("Series")
    s2 = store.create_script(p.id, "Pilot")
    line = new_id()
    store.save_script(s2.id, "Line.", [(line, "Line.", None, None)], None, "auto")
    take = store.add_take(_take(line), _audio())
    store.delete_script(s2.id)
    assert [s.name for s in store.scripts(p.id)] == ["Episode 1"] and store.script(s2.id) is None
    store.restore_script(s2.id)
    assert store.script(s2.id).name == "Pilot"
    store.delete_project(p.id)
    assert store.projects() == [] and store.script(s2.id) is None
    store.restore_project(p.id)
    assert [x.name for x in store.projects()] == ["Series"]
    store.delete_project(p.id)
    store.purge()
    assert not store.audio_path(take).exists()
    store.restore_project(p.id)  # too late: purged
    assert store.projects() == []


def test_rename_duplicate_and_reorder(store):
    p = store.create_project("Book", "audiobook")
    c1 = store.scripts(p.id)[0]
    c2 = store.create_script(p.id)
    line = new_id()
    store.save_script(c1.id, "Once.", [(line, "Once.", "v9", None)], "v1", "english")
    store.add_take(_take(line, "Once."), _audio())
    store.rename_script(c1.id, "Prologue")
    copy = store.duplicate_script(c1.id)
    assert [s.name for s in store.scripts(p.id)] == ["Prologue", "Prologue (copy)", "Chapter 2"]
    copied = store.lines(copy.id)
    assert [(ln.text, ln.voice_id) for ln in copied] == [("Once.", "v9")] and copied[0].id != line
    assert store.takes(copy.id) == []  # takes stay with the original
    store.move_script(c2.id, 0)
    assert [s.name for s in store.scripts(p.id)] == ["Chapter 2", "Prologue", "Prologue (copy)"]
    q = store.create_project("Other")
    store.move_project(q.id, 0)
    store.rename_project(p.id, "Book One")
    assert [x.name for x in store.projects()] == ["Other", "Book One"]
    dup = store.duplicate_project(p.id)
    assert [s.name for s in store.scripts(dup.id)] == ["Chapter 2", "Prologue", "Prologue (copy)"]
    assert store.find_script("book one", "PROLOGUE").id == c1.id
    assert store.find_script("Book One", "Nope") is None


def test_a_take_without_its_line_or_audio_is_refused_and_leaves_nothing(store):
    orphan = _take("no-such-line")
    with pytest.raises(ProjectStoreError):
        store.add_take(orphan, _audio())
    assert not store.audio_path(orphan).exists()
    with pytest.raises(ProjectStoreError, match="no audio"):
        store.add_take(_take("no-such-line"), None)


def test_render_all_is_remembered_across_reopening(tmp_path):
    s = ProjectStore(tmp_path)
    p = s.create_project("Book", "audiobook")
    s.set_render_all(p.id, True)
    s.close()
    again = ProjectStore(tmp_path)
    assert [x.id for x in again.render_all_pending()] == [p.id]
    again.set_render_all(p.id, False)
    assert again.render_all_pending() == []
    again.close()


def test_a_newer_or_damaged_file_is_refused_with_advice(tmp_path):
    ProjectStore(tmp_path).close()
    conn = sqlite3.connect(tmp_path / "projects.sqlite")
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(ProjectStoreError, match="newer Timbre"):
        ProjectStore(tmp_path)
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "projects.sqlite").write_bytes(b"this is not a database" * 100)
    with pytest.raises(ProjectStoreError, match="cannot be opened") as info:
        ProjectStore(bad)
    assert "Move it aside" in info.value.hint


def _writer(root: str, n: int) -> None:
    s = ProjectStore(root)
    for i in range(n):
        s.create_project(f"P{i}")
    s.close()


def test_two_processes_writing_at_once_lose_nothing(tmp_path):
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_writer, args=(str(tmp_path), 15)) for _ in range(2)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
    assert all(p.exitcode == 0 for p in procs)
    s = ProjectStore(tmp_path)
    assert len(s.projects()) == 30
    s.close()
