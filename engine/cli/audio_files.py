"""Writing takes to disk atomically: a file is either the whole take or not there at all.

A render killed mid-write leaves at most a hidden ``.NAME.PID.partial`` file, which the next
render into the folder removes.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np

from ..errors import TimbreError

# soundfile format and sample encoding per extension: 16-bit PCM is what every editor reads.
FORMATS = {".wav": ("WAV", "PCM_16"), ".flac": ("FLAC", "PCM_16"), ".ogg": ("OGG", "VORBIS")}
_PARTIAL = re.compile(r"^\..+\.\d+\.partial$")


class OutputError(TimbreError):
    """An output file that cannot be written (no such folder, no space, not allowed)."""


def check_audio_path(path: Path) -> tuple[str, str]:
    """The (format, subtype) for a file name, or an error naming the extensions that work."""
    try:
        return FORMATS[path.suffix.lower()]
    except KeyError:
        raise OutputError(
            f"Timbre cannot write {path.suffix or 'files without an extension'} audio ({path.name}).",
            "Name the output file .wav, .flac or .ogg.",
        ) from None


def partial_path(path: Path) -> Path:
    return path.with_name(f".{path.name}.{os.getpid()}.partial")


def write_audio(path: Path, audio: np.ndarray, sample_rate: int) -> int:
    """Write mono float audio to ``path`` (format from the extension), atomically; -> bytes written."""
    import soundfile as sf

    fmt, subtype = check_audio_path(path)
    tmp = partial_path(path)
    try:
        with open(tmp, "wb") as fh:
            sf.write(fh, np.clip(audio, -1.0, 1.0), sample_rate, format=fmt, subtype=subtype)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
        return path.stat().st_size
    except OSError as e:
        tmp.unlink(missing_ok=True)
        raise OutputError(
            f"{path} could not be written ({e.strerror or e}).",
            "Check that the folder exists, is writable and has free space.",
        ) from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def stage_copy(source: Path, target: Path) -> Path:
    """Copy a finished take to the hidden partial name of ``target``; ``os.replace`` it to commit.

    Copies are staged first and committed together when a source may also be a target.
    """
    import shutil

    tmp = partial_path(target)
    try:
        shutil.copyfile(source, tmp)
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        return tmp
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def remove_partials(folder: Path) -> int:
    """Remove the leftovers of writes that never finished (call only while holding the folder)."""
    removed = 0
    for p in folder.iterdir():
        if _PARTIAL.match(p.name) and p.is_file():
            p.unlink(missing_ok=True)
            removed += 1
    return removed
