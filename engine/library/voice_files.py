"""The files of one voice folder: ``meta.json``, ``reference.flac``, ``transcript.txt``.

``meta.json`` mirrors the voice's index row so a folder can be re-indexed on its own (after a
crash between moving the folder in and committing its row, or when the index is lost). The
index stays the authority; ``last_used`` is kept only there.
"""

from __future__ import annotations

import io
import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np

from .fields import (
    clean_language,
    clean_mode,
    clean_name,
    clean_notes,
    clean_tags,
    clean_transcript,
    is_voice_id,
)

META_FORMAT = "timbre.voice"
META_VERSION = 1
REFERENCE_SUBTYPE = "PCM_24"  # 24-bit FLAC: far below audibility, and what re-extraction reads back
MIN_SAMPLE_RATE = 8_000
MAX_SAMPLE_RATE = 192_000


def to_datetime(ts: float | None) -> datetime | None:
    return None if ts is None else datetime.fromtimestamp(ts, tz=timezone.utc)


def to_iso(ts: float | None) -> str | None:
    dt = to_datetime(ts)
    return None if dt is None else dt.isoformat()


def from_iso(text: object) -> float | None:
    """An ISO-8601 time from a file -> seconds since the epoch; ValueError if it is not one."""
    if text is None:
        return None
    if not isinstance(text, str):
        raise ValueError("a time is not text")
    dt = datetime.fromisoformat(text)
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return dt.timestamp()


def meta_document(row: dict[str, Any]) -> bytes:
    """``meta.json`` bytes for an index row (as returned by :meth:`Index.row_dict`)."""
    doc = {
        "format": META_FORMAT,
        "version": META_VERSION,
        "id": row["id"],
        "name": row["name"],
        "tags": list(row["tags"]),
        "language": row["language"],
        "mode": row["mode"],
        "notes": row["notes"],
        "transcript": row["transcript"],
        "favorite": bool(row["favorite"]),
        "created": to_iso(row["created"]),
        "updated": to_iso(row["updated"]),
        "trashed_at": to_iso(row["trashed_at"]),
        "duration_s": row["duration_s"],
    }
    return (json.dumps(doc, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def parse_meta(data: bytes) -> dict[str, Any]:
    """Read and check a ``meta.json``; returns the fields of an index row (ValueError if bad)."""
    from .errors import VoiceInputError

    try:
        doc = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise ValueError("meta.json is not valid JSON") from None
    if not isinstance(doc, dict) or doc.get("format") != META_FORMAT:
        raise ValueError("meta.json is not a Timbre voice description")
    if not isinstance(doc.get("version"), int) or doc["version"] > META_VERSION:
        raise ValueError("meta.json was written by a newer Timbre")
    try:
        voice_id = doc.get("id")
        if not isinstance(voice_id, str) or not is_voice_id(voice_id):
            raise ValueError("meta.json has no valid voice id")
        mode = clean_mode(doc.get("mode"))
        duration = doc.get("duration_s")
        if duration is not None and (not isinstance(duration, (int, float)) or not duration > 0):
            raise ValueError("meta.json has an invalid duration")
        created = from_iso(doc.get("created"))
        return {
            "id": voice_id,
            "name": clean_name(doc.get("name")),
            "tags": clean_tags(doc.get("tags", [])),
            "language": clean_language(doc.get("language")),
            "mode": mode,
            "notes": clean_notes(doc.get("notes", "")),
            "transcript": clean_transcript(doc.get("transcript", ""), mode),
            "favorite": bool(doc.get("favorite", False)),
            "created": created,
            "updated": from_iso(doc.get("updated")) or created,
            "trashed_at": from_iso(doc.get("trashed_at")),
            "duration_s": None if duration is None else float(duration),
        }
    except VoiceInputError as e:
        raise ValueError(f"meta.json: {e.message}") from None


def encode_reference(audio: np.ndarray, sample_rate: int) -> bytes:
    """Mono float audio -> 24-bit FLAC bytes (samples beyond full scale are clipped, as FLAC must)."""
    import soundfile as sf

    clipped = np.clip(np.asarray(audio, dtype=np.float32), -1.0, 1.0)
    buf = io.BytesIO()
    sf.write(buf, clipped, int(sample_rate), format="FLAC", subtype=REFERENCE_SUBTYPE)
    return buf.getvalue()


def decode_reference(data: bytes) -> tuple[np.ndarray, int]:
    """FLAC (or any audio libsndfile reads) bytes -> (mono float32, sample rate); ValueError if not audio."""
    import soundfile as sf

    try:
        audio, sr = sf.read(io.BytesIO(data), dtype="float32", always_2d=True)
    except Exception as e:  # libsndfile reports every format problem as a generic error
        raise ValueError(f"it is not audio ({e})") from None
    if not MIN_SAMPLE_RATE <= sr <= MAX_SAMPLE_RATE:
        raise ValueError(f"its sample rate {sr} Hz is outside {MIN_SAMPLE_RATE}..{MAX_SAMPLE_RATE}")
    mono = audio.mean(axis=1) if audio.shape[1] > 1 else audio[:, 0]
    if mono.size == 0 or not np.isfinite(mono).all():
        raise ValueError("it holds no usable samples")
    return np.ascontiguousarray(mono, dtype=np.float32), int(sr)


def read_reference(path: Path) -> tuple[np.ndarray, int]:
    return decode_reference(path.read_bytes())


def transcript_document(transcript: str) -> bytes:
    return (transcript + "\n").encode("utf-8") if transcript else b""
