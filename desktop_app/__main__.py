"""``timbre`` / ``make run`` / ``python -m desktop_app``: open the studio.

The window is shown before torch is imported (the engine thread imports it while loading the
model), so it appears within a second or two even on a cold start.
"""

from __future__ import annotations

import logging
import logging.handlers
import os
import sys
import traceback

from engine.paths import data_dir

log = logging.getLogger("desktop_app")
LOG_FILE = "timbre.log"


def _setup_logging() -> str:
    path = data_dir() / LOG_FILE
    handler = logging.handlers.RotatingFileHandler(path, maxBytes=2_000_000, backupCount=2, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    return str(path)


def main(argv: list[str] | None = None) -> int:
    from .platform_check import window_problem

    problem = window_problem()
    if problem:
        print(problem, file=sys.stderr)
        return 1
    from PySide6.QtWidgets import QApplication, QMessageBox

    from .settings import load_settings
    from .theme import apply_theme
    from .widgets.main_window import MainWindow

    log_path = _setup_logging()
    app = QApplication(argv if argv is not None else sys.argv)
    app.setApplicationName("Timbre")
    app.setApplicationDisplayName("Timbre")
    app.setDesktopFileName("timbre")
    settings = load_settings()
    apply_theme(app, settings.theme)
    window = MainWindow(settings)
    # "System" follows the desktop when it switches between light and dark.
    app.styleHints().colorSchemeChanged.connect(
        lambda _scheme: apply_theme(app, "system") if window.settings.theme == "system" else None
    )

    def on_unexpected(kind, value, tb) -> None:
        # A bug, not a user error: log it in full, tell the creator in words, keep running.
        log.error("Unexpected error:\n%s", "".join(traceback.format_exception(kind, value, tb)))
        QMessageBox.warning(
            window,
            "Something went wrong",
            f"Timbre hit an unexpected problem ({kind.__name__}: {value}).\n\nYour voices, script and "
            f"takes are kept. If it happens again, please report it with the log file:\n{log_path}",
        )

    sys.excepthook = on_unexpected
    window.show()
    code = app.exec()
    if not window.host.shutdown():
        # Only an uninterruptible download can hold the engine thread this long; everything
        # is saved, so end the process rather than let Qt abort on a running thread.
        logging.shutdown()
        os._exit(code)
    return code


if __name__ == "__main__":
    sys.exit(main())
