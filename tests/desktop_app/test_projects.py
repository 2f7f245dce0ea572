"""Projects in the studio: create and switch scripts, takes that stay with their lines (stale,
moved, removed), the old single script migrated, render all chapters across a restart, and a
close that would stop a render asks first."""

from __future__ import annotations

import json

import numpy as np
import soundfile as sf
from PySide6.QtCore import Qt

from desktop_app.settings import LineChoice, Settings, load_settings, save_settings
from engine.paths import data_dir

from ..conftest import SPEECH_TEXT
from .conftest import TIMEOUT_MS
from .helpers import add_voice_from_file, answer_next_dialog, render_script


def _texts(window) -> list[str]:
    return [r.text for r in window.takes_panel.model.all_records()]


def test_projects_hold_scripts_and_each_script_its_takes(qtbot, make_window, studio_settings, speech_file):
    window = make_window(studio_settings)
    add_voice_from_file(qtbot, window, speech_file, "Alice", SPEECH_TEXT)
    projects = window.project_panel
    first_script = window.script_panel.script
    render_script(qtbot, window, "An episode line.")
    book = projects.new_project("My Novel", "audiobook")
    chapter1 = window.script_panel.script
    assert chapter1.name == "Chapter 1" and window.script_panel.editor.toPlainText() == ""
    assert window.takes_panel.model.rowCount() == 0  # another script: its own takes
    assert "Chapter 1 · My Novel" in window.windowTitle()
    window.script_panel.set_default_voice(window.voice_catalog.voices()[0].id)
    render_script(qtbot, window, "Once upon a time.")
    chapter2 = projects.new_script()
    assert window.projects.script(chapter2).name == "Chapter 2"
    window.script_panel.set_script("The end.")
    # Switching back by clicking in the tree: text and takes of chapter 1 come back.
    item = projects._item(chapter1.id)
    qtbot.mouseClick(
        projects.tree.viewport(),
        Qt.MouseButton.LeftButton,
        pos=projects.tree.visualRect(item.index()).center(),
    )
    assert window.script_panel.script.id == chapter1.id
    assert window.script_panel.editor.toPlainText() == "Once upon a time." and _texts(window) == [
        "Once upon a time."
    ]
    window.open_script(chapter2)
    assert window.script_panel.editor.toPlainText() == "The end."  # saved when we left it
    window.open_script(first_script.id)
    assert _texts(window) == ["An episode line."]
    # Delete the book with Del, then Undo: its scripts and takes come back.
    projects._select(book)
    projects.tree.setFocus()
    qtbot.keyClick(projects.tree, Qt.Key.Key_Delete)
    assert [p.name for p in window.projects.projects()] == ["My project"]
    assert projects.banner.action.text() == "Undo"
    qtbot.mouseClick(projects.banner.action, Qt.MouseButton.LeftButton)
    assert [p.name for p in window.projects.projects()] == ["My project", "My Novel"]
    assert [s.name for s in window.projects.scripts(book)] == ["Chapter 1", "Chapter 2"]
    # Reorder and duplicate.
    projects._select(chapter2)
    projects.move_selected(-1)
    assert [s.name for s in window.projects.scripts(book)] == ["Chapter 2", "Chapter 1"]
    projects.duplicate_selected()
    assert [s.name for s in window.projects.scripts(book)] == ["Chapter 2", "Chapter 2 (copy)", "Chapter 1"]


def test_edited_moved_and_deleted_lines_keep_their_takes(qtbot, make_window, studio_settings, speech_file):
    window = make_window(studio_settings)
    add_voice_from_file(qtbot, window, speech_file, "Alice", SPEECH_TEXT)
    render_script(qtbot, window, "First line.\nSecond line.\nThird line.")
    takes = window.takes_panel
    model = takes.model
    assert model.rowCount() == 3
    editor = window.script_panel.editor
    editor.setPlainText("Third line.\nFirst line.\nSecond line, edited.")  # moved and reworded
    qtbot.waitUntil(lambda: model.index(0, 0).data().startswith("1  ·  Third line."), timeout=TIMEOUT_MS)
    labels = [model.index(r, 0).data() for r in range(3)]
    assert labels[1].startswith("2  ·  First line.")  # moved, not edited: fresh
    assert labels[2].startswith("3 (stale)  ·  Second line, edited.")
    editor.setPlainText("Third line.\nSecond line, edited.")  # "First line." deleted
    qtbot.waitUntil(
        lambda: model.index(2, 0).data().startswith("Removed  ·  First line."), timeout=TIMEOUT_MS
    )
    # Rendering again makes the edited line fresh; Clear removed lines moves the rest to the trash.
    render_script(qtbot, window, editor.toPlainText())
    group = next(r for r in range(model.rowCount()) if "Second line, edited." in model.index(r, 0).data())
    assert "(stale)" not in model.index(group, 0).data() and model.rowCount(model.index(group, 0)) == 2
    takes.clear_removed_lines()
    assert not any(model.index(r, 0).data().startswith("Removed") for r in range(model.rowCount()))
    takes.undo_delete()
    assert any(model.index(r, 0).data().startswith("Removed") for r in range(model.rowCount()))
    # The voice's current name is shown after a rename.
    voice = window.voice_catalog.voices()[0]
    window.library.rename(voice, "Alicia")
    window.voice_catalog.refresh()
    assert model.index(0, 1, model.index(0, 0)).data() == "Alicia"


def _legacy_folder(speech_path) -> str:
    """A data folder as Timbre left it before projects: one script in settings, takes in a JSON index."""
    root = data_dir()
    (root / "takes" / "audio").mkdir(parents=True)
    audio = np.zeros(4800, np.float32)
    entries = []
    for i, (number, text) in enumerate([(1, "Hello there."), (2, "Old wording."), (2, "Second.")]):
        take_id = f"old{i}"
        sf.write(str(root / "takes" / "audio" / f"{take_id}.flac"), audio, 24000, format="FLAC")
        entries.append(
            {
                "id": take_id,
                "line_number": number,
                "text": text,
                "voice_id": "v",
                "voice_name": "Alice",
                "language": "english",
                "seed": i,
                "settings": {"temperature": 0.9},
                "created_at": f"2026-11-0{i + 1}T10:00:00+00:00",
                "duration_s": 0.2,
                "sample_rate": 24000,
                "finish_reason": "eos",
                "favorite": i == 2,
            }
        )
    (root / "takes" / "index.json").write_text(json.dumps({"version": 1, "takes": entries}))
    return "Hello there.\n# a note\nSecond."


def test_the_old_single_script_and_its_takes_move_into_a_first_project(
    qtbot, make_window, studio_settings, speech_file
):
    text = _legacy_folder(speech_file)
    studio_settings.script.text = text
    studio_settings.script.lines = [LineChoice(None, "german"), LineChoice(None, None)]
    save_settings(studio_settings)
    window = make_window(load_settings())
    assert [p.name for p in window.projects.projects()] == ["My project"]
    assert window.script_panel.editor.toPlainText() == text
    assert window.script_panel.model.line(0).language == "german"
    model = window.takes_panel.model
    labels = [model.index(r, 0).data() for r in range(model.rowCount())]
    assert labels[0].startswith("1  ·  Hello there.") and labels[1].startswith("2  ·  Second.")
    assert labels[2].startswith("Removed  ·  Old wording.")  # the line had been reworded since
    assert sorted(r.id for r in model.all_records()) == ["old0", "old1", "old2"]
    assert window.projects.take("old2").favorite
    assert (data_dir() / "takes" / "index.json.migrated").is_file()
    assert not (data_dir() / "takes" / "index.json").exists()
    window.close()
    again = make_window(load_settings())  # migrated once: nothing doubles
    assert len(again.projects.projects()) == 1 and len(again.takes_panel.model.all_records()) == 3
    assert load_settings().script.text == ""


def test_render_all_chapters_resumes_after_a_restart(qtbot, make_window, studio_settings, speech_file):
    window = make_window(studio_settings)
    voice = add_voice_from_file(qtbot, window, speech_file, "Alice", SPEECH_TEXT)
    book = window.project_panel.new_project("Book", "audiobook")
    window.script_panel.set_default_voice(voice.id)
    window.script_panel.set_script("Chapter one begins.\nIt goes on.")
    second = window.project_panel.new_script()
    window.script_panel.set_default_voice(voice.id)
    window.script_panel.set_script("Chapter two begins.")
    third = window.project_panel.new_script()
    window.script_panel.set_default_voice(voice.id)
    window.script_panel.set_script("Chapter three.\nThe very end.")
    chapters = window.projects.scripts(book)
    done = []
    window.render_all_queue.chapter_finished.connect(done.append)
    assert window.render_all(book) == 5
    assert window.cancel_action.isEnabled()
    qtbot.waitUntil(lambda: len(done) >= 1, timeout=TIMEOUT_MS)
    assert window.project_panel._progress[chapters[0].id] == "done"
    answer_next_dialog(qtbot, "Stop and close")  # closing mid-queue asks first
    window.close()
    assert not window.isVisible()

    again = make_window(load_settings())
    assert again.banner.action.text() == "Resume" and "Book" in again.banner.message.text()
    finished = []
    again.render_all_queue.finished.connect(lambda pid, cancelled: finished.append(cancelled))
    qtbot.mouseClick(again.banner.action, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(finished), timeout=TIMEOUT_MS)
    assert finished == [False] and again.projects.render_all_pending() == []
    for script, n in zip(chapters, (2, 1, 2)):
        lines = {ln.id for ln in again.projects.lines(script.id)}
        taken = {t.line_id for t in again.projects.takes(script.id)}
        assert len(lines) == n and taken == lines, script.name
    # Nothing was rendered twice: chapter one kept its takes from before the restart.
    assert len(again.projects.takes(chapters[0].id)) == 2
    assert again.render_all(book) == 0 and "already has a take" in again.banner.message.text()
    assert {second, third} <= {s.id for s in chapters}


def test_closing_mid_render_asks_and_can_keep_rendering(qtbot, make_window, studio_settings, speech_file):
    window = make_window(studio_settings)
    add_voice_from_file(qtbot, window, speech_file, "Alice", SPEECH_TEXT)
    window.script_panel.sampling.max_length.setValue(300.0)
    window.script_panel.set_script(" ".join(["A long line that keeps going for a good while."] * 8))
    assert window.generate() is not None
    answer_next_dialog(qtbot, "Keep rendering")
    window.close()
    assert window.isVisible() and window.script_panel.busy  # nothing was stopped


def test_settings_without_projects_start_with_an_empty_first_project(qtbot, make_window, studio_settings):
    window = make_window(Settings(model_source=studio_settings.model_source, device="cpu"), wait_ready=False)
    assert [p.name for p in window.projects.projects()] == ["My project"]
    assert window.script_panel.script is not None and window.script_panel.editor.toPlainText() == ""
