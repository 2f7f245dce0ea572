"""The window comes up before torch is imported, and torch is imported on the engine thread."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

from desktop_app.settings import Settings, save_settings

PROBE = textwrap.dedent(
    """
    import json, sys, threading, time
    started = time.monotonic()
    seen = {}

    class Watch:
        # Record which thread imports torch first; let the normal import go on.
        def find_spec(self, name, path=None, target=None):
            if name == "torch" and "thread" not in seen:
                seen["thread"] = threading.current_thread() is threading.main_thread()
            return None

    sys.meta_path.insert(0, Watch())
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication
    import desktop_app.__main__ as entry
    from desktop_app.widgets.main_window import MainWindow

    report = {}
    original_show = MainWindow.show

    def show(self):
        original_show(self)
        report["shown_s"] = time.monotonic() - started
        report["torch_at_show"] = "torch" in sys.modules

        def poll():
            if self.host.state.ready or self.host.state.phase.value == "failed":
                report["phase"] = self.host.state.phase.value
                report["torch_on_main_thread"] = seen.get("thread")
                self.close()
                QApplication.instance().quit()
            else:
                QTimer.singleShot(50, poll)

        QTimer.singleShot(0, poll)

    MainWindow.show = show
    code = entry.main(["timbre"])
    report["exit"] = code
    print("REPORT" + json.dumps(report))
    """
)


def test_window_first_torch_on_engine_thread(tiny_checkpoint, timbre_home):
    save_settings(Settings(model_source=str(tiny_checkpoint), device="cpu"), timbre_home / "settings.json")
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", TIMBRE_HOME=str(timbre_home))
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=root, env=env, capture_output=True, text=True, timeout=300
    )
    lines = [line for line in out.stdout.splitlines() if line.startswith("REPORT")]
    assert lines, out.stderr[-3000:]
    report = json.loads(lines[-1][len("REPORT") :])
    assert report["torch_at_show"] is False  # the window did not wait for torch
    assert report["phase"] == "ready"
    assert report["torch_on_main_thread"] is False  # the engine thread imported it
    assert report["exit"] == 0
    print(f"window shown after {report['shown_s']:.2f} s")  # evidence, not an assertion
    assert (timbre_home / "timbre.log").exists()


def test_no_screen_is_explained_before_qt_starts(timbre_home):
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    env["TIMBRE_HOME"] = str(timbre_home)
    result = subprocess.run(
        [sys.executable, "-m", "desktop_app"], env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 1
    assert "needs a screen" in result.stderr and "timbre-cli" in result.stderr
    assert "Traceback" not in result.stderr and "Aborted" not in result.stderr


def test_missing_x11_libraries_are_named_with_their_packages(monkeypatch):
    from desktop_app import platform_check

    monkeypatch.setenv("DISPLAY", ":0")
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.delenv("QT_QPA_PLATFORM", raising=False)
    present = {so for so in platform_check.XCB_LIBRARIES if platform_check._loads(so)}
    problem = platform_check.window_problem()
    missing = [pkg for so, pkg in platform_check.XCB_LIBRARIES.items() if so not in present]
    if missing:
        assert problem is not None and f"sudo apt-get install {' '.join(missing)}" in problem
    else:
        assert problem is None
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    assert platform_check.window_problem() is None  # not Qt's xcb: nothing to check
