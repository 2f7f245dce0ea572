"""Internal errors go to a log file, never onto the screen as a traceback."""

from __future__ import annotations

import datetime
import os
import traceback
from pathlib import Path

LOG_NAME = "timbre-cli-errors.log"


def log_exception(error: BaseException) -> Path | None:
    """Append the error's traceback to ``<data>/logs/timbre-cli-errors.log``; -> its path (None if unwritable)."""
    try:
        from ..paths import data_dir

        folder = data_dir() / "logs"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / LOG_NAME
        stamp = datetime.datetime.now().isoformat(timespec="seconds")
        with open(path, "a", encoding="utf-8") as fh:
            fh.write(f"--- {stamp} pid {os.getpid()}\n")
            fh.write("".join(traceback.format_exception(type(error), error, error.__traceback__)))
        return path
    except Exception:  # a crash log that cannot be written must not hide the original error
        return None


def describe_internal(error: BaseException) -> tuple[str, str]:
    """(message, hint) for an unexpected error, with the log's path in the hint."""
    path = log_exception(error)
    message = f"Timbre hit an internal error: {type(error).__name__}: {error}"
    where = f"The details are in {path}." if path else "The details could not be saved."
    return message, f"{where} Please report it with that file."
