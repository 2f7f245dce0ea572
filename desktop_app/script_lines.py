"""The script editor's text -> the lines to render, through the parser ``timbre-cli`` uses.

:func:`parse_lines` runs :func:`engine.text.parse_script_lines` (plain-text format: one take per
line, blank lines and ``#`` comments skipped, ``[pause 0.8s]`` markup checked), which keeps every
line's result, so every line shows its own state: valid, or all its problems with the column of
the first to fix.
Each valid line also says how the long-text path will render it (pauses, parts).

Qt-free and torch-free.
"""

from __future__ import annotations

from dataclasses import dataclass

from engine.text import Chunk, Pause, parse_script_lines, plan_text
from engine.text.script import normalize_newlines


@dataclass(frozen=True)
class ParsedLine:
    """One line to render. ``number`` is its line in the editor (1-based).

    ``text`` keeps its markup. A line the parser refused has ``error`` (the reason, without
    the place), ``hint`` and ``column`` (1-based, in the editor line; None when unknown).
    ``pauses`` counts its ``[pause]`` markups; ``parts`` the chunks it renders in.
    """

    text: str
    number: int = 0
    error: str = ""
    hint: str = ""
    column: int | None = None
    pauses: int = 0
    parts: int = 1

    @property
    def valid(self) -> bool:
        return not self.error

    def describe_error(self) -> str:
        """ "Editor line 4, column 12: Unknown markup [pauze 1s]. …" for tooltips and banners."""
        if not self.error:
            return ""
        column = f", column {self.column}" if self.column else ""
        return f"Editor line {self.number}{column}: {self.error}"


def parse_lines(text: str) -> list[ParsedLine]:
    """Every line of the script to render, in order, valid or not (see the module docstring)."""
    raw = normalize_newlines(text.removeprefix("\ufeff")).split("\n")
    out = []
    for result in parse_script_lines(text, "text").results:
        if result.line is not None:
            out.append(_described(result.line.text, result.number))
            continue
        first = result.errors[0]
        more = [e.reason for e in result.errors[1:]]
        error = " ".join([first.reason, *more])
        hints = " ".join(dict.fromkeys(e.hint for e in result.errors if e.hint))
        out.append(
            ParsedLine(raw[result.number - 1].strip(), result.number, error, hints, first.column, 0, 0)
        )
    return out


def _described(text: str, number: int) -> ParsedLine:
    plan = plan_text(text)
    pauses = sum(isinstance(item, Pause) for item in plan)
    parts = sum(isinstance(item, Chunk) for item in plan)
    return ParsedLine(text, number, pauses=pauses, parts=parts)
