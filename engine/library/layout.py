"""Where the library keeps things on disk, and how a file is written so a crash never half-writes it.

::

    <root>/library.sqlite            the index (WAL mode; -wal and -shm files beside it)
    <root>/voices/<id>/              one folder per voice:
        meta.json                    the voice's metadata (a mirror of its index row, for recovery)
        reference.flac               the reference audio, lossless (absent for prompt-only voices)
        transcript.txt               what the reference says (empty in x-vector mode)
        prompt-<model>.safetensors   one extracted prompt per model signature
    <root>/work/<token>/             scratch space of one running operation, guarded by <token>.lock
    <root>/quarantine/<when>-<what>/ things the consistency check could not repair, kept for a person

Rule that makes crash recovery possible: files inside ``voices/`` only change while the
process holds the index's write lock, and a voice folder appears there by one ``rename``.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import shutil
import time
from pathlib import Path
from types import TracebackType

from ..prompt import ModelSignature

DB_FILE = "library.sqlite"
META_FILE = "meta.json"
REFERENCE_FILE = "reference.flac"
TRANSCRIPT_FILE = "transcript.txt"
PROMPT_PREFIX = "prompt-"
PROMPT_SUFFIX = ".safetensors"
PROMPT_FILE_RE = re.compile(r"^prompt-[a-z0-9-]{1,60}\.safetensors$")


class Layout:
    """The paths of one library rooted at ``root``."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.db_path = root / DB_FILE
        self.voices_dir = root / "voices"
        self.work_dir = root / "work"
        self.quarantine_dir = root / "quarantine"

    def ensure(self) -> None:
        for d in (self.root, self.voices_dir, self.work_dir, self.quarantine_dir):
            d.mkdir(parents=True, exist_ok=True)

    def voice_dir(self, voice_id: str) -> Path:
        return self.voices_dir / voice_id

    def quarantine(self, path: Path, what: str) -> Path:
        """Move ``path`` aside under ``quarantine/`` (never deleted by Timbre) and return where."""
        stamp = time.strftime("%Y%m%d-%H%M%S")
        dest = self.quarantine_dir / f"{stamp}-{what}-{secrets.token_hex(3)}"
        os.replace(path, dest)
        return dest


def prompt_file_name(signature: ModelSignature | None, speaker_dim: int) -> str:
    """A file name per model: readable size and width, plus a hash of the whole signature."""
    if signature is None:
        return f"{PROMPT_PREFIX}any-{speaker_dim}{PROMPT_SUFFIX}"
    slug = re.sub(r"[^a-z0-9]+", "", signature.size.lower())[:16] or "model"
    digest = hashlib.sha256(json.dumps(signature.to_dict(), sort_keys=True).encode()).hexdigest()[:8]
    return f"{PROMPT_PREFIX}{slug}-{signature.speaker_dim}-{digest}{PROMPT_SUFFIX}"


def fsync_dir(path: Path) -> None:
    """Make a rename or a new file in ``path`` durable (no-op where directories cannot be opened)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:  # Windows cannot open a directory; its renames are durable without it
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def write_file(path: Path, data: bytes) -> None:
    """Write a new file and flush it to disk (for files in a scratch folder, renamed later)."""
    with open(path, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())


def write_atomic(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` all at once: temp file + fsync + rename + fsync of the folder."""
    tmp = path.with_name(f".{path.name}.tmp")
    write_file(tmp, data)
    os.replace(tmp, path)
    fsync_dir(path.parent)


def copy_file(src: Path, dest: Path) -> None:
    shutil.copyfile(src, dest)
    with open(dest, "rb") as f:
        os.fsync(f.fileno())


def remove_tree(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)


class WorkArea:
    """A scratch folder under ``work/`` for one operation, locked while the operation runs.

    The lock is an OS file lock, released by the OS when the process dies, so the consistency
    check can tell a crashed operation's leftovers (lock free) from another process's work in
    progress (lock held) and never deletes the latter.
    """

    def __init__(self, layout: Layout) -> None:
        from filelock import FileLock

        token = secrets.token_hex(8)
        self.path = layout.work_dir / token
        self._lock_path = layout.work_dir / f"{token}.lock"
        self._lock = FileLock(str(self._lock_path), timeout=0, thread_local=False)

    def __enter__(self) -> WorkArea:
        self._lock.acquire()
        self.path.mkdir()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        remove_tree(self.path)
        try:
            os.unlink(self._lock_path)
        except OSError:
            pass
        self._lock.release()


def try_claim_leftover(work_dir: Path, token: str):
    """Lock a work area whose owner may have died; returns the held lock, or None if it is alive."""
    from filelock import FileLock, Timeout

    lock = FileLock(str(work_dir / f"{token}.lock"), timeout=0, thread_local=False)
    try:
        lock.acquire()
    except Timeout:
        return None
    return lock
