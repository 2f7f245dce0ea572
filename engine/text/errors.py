"""Errors in scripts and markup, each pointing at the place in the file a creator has to fix."""

from __future__ import annotations

from collections.abc import Sequence

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
        self.column_label = column_label
        self.reason = message  # the message without the place, for a GUI that shows the place itself

    @property
    def place(self) -> str:
        """ "line 4, column 12" (without the source): where in the file to look."""
        return where(None, self.line, self.column, self.column_label)


class MarkupError(ScriptError):
    """Inline markup (``[...]``) that is unknown, malformed or out of range."""


class ScriptErrors(ScriptError):
    """Several problems at once, each a :class:`ScriptError` with its own place, in ``errors``.

    The message lists every problem (one a line) and the hint joins their different hints.
    ``line``, ``column`` and ``reason`` are those of the first problem, so code that handles
    one error at a time still finds where to look.
    """

    def __init__(self, errors: Sequence[ScriptError]) -> None:
        self.errors = list(errors)
        first = self.errors[0]
        sources = {e.source for e in self.errors}
        source = first.source if len(sources) == 1 else None
        listing = "\n".join(f"  {e.place or e.source or 'script'}: {e.reason}" for e in self.errors)
        header = (
            f"{source} has {len(self.errors)} problems"
            if source
            else f"There are {len(self.errors)} problems"
        )
        hints = list(dict.fromkeys(e.hint for e in self.errors if e.hint))
        InputError.__init__(self, f"{header}:\n{listing}", " ".join(hints) or None)
        self.line, self.column, self.source = first.line, first.column, source
        self.column_label, self.reason = first.column_label, first.reason


class MarkupErrors(ScriptErrors, MarkupError):
    """Several markup errors at once (see :class:`ScriptErrors`)."""


def combine(errors: Sequence[ScriptError]) -> ScriptError:
    """One error to raise for ``errors`` (at least one): itself if alone, else all of them together."""
    if len(errors) == 1:
        return errors[0]
    if all(isinstance(e, MarkupError) for e in errors):
        return MarkupErrors(errors)
    return ScriptErrors(errors)


class UnknownVoiceError(ScriptError):
    """Script lines that name voices the library does not have.

    ``problems`` lists ``(line, voice name)`` for every offending line, in script order.
    """

    def __init__(self, message: str, hint: str | None, problems: list[tuple[int, str]], source: str | None):
        super().__init__(message, hint, source=source)
        self.problems = problems
