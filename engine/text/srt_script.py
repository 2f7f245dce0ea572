"""SRT subtitle scripts: one take per cue, placed at the cue's start time on a timeline.

A cue is an optional cue number, a timing line ``HH:MM:SS,mmm --> HH:MM:SS,mmm``, then one or
more lines of text (joined with spaces into one take), ended by a blank line. Parsed strictly
so that a broken timing line is reported with its line number, never read as a different
time or folded into the cue before it. Cues are separate blocks, so a broken cue leaves the
others as they are. Pure Python.
"""

from __future__ import annotations

import re

from .errors import ScriptError
from .markup import Origin, markup_errors
from .script import LineResult, ScriptLine, spoken_problems

# Hours of any length; minutes and seconds two digits; milliseconds three ("," per the format,
# "." as many tools write it). Anything after the end time (position tags) is ignored.
_TIME = r"(\d+):(\d{2}):(\d{2})[,.](\d{3})"
_TIMING = re.compile(rf"\s*{_TIME}\s*-->\s*{_TIME}(?:\s.*)?\Z")
_CUE_NUMBER = re.compile(r"\s*\d+\s*\Z")
TIMING_EXAMPLE = "00:01:02,500 --> 00:01:05,000"


def _ms(h: str, m: str, s: str, ms: str) -> int | None:
    if int(m) > 59 or int(s) > 59:
        return None
    return ((int(h) * 60 + int(m)) * 60 + int(s)) * 1000 + int(ms)


def _timing(line: str, number: int, source: str | None) -> tuple[int, int]:
    """A timing line -> (start, end) in milliseconds."""
    m = _TIMING.match(line)
    start = _ms(*m.groups()[:4]) if m else None
    end = _ms(*m.groups()[4:]) if m else None
    if start is None or end is None:
        raise ScriptError(
            f"{line.strip()!r} is not a valid cue timing line.",
            f"A timing line looks like {TIMING_EXAMPLE} (hours:minutes:seconds,milliseconds).",
            line=number,
            source=source,
        )
    if end <= start:
        raise ScriptError(
            f"This cue ends ({line.split('-->')[1].strip()}) before or when it starts.",
            "The second time on a timing line is when the cue ends; it must be later than the first.",
            line=number,
            source=source,
        )
    return start, end


def _blocks(lines: list[str]) -> list[list[tuple[int, str]]]:
    """Groups of non-blank lines, each line with its 1-based number."""
    blocks: list[list[tuple[int, str]]] = []
    current: list[tuple[int, str]] = []
    for number, line in enumerate(lines, start=1):
        if line.strip():
            current.append((number, line))
        elif current:
            blocks.append(current)
            current = []
    if current:
        blocks.append(current)
    return blocks


def srt_results(text: str, source: str | None = None) -> list[LineResult]:
    """An SRT file's text (newlines already ``\\n``) -> one :class:`LineResult` per cue.

    Cues without text are skipped. A take's ``line`` is the line of the cue's first text
    line, where a creator would look for the words.
    """
    results = []
    for block in _blocks(text.split("\n")):
        try:
            result = _cue(block, source)
        except ScriptError as e:  # the cue's frame (number, timing) is broken: nothing else to read
            result = LineResult(e.line or block[0][0], None, (e,))
        if result is not None:
            results.append(result)
    return results


def _cue(block: list[tuple[int, str]], source: str | None) -> LineResult | None:
    """One cue block -> its result (None for a cue without text); raises for a broken frame."""
    k, cue = 0, None
    first_number, first = block[0]
    if _CUE_NUMBER.match(first):
        cue, k = int(first), 1
        if len(block) == 1:
            raise ScriptError(
                f"Cue {cue} has no timing line.",
                f"After the cue number comes a timing line such as {TIMING_EXAMPLE}.",
                line=first_number,
                source=source,
            )
    elif "-->" not in first:
        raise ScriptError(
            f"Expected a cue number or a timing line, found {first.strip()!r}.",
            f"Each cue is a number, a timing line such as {TIMING_EXAMPLE}, its text, then a blank line.",
            line=first_number,
            source=source,
        )
    number, line = block[k]
    start_ms, end_ms = _timing(line, number, source)
    body = block[k + 1 :]
    problems: list[ScriptError] = [
        ScriptError(
            f"{text_line.strip()!r} looks like the start of a new cue inside this cue's text.",
            "Leave a blank line between cues.",
            line=n,
            source=source,
        )
        for n, text_line in body
        if "-->" in text_line or (_CUE_NUMBER.match(text_line) and _is_timing_like(body, n))
    ]
    if problems:
        return LineResult(problems[0].line or number, None, tuple(problems))
    if not body:
        return None
    for n, text_line in body:
        stripped = text_line.strip()
        problems += markup_errors(stripped, Origin(n, len(text_line) - len(text_line.lstrip()) + 1, source))
    words = " ".join(t.strip() for _, t in body)
    if not problems:
        problems = spoken_problems(words, Origin(body[0][0], None, source))
    if problems:
        return LineResult(body[0][0], None, tuple(problems))
    take = ScriptLine(text=words, line=body[0][0], start_s=start_ms / 1000, end_s=end_ms / 1000, cue=cue)
    return LineResult(body[0][0], take)


def _is_timing_like(body: list[tuple[int, str]], n: int) -> bool:
    """Whether the line after line ``n`` in ``body`` has a timestamp in it (a missing blank line)."""
    following = [t for m, t in body if m == n + 1]
    return bool(following) and re.search(r"\d+:\d{2}:\d{2}", following[0]) is not None
