"""``timbre-render.json``: what each file in a render's output folder holds, to skip it next time.

Every take is recorded with a *key*: a hash of everything that decides its sound (text, voice
id, language, requested seed, sampling options, chunk length, model, device and dtype). A rerun
skips a line whose file is recorded with the same key and is still byte for byte as written. The
manifest is rewritten atomically after every take, and the take's file is in place before its
record, so a render killed at any moment leaves a folder the next run can trust.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import TimbreError
from .audio_files import file_sha256

MANIFEST_NAME = "timbre-render.json"
LOCK_NAME = ".timbre-render.lock"
FORMAT = "timbre.render"
VERSION = 1


def take_key(settings: dict[str, Any]) -> str:
    """A stable hash of a take's settings (any JSON-able dict; key order does not matter)."""
    blob = json.dumps(settings, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class TakeRecord:
    """One rendered file: its key, where it came from, and how it turned out."""

    key: str
    line: int  # the script line the take was rendered for (1-based)
    text: str
    voice: str  # the voice's name when rendered
    voice_id: str
    language: str
    seed: int  # the seed actually used: renders this take again (e.g. with `say --seed`)
    duration_s: float
    complete: bool  # False when a chunk was cut off rather than ended by the model
    bytes: int
    sha256: str  # the file as written: a file changed since (edited, copied over) is rendered again

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> TakeRecord:
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})


class RenderManifest:
    """The manifest of one output folder (call :meth:`save` after changes; it writes atomically)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.path = folder / MANIFEST_NAME
        self.takes: dict[str, TakeRecord] = {}
        self.damaged_note: str | None = None
        self._digests: dict[str, tuple[tuple[int, int, int], str]] = {}  # name -> (stat, sha256)
        self._load()

    def _load(self) -> None:
        if not self.path.exists():
            return
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            if data.get("format") != FORMAT or not isinstance(data.get("takes"), dict):
                raise ValueError("not a render manifest")
            self.takes = {name: TakeRecord.from_json(rec) for name, rec in data["takes"].items()}
        except (OSError, ValueError, TypeError, AttributeError) as e:
            # Never fatal: without a manifest every line is simply rendered again.
            aside = self.path.with_name(MANIFEST_NAME + ".damaged")
            os.replace(self.path, aside)
            self.takes = {}
            self.damaged_note = (
                f"{self.path.name} could not be read ({e}); kept as {aside.name}, rendering all lines."
            )

    def intact(self, name: str, key: str | None = None) -> bool:
        """True if ``name`` is recorded (with ``key``, if given) and its file is there, unchanged."""
        rec = self.takes.get(name)
        if rec is None or (key is not None and rec.key != key):
            return False
        try:
            st = (self.folder / name).stat()
            if st.st_size != rec.bytes:
                return False
            stamp = (st.st_size, st.st_mtime_ns, st.st_ino)
            known = self._digests.get(name)
            if known is None or known[0] != stamp:  # hash each file once per run
                known = (stamp, file_sha256(self.folder / name))
                self._digests[name] = known
            return known[1] == rec.sha256
        except OSError:
            return False

    def find(self, key: str) -> str | None:
        """A file in the folder that already holds a take with this key (e.g. a line that moved)."""
        for name, rec in self.takes.items():
            if rec.key == key and self.intact(name):
                return name
        return None

    def forget_missing(self) -> None:
        """Drop records whose files were deleted or changed since."""
        self.takes = {name: rec for name, rec in self.takes.items() if self.intact(name)}

    def record(self, name: str, rec: TakeRecord) -> None:
        self.takes[name] = rec
        self.save()

    def save(self) -> None:
        data = {
            "format": FORMAT,
            "version": VERSION,
            "takes": {name: dataclasses.asdict(rec) for name, rec in sorted(self.takes.items())},
        }
        tmp = self.path.with_name(f".{MANIFEST_NAME}.{os.getpid()}.partial")
        try:
            with open(tmp, "w", encoding="utf-8") as fh:
                json.dump(data, fh, indent=1, ensure_ascii=False)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, self.path)
        except OSError as e:
            tmp.unlink(missing_ok=True)
            raise TimbreError(
                f"The render manifest {self.path} could not be written ({e.strerror or e}).",
                "Check that the output folder is writable and has free space.",
            ) from None
