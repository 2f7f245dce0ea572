"""Errors in scripts and markup, each pointing at the place in the file a creator has to fix."""

from __future__ import annotations

from ..errors import InputError


def where(
    source: str | None, line: int | None, column: int | None = None, column_label: str = "column"
) -> str:
    """``"chapter1.csv, line 4, column 12"``: the place as a creator would look for it."""
    parts = [source] if source else []
    if line is not None:
        parts.append(f"line {line}")
    if column is not None:
        parts.append(f"{column_label} {column}")
    return ", ".join(parts)


class ScriptError(InputError):
    """A script (plain text, CSV/TSV or SRT) that cannot be read as given.

    ``line`` is 1-based (None when the problem is the whole file, e.g. an empty script);
    ``column`` is 1-based or None; ``source`` is the file name, or None for text typed in.
    """

    def __init__(
        self,
        message: str,
        hint: str | None = None,
        *,
        line: int | None = None,
        column: int | None = None,
        source: str | None = None,
        column_label: str = "column",
    ) -> None:
        place = where(source, line, column, column_label)
        super().__init__(f"{place}: {message}" if place else message, hint)
        self.line, self.column, self.source = line, column, source
        self.reason = message  # the message without the place, for a GUI that shows the place itself


class MarkupError(ScriptError):
    """Inline markup (``[...]``) that is unknown, malformed or out of range."""


class UnknownVoiceError(ScriptError):
    """Script lines that name voices the library does not have.

    ``problems`` lists ``(line, voice name)`` for every offending line, in script order.
    """

    def __init__(self, message: str, hint: str | None, problems: list[tuple[int, str]], source: str | None):
        super().__init__(message, hint, source=source)
        self.problems = problems
