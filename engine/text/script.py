"""Scripts: many lines to render, from plain text, CSV/TSV or SRT, as :class:`ScriptLine` objects.

- Plain text: one take per line; blank lines are ignored; a line starting with ``#`` is a
  comment (start it with ``\\#`` to speak a ``#``).
- CSV/TSV: a header row naming the columns; ``text`` is required, ``voice``, ``language``,
  ``seed`` and ``file`` are optional (see :mod:`engine.text.table_script`).
- SRT: one take per cue, the cue's lines joined (see :mod:`engine.text.srt_script`).

Every problem is a :class:`~engine.text.errors.ScriptError` naming the line (and column).
:func:`parse_script_lines` returns every line's result, the take or its problems, so an
editor can render the good lines and mark the others; :func:`parse_script` and
:func:`parse_script_text` raise every problem at once (a
:class:`~engine.text.errors.ScriptErrors` when there are several). Voice names are checked
against the library by :func:`check_voices`, since only the caller knows the voices.
Pure Python: no torch, no Qt.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from pathlib import Path

from .errors import ScriptError, UnknownVoiceError, combine
from .markup import Origin, Speech, markup_errors, parse_markup

FORMATS = ("text", "csv", "tsv", "srt")
_SUFFIXES = {
    "": "text",
    ".txt": "text",
    ".text": "text",
    ".md": "text",
    ".csv": "csv",
    ".tsv": "tsv",
    ".tab": "tsv",
    ".srt": "srt",
}
MAX_SEED = (1 << 63) - 1


@dataclass(frozen=True)
class ScriptLine:
    """One take to render.

    ``text`` keeps its ``[pause]`` markup (already checked); ``line`` is the 1-based line in the
    file where the take starts. ``voice``, ``language``, ``seed`` and ``file_name`` are None
    where the script leaves them to the caller's defaults. ``start_s``/``end_s`` and ``cue``
    (the cue number, where written) are set for SRT cues only.
    """

    text: str
    line: int
    voice: str | None = None
    language: str | None = None
    seed: int | None = None
    file_name: str | None = None
    start_s: float | None = None
    end_s: float | None = None
    cue: int | None = None

    @property
    def spoken_text(self) -> str:
        """The words to speak, markup removed and whitespace collapsed."""
        words = " ".join(s.text for s in parse_markup(self.text) if isinstance(s, Speech))
        return " ".join(words.split())


@dataclass(frozen=True)
class LineResult:
    """What became of one line of a script: the take to render, or the problems that keep it out.

    ``number`` is the 1-based line in the file where the take (or the problem) starts; ``line``
    is None when ``errors`` is not empty (a line can have several, e.g. two bad markups).
    """

    number: int
    line: ScriptLine | None
    errors: tuple[ScriptError, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass(frozen=True)
class ScriptParse:
    """Every line of a script, parsed: one :class:`LineResult` per take or problem, in file order.

    Blank lines and comments have no result. A problem that stops the reading itself (a CSV
    header without a text column, a quote never closed) is the last result.
    """

    results: tuple[LineResult, ...]

    @property
    def lines(self) -> list[ScriptLine]:
        """The takes to render (the lines without problems)."""
        return [r.line for r in self.results if r.line is not None]

    @property
    def errors(self) -> list[ScriptError]:
        """Every problem, in file order, each with its line (and column where known)."""
        return [e for r in self.results for e in r.errors]

    def raise_errors(self) -> None:
        """Raise every problem at once (one :class:`ScriptError`, or a ``ScriptErrors`` of several)."""
        if self.errors:
            raise combine(self.errors)


def detect_format(path: str | os.PathLike) -> str:
    """The script format for a file name, from its extension: text, csv, tsv or srt."""
    suffix = Path(path).suffix.lower()
    if suffix not in _SUFFIXES:
        raise ScriptError(
            f"Timbre does not know the script type {suffix!r} of {Path(path).name}.",
            "Use a plain text (.txt), CSV (.csv), TSV (.tsv) or subtitle (.srt) file.",
        )
    return _SUFFIXES[suffix]


def read_script_file(path: str | os.PathLike) -> str:
    """A script file's text: UTF-8 (a byte-order mark is dropped), newlines made ``\\n``."""
    p = Path(path)
    try:
        data = p.read_bytes()
    except FileNotFoundError:
        raise ScriptError(f"The script {p} does not exist.", "Check the path.") from None
    except IsADirectoryError:
        raise ScriptError(f"{p} is a folder, not a script file.") from None
    except OSError as e:
        raise ScriptError(f"The script {p} could not be read ({e.strerror or e}).") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise ScriptError(
            "The file is not UTF-8 text.",
            "Save it as UTF-8 (most editors offer it under 'Save as' or 'Encoding').",
            line=data.count(b"\n", 0, e.start) + 1,
            source=p.name,
        ) from None
    return normalize_newlines(text)


def normalize_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def parse_script(path: str | os.PathLike, format: str | None = None) -> list[ScriptLine]:
    """Read a script file into lines to render. ``format`` defaults to the file's extension."""
    fmt = format or detect_format(path)
    return parse_script_text(read_script_file(path), fmt, source=Path(path).name)


def parse_script_text(text: str, format: str = "text", source: str | None = None) -> list[ScriptLine]:
    """Parse a script given as a string into the lines to render.

    ``format`` is one of :data:`FORMATS`; ``source`` names the script in error messages.
    Raises :class:`~engine.text.errors.ScriptError` with the line number for anything
    malformed (every problem at once: a :class:`~engine.text.errors.ScriptErrors` when there
    are several), and for a script with no line to render.
    """
    parsed = parse_script_lines(text, format, source)
    parsed.raise_errors()
    if not parsed.lines:
        raise ScriptError(
            "The script has no line to render.",
            "Write at least one line of text (blank lines and # comments are skipped).",
            source=source,
        )
    return parsed.lines


def parse_script_lines(text: str, format: str = "text", source: str | None = None) -> ScriptParse:
    """Parse a script given as a string, keeping every line's result: its take or its problems.

    Never raises for what is written in the script (only for an unknown ``format``): a line
    with a problem becomes a :class:`LineResult` with its errors, and the other lines are
    still parsed. A script with nothing in it has no results.
    """
    text = normalize_newlines(text.removeprefix("\ufeff"))
    if format == "text":
        results = _plain_results(text, source)
    elif format in ("csv", "tsv"):
        from .table_script import table_results

        results = table_results(text, source, delimiter="\t" if format == "tsv" else None)
    elif format == "srt":
        from .srt_script import srt_results

        results = srt_results(text, source)
    else:
        raise ScriptError(f"Unknown script format {format!r}; use one of {', '.join(FORMATS)}.")
    return ScriptParse(tuple(_check_file_names(results, source)))


def _plain_results(text: str, source: str | None) -> list[LineResult]:
    results = []
    for number, raw in enumerate(text.split("\n"), start=1):
        stripped = raw.strip()
        if not stripped or stripped.startswith("#"):
            continue
        column = len(raw) - len(raw.lstrip()) + 1
        if stripped.startswith("\\#"):  # an escaped '#' is spoken
            stripped, column = stripped[1:], column + 1
        problems = spoken_problems(stripped, Origin(number, column, source))
        line = None if problems else ScriptLine(stripped, number)
        results.append(LineResult(number, line, tuple(problems)))
    return results


def spoken_problems(text: str, origin: Origin) -> list[ScriptError]:
    """Every problem of a take's text: its markup errors, or having no words to speak."""
    problems: list[ScriptError] = list(markup_errors(text, origin))
    if not problems and not any(isinstance(s, Speech) and s.text.strip() for s in parse_markup(text, origin)):
        problems.append(
            ScriptError(
                "This line has markup but nothing to speak.",
                "Put the pause at the start or end of a line that has words.",
                line=origin.line,
                source=origin.source,
            )
        )
    return problems


def check_spoken(text: str, origin: Origin) -> None:
    """Check a line's markup, and that it has words to speak (a take of silence alone is an error)."""
    problems = spoken_problems(text, origin)
    if problems:
        raise combine(problems)


def check_file_name(name: str, line: int, source: str | None) -> str:
    """A script's output file name must stay inside the output folder: no folders, no '..'."""
    name = name.strip()
    bad = '/\\:*?"<>|\0'
    if name in (".", "..") or any(ch in bad for ch in name) or name.startswith("."):
        raise ScriptError(
            f"The file name {name!r} cannot be used.",
            'Give a plain file name such as intro.wav, without folders or the characters / \\ : * ? " < > |.',
            line=line,
            source=source,
        )
    return name


def _check_file_names(results: Sequence[LineResult], source: str | None) -> list[LineResult]:
    """The results with every line that reuses an earlier line's file name turned into a problem."""
    seen: dict[str, int] = {}
    out = []
    for r in results:
        ln = r.line
        if ln is None or ln.file_name is None:
            out.append(r)
            continue
        key = os.path.splitext(ln.file_name)[0].casefold()  # intro.wav and Intro.flac collide
        if key in seen:
            error = ScriptError(
                f"The file name {ln.file_name!r} is also used on line {seen[key]}; one take would overwrite the other.",
                "Give every line its own file name.",
                line=ln.line,
                source=source,
            )
            out.append(LineResult(r.number, None, (error,)))
            continue
        seen[key] = ln.line
        out.append(r)
    return out


def parse_seed(value: str, line: int, source: str | None) -> int | None:
    """A seed cell: empty -> None, else a whole number from 0 to 2**63 - 1."""
    value = value.strip()
    if not value:
        return None
    if not value.isdigit() or not value.isascii() or int(value) > MAX_SEED:
        raise ScriptError(
            f"The seed {value!r} is not a whole number from 0 to {MAX_SEED}.",
            "Leave the seed empty for a random take, or write a number such as 42.",
            line=line,
            source=source,
        )
    return int(value)


def _lines_text(numbers: list[int]) -> str:
    return ("line " if len(numbers) == 1 else "lines ") + ", ".join(map(str, numbers))


def check_voices(
    lines: Sequence[ScriptLine], known_voices: Collection[str], source: str | None = None
) -> None:
    """Raise :class:`~engine.text.errors.UnknownVoiceError` if a line names a voice not in ``known_voices``.

    Lines without a voice are left to the caller's default voice. The error lists every
    unknown name with its line numbers and, where one is close, the voice probably meant.
    """
    known = set(known_voices)
    bad: dict[str, list[int]] = {}
    problems = []
    for ln in lines:
        if ln.voice is not None and ln.voice not in known:
            bad.setdefault(ln.voice, []).append(ln.line)
            problems.append((ln.line, ln.voice))
    if not bad:
        return
    by_fold = {k.casefold(): k for k in known}
    parts = []
    for name, numbers in bad.items():
        guess = by_fold.get(name.casefold()) or next(iter(difflib.get_close_matches(name, known, n=1)), None)
        maybe = f"; did you mean {guess!r}?" if guess else ""
        parts.append(f"{name!r} ({_lines_text(numbers)}{maybe})")
    listing = ", ".join(sorted(known)) if known else "none yet"
    raise UnknownVoiceError(
        f"The script names voices that are not in the library: {'; '.join(parts)}.",
        f"Voices in the library: {listing}. Fix the names, or add the voices first.",
        problems,
        source,
    )


def check_languages(
    lines: Sequence[ScriptLine], supported: Collection[str], source: str | None = None
) -> None:
    """Raise :class:`~engine.text.errors.ScriptError` if a line asks for a language not in ``supported``.

    Compared case-insensitively, as the model does ("English" and "english" are the same).
    """
    allowed = {s.casefold() for s in supported}
    bad: dict[str, list[int]] = {}
    for ln in lines:
        if ln.language is not None and ln.language.casefold() not in allowed:
            bad.setdefault(ln.language, []).append(ln.line)
    if bad:
        parts = "; ".join(f"{name!r} ({_lines_text(numbers)})" for name, numbers in bad.items())
        raise ScriptError(
            f"The script asks for languages the model does not speak: {parts}.",
            f"Supported: {', '.join(sorted(supported))}.",
            source=source,
        )
