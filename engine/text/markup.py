"""Inline markup in text to speak: ``[pause 0.8s]`` / ``[pause 800ms]`` inserts exact silence.

Square brackets are reserved for markup, so a typo such as ``[pauze 1s]`` is reported (with
line and column) instead of being read aloud. Pure Python: no torch, no Qt.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from .errors import MarkupError, combine

MAX_PAUSE_S = 30.0  # longer than any natural pause; a bigger number is almost surely a typo (99s)
MARKUP_NAMES = ("pause",)
EXAMPLES = "[pause 0.8s] or [pause 800ms]"

# A bracket group on one line; nested or unclosed brackets are caught separately for a better message.
_GROUP = re.compile(r"\[([^\[\]\n]*)\]")
_BRACKETS = re.compile(r"[\[\]]")
_BODY = re.compile(r"\s*([A-Za-z_]\w*)\s*(.*?)\s*\Z", re.DOTALL)
_DURATION = re.compile(r"([0-9]+(?:\.[0-9]*)?|\.[0-9]+)\s*(ms|s)\Z", re.IGNORECASE)


@dataclass(frozen=True)
class Speech:
    """Text to be spoken; ``start``/``end`` index the original string (markup included)."""

    text: str
    start: int
    end: int


@dataclass(frozen=True)
class Pause:
    """Exact silence from ``[pause ...]``; ``markup`` is the markup as written."""

    duration_s: float
    markup: str
    start: int
    end: int

    def samples(self, sample_rate: int) -> int:
        """The pause length in samples: 0.8 s at 24 kHz is exactly 19200."""
        return round(self.duration_s * sample_rate)


Segment = Speech | Pause


@dataclass(frozen=True)
class Origin:
    """Where a text came from, so errors can point into the file a creator edits.

    ``column`` is the 1-based column of the text's first character on ``line``; None when it is
    not known (a CSV cell), in which case errors count characters from the start of the text.
    """

    line: int = 1
    column: int | None = 1
    source: str | None = None

    def locate(self, text: str, index: int) -> tuple[int, int, str]:
        """-> (line, column, column label) of ``text[index]``."""
        newlines = text.count("\n", 0, index)
        if newlines:
            return self.line + newlines, index - text.rfind("\n", 0, index), "column"
        if self.column is None:
            return self.line, index + 1, "character"
        return self.line, self.column + index, "column"


def _error(message: str, hint: str | None, text: str, index: int, origin: Origin) -> MarkupError:
    line, column, label = origin.locate(text, index)
    return MarkupError(message, hint, line=line, column=column, source=origin.source, column_label=label)


def _parse_pause(argument: str, markup: str, text: str, index: int, origin: Origin) -> float:
    if not argument:
        raise _error(
            f"{markup} has no length.", f"Write how long to pause, e.g. {EXAMPLES}.", text, index, origin
        )
    if argument.startswith("-"):
        raise _error(
            f"{markup}: a pause cannot be negative.",
            f"Use a positive length, e.g. {EXAMPLES}.",
            text,
            index,
            origin,
        )
    m = _DURATION.match(argument)
    if m is None:
        raise _error(
            f"{markup}: {argument!r} is not a length Timbre understands.",
            f"Write seconds or milliseconds, e.g. {EXAMPLES}.",
            text,
            index,
            origin,
        )
    value = float(m.group(1))
    seconds = value / 1000.0 if m.group(2).lower() == "ms" else value
    if seconds > MAX_PAUSE_S:
        raise _error(
            f"{markup} is longer than the longest pause allowed ({MAX_PAUSE_S:g} s).",
            "Check the number and the unit (s or ms); split a very long silence into several pauses.",
            text,
            index,
            origin,
        )
    return seconds


def _parse_group(body: str, markup: str, text: str, index: int, origin: Origin) -> float:
    m = _BODY.match(body)
    name = m.group(1).lower() if m else ""
    if name != "pause":
        guess = difflib.get_close_matches(name or body.strip().lower(), MARKUP_NAMES, n=1, cutoff=0.6)
        hint = f"Did you mean [pause ...]? Write {EXAMPLES}." if guess else None
        raise _error(
            f"Unknown markup {markup}. Square brackets hold markup; the one Timbre knows is {EXAMPLES}.",
            hint or "Use parentheses for asides that should be read aloud.",
            text,
            index,
            origin,
        )
    return _parse_pause(m.group(2), markup, text, index, origin)


def _stray_errors(text: str, start: int, end: int, origin: Origin) -> list[MarkupError]:
    """Every bracket in ``text[start:end]`` that belongs to no markup."""
    errors = []
    for stray in _BRACKETS.finditer(text, start, end):
        i = stray.start()
        if text[i] == "]":
            message = "A ']' with no '[' before it."
        else:
            message = "A '[' that is not closed by ']' on the same line."
        errors.append(_error(message, f"Markup looks like {EXAMPLES}.", text, i, origin))
    return errors


def _scan(text: str, origin: Origin) -> tuple[list[Segment], list[MarkupError]]:
    """The segments of ``text``, and every markup error in it (in order; the segments mean
    nothing when there are errors)."""
    segments: list[Segment] = []
    errors: list[MarkupError] = []
    pos = 0
    for m in _GROUP.finditer(text):
        errors += _stray_errors(text, pos, m.start(), origin)
        if m.start() > pos:
            segments.append(Speech(text[pos : m.start()], pos, m.start()))
        try:
            seconds = _parse_group(m.group(1), m.group(0), text, m.start(), origin)
        except MarkupError as e:
            errors.append(e)
        else:
            segments.append(Pause(seconds, m.group(0), m.start(), m.end()))
        pos = m.end()
    errors += _stray_errors(text, pos, len(text), origin)
    if pos < len(text):
        segments.append(Speech(text[pos:], pos, len(text)))
    return segments, errors


def parse_markup(text: str, origin: Origin | None = None) -> list[Segment]:
    """Split ``text`` into :class:`Speech` and :class:`Pause` segments, in order.

    Speech segments are the raw text between markups (whitespace kept, possibly blank); every
    character of ``text`` belongs to exactly one segment. Raises :class:`MarkupError` with line
    and column for unknown, malformed or out-of-range markup and for stray brackets (the first
    one; :func:`markup_errors` lists them all).
    """
    segments, errors = _scan(text, origin or Origin())
    if errors:
        raise errors[0]
    return segments


def markup_errors(text: str, origin: Origin | None = None) -> list[MarkupError]:
    """Every markup error in ``text``, in order, each with its line and column (empty: all good)."""
    return _scan(text, origin or Origin())[1]


def check_markup(text: str, origin: Origin | None = None) -> None:
    """Raise if ``text`` has markup :func:`parse_markup` would refuse: the :class:`MarkupError`,
    or a :class:`~engine.text.errors.MarkupErrors` listing every one when there are several."""
    errors = markup_errors(text, origin)
    if errors:
        raise combine(errors)


def strip_markup(text: str) -> str:
    """The words to speak, markup removed and whitespace collapsed (for display and file names)."""
    spoken = (s.text for s in parse_markup(text) if isinstance(s, Speech))
    return " ".join(" ".join(spoken).split())
