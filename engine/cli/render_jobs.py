"""From script lines to render jobs: output file names, voices, languages, seeds and take keys.

Everything here runs before the model is loaded, so a rerun that has nothing left to do never
loads it. Problems with one line (a voice the library does not have, no voice at all) become
that line's error; problems with the whole script (two lines writing one file) raise.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import InputError, TimbreError
from ..library import Voice, VoiceLibrary, VoiceNotFoundError
from ..text import ScriptLine
from .manifest import MANIFEST_NAME, take_key

AUDIO_EXTENSIONS = (".wav", ".flac")
TIMELINE_STEM = "timeline"
KEY_VERSION = 1  # bump when the engine's output for the same settings changes on purpose


@dataclass
class LineJob:
    """One script line on its way to a file. ``error`` is set when it cannot be rendered."""

    index: int  # position in the script (0-based)
    line: ScriptLine
    file_name: str
    voice: Voice | None = None
    language: str = "auto"
    seed: int | None = None  # as requested; None: a random seed, chosen when rendered
    key: str = ""
    error: TimbreError | None = None
    chunks: list[str] = field(default_factory=list)

    @property
    def number(self) -> int:
        """The line number in the script file, as errors and the summary report it."""
        return self.line.line


def default_names(count: int, extension: str) -> list[str]:
    """001.wav, 002.wav, ... (at least three digits, more for long scripts)."""
    width = max(3, len(str(count)))
    return [f"{i + 1:0{width}d}{extension}" for i in range(count)]


def file_name_for(line: ScriptLine, default: str, extension: str) -> str:
    """The script's own file name (its .wav/.flac extension kept, else ours added), or the default."""
    if line.file_name is None:
        return default
    name = line.file_name
    return name if Path(name).suffix.lower() in AUDIO_EXTENSIONS else name + extension


def check_names(jobs: Sequence[LineJob], source: str) -> None:
    """Two lines may not write one file, and none may overwrite the manifest or the timeline."""
    seen: dict[str, int] = {}
    for job in jobs:
        stem = Path(job.file_name).stem.casefold()
        if job.file_name == MANIFEST_NAME or stem == TIMELINE_STEM:
            raise InputError(
                f"{source}, line {job.number}: the file name {job.file_name!r} is reserved for the render itself.",
                "Choose another file name for this line.",
            )
        if stem in seen:
            raise InputError(
                f"{source}: lines {seen[stem]} and {job.number} would both be saved as {job.file_name!r}.",
                "Give these lines different names in the file column.",
            )
        seen[stem] = job.number


def unknown_voice(name: str, library: VoiceLibrary) -> TimbreError:
    known = [v.name for v in library.list()]
    guess = difflib.get_close_matches(name, known, n=1) or [
        k for k in known if k.casefold() == name.casefold()
    ]
    maybe = f" (did you mean {guess[0]!r}?)" if guess else ""
    return VoiceNotFoundError(
        f"There is no voice called {name!r} in the library{maybe}.",
        "Fix the name in the script, or add the voice with 'timbre-cli voices add'.",
    )


def plan_jobs(
    lines: Sequence[ScriptLine],
    library: VoiceLibrary,
    *,
    source: str,
    extension: str,
    default_voice: Voice | None,
    language: str | None,
    seed: int | None,
    settings: dict[str, Any],
) -> list[LineJob]:
    """One job per line, with its key; ``settings`` are the options shared by every take."""
    names = default_names(len(lines), extension)
    jobs = [LineJob(i, ln, file_name_for(ln, names[i], extension)) for i, ln in enumerate(lines)]
    check_names(jobs, source)
    voices: dict[str, Voice | TimbreError] = {}
    for job in jobs:
        ln = job.line
        if ln.voice is not None:
            if ln.voice not in voices:
                try:
                    voices[ln.voice] = library.find(ln.voice)
                except VoiceNotFoundError:
                    voices[ln.voice] = unknown_voice(ln.voice, library)
            found = voices[ln.voice]
        elif default_voice is not None:
            found = default_voice
        else:
            found = InputError(
                "This line names no voice.", "Give a default with --voice, or fill in the voice column."
            )
        if isinstance(found, TimbreError):
            job.error = found
            continue
        job.voice = found
        job.language = (ln.language or language or "auto").strip().casefold()
        job.seed = ln.seed if ln.seed is not None else seed
        job.key = take_key(
            {
                "v": KEY_VERSION,
                "text": ln.text,
                "voice_id": found.id,
                "language": job.language,
                "seed": job.seed,
                "format": extension,
                **settings,
            }
        )
    return jobs
