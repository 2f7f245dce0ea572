"""Takes out of Timbre: file names from line numbers and text, WAV or FLAC files.

Qt-free, so it can be tested alone. Takes live in :class:`engine.projects.ProjectStore`.
"""

from __future__ import annotations

from pathlib import Path

from engine.projects import ProjectStore, TakeRecord
from engine.text import text_slug


def export_names(items: list[tuple[TakeRecord, int | None]], extension: str) -> list[str]:
    """File names from line number and text; several takes of one line get -take2, -take3...

    ``items`` pairs each take with its line's number in the script (None: a removed line).
    """
    per_line: dict[str, int] = {}
    for record, _ in items:
        per_line[record.line_id] = per_line.get(record.line_id, 0) + 1
    counts: dict[str, int] = {}
    names = []
    for record, number in items:
        counts[record.line_id] = counts.get(record.line_id, 0) + 1
        place = f"{number:03d}" if number is not None else "removed"
        base = f"{place}-{text_slug(record.text)}"
        if per_line[record.line_id] > 1:
            base += f"-take{counts[record.line_id]}"
        names.append(f"{base}.{extension}")
    return names


def export_takes(
    store: ProjectStore, items: list[tuple[TakeRecord, int | None]], folder: Path, fmt: str
) -> list[Path]:
    """Write the takes to ``folder`` as WAV or FLAC; existing files are never overwritten."""
    import soundfile as sf

    fmt = fmt.lower()
    if fmt not in ("wav", "flac"):
        raise ValueError(f"Unknown export format {fmt!r}")
    folder = Path(folder).expanduser()
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for (record, _), name in zip(items, export_names(items, fmt)):
        target = folder / name
        n = 2
        while target.exists():
            target = folder / f"{Path(name).stem} ({n}).{fmt}"
            n += 1
        subtype = "PCM_24" if fmt == "flac" else "PCM_16"
        sf.write(str(target), store.load_audio(record), record.sample_rate, subtype=subtype)
        written.append(target)
    return written
