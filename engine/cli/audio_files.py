"""Writing takes to disk atomically: a file is either the whole take or not there at all.

A render killed mid-write leaves at most a hidden ``.NAME.PID.partial`` file, which the next
render into the folder removes.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import tempfile
from pathlib import Path

import numpy as np

from ..errors import InputError, TimbreError

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
        raise InputError(
            f"Timbre cannot write {path.suffix or 'files without an extension'} audio ({path.name}).",
            "Name the output file .wav, .flac or .ogg.",
        ) from None


def check_writable_folder(folder: Path) -> None:
    """Refuse a folder Timbre cannot create files in (read-only, no permission), before any work.

    Tried for real (a hidden file made and removed): permissions, read-only mounts and access
    lists all answer the same way then, on every OS.
    """
    try:
        fd, probe = tempfile.mkstemp(prefix=".timbre-write-check-", dir=folder)
    except OSError as e:
        raise InputError(
            f"Timbre cannot write into the folder {folder} ({e.strerror or e}).",
            "Choose a folder you can write to, or change this one's permissions.",
        ) from None
    os.close(fd)
    os.unlink(probe)


def check_output_file(path: Path) -> None:
    """Refuse an output file that could not be written, before anything is rendered into it:
    an extension Timbre cannot write, a missing folder, a folder in its place, no permission."""
    check_audio_path(path)
    folder = path.parent
    if path.is_dir():
        raise InputError(
            f"{path} is a folder, not a file name.", f"Name a file in it, e.g. {path / 'take.wav'}."
        )
    if not folder.exists():
        raise InputError(f"The folder {folder} does not exist.", "Create it, or save elsewhere.")
    if not folder.is_dir():
        raise InputError(f"{folder} is a file, not a folder.", "Save the take into a folder.")
    check_writable_folder(folder)


def prepare_output_folder(folder: Path) -> None:
    """Create an output folder (and its parents) and check it can be written to; errors in words."""
    if folder.exists() and not folder.is_dir():
        raise InputError(
            f"{folder} is a file, not a folder.", "Give --out a folder (it is created when missing)."
        )
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):  # a parent is a file
        blocker = next((p for p in folder.parents if p.exists() and not p.is_dir()), folder)
        raise InputError(
            f"The output folder {folder} cannot be created: {blocker} is a file.",
            "Give --out a folder that is not inside a file.",
        ) from None
    except OSError as e:
        raise InputError(
            f"The output folder {folder} cannot be created ({e.strerror or e}).",
            "Choose a place you can write to.",
        ) from None
    check_writable_folder(folder)


def partial_path(path: Path) -> Path:
    return path.with_name(f".{path.name}.{os.getpid()}.partial")


def encode_audio(audio: np.ndarray, sample_rate: int, path: Path) -> bytes:
    """The file's bytes for mono float audio, in the format its name asks for (clipped to [-1, 1])."""
    import soundfile as sf

    fmt, subtype = check_audio_path(path)
    buffer = io.BytesIO()
    sf.write(buffer, np.clip(audio, -1.0, 1.0), sample_rate, format=fmt, subtype=subtype)
    return buffer.getvalue()


def write_audio(path: Path, audio: np.ndarray, sample_rate: int) -> tuple[int, str]:
    """Write mono float audio to ``path`` atomically; -> (bytes written, their SHA-256)."""
    data = encode_audio(audio, sample_rate, path)
    tmp = partial_path(path)
    try:
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except OSError as e:
        tmp.unlink(missing_ok=True)
        raise OutputError(
            f"{path} could not be written ({e.strerror or e}).",
            "Check that the folder exists, is writable and has free space.",
        ) from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return len(data), hashlib.sha256(data).hexdigest()


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


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
