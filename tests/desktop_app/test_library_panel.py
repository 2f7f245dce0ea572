"""The library panel: drops, imports, search and tags, edits with undo, readiness, playback."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication

from desktop_app.models.library_model import NOTE_ROLE, READINESS_ROLE
from desktop_app.models.script_model import COL_VOICE, LineStatus
from desktop_app.voices import NEEDS_EXTRACTION, NEEDS_MODEL, READY

from ..conftest import SPEECH_TEXT
from .conftest import TIMEOUT_MS
from .helpers import add_voice_from_file, render_script


def drop_files(widget, paths) -> None:
    """Drag files from a file manager and drop them on ``widget`` (events go up to whoever takes them)."""
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    center = widget.rect().center()
    buttons, mods = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    enter = QDragEnterEvent(center, Qt.DropAction.CopyAction, mime, buttons, mods)
    QApplication.sendEvent(widget, enter)
    assert enter.isAccepted(), "the drop target refused the files"
    drop = QDropEvent(QPointF(center), Qt.DropAction.CopyAction, mime, buttons, mods)
    QApplication.sendEvent(widget, drop)
    assert drop.isAccepted()


def shown(panel) -> list[str]:
    return [panel.proxy.index(r, 0).data() for r in range(panel.proxy.rowCount())]


def test_empty_library_explains_how_to_start(qtbot, make_window, studio_settings):
    window = make_window(studio_settings, wait_ready=False)
    panel = window.voices_panel
    assert panel.stack.currentWidget() is panel.empty_page
    assert "New voice" in panel.empty.text() and ".timbre" in panel.empty.text()
    assert not panel.search.isEnabled() and not panel.listen.isEnabled()


def test_drops_start_a_voice_or_import_bundles_and_official_files(
    qtbot, make_window, studio_settings, speech_file, tmp_path
):
    import torch

    window = make_window(studio_settings)
    panel = window.voices_panel
    drop_files(panel.list.viewport(), [speech_file])  # audio: a new voice, in the editor
    assert window.tabs.currentWidget() is window.voice_editor and window.voice_editor.has_audio()
    assert window.voice_editor.name.text() == "Hello"
    window.voice_editor.transcript.setPlainText(SPEECH_TEXT)
    alice = add_voice_from_file(qtbot, window, speech_file, "Alice", SPEECH_TEXT)
    exported = panel.actions.export([alice], tmp_path / "alice")  # the suffix is added
    assert exported.name == "alice.timbre" and panel.banner.kind == "success"

    # An official demo voice file: 2048-dim x-vector, read with torch on the engine thread.
    official = tmp_path / "narrator.pt"
    item = {
        "ref_code": None,
        "ref_spk_embedding": torch.randn(2048),
        "x_vector_only_mode": True,
        "icl_mode": False,
        "ref_text": None,
    }
    torch.save({"items": [item]}, official)
    notes = tmp_path / "notes.txt"
    notes.write_text("not a voice")
    drop_files(panel.list.viewport(), [exported, official, notes])
    qtbot.waitUntil(lambda: panel.banner.message.text().startswith("Imported"), timeout=TIMEOUT_MS)
    assert shown(panel) == ["Alice", "Alice (2)", "narrator"]
    # One message for the drop: what was imported, and the file that was not a voice.
    assert panel.banner.message.text() == "Imported 2 voices: “Alice (2)”, “narrator”."
    assert "Skipped notes.txt" in panel.banner.hint.text()
    narrator = window.library.find("narrator")
    assert panel.model.index_of(narrator.id).data(READINESS_ROLE) == NEEDS_MODEL
    assert "1.7B" in panel.model.index_of(narrator.id).data(NOTE_ROLE)
    # A bundle that is not one: a clear error, nothing imported.
    broken = tmp_path / "broken.timbre"
    broken.write_bytes(b"PK not really a zip")
    drop_files(panel, [broken])
    qtbot.waitUntil(lambda: panel.banner.kind == "error", timeout=TIMEOUT_MS)
    assert panel.banner.message.text().startswith("broken.timbre could not be imported")
    assert panel.banner.hint.text()
    assert len(window.voice_catalog.voices()) == 3


def test_search_tags_edits_delete_and_undo(qtbot, make_window, studio_settings, speech_file):
    window = make_window(studio_settings)
    panel = window.voices_panel
    add_voice_from_file(qtbot, window, speech_file, "Alice", SPEECH_TEXT)
    window.voice_editor.tags.setText("calm")
    bob = add_voice_from_file(qtbot, window, speech_file, "Bob")
    assert shown(panel) == ["Alice", "Bob"]

    # Search: names, tags, and words of the transcript (Alice's starts with "Hello").
    qtbot.keyClicks(panel.search, "hel")
    assert shown(panel) == ["Alice"] and panel.count.text() == "1 of 2 voices"
    panel.search.clear()
    panel.set_tag_filter("calm")
    assert shown(panel) == ["Bob"]
    panel.clear_filters()
    assert shown(panel) == ["Alice", "Bob"]
    # The star in a row marks a favorite; the star button shows favorites only.
    rect = panel.list.visualRect(panel.proxy.index(0, 0))
    star = QPoint(rect.left() + 16, rect.top() + 7 + panel.list.fontMetrics().height() // 2)
    qtbot.mouseClick(panel.list.viewport(), Qt.MouseButton.LeftButton, pos=star)
    assert window.library.find("Alice").favorite
    qtbot.mouseClick(panel.favorites, Qt.MouseButton.LeftButton)
    assert shown(panel) == ["Alice"] and panel.count.text() == "1 of 2 voices"
    qtbot.mouseClick(panel.favorites, Qt.MouseButton.LeftButton)
    # Sorting: newest first, and remembered.
    panel.set_sort("created")
    assert shown(panel) == ["Bob", "Alice"] and window.settings.library_sort == "created"
    panel.set_sort("name")

    # Tags and rename (F2 edits the name in place).
    panel.actions.edit_tags(window.library.get(bob.id), "gravel, calm ")
    assert window.library.get(bob.id).tags == ("calm", "gravel")
    panel.select(bob.id)
    panel.list.setFocus()
    qtbot.keyClick(panel.list, Qt.Key.Key_F2)
    editor = QApplication.focusWidget()
    editor.selectAll()
    qtbot.keyClicks(editor, "Robert")
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.library.get(bob.id).name == "Robert", timeout=TIMEOUT_MS)
    qtbot.waitUntil(lambda: shown(panel) == ["Alice", "Robert"], timeout=TIMEOUT_MS)
    # A rename to a taken name is refused and explained.
    assert not panel.model.setData(panel.model.index_of(bob.id), "ALICE")
    assert panel.banner.kind == "error" and "already a voice" in panel.banner.message.text()

    # Duplicate, then delete with Del and undo; the script follows.
    copy = panel.actions.duplicate(window.library.get(bob.id))
    assert shown(panel) == ["Alice", "Robert", "Robert (copy)"] and panel.current_voice().id == copy.id
    before = window.script_panel.model.default_voice_id
    panel.select(bob.id)
    assert window.script_panel.model.default_voice_id == before  # selecting alone changes no line
    menu = panel.actions.context_menu(
        [window.library.get(bob.id)],
        None,
        listen=panel.toggle_reference,
        rename=lambda: None,
        use=panel.use_requested.emit,
    )
    next(a for a in menu.actions() if a.text() == "Use for the script").trigger()
    assert window.script_panel.model.default_voice_id == bob.id
    window.script_panel.set_script("A line for Robert.")
    panel.list.setFocus()
    qtbot.keyClick(panel.list, Qt.Key.Key_Delete)
    assert shown(panel) == ["Alice", "Robert (copy)"]
    assert panel.banner.kind == "info" and panel.banner.action.text() == "Undo"
    assert window.script_panel.model.data(window.script_panel.model.index(0, COL_VOICE)) == "Missing voice"
    qtbot.mouseClick(panel.banner.action, Qt.MouseButton.LeftButton)
    assert shown(panel) == ["Alice", "Robert", "Robert (copy)"]
    assert window.script_panel.model.data(window.script_panel.model.index(0, COL_VOICE)) == "Robert"
    # Delete again; this time empty the trash: gone for good.
    panel.actions.delete([window.library.get(copy.id)])
    assert [v.name for v in window.library.trash()] == ["Robert (copy)"]
    assert panel.actions.empty_trash(confirm=False) == 1
    assert window.library.trash() == [] and shown(panel) == ["Alice", "Robert"]


def test_voices_follow_the_loaded_model(qtbot, make_window, studio_settings, sibling_checkpoint, speech_file):
    """A voice made by another model is marked, re-extracted on first use, then ready."""
    window = make_window(studio_settings)
    alice = add_voice_from_file(qtbot, window, speech_file, "Alice", SPEECH_TEXT)
    assert window.voice_catalog.index_of(alice.id).data(READINESS_ROLE) == READY
    window.close()

    studio_settings.model_source = str(sibling_checkpoint)
    window = make_window(studio_settings)
    panel = window.voices_panel
    index = window.voice_catalog.index_of(alice.id)
    assert index.data(READINESS_ROLE) == NEEDS_EXTRACTION
    assert "extracted again" in index.data(NOTE_ROLE) and "extracted again" in index.data(3)
    # An official voice from the 1.7B model: no reference to extract it again from.
    import torch

    path = panel.model.library.root.parent / "big.pt"
    torch.save({"items": [{"ref_spk_embedding": torch.randn(2048), "x_vector_only_mode": True}]}, path)
    with qtbot.waitSignal(window.library_jobs.added, timeout=TIMEOUT_MS):
        panel.import_files([str(path)])
    big = window.library.find("big")
    assert window.voice_catalog.index_of(big.id).data(READINESS_ROLE) == NEEDS_MODEL
    script = window.script_panel
    assert window.voices_panel.current_voice().id == big.id  # imported, selected: the default
    window.voices_panel.select(alice.id)
    script.set_script("Alice speaks.\nThe big voice speaks.")
    script.model.setData(script.model.index(1, COL_VOICE), big.id)
    assert script.model.index(1, COL_VOICE).data(Qt.ItemDataRole.ForegroundRole) is not None  # red
    render_script(qtbot, window, script.editor.toPlainText())
    # Alice was extracted again for this model; the big voice's line says what it needs.
    assert [line.status for line in script.model.lines()] == [LineStatus.DONE, LineStatus.FAILED]
    assert "1.7B" in script.model.line(1).detail
    assert script.banner.kind == "error" and script.banner.message.text().startswith("Line 2 could not")
    assert [r.voice_name for r in window.takes_panel.model.all_records()] == ["Alice"]
    assert window.voice_catalog.index_of(alice.id).data(READINESS_ROLE) == READY
    assert len(window.library.get(alice.id).prompts) == 2


def test_listen_to_a_voice_reference(
    qtbot, make_window, studio_settings, speech_file, speech, sound, tmp_path
):
    window = make_window(studio_settings)
    add_voice_from_file(qtbot, window, speech_file, "Alice", SPEECH_TEXT)
    panel = window.voices_panel
    monitor = sound.record(tmp_path / "heard.wav")
    qtbot.wait(500)  # the monitor recorder connects
    panel.list.setFocus()
    with qtbot.waitSignal(window.player.state_changed, timeout=TIMEOUT_MS, check_params_cb=lambda p: not p):
        qtbot.keyClick(panel.list, Qt.Key.Key_Space)  # Space plays the reference
        assert window.player.owner is panel and panel.listen.text() == "Stop"
    monitor.stop()
    heard, _ = sf.read(str(tmp_path / "heard.wav"), dtype="float32")
    assert np.max(np.abs(heard)) == pytest.approx(np.max(np.abs(speech[0])), rel=0.2)
    assert panel.listen.text() == "Listen"
