"""The script editor's text -> the lines to render, through the parser ``timbre-cli`` uses.

:func:`parse_lines` runs :func:`engine.text.parse_script_text` (plain-text format: one take per
line, blank lines and ``#`` comments skipped, ``[pause 0.8s]`` markup checked). The parser stops
at the first bad line; here that line is set aside with its error and the rest is parsed again,
so every line shows its own state: valid, or the parser's message with the column to fix.
Each valid line also says how the long-text path will render it (pauses, parts).

Qt-free and torch-free.
"""

from __future__ import annotations

from dataclasses import dataclass

from engine.text import Chunk, Pause, ScriptError, parse_script_text, plan_text
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
    work = list(raw)
    refused: dict[int, ScriptError] = {}
    lines = []
    while True:
        try:
            lines = parse_script_text("\n".join(work), "text")
            break
        except ScriptError as e:
            if e.line is None or e.line in refused or not 1 <= e.line <= len(work):
                break  # nothing left to render (an empty script, or only refused lines)
            refused[e.line] = e
            work[e.line - 1] = ""  # set the line aside and parse the rest again
    out = {line.line: _described(line.text, line.line) for line in lines}
    for number, e in refused.items():
        out[number] = ParsedLine(
            raw[number - 1].strip(), number, e.reason, e.hint or "", e.column, pauses=0, parts=0
        )
    return [out[n] for n in sorted(out)]


def _described(text: str, number: int) -> ParsedLine:
    plan = plan_text(text)
    pauses = sum(isinstance(item, Pause) for item in plan)
    parts = sum(isinstance(item, Chunk) for item in plan)
    return ParsedLine(text, number, pauses=pauses, parts=parts)
