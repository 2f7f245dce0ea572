"""Where Timbre keeps its data: ``$TIMBRE_HOME`` if set, else the platform's user data folder."""

from __future__ import annotations

import os
from pathlib import Path

APP_NAME = "Timbre"


def data_dir() -> Path:
    """The root of all of Timbre's data (library, takes, settings); created on first use.

    Read at every call, not cached, so a test or a user can move it with ``TIMBRE_HOME``.
    """
    override = os.environ.get("TIMBRE_HOME")
    if override:
        root = Path(override).expanduser()
    else:
        from platformdirs import user_data_dir

        root = Path(user_data_dir(APP_NAME, appauthor=False))
    root.mkdir(parents=True, exist_ok=True)
    return root
