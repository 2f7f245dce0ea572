"""Recorder and Player on real PortAudio, through PulseAudio's null sink and its monitor."""

from __future__ import annotations

import subprocess

import numpy as np
import pytest
import soundfile as sf

from desktop_app import audio_io, audio_player

from .conftest import TIMEOUT_MS


def test_devices_are_listed(sound):
    names = [d.name for d in audio_io.input_devices()]
    assert names, "PortAudio should see PulseAudio's ALSA devices"
    assert audio_io.find_device("", "input") is None  # "" is the system default


def test_missing_device_has_a_clear_error(sound):
    with pytest.raises(audio_io.AudioDeviceError) as err:
        audio_io.find_device("USB Mic That Is Not Here", "input")
    assert "not connected" in err.value.message and "Settings" in err.value.hint


def test_recorder_hears_a_tone(qtbot, sound):
    recorder = audio_io.Recorder()
    levels = []
    recorder.level_changed.connect(lambda rms, peak: levels.append(peak))
    recorder.start()
    tone = sound.play_tone(440.0, 2.0, 0.5)
    qtbot.waitUntil(lambda: tone.poll() is not None, timeout=TIMEOUT_MS)
    with qtbot.waitSignal(recorder.finished, timeout=TIMEOUT_MS) as done:
        recorder.stop()
    audio, rate = done.args
    assert rate > 0 and audio.dtype == np.float32
    assert max(levels) == pytest.approx(0.5, abs=0.05)  # the meter saw the tone's peak
    assert np.max(np.abs(audio)) == pytest.approx(0.5, abs=0.05)
    loud = np.abs(audio) > 0.25
    assert loud.sum() / rate > 1.0  # most of the 2 s tone is in the recording


def test_player_is_heard_on_the_sink(qtbot, sound, tmp_path):
    rate = 24000
    t = np.arange(int(1.5 * rate)) / rate
    audio = (0.4 * np.sin(2 * np.pi * 330 * t)).astype(np.float32)
    monitor = sound.record(tmp_path / "heard.wav")
    player = audio_player.Player()
    positions = []
    player.position_changed.connect(positions.append)
    qtbot.wait(500)  # let the monitor recorder connect before the sound starts
    with qtbot.waitSignal(player.state_changed, timeout=TIMEOUT_MS, check_params_cb=lambda p: not p):
        player.play(audio, rate)
    monitor.stop()
    heard, _ = sf.read(str(tmp_path / "heard.wav"), dtype="float32")
    assert np.max(np.abs(heard)) == pytest.approx(0.4, abs=0.05)
    assert positions and max(positions) > 0.5


def test_unplugged_microphone_is_reported_and_the_recording_kept(qtbot, sound, monkeypatch):
    """A second null sink stands for a USB microphone; removing it mid-recording is the unplug."""
    loaded = subprocess.run(
        ["pactl", "load-module", "module-null-sink", "sink_name=usbmic"],
        capture_output=True,
        text=True,
        check=True,
    )
    module = loaded.stdout.strip()
    monkeypatch.setenv("PULSE_SOURCE", "usbmic.monitor")  # read by the ALSA pulse plugin at connect
    noise = subprocess.Popen(["pacat", "--playback", "--device=usbmic", "/dev/urandom"])
    try:
        recorder = audio_io.Recorder()
        elapsed = []
        recorder.elapsed_changed.connect(elapsed.append)
        recorder.start()
        qtbot.waitUntil(lambda: bool(elapsed) and elapsed[-1] > 0.5, timeout=TIMEOUT_MS)
        with qtbot.waitSignal(recorder.failed, timeout=TIMEOUT_MS) as failed:
            with qtbot.waitSignal(recorder.finished, timeout=TIMEOUT_MS) as finished:
                subprocess.run(["pactl", "unload-module", module], check=True)
                module = ""
        message, hint = failed.args
        assert "unplugged" in message and "kept" in hint
        audio, rate = finished.args
        assert len(audio) / rate > 0.2  # what came before the unplug (minus the first 0.3 s)
        assert not recorder.recording
    finally:
        noise.kill()
        noise.wait()
        if module:
            subprocess.run(["pactl", "unload-module", module])
