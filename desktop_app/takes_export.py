"""Takes on disk: one FLAC file per take plus a JSON index, under ``<data>/takes/``.

Qt-free, so the Qt model above it stays thin and this can be tested alone. Audio is written
before the index names it, and both are written atomically, so a crash never leaves an index
entry without its audio. An index entry whose audio has gone missing is skipped on load.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import re
import unicodedata
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np

from .settings import write_atomically

log = logging.getLogger(__name__)

INDEX_VERSION = 1
INDEX_FILE = "index.json"
AUDIO_DIR = "audio"


@dataclass
class TakeRecord:
    """Everything known about a stored take except its samples."""

    id: str
    line_number: int  # 1-based position of the line in the script when it was rendered
    text: str
    voice_id: str
    voice_name: str
    language: str
    seed: int
    settings: dict[str, Any] = field(default_factory=dict)  # sampling options as passed to the engine
    created_at: str = ""  # ISO 8601, local time with offset
    duration_s: float = 0.0
    sample_rate: int = 24000
    finish_reason: str = "eos"
    favorite: bool = False

    @property
    def created(self) -> datetime | None:
        try:
            return datetime.fromisoformat(self.created_at)
        except ValueError:
            return None

    @property
    def complete(self) -> bool:
        """False when the take was cut off by the length limit rather than ended by the model."""
        return self.finish_reason == "eos"


def new_take_id() -> str:
    return uuid.uuid4().hex[:12]


def now_iso() -> str:
    return datetime.now().astimezone().isoformat(timespec="seconds")


class TakesStore:
    """The takes folder: add, list, change and delete takes, read their audio."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.audio_dir = self.root / AUDIO_DIR
        self._records: dict[str, TakeRecord] = {}
        self._load()

    # ----- reading --------------------------------------------------------------------------
    def _load(self) -> None:
        path = self.root / INDEX_FILE
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return
        except (OSError, ValueError) as e:
            log.warning("Takes index %s is unreadable (%s); keeping it aside", path, e)
            os.replace(path, path.with_name(INDEX_FILE + ".bad"))
            return
        names = {f.name for f in dataclasses.fields(TakeRecord)}
        for entry in raw.get("takes", []) if isinstance(raw, dict) else []:
            try:
                record = TakeRecord(**{k: v for k, v in entry.items() if k in names})
            except TypeError:
                continue
            if self.audio_path(record).is_file():
                self._records[record.id] = record
            else:
                log.warning("Take %s has lost its audio file; skipping it", record.id)

    def records(self) -> list[TakeRecord]:
        """All takes, ordered by line number, then oldest first."""
        return sorted(self._records.values(), key=lambda r: (r.line_number, r.created_at, r.id))

    def get(self, take_id: str) -> TakeRecord | None:
        return self._records.get(take_id)

    def audio_path(self, record: TakeRecord) -> Path:
        return self.audio_dir / f"{record.id}.flac"

    def load_audio(self, record: TakeRecord) -> np.ndarray:
        """The take's samples, float32 mono at ``record.sample_rate``."""
        import soundfile as sf

        audio, _ = sf.read(str(self.audio_path(record)), dtype="float32", always_2d=False)
        return audio

    # ----- writing --------------------------------------------------------------------------
    def add(self, record: TakeRecord, audio: np.ndarray) -> TakeRecord:
        """Store a new take: its audio first, then the index entry."""
        import soundfile as sf

        self.audio_dir.mkdir(parents=True, exist_ok=True)
        path = self.audio_path(record)
        tmp = path.with_name(f".{path.name}.tmp")
        samples = np.clip(np.asarray(audio, dtype=np.float32), -1.0, 1.0)
        sf.write(str(tmp), samples, record.sample_rate, format="FLAC", subtype="PCM_24")
        os.replace(tmp, path)
        record.duration_s = len(samples) / float(record.sample_rate)
        self._records[record.id] = record
        self._save_index()
        return record

    def set_favorite(self, take_id: str, favorite: bool) -> None:
        record = self._records[take_id]
        record.favorite = bool(favorite)
        self._save_index()

    def delete(self, take_ids: list[str]) -> None:
        """Remove takes from the index, then their audio files."""
        gone = [self._records.pop(t) for t in take_ids if t in self._records]
        self._save_index()
        for record in gone:
            self.audio_path(record).unlink(missing_ok=True)

    def _save_index(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        data = {"version": INDEX_VERSION, "takes": [dataclasses.asdict(r) for r in self.records()]}
        write_atomically(self.root / INDEX_FILE, json.dumps(data, indent=1, ensure_ascii=False).encode())


# ----- export ------------------------------------------------------------------------------------
def slug(text: str, max_chars: int = 40) -> str:
    """A file-name-safe short form of a line: letters and digits of any script, joined by '-'."""
    text = unicodedata.normalize("NFKC", text).lower()
    words = re.findall(r"\w+", text)
    out = "-".join(words)[:max_chars].strip("-_")
    return out or "take"


def export_names(records: list[TakeRecord], extension: str) -> list[str]:
    """File names from line number and text; several takes of one line get -take2, -take3..."""
    counts: dict[int, int] = {}
    per_line = {r.line_number: 0 for r in records}
    for r in records:
        per_line[r.line_number] += 1
    names = []
    for r in records:
        counts[r.line_number] = counts.get(r.line_number, 0) + 1
        base = f"{r.line_number:03d}-{slug(r.text)}"
        if per_line[r.line_number] > 1:
            base += f"-take{counts[r.line_number]}"
        names.append(f"{base}.{extension}")
    return names


def export_takes(store: TakesStore, records: list[TakeRecord], folder: Path, fmt: str) -> list[Path]:
    """Write ``records`` to ``folder`` as WAV or FLAC; existing files are never overwritten."""
    import soundfile as sf

    fmt = fmt.lower()
    if fmt not in ("wav", "flac"):
        raise ValueError(f"Unknown export format {fmt!r}")
    folder = Path(folder).expanduser()
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for record, name in zip(records, export_names(records, fmt)):
        target = folder / name
        n = 2
        while target.exists():
            target = folder / f"{Path(name).stem} ({n}).{fmt}"
            n += 1
        subtype = "PCM_24" if fmt == "flac" else "PCM_16"
        sf.write(str(target), store.load_audio(record), record.sample_rate, subtype=subtype)
        written.append(target)
    return written
