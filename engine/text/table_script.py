"""CSV and TSV scripts: a header row, then one take per row.

Columns (header names are case-insensitive): ``text`` (required), and optionally ``voice``,
``language``, ``seed`` and ``file`` (the output file name). Other columns (notes, characters)
are ignored, unless a name looks like a misspelt known column (``voise``), which is an error.
Parsed by the standard library's :mod:`csv` in strict mode, so bad quoting is reported rather
than guessed at (and ends the reading: the rows after it cannot be trusted). A problem in one
row leaves the other rows as they are. Pure Python.
"""

from __future__ import annotations

import csv
import difflib
import io

from .errors import ScriptError
from .markup import Origin
from .script import LineResult, ScriptLine, check_file_name, parse_seed, spoken_problems

COLUMNS = ("text", "voice", "language", "seed", "file")
DELIMITERS = (",", "\t", ";")
QUOTING_HINT = (
    "Put a cell that contains the delimiter, a line break or a quote in double quotes, "
    'and write a quote inside it twice (""), e.g. "She said ""hi"", then left".'
)


def sniff_delimiter(header_line: str) -> str:
    """The delimiter of a table, judged from its header row: the candidate that occurs most there.

    The header is the one row whose cells are short names, so counting there is reliable where
    :class:`csv.Sniffer`'s guesses over free text (full of commas) are not. A header with a
    single column has no delimiter; a comma is assumed.
    """
    counts = {d: header_line.count(d) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: counts[d])  # ties keep the earlier (comma first)
    return best if counts[best] else ","


def _header(cells: list[str], line: int, source: str | None) -> dict[str, int]:
    names = [c.strip().lower() for c in cells]
    columns: dict[str, int] = {}
    for i, name in enumerate(names):
        if name in COLUMNS:
            if name in columns:
                raise ScriptError(f"The header names the column {name!r} twice.", line=line, source=source)
            columns[name] = i
        elif name:
            guess = difflib.get_close_matches(name, COLUMNS, n=1, cutoff=0.75)
            if guess and guess[0] not in names:
                raise ScriptError(
                    f"The header has a column {cells[i].strip()!r}; did you mean {guess[0]!r}?",
                    f"Known columns: {', '.join(COLUMNS)}. Other columns are ignored.",
                    line=line,
                    source=source,
                )
    if "text" not in columns:
        found = ", ".join(repr(c.strip()) for c in cells if c.strip()) or "nothing"
        raise ScriptError(
            f"The first row must be a header with a 'text' column; it has {found}.",
            f"Start the file with a header row such as: {','.join(COLUMNS)}",
            line=line,
            source=source,
        )
    return columns


def table_results(text: str, source: str | None = None, delimiter: str | None = None) -> list[LineResult]:
    """A CSV/TSV script (newlines already ``\\n``) -> each row's result. ``delimiter`` None: sniffed."""
    if delimiter is None:
        first = next((ln for ln in text.split("\n") if ln.strip()), "")
        delimiter = sniff_delimiter(first)
    reader = csv.reader(io.StringIO(text), delimiter=delimiter, strict=True)
    columns: dict[str, int] | None = None
    width = 0
    results: list[LineResult] = []
    while True:
        start = reader.line_num + 1  # the row about to be read starts on this line
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as e:
            error = ScriptError(_quoting_message(str(e)), QUOTING_HINT, line=start, source=source)
            results.append(LineResult(start, None, (error,)))
            break  # past a broken quote the rows cannot be told apart
        if not any(cell.strip() for cell in row):
            continue  # blank rows (also ",,,") separate sections in spreadsheets
        if columns is None:
            try:
                columns = _header(row, start, source)
            except ScriptError as e:
                results.append(LineResult(start, None, (e,)))
                break  # without a header no row can be read
            width = len(row)
            continue
        results.append(_row_result(row, columns, width, delimiter, start, source))
    return results


def _quoting_message(error: str) -> str:
    if "unexpected end of data" in error or "EOF" in error:
        return "A quoted cell that starts on this line is never closed."
    return f"This row is not valid CSV ({error})."


def _row_result(
    row: list[str], columns: dict[str, int], width: int, delimiter: str, line: int, source: str | None
) -> LineResult:
    if len(row) > width:
        error = ScriptError(
            f"This row has {len(row)} cells but the header has {width}.",
            "Text with a " + ("tab" if delimiter == "\t" else repr(delimiter)) + " in it must be in "
            'double quotes, e.g. "Hello, world".',
            line=line,
            source=source,
        )
        return LineResult(line, None, (error,))

    def cell(name: str) -> str:
        i = columns.get(name)
        return row[i].strip() if i is not None and i < len(row) else ""

    text = cell("text")
    problems: list[ScriptError] = []
    if not text:
        problems.append(
            ScriptError(
                "This row has no text.", "Fill in the text cell, or delete the row.", line=line, source=source
            )
        )
    else:
        # Column numbers inside a quoted, multi-column row are not recoverable from csv's output,
        # so markup errors count characters from the start of the text cell.
        problems += spoken_problems(text, Origin(line, None, source))
    seed = file_name = None
    try:
        seed = parse_seed(cell("seed"), line, source)
    except ScriptError as e:
        problems.append(e)
    try:
        file_name = check_file_name(cell("file"), line, source) if cell("file") else None
    except ScriptError as e:
        problems.append(e)
    if problems:
        return LineResult(line, None, tuple(problems))
    take = ScriptLine(
        text=text,
        line=line,
        voice=cell("voice") or None,
        language=cell("language") or None,
        seed=seed,
        file_name=file_name,
    )
    return LineResult(line, take)
