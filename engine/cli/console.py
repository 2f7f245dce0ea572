"""What the CLI prints, and where: results on stdout, notes and warnings on stderr.

With ``--json`` every command prints exactly one JSON document on stdout (its result, or
``{"error": ...}``), so scripts can parse stdout whatever happens; people read stderr.
"""

from __future__ import annotations

import json
import sys
import unicodedata
from collections.abc import Sequence
from typing import Any, TextIO

from ..errors import TimbreError


class Console:
    """The CLI's voice. ``json_mode``: results as JSON; ``quiet``: no notes or progress bars."""

    def __init__(self, *, json_mode: bool = False, quiet: bool = False, progress: bool | None = None) -> None:
        self.json_mode = json_mode
        self.quiet = quiet
        self._progress = progress  # None: show bars when stderr is a terminal
        self.live_bar: Any = None  # an active tqdm bar: messages go around it, not through it

    # Streams are looked up at each use, so a caller (or a test) can swap sys.stdout/sys.stderr.
    @property
    def out(self) -> TextIO:
        return sys.stdout

    @property
    def err(self) -> TextIO:
        return sys.stderr

    def show_progress(self) -> bool:
        """Whether to draw progress bars: never when quiet, else as asked, else on a terminal."""
        if self.quiet:
            return False
        if self._progress is not None:
            return self._progress
        return bool(getattr(self.err, "isatty", lambda: False)())

    # ----- results --------------------------------------------------------------------------
    def result(self, data: Any, text: str | None = None) -> None:
        """The command's result: ``data`` as JSON in JSON mode, else ``text`` (if any) on stdout."""
        if self.json_mode:
            self.out.write(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")
        elif text:
            self.out.write(text if text.endswith("\n") else text + "\n")
        self.out.flush()

    # ----- messages for people ----------------------------------------------------------------
    def note(self, message: str) -> None:
        """Something worth knowing (what is being loaded, what was skipped); silenced by --quiet."""
        if not self.quiet:
            self._stderr(message)

    def warn(self, message: str) -> None:
        """Something the user should check; shown even with --quiet."""
        self._stderr(f"warning: {message}")

    def error(self, error: TimbreError | str, hint: str | None = None, code: int = 1) -> None:
        """A command's fatal error: message and hint; in JSON mode also as JSON on stdout."""
        message = error.message if isinstance(error, TimbreError) else str(error)
        if isinstance(error, TimbreError) and hint is None:
            hint = error.hint
        if self.json_mode:
            self.result({"error": {"message": message, "hint": hint, "exit_code": code}})
        self._stderr(f"error: {message}")
        if hint:
            self._stderr(f"hint: {hint}")

    def _stderr(self, message: str) -> None:
        if self.live_bar is not None:
            from tqdm import tqdm

            tqdm.write(message, file=self.err)
        else:
            self.err.write(message + "\n")
            self.err.flush()


def display_width(text: str) -> int:
    """Columns ``text`` takes in a terminal: wide (CJK) characters take two, combining marks none."""
    width = 0
    for ch in text:
        if unicodedata.combining(ch) or unicodedata.category(ch) in ("Mn", "Me", "Cf"):
            continue
        width += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
    return width


def pad(text: str, width: int) -> str:
    """``text`` followed by spaces up to ``width`` terminal columns (str.ljust counts characters)."""
    return text + " " * max(0, width - display_width(text))


def table(rows: Sequence[Sequence[str]], header: Sequence[str]) -> str:
    """Rows as left-aligned columns under a header, two spaces apart (the last column unpadded).

    Columns are measured in terminal columns, so names in Chinese or Japanese line up too.
    """
    all_rows = [list(header), *[list(r) for r in rows]]
    widths = [max(display_width(r[i]) for r in all_rows) for i in range(len(header))]
    lines = []
    for r in all_rows:
        cells = [pad(c, w) for c, w in zip(r[:-1], widths[:-1])] + [r[-1]]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)
