"""Fixtures of the studio tests: a real sound server, settings pointing at the tiny checkpoint,
and main windows that are closed (engine thread ended) after each test."""

from __future__ import annotations

import pytest

from tests.sound_server import SoundServer

TIMEOUT_MS = 60_000  # generous: CI machines are slow and shared; no test waits this long when things work


@pytest.fixture(scope="session")
def sound():
    """PulseAudio with the ``timbre`` null sink as default sink and source (started if needed)."""
    import sys

    try:
        server = SoundServer("timbre")
    except RuntimeError as e:
        pytest.fail(str(e))
    server.activate()
    if "sounddevice" in sys.modules:  # PortAudio read its device list before the server ran
        from desktop_app.audio_io import rescan_devices

        rescan_devices()
    yield server
    server.stop()


@pytest.fixture
def studio_settings(tiny_checkpoint):
    """Settings for a studio on the tiny checkpoint, on the CPU, with short takes (20 frames)."""
    from desktop_app.settings import Settings

    settings = Settings(model_source=str(tiny_checkpoint), device="cpu", theme="light")
    settings.script.sampling.max_length_s = 1.6
    return settings


@pytest.fixture
def make_window(qtbot):
    """Build main windows; each is closed at the end and its engine thread must have ended."""
    from PySide6.QtWidgets import QApplication

    from desktop_app.theme import apply_theme
    from desktop_app.widgets.main_window import MainWindow

    windows = []

    def make(settings=None, *, wait_ready: bool = True):
        apply_theme(QApplication.instance(), "light")
        window = MainWindow(settings)
        windows.append(window)
        window.show()
        qtbot.waitExposed(window)
        if wait_ready:
            qtbot.waitUntil(lambda: window.host.state.ready, timeout=TIMEOUT_MS)
        return window

    yield make
    for window in windows:
        if window.isVisible():  # closing mid-render asks first: stop what runs, then close
            window.cancel()
            qtbot.waitUntil(
                lambda w=window: not (w.script_panel.busy or w.render_all_queue.running), timeout=TIMEOUT_MS
            )
        window.close()
        assert not window.host.is_running(), "the engine thread outlived its window"


@pytest.fixture(scope="session")
def sibling_checkpoint(tmp_path_factory):
    """A second tiny checkpoint with another model signature (size "tiny-b"): voices made with
    the first one are extracted again for it."""
    import json

    from engine.random_checkpoint import write_random_checkpoint

    folder = write_random_checkpoint(tmp_path_factory.mktemp("ckpt") / "tiny-b", "tiny", seed=11)
    config = json.loads((folder / "config.json").read_text())
    config["tts_model_size"] = "tiny-b"
    (folder / "config.json").write_text(json.dumps(config))
    return folder
