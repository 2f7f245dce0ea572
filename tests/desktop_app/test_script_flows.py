"""Scripts and takes: render with two voices, cancel, play, export, regenerate, restart."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox

from desktop_app.engine_host import ModelPhase
from desktop_app.models.script_model import COL_LANGUAGE, COL_VOICE, LineStatus
from desktop_app.render_preview import GAP_S
from desktop_app.settings import load_settings

from ..conftest import SPEECH_TEXT
from .conftest import TIMEOUT_MS
from .helpers import RenderEvents, add_voice_from_file, render_script

SCRIPT = "Welcome back to the show.\nThanks, glad to be here.\n\nLet's get started."


@pytest.fixture
def two_voices(qtbot, make_window, studio_settings, speech_file):
    window = make_window(studio_settings)
    alice = add_voice_from_file(qtbot, window, speech_file, "Alice", SPEECH_TEXT)
    bob = add_voice_from_file(qtbot, window, speech_file, "Bob")
    window.script_panel.set_default_voice(alice.id)
    return window, alice, bob


def test_generate_three_lines_with_two_voices(qtbot, two_voices):
    window, alice, bob = two_voices
    panel = window.script_panel
    panel.set_script(SCRIPT)
    model = panel.model
    assert [line.text for line in model.lines()] == [
        "Welcome back to the show.",
        "Thanks, glad to be here.",
        "Let's get started.",
    ]
    assert model.setData(model.index(1, COL_VOICE), bob.id)
    assert model.setData(model.index(2, COL_LANGUAGE), "german")
    panel.sampling.lock.setChecked(True)
    panel.sampling.seed.setValue(1234)
    seen = RenderEvents(window)
    window.tabs.setCurrentWidget(panel)
    panel.editor.setFocus()
    qtbot.keyClick(panel.editor, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)  # Ctrl+Enter
    qtbot.waitUntil(lambda: bool(seen.of("finished")), timeout=TIMEOUT_MS)
    assert seen.of("finished") == [(False,)]
    progress = seen.of("progress")
    assert panel.editor.toPlainText() == SCRIPT  # Ctrl+Enter generated; it typed no newline
    assert progress, "per-frame progress reached the panel"
    assert [line.status for line in model.lines()] == [LineStatus.DONE] * 3
    assert panel.progress.value() == panel.progress.maximum()
    records = window.takes_panel.model.all_records()
    numbers = [window.takes_panel.model.number_of(r) for r in records]
    assert [(n, r.voice_name, r.language) for n, r in zip(numbers, records)] == [
        (1, "Alice", "english"),
        (2, "Bob", "english"),
        (3, "Alice", "german"),
    ]
    assert all(r.settings["max_new_tokens"] == 20 and r.duration_s > 0 for r in records)
    assert [r.seed for r in records] == [1234, 1235, 1236]  # the locked seed, then +1 per line
    for r in records:
        audio, rate = sf.read(str(window.projects.audio_path(r)))
        assert rate == 24000 and len(audio) == pytest.approx(r.duration_s * rate, abs=1)
    # The newest take is shown, ready to play.
    assert window.takes_panel.current_record() is not None
    assert window.takes_panel.waveform.duration_s > 0


def test_cancel_stops_the_job_and_keeps_finished_takes(qtbot, two_voices):
    window, alice, bob = two_voices
    panel = window.script_panel
    panel.sampling.max_length.setValue(300.0)  # long enough that only Cancel ends the long lines
    long_line = " ".join(["This line goes on and on, and it keeps going for a long while."] * 10)
    panel.set_script(f"Hi.\n{long_line}\n{long_line}")
    job = window.generate()
    assert job is not None
    takes, ended = [], []
    job.take.connect(lambda i, take: takes.append(i))
    job.finished.connect(ended.append)
    assert not panel.generate_button.isEnabled() and window.cancel_action.isEnabled()
    qtbot.waitUntil(lambda: takes == [0], timeout=TIMEOUT_MS)  # "Hi." ends first
    qtbot.mouseClick(panel.cancel_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(ended), timeout=TIMEOUT_MS)
    assert ended == [True] and takes == [0]
    statuses = [line.status for line in panel.model.lines()]
    assert statuses == [LineStatus.DONE, LineStatus.CANCELLED, LineStatus.CANCELLED]
    assert "kept" in panel.progress_label.text()
    assert [r.text for r in window.takes_panel.model.all_records()] == ["Hi."]
    assert panel.generate_button.isEnabled() and not window.cancel_action.isEnabled()
    # The studio goes on: the next render works.
    panel.sampling.max_length.setValue(1.6)
    render_script(qtbot, window, "One more line.")
    assert len(window.takes_panel.model.all_records()) == 2


def test_play_a_take_is_heard(qtbot, two_voices, sound, tmp_path):
    window, alice, bob = two_voices
    render_script(qtbot, window, "Listen to this take.")
    takes = window.takes_panel
    record = takes.current_record()
    assert record is not None
    monitor = sound.record(tmp_path / "heard.wav")
    positions = []
    window.player.position_changed.connect(positions.append)
    qtbot.wait(500)  # the monitor recorder connects
    takes.tree.setFocus()
    with qtbot.waitSignal(window.player.state_changed, timeout=TIMEOUT_MS, check_params_cb=lambda p: not p):
        qtbot.keyClick(takes.tree, Qt.Key.Key_Space)  # Space plays
        assert takes.play_button.text() == "Stop", takes.banner.message.text()
    monitor.stop()
    heard, rate = sf.read(str(tmp_path / "heard.wav"), dtype="float32")
    played = takes.store.load_audio(record)
    # The take is noise from random weights: compare loudness, not waveforms.
    assert np.max(np.abs(heard)) > 0.5 * np.max(np.abs(played)) > 0
    assert positions and max(positions) > 0.3 * record.duration_s
    assert takes.play_button.text() == "Play"


def test_export_selected_and_all(qtbot, two_voices, tmp_path):
    window, alice, bob = two_voices
    render_script(qtbot, window, "First line!\nSecond line?")
    takes = window.takes_panel
    first = takes.model.all_records()[0]
    takes.select(first.id)
    paths = takes.export(takes.records_for("selected"), tmp_path / "selected", "flac")
    assert [p.name for p in paths] == ["001-first-line.flac"]
    paths = takes.export(takes.records_for("all"), tmp_path / "all", "wav")
    assert [p.name for p in paths] == ["001-first-line.wav", "002-second-line.wav"]
    for path, record in zip(paths, takes.model.all_records()):
        info = sf.info(str(path))
        assert info.samplerate == 24000 and info.duration == pytest.approx(record.duration_s, abs=1e-3)
    assert takes.banner.kind == "success" and "Exported 2 takes" in takes.banner.message.text()
    assert window.settings.output_folder == str(tmp_path / "all")  # remembered for next time


def test_regenerate_favorite_delete(qtbot, two_voices, monkeypatch):
    window, alice, bob = two_voices
    render_script(qtbot, window, "Say it again.")
    takes = window.takes_panel
    first = takes.current_record()
    takes.tree.setFocus()
    narrowest = window.minimumSizeHint().width(), takes.favorite_button.sizeHint().width()
    qtbot.keyClick(takes.tree, Qt.Key.Key_F)
    assert takes.store.take(first.id).favorite
    # A favourite is a filled star; the button keeps its size, so the window never widens.
    assert (window.minimumSizeHint().width(), takes.favorite_button.sizeHint().width()) == narrowest
    seen = RenderEvents(window)
    qtbot.mouseClick(takes.regenerate_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(seen.of("finished")), timeout=TIMEOUT_MS)
    records = takes.model.all_records()
    assert len(records) == 2 and records[1].text == first.text and records[1].seed != first.seed
    assert takes.model.rowCount() == 1  # both takes under the one line
    # Del moves takes to the trash, favourites too, without a dialog; Undo brings them back.
    takes.tree.selectAll()
    takes.tree.setFocus()
    qtbot.keyClick(takes.tree, Qt.Key.Key_Delete)
    assert takes.model.all_records() == [] and takes.banner.action.text() == "Undo"
    assert "1 favorite" in takes.banner.message.text()
    assert all(window.projects.audio_path(r).exists() for r in records)  # nothing left the disk
    qtbot.mouseClick(takes.banner.action, Qt.MouseButton.LeftButton)
    assert {r.id for r in takes.model.all_records()} == {r.id for r in records}
    assert takes.store.take(first.id).favorite
    takes.select(records[1].id)
    takes.delete_selected()  # the Delete button's slot
    assert [r.id for r in takes.model.all_records()] == [first.id]
    takes.tree.setFocus()
    qtbot.keyClick(takes.tree, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)  # Ctrl+Z
    assert len(takes.model.all_records()) == 2
    takes.select(records[1].id)
    takes.delete_selected()
    assert takes.empty_trash(confirm=False) == 1
    assert not window.projects.audio_path(records[1]).exists()
    assert window.projects.audio_path(first).exists()


def test_restart_keeps_voices_script_and_takes(qtbot, make_window, two_voices):
    window, alice, bob = two_voices
    render_script(qtbot, window, SCRIPT)
    window.script_panel.model.setData(window.script_panel.model.index(1, COL_LANGUAGE), "french")
    window.script_panel.sampling.temperature.setValue(0.7)
    favorite = window.takes_panel.model.all_records()[1]
    window.takes_panel.model.set_favorite(favorite.id, True)
    before = [(r.id, r.text, r.seed, r.favorite) for r in window.takes_panel.model.all_records()]
    window.close()
    assert not window.host.is_running()

    again = make_window(load_settings())  # a new window on the same TIMBRE_HOME
    panel = again.script_panel
    assert panel.editor.toPlainText() == SCRIPT
    assert panel.model.line(1).language == "french"
    assert panel.sampling.temperature.value() == pytest.approx(0.7)
    after = [(r.id, r.text, r.seed, r.favorite) for r in again.takes_panel.model.all_records()]
    assert after == before
    record = again.takes_panel.model.all_records()[0]
    assert len(again.projects.load_audio(record)) == pytest.approx(record.duration_s * 24000, abs=1)
    # The voices live in the library: the list, the script's lines and a new render find them.
    assert [v.name for v in again.voice_catalog.voices()] == ["Alice", "Bob"]
    assert again.voices_panel.stack.currentWidget() is again.voices_panel.list
    assert panel.model.default_voice_id == alice.id
    assert panel.model.data(panel.model.index(0, COL_VOICE)) == "Alice"
    render_script(qtbot, again, "Back again.")
    assert again.takes_panel.model.all_records()[-1].voice_name == "Alice"


def test_generate_explains_missing_model_and_voice(qtbot, make_window, studio_settings, tmp_path):
    studio_settings.model_source = "Qwen/Qwen3-TTS-12Hz-0.6B-Base-not-downloaded"
    window = make_window(studio_settings, wait_ready=False)
    qtbot.waitUntil(
        lambda: window.host.state.phase is ModelPhase.NONE and bool(window.host.state.message),
        timeout=TIMEOUT_MS,
    )
    assert window.banner.kind == "warning" and "not downloaded" in window.banner.message.text()
    assert window.model_status.action.isVisible() and window.model_status.action.text() == "Download model"
    window.script_panel.set_script("A line.")
    assert window.generate() is None
    assert "not loaded" in window.script_panel.banner.message.text()
    # Download while offline (the tests run with HF_HUB_OFFLINE=1): a clear failure, not a crash.
    window.model_status.action.click()
    qtbot.waitUntil(lambda: window.host.state.phase is ModelPhase.FAILED, timeout=TIMEOUT_MS)
    assert "could not be loaded" in window.banner.message.text() and window.banner.hint.text()
    assert window.script_panel.editor.toPlainText() == "A line."


def test_script_is_saved_while_typing(qtbot, make_window, studio_settings):
    from engine.paths import data_dir
    from engine.projects import ProjectStore

    window = make_window(studio_settings)
    window.script_panel.editor.setPlainText("Saved before any crash.")
    script_id = window.script_panel.script.id

    def stored() -> str:
        store = ProjectStore(data_dir())  # another connection, as a second process would read it
        try:
            return store.script(script_id).text
        finally:
            store.close()

    qtbot.waitUntil(lambda: stored() == "Saved before any crash.", timeout=TIMEOUT_MS)
    assert load_settings().current_script_id == script_id


def test_listen_while_rendering_is_heard_before_the_job_ends(qtbot, two_voices, sound, tmp_path):
    window, alice, bob = two_voices
    panel = window.script_panel
    panel.sampling.max_length.setValue(300.0)  # long enough that only Cancel ends the long line
    long_line = " ".join(["This line goes on and on, and it keeps going for a long while."] * 6)
    panel.set_script(f"{long_line}\nA second line.")
    seen = RenderEvents(window)
    monitor = sound.record(tmp_path / "heard.wav")
    qtbot.wait(500)  # the monitor recorder connects
    panel.listen.setChecked(True)
    job = window.generate()
    assert job is not None and window.preview.job is job
    # The player starts on the first pieces and keeps going while line 1 is still rendering.
    qtbot.waitUntil(lambda: window.player.position_s > 1.0 or job.ended, timeout=TIMEOUT_MS)
    assert not job.ended and window.player.owner is window.preview and window.player.streaming
    assert not any(i == 0 for i, _ in seen.of("take"))  # line 1 is not finished
    monitor.stop()  # what the sound card played so far, all before the job's end
    assert job in window.host.pending()
    heard, _ = sf.read(str(tmp_path / "heard.wav"), dtype="float32")
    assert np.max(np.abs(heard)) > 0.05 and np.mean(np.abs(heard) > 0.01) > 0.2
    first = next(len(audio) for i, audio in seen.of("chunk") if i == 0)
    assert first == 6 * 1920  # the first piece: 6 frames of 80 ms
    window.script_panel.cancel()  # stops the render, and the listening with it
    assert not window.player.playing and window.preview.job is None
    qtbot.waitUntil(lambda: job.ended, timeout=TIMEOUT_MS)
    assert panel.model.line(0).status is LineStatus.CANCELLED


def test_listening_plays_every_line_in_order(qtbot, two_voices, sound):
    window, alice, bob = two_voices
    panel = window.script_panel
    panel.set_script("First line [pause 0.3s] with a pause.\nSecond line.")
    panel.listen.setChecked(True)
    seen = RenderEvents(window)
    lines = []
    window.preview.line_changed.connect(lines.append)
    render_script(qtbot, window, panel.editor.toPlainText())
    takes = dict(seen.of("take"))
    assert lines[:2] == [0, 1] and window.preview.job is None  # followed to the end
    # Everything was queued: line 1 (its chunks and the exact pause), a breath, line 2.
    expected = takes[0].duration_s + GAP_S + takes[1].duration_s
    assert window.player.queued_s == pytest.approx(expected, abs=0.01) and not window.player.streaming
    window.preview.stop()


def test_a_line_voice_picker_opens_once_and_closes_when_picked(qtbot, two_voices):
    window, alice, bob = two_voices
    panel = window.script_panel
    panel.set_script(SCRIPT)
    window.tabs.setCurrentWidget(panel)
    model, table = panel.model, panel.table
    index = model.index(1, COL_VOICE)
    table.setCurrentIndex(index)
    table.edit(index)
    combo = table.viewport().findChild(QComboBox)
    assert combo is not None
    qtbot.waitUntil(lambda: combo.view().isVisible())  # the list opens by itself
    combo.hidePopup()  # the creator looks away; meanwhile a render moves the row on
    model.set_status(model.lines()[1], LineStatus.RENDERING, 0.5, "Rendering")
    qtbot.wait(50)
    assert not combo.view().isVisible()  # a row's progress does not pop the list up again
    row = combo.findData(bob.id)
    combo.setCurrentIndex(row)
    combo.activated.emit(row)
    qtbot.waitUntil(lambda: table.viewport().findChild(QComboBox) is None or not combo.isVisible())
    assert model.voice_of(model.lines()[1]) == bob.id  # picked, and the editor is gone
