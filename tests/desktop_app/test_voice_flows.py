"""New voices: from a file and from the microphone, through extraction, into the library."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt

from desktop_app.voices import MODE_ICL, MODE_XVECTOR
from engine.audio_quality import Severity, frame_levels_dbfs

from ..conftest import SPEECH_TEXT
from .conftest import TIMEOUT_MS
from .helpers import add_voice_from_file, answer_next_dialog, save_in_editor


def test_add_voice_from_file_survives_a_restart(qtbot, make_window, studio_settings, speech_file, speech):
    window = make_window(studio_settings)
    editor = window.voice_editor
    window.show_voice_editor()
    assert editor.load_file(speech_file)
    assert editor.name.text() == "Hello"  # a name from the file until the creator types one
    assert editor.last_report is not None and editor.last_report.duration_s > 2
    # Trim the start a little with the handles' API; the advice follows the selection.
    duration = editor.waveform.duration_s
    editor.waveform.set_selection(0.2, duration)
    editor.name.setText("Alice")
    editor.tags.setText("warm, narrator")
    editor.transcript.setPlainText(SPEECH_TEXT)
    new, voice = save_in_editor(qtbot, window)
    assert new.name == "Alice" and new.mode == MODE_ICL and new.language == "english"
    assert new.tags == ("warm", "narrator") and new.transcript == SPEECH_TEXT
    audio, rate = speech
    assert new.sample_rate == rate
    assert abs(len(new.reference_audio) - (len(audio) - int(0.2 * rate))) <= 1
    [item] = new.prompt_items
    assert item.icl_mode and item.ref_text == SPEECH_TEXT
    # Kept in the library, with the trimmed reference, for this model; listed and selected.
    assert (voice.name, voice.mode, voice.language, voice.tags) == (
        "Alice",
        "icl",
        "english",
        ("narrator", "warm"),
    )
    assert voice.transcript == SPEECH_TEXT and voice.duration_s == pytest.approx(
        len(audio) / rate - 0.2, abs=0.01
    )
    assert voice.signatures == (window.host.state.signature,)
    panel = window.voices_panel
    assert panel.current_voice().id == voice.id and panel.stack.currentWidget() is panel.list
    # The voice is now offered to the script, as its default.
    assert window.voice_catalog.voice(voice.id).name == "Alice"
    assert window.script_panel.model.default_voice_id == voice.id
    assert editor.banner.kind == "success" and not editor.has_audio()  # ready for the next voice
    window.close()

    again = make_window(studio_settings, wait_ready=False)  # a restart on the same TIMBRE_HOME
    assert [v.name for v in again.voice_catalog.voices()] == ["Alice"]
    assert again.voices_panel.list.model().rowCount() == 1
    reference, reference_rate = again.library.reference_audio(voice.id)
    assert reference_rate == rate and len(reference) == pytest.approx(len(audio) - 0.2 * rate, abs=1)


def test_name_clash_keeps_the_recording_and_the_extraction(qtbot, make_window, studio_settings, speech_file):
    window = make_window(studio_settings)
    add_voice_from_file(qtbot, window, speech_file, "Alice")
    editor = window.voice_editor
    assert editor.load_file(speech_file)
    editor.name.setText("alice")
    editor.mode_xvector.setChecked(True)
    editor.save()  # refused at once: nothing is extracted for a name that cannot be kept
    assert (
        editor.banner.kind == "warning" and "already a voice called “Alice”" in editor.banner.message.text()
    )
    assert not editor.busy and editor.has_audio()
    # The library has the last word (another window may take the name meanwhile).
    editor.name_problem = None
    starts = []  # the engine jobs the editor submits
    submit = window.host.submit
    window.host.submit = lambda request: starts.append(request) or submit(request)
    with qtbot.waitSignal(window.library_jobs.failed, timeout=TIMEOUT_MS):
        editor.save()
    qtbot.waitUntil(lambda: not editor.busy, timeout=TIMEOUT_MS)
    assert editor.banner.kind == "error" and "already a voice called 'Alice'" in editor.banner.message.text()
    assert "kept" in editor.banner.hint.text() and editor.has_audio() and editor.name.text() == "alice"
    assert len(starts) == 2  # extracted, then refused by the library
    editor.name.setText("Alice (close)")
    new, voice = save_in_editor(qtbot, window)
    assert voice.name == "Alice (close)" and len(starts) == 3  # the extraction was reused


def test_voice_editor_refuses_what_cannot_work(qtbot, make_window, studio_settings, speech_file, tmp_path):
    window = make_window(studio_settings)
    editor = window.voice_editor
    not_audio = tmp_path / "notes.wav"
    not_audio.write_text("this is not a recording")
    assert not editor.load_file(not_audio)
    assert editor.banner.kind == "error" and "could not be read" in editor.banner.message.text()
    assert editor.banner.hint.text()  # what to do about it
    # ICL without a transcript: a warning, the draft stays, nothing is sent to the engine.
    assert editor.load_file(speech_file)
    editor.name.setText("Alice")
    editor.save()
    assert editor.banner.kind == "warning" and "transcript" in editor.banner.message.text()
    assert not editor.busy and editor.has_audio()
    # However tall the message, Save voice stays on screen, under the form.
    window.tabs.setCurrentWidget(editor)
    editor.banner.show_message("warning", "A long message. " * 12, "A long hint to follow. " * 12)
    qtbot.waitUntil(lambda: editor.save_button.isVisible())
    bottom = editor.save_button.mapTo(editor, editor.save_button.rect().bottomLeft()).y()
    assert 0 < bottom <= editor.height() and not editor.save_button.visibleRegion().isEmpty()
    # x-vector needs no transcript.
    editor.mode_xvector.setChecked(True)
    new, voice = save_in_editor(qtbot, window)
    assert new.mode == MODE_XVECTOR and new.transcript == "" and voice.mode == MODE_XVECTOR


def test_extraction_error_keeps_the_recording(qtbot, make_window, studio_settings, speech_file, tmp_path):
    studio_settings.model_source = str(tmp_path / "no-model-here")
    window = make_window(studio_settings, wait_ready=False)
    qtbot.waitUntil(lambda: window.host.state.phase.value == "failed", timeout=TIMEOUT_MS)
    assert window.banner.isVisible() and "does not exist" in window.banner.message.text()
    editor = window.voice_editor
    editor.load_file(speech_file)
    editor.name.setText("Alice")
    editor.mode_xvector.setChecked(True)
    editor.save()
    qtbot.waitUntil(lambda: editor.banner.kind == "error", timeout=TIMEOUT_MS)
    assert "No model" in editor.banner.message.text()
    assert "kept" in editor.banner.hint.text()
    assert editor.has_audio() and editor.name.text() == "Alice" and editor.save_button.isEnabled()


def test_record_voice_from_microphone(qtbot, make_window, studio_settings, sound):
    window = make_window(studio_settings)
    editor = window.voice_editor
    window.show_voice_editor()
    recorder = editor.recorder
    peaks = []
    recorder.recorder.level_changed.connect(lambda rms, peak: peaks.append(peak))
    qtbot.keyClick(editor, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)  # Ctrl+R starts
    assert recorder.recorder.recording and recorder.record_button.text() == "Stop"
    tone = sound.play_tone(220.0, 3.0, 0.5)
    qtbot.waitUntil(lambda: tone.poll() is not None, timeout=TIMEOUT_MS)
    qtbot.waitUntil(lambda: float(recorder.timer_label.text().split()[0]) > 3.0, timeout=TIMEOUT_MS)
    assert "Good length" in recorder.guidance.text()
    qtbot.keyClick(editor, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)  # Ctrl+R stops
    qtbot.waitUntil(editor.has_audio, timeout=TIMEOUT_MS)
    assert max(peaks) == pytest.approx(0.5, abs=0.05)  # the meter saw the tone
    report = editor.last_report
    assert report.peak_dbfs == pytest.approx(-6.0, abs=1.0)
    assert report.duration_s > 2.5
    assert not any(a.severity is Severity.PROBLEM and "silent" in a.text for a in report.advice)
    # The read-aloud sentence becomes the transcript.
    qtbot.mouseClick(recorder.use_sentence, Qt.MouseButton.LeftButton)
    assert editor.transcript.toPlainText() == recorder.sentence.text()
    editor.name.setText("Tone")
    # A steady tone has no quiet background between words: the advice calls it noisy (red),
    # so saving asks first.
    answer_next_dialog(qtbot, "Save anyway")
    _, voice = save_in_editor(qtbot, window)
    assert voice.mode == MODE_ICL and voice.transcript.startswith("The morning light")
    audio, rate = window.library.reference_audio(voice.id)
    levels = frame_levels_dbfs(audio, rate)  # 20 ms frames
    assert np.sum(levels > -12.0) * 0.02 > 2.5  # the 3 s tone (RMS -9 dBFS) is in the voice


def test_missing_microphone_is_explained(qtbot, make_window, studio_settings, sound):
    studio_settings.input_device = "USB Microphone That Is Unplugged"
    window = make_window(studio_settings, wait_ready=False)
    editor = window.voice_editor
    window.show_voice_editor()
    qtbot.mouseClick(editor.recorder.record_button, Qt.MouseButton.LeftButton)
    assert not editor.recorder.recorder.recording
    assert editor.banner.kind == "error" and "not connected" in editor.banner.message.text()
    assert "Settings" in editor.banner.hint.text()


def test_second_voice_from_other_speech(qtbot, make_window, studio_settings, speech_file):
    window = make_window(studio_settings)
    alice_id = add_voice_from_file(qtbot, window, speech_file, "Alice", SPEECH_TEXT).id
    bob = add_voice_from_file(qtbot, window, speech_file, "Bob")
    assert [v.name for v in window.voice_catalog.voices()] == ["Alice", "Bob"]
    assert [window.voices_panel.proxy.index(r, 0).data() for r in range(2)] == ["Alice", "Bob"]
    # The script keeps its voice (its lines must not switch speaker); the new one is offered.
    assert window.script_panel.model.default_voice_id == alice_id
    banner = window.script_panel.banner
    assert banner.action.text() == "Use for this script"
    qtbot.mouseClick(banner.action, Qt.MouseButton.LeftButton)
    assert window.script_panel.model.default_voice_id == bob.id


def test_saving_silence_asks_first_and_form_messages_follow_the_form(
    qtbot, make_window, studio_settings, speech_file
):
    window = make_window(studio_settings)
    editor = window.voice_editor
    window.show_voice_editor()
    editor.set_audio(np.zeros(24000 * 4, np.float32), 24000, "Silence")
    editor.mode_xvector.setChecked(True)
    editor.name.setText("Nothing")
    answer_next_dialog(qtbot, "Fix the recording")
    editor.save()
    assert window.voice_catalog.voices() == [] and editor.has_audio()  # nothing lost, nothing saved
    # A form message goes as soon as the form answers it.
    editor.load_file(speech_file)
    editor.mode_icl.setChecked(True)
    editor.save()
    assert editor.banner.isVisible() and "transcript" in editor.banner.message.text()
    editor.transcript.setPlainText(SPEECH_TEXT)
    assert not editor.banner.isVisible()
    # A typed name stays; a name filled in from a file follows the next file.
    assert editor.name.text() == "Nothing"
    editor.name.clear()
    editor.load_file(speech_file)
    assert editor.name.text() == "Hello"
    other = speech_file.with_name("second_take.wav")
    other.write_bytes(speech_file.read_bytes())
    editor.load_file(other)
    assert editor.name.text() == "Second Take"
