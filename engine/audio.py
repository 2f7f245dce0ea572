"""Reference audio in any form a creator has it -> mono float32 at a known rate.

Accepted: a file path (wav, flac, ogg, and mp3 where libsndfile reads it), an http(s) URL, a
base64 string or ``data:`` URI, an ``(array, sample_rate)`` tuple, raw bytes of a file, or a
list of these. Resampling uses libsoxr at its high-quality setting.
"""

from __future__ import annotations

import base64
import binascii
import io
import math
import os
import re
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import numpy as np

from .errors import AudioInputError, AudioTypeError

MIN_REFERENCE_S = 0.5
URL_TIMEOUT_S = 30


def is_url(s: str) -> bool:
    try:
        u = urlparse(s)
    except ValueError:
        return False
    return u.scheme in ("http", "https") and bool(u.netloc)


_BASE64 = re.compile(r"[A-Za-z0-9+/=_\-\s]+")


def is_probably_base64(s: str) -> bool:
    """A ``data:`` URI, or a long string of base64 characters that is not an existing file.

    (The official package also requires no "/", which standard base64 often contains.)
    """
    if s.startswith("data:"):
        return True
    return len(s) > 256 and _BASE64.fullmatch(s) is not None and not _exists(s)


def _exists(s: str) -> bool:
    try:
        return Path(os.path.expanduser(s)).exists()
    except OSError:  # e.g. a name too long to be a path
        return False


def _decode_bytes(data: bytes, what: str) -> tuple[np.ndarray, int]:
    import soundfile as sf

    try:
        with io.BytesIO(data) as f:
            audio, sr = sf.read(f, dtype="float32", always_2d=True)
    except Exception as e:  # libsndfile reports every format problem as a generic error
        raise AudioInputError(
            f"{what} is not audio Timbre can read ({e}).",
            "Use a WAV, FLAC or OGG file (MP3 works where the system's libsndfile supports it).",
        ) from None
    return audio, int(sr)


def _read_path(path: Path) -> tuple[np.ndarray, int]:
    import soundfile as sf

    if not path.exists():
        raise AudioInputError(
            f"The audio file {path} does not exist.", "Check the path, or choose the file again."
        )
    if path.is_dir():
        raise AudioInputError(f"{path} is a folder, not an audio file.")
    try:
        audio, sr = sf.read(str(path), dtype="float32", always_2d=True)
    except Exception as e:
        raise AudioInputError(
            f"The file {path.name} could not be read as audio ({e}).",
            "Use a WAV, FLAC or OGG file (MP3 works where the system's libsndfile supports it).",
        ) from None
    return audio, int(sr)


def _read_url(url: str) -> tuple[np.ndarray, int]:
    try:
        with urllib.request.urlopen(url, timeout=URL_TIMEOUT_S) as resp:
            data = resp.read()
    except (urllib.error.URLError, OSError, ValueError) as e:
        raise AudioInputError(
            f"The audio at {url} could not be downloaded ({e}).",
            "Check the address and your connection, or download the file and use it directly.",
        ) from None
    return _decode_bytes(data, f"The download from {url}")


def _read_base64(s: str) -> tuple[np.ndarray, int]:
    payload = s.split(",", 1)[1] if s.strip().startswith("data:") and "," in s else s
    try:
        data = base64.b64decode(payload, validate=False)
    except (binascii.Error, ValueError) as e:
        raise AudioInputError(f"The base64 audio string could not be decoded ({e}).") from None
    return _decode_bytes(data, "The base64 audio")


def to_mono(audio: np.ndarray) -> np.ndarray:
    """(N,) or (N, C) -> (N,) float32, channels averaged."""
    if audio.ndim == 2:
        audio = audio.mean(axis=1) if audio.shape[1] > 1 else audio[:, 0]
    return np.ascontiguousarray(audio, dtype=np.float32)


def _from_array(arr: Any, sr: Any, index: int) -> tuple[np.ndarray, int]:
    arr = np.asarray(arr)
    if arr.ndim > 2:
        raise AudioInputError(
            f"Reference audio {index} has shape {arr.shape}; expected (samples,) or (samples, channels)."
        )
    if arr.ndim == 2 and arr.shape[0] < arr.shape[1] and arr.shape[0] <= 8:
        arr = arr.T  # (channels, samples) -> (samples, channels)
    if np.issubdtype(arr.dtype, np.integer):
        # Integer PCM: scale to [-1, 1) so an int16 recording is not read as a deafening float.
        arr = arr.astype(np.float32) / float(np.iinfo(arr.dtype).max + 1)
    try:
        rate = int(sr)
    except (TypeError, ValueError):
        raise AudioInputError(f"Reference audio {index}: the sample rate {sr!r} is not a number.") from None
    if rate <= 0:
        raise AudioInputError(f"Reference audio {index}: the sample rate must be positive, got {rate}.")
    return arr.astype(np.float32, copy=False), rate


def audio_name(item: Any, index: int = 0) -> str:
    """How errors name a reference: its file name for a path, its address for a URL, else its index."""
    if isinstance(item, os.PathLike):
        return Path(item).name or str(item)
    if isinstance(item, str) and item.strip() and not is_probably_base64(item):
        return item if is_url(item) else Path(os.path.expanduser(item)).name or item
    return f"Reference audio {index}"


def load_audio(item: Any, index: int = 0) -> tuple[np.ndarray, int]:
    """One audio input of any accepted form -> (mono float32 (N,), sample rate)."""
    if isinstance(item, np.ndarray):
        raise AudioInputError(
            "A bare numpy waveform has no sample rate.", "Pass a tuple (waveform, sample_rate) instead."
        )
    if isinstance(item, tuple) and len(item) == 2:
        audio, sr = _from_array(item[0], item[1], index)
    elif isinstance(item, (bytes, bytearray)):
        audio, sr = _decode_bytes(bytes(item), f"Reference audio {index}")
    elif isinstance(item, os.PathLike):
        audio, sr = _read_path(Path(item))
    elif isinstance(item, str):
        if not item.strip():
            raise AudioInputError(
                f"Reference audio {index} is an empty string.", "Give a file path, URL or base64 audio."
            )
        if is_url(item):
            audio, sr = _read_url(item)
        elif is_probably_base64(item):
            audio, sr = _read_base64(item)
        else:
            audio, sr = _read_path(Path(os.path.expanduser(item)))
    else:
        raise AudioTypeError(
            f"Reference audio {index} has an unsupported type {type(item).__name__}.",
            "Use a file path, URL, base64 string, or a tuple (waveform, sample_rate).",
        )
    return to_mono(audio), sr


def check_reference(audio: np.ndarray, sr: int, index: int = 0, name: str | None = None) -> None:
    """Refuse audio the speaker encoder cannot use: empty, non-finite, or too short.

    ``name`` says which reference in messages (see :func:`audio_name`); default: its index.
    """
    from .audio_quality import GOOD_LENGTH

    what = name or f"Reference audio {index}"
    if audio.size == 0:
        raise AudioInputError(f"{what} is empty.", f"Record or choose {GOOD_LENGTH} of clear speech.")
    if not np.all(np.isfinite(audio)):
        raise AudioInputError(f"{what} contains invalid samples (NaN or infinity).")
    duration = audio.size / sr
    if duration < MIN_REFERENCE_S:
        raise AudioInputError(
            f"{what} is {duration:.2f} s long; at least {MIN_REFERENCE_S} s is needed.",
            f"Use {GOOD_LENGTH} of clear speech for a good likeness.",
        )


def resample(audio: np.ndarray, sr: int, target_sr: int) -> np.ndarray:
    """High-quality resampling (libsoxr HQ); the length is ``ceil(N * target / sr)`` exactly."""
    if sr == target_sr:
        return audio
    import soxr

    out = soxr.resample(audio, sr, target_sr, quality="soxr_hq")
    want = int(math.ceil(audio.shape[-1] * float(target_sr) / sr))
    if out.shape[-1] < want:
        out = np.pad(out, (0, want - out.shape[-1]))
    return np.ascontiguousarray(out[:want], dtype=np.float32)
