"""Settings dialog, themes, and model errors a creator can meet (each explained, nothing lost)."""

from __future__ import annotations

import json
import shutil

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from desktop_app.engine_host import ModelPhase
from desktop_app.theme import is_dark
from desktop_app.widgets.settings_dialog import SettingsDialog

from .conftest import TIMEOUT_MS


def accept_settings(qtbot, window, change):
    """Open Settings, let ``change(dialog)`` edit it, press OK."""

    def edit():
        dialog = next(
            w for w in QApplication.topLevelWidgets() if isinstance(w, SettingsDialog) and w.isVisible()
        )
        change(dialog)
        dialog.accept()

    QTimer.singleShot(0, edit)
    window.open_settings()


def test_settings_dialog_applies_theme_and_reloads_model(
    qtbot, make_window, studio_settings, tiny_checkpoint, tmp_path
):
    window = make_window(studio_settings)
    assert window.host.state.device == "cpu"

    def change(dialog):
        assert dialog.from_folder.isChecked() and dialog.folder.text() == str(tiny_checkpoint)
        assert dialog.device.findData("cpu") >= 0  # the engine thread reported its devices
        dialog.theme.setCurrentIndex(dialog.theme.findData("dark"))
        dialog.output_folder.setText(str(tmp_path / "exports"))

    accept_settings(qtbot, window, change)
    assert is_dark() and window.settings.theme == "dark"
    assert window.settings.export_folder() == tmp_path / "exports"
    assert window.host.state.ready  # same model: no reload

    # A checkpoint that is not a Base model: the reason is shown; the studio keeps working.
    custom = tmp_path / "custom-voice"
    shutil.copytree(tiny_checkpoint, custom)
    config = json.loads((custom / "config.json").read_text())
    config["tts_model_type"] = "custom_voice"
    (custom / "config.json").write_text(json.dumps(config))

    def pick_custom(dialog):
        dialog.folder.setText(str(custom))
        dialog.from_folder.setChecked(True)
        dialog.theme.setCurrentIndex(dialog.theme.findData("light"))

    accept_settings(qtbot, window, pick_custom)
    qtbot.waitUntil(lambda: window.host.state.phase is ModelPhase.FAILED, timeout=TIMEOUT_MS)
    assert "CustomVoice" in window.banner.message.text()
    assert "Base" in window.banner.hint.text()
    assert "failed" in window.model_status.text.text() and window.model_status.action.text() == "Retry"
    assert not is_dark()

    # Back to a good model with the banner's own button path: settings, then it loads again.
    def pick_tiny(dialog):
        dialog.folder.setText(str(tiny_checkpoint))

    accept_settings(qtbot, window, pick_tiny)
    qtbot.waitUntil(lambda: window.host.state.ready, timeout=TIMEOUT_MS)
    assert not window.banner.isVisible()
    assert window.model_status.text.text().endswith("ready on cpu fp32")
