"""``VoiceLibrary``: the voice store shared by the studio and ``timbre-cli`` (see the package docstring)."""

from __future__ import annotations

import dataclasses
import os
import sqlite3
import time
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

import numpy as np

from ..paths import data_dir
from .consistency import check_library
from .editing import EditOperations
from .errors import LibraryBusyError, LibraryError, VoiceInputError, VoiceNotFoundError, disk_error
from .fields import fold, is_voice_id, search_words
from .index import ORDER_BY, Index, fetch_voices
from .layout import REFERENCE_FILE, Layout
from .prompt_cache import PromptCache
from .prompts import load_or_extract
from .sharing import ShareOperations
from .voice import NEEDS_EXTRACTION, SORT_KEYS, CheckReport, Voice, voice_id_of

if TYPE_CHECKING:
    from ..model import Qwen3TTSModel
    from ..prompt import ModelSignature, VoiceClonePromptItem


class VoiceLibrary(EditOperations, ShareOperations):
    """A voice library on disk. Opening it runs the consistency check (see :attr:`last_check`).

    ``root`` defaults to ``<data_dir()>/library`` (``$TIMBRE_HOME/library`` when set). Methods
    that take a voice accept a :class:`Voice` or its id. Safe to use from several threads and
    several processes at once; listing and searching never import torch.
    """

    def __init__(self, root: str | os.PathLike | None = None, *, check: bool = True) -> None:
        self.root = Path(root).expanduser() if root is not None else data_dir() / "library"
        self._layout = Layout(self.root)
        try:
            self._layout.ensure()
        except OSError as e:
            raise LibraryError(
                f"The voice library folder {self.root} cannot be created ({e}).",
                "Choose a folder you can write to (TIMBRE_HOME moves Timbre's data).",
            ) from None
        self._index = Index(self._layout.db_path)
        self._recovery_note = self._open_index()
        self._cache = PromptCache()
        self.last_check: CheckReport = self.check() if check else CheckReport()

    def _open_index(self) -> str | None:
        try:
            self._index.ensure_schema()
            return None
        except sqlite3.DatabaseError as e:
            if isinstance(e, sqlite3.OperationalError):
                raise LibraryError(f"The voice library index cannot be opened ({e}).") from None
        # Not a database any more (damaged on disk): keep it aside and rebuild from the folders.
        self._index.close()
        kept = []
        for suffix in ("", "-wal", "-shm"):
            path = Path(f"{self._layout.db_path}{suffix}")
            if path.exists():
                kept.append(self._layout.quarantine(path, "index"))
        self._index.ensure_schema()
        return f"The library index was damaged; it was rebuilt from the voice folders (old copy in {kept[0].parent})."

    # ----- lifetime ------------------------------------------------------------------------
    def close(self) -> None:
        """Close the index connections (the library can no longer be used)."""
        self._cache.clear()
        self._index.close()

    def __enter__(self) -> VoiceLibrary:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def check(self) -> CheckReport:
        """Run the consistency check now; repairs what it can and reports what it did."""
        report = check_library(self._layout, self._index)
        if self._recovery_note:
            report = dataclasses.replace(report, actions=(self._recovery_note, *report.actions))
            self._recovery_note = None
        return report

    # ----- reading (no torch) --------------------------------------------------------------
    def get(self, voice: Voice | str) -> Voice:
        """The voice with this id, as stored now (in the trash or not)."""
        vid = voice_id_of(voice)
        found = []
        if is_voice_id(vid):
            with self._index.read() as conn:
                found = fetch_voices(conn, "id = ?", (vid,))
        if not found:
            raise VoiceNotFoundError(
                f"There is no voice with the id {vid!r} in the library.", "List the voices to see their ids."
            )
        return found[0]

    def find(self, ref: str) -> Voice:
        """A live voice by id, unique id prefix (4+ characters) or exact name (any case)."""
        ref = ref.strip()
        conn = self._index.conn()
        live = "trashed_at IS NULL"
        hits = fetch_voices(conn, f"{live} AND name_key = ?", (fold(ref),))
        if not hits and len(ref) >= 4 and all(c in "0123456789abcdef" for c in ref.lower()):
            hits = fetch_voices(conn, f"{live} AND substr(id, 1, ?) = ?", (len(ref), ref.lower()))
        if len(hits) == 1:
            return hits[0]
        if hits:
            raise VoiceNotFoundError(f"{ref!r} matches {len(hits)} voices.", "Give more of the id.")
        raise VoiceNotFoundError(f"No voice is called or has the id {ref!r}.", "List the voices to see them.")

    def list(
        self,
        *,
        query: str = "",
        sort: str = "name",
        descending: bool | None = None,
        tag: str | None = None,
        favorites_only: bool = False,
        trashed: bool = False,
    ) -> list[Voice]:
        """Voices in the library (or in the trash with ``trashed=True``), sorted.

        ``query``: every word must start a word of the transcript or appear in the name or a
        tag (case-insensitive). ``sort``: "name", "created", "updated" or "last_used" (never
        used last); dates sort newest first unless ``descending=False``.
        """
        if sort not in SORT_KEYS:
            raise VoiceInputError(f"Unknown sort order {sort!r}.", f"Use one of: {', '.join(SORT_KEYS)}.")
        if descending is None:
            descending = sort != "name"
        where = ["trashed_at IS NOT NULL" if trashed else "trashed_at IS NULL"]
        params: list[Any] = []
        for word in search_words(query):
            where.append("(instr(name_key, ?) > 0 OR instr(tags_key, ?) > 0 OR instr(text_key, ?) > 0)")
            params += [word, word, " " + word]
        if tag is not None:
            where.append("instr(tags_key, ?) > 0")
            params.append("\n" + fold(tag.strip()) + "\n")
        if favorites_only:
            where.append("favorite = 1")
        order = ORDER_BY[sort].format(dir="DESC" if descending else "ASC")
        with self._index.read() as conn:
            return fetch_voices(conn, " AND ".join(where), params, order)

    def search(self, query: str, **options: Any) -> list[Voice]:
        """Same as :meth:`list` with a search ``query``."""
        return self.list(query=query, **options)

    def trash(self) -> list[Voice]:
        """Voices in the trash, most recently deleted first."""
        with self._index.read() as conn:
            return fetch_voices(conn, "trashed_at IS NOT NULL", (), "trashed_at DESC, name_key")

    def tags(self) -> list[str]:
        """Every tag used by a live voice, sorted (for completion and filters)."""
        seen: dict[str, str] = {}
        for v in self.list():
            for t in v.tags:
                seen.setdefault(fold(t), t)
        return sorted(seen.values(), key=fold)

    def count(self) -> int:
        return (
            self._index.conn().execute("SELECT count(*) FROM voices WHERE trashed_at IS NULL").fetchone()[0]
        )

    def reference_path(self, voice: Voice | str) -> Path | None:
        """The voice's reference FLAC (for playback), or None if it has none."""
        v = self.get(voice)
        path = self._layout.voice_dir(v.id) / REFERENCE_FILE
        return path if v.has_reference and path.is_file() else None

    def reference_audio(self, voice: Voice | str) -> tuple[np.ndarray, int]:
        """The reference as (mono float32 samples, sample rate)."""
        from .voice_files import read_reference

        path = self.reference_path(voice)
        if path is None:
            raise VoiceNotFoundError(f"'{self.get(voice).name}' has no reference audio.")
        try:
            return read_reference(path)
        except (OSError, ValueError) as e:
            raise LibraryError(f"The reference audio could not be read ({e}).") from None

    def needs_reextract(self, voice: Voice | str, signature: ModelSignature) -> bool:
        """True if using the voice with a model of ``signature`` will extract it again first."""
        v = voice if isinstance(voice, Voice) else self.get(voice)
        return v.readiness(signature) == NEEDS_EXTRACTION

    # ----- using -------------------------------------------------------------------------------
    def prompt_for(self, voice: Voice | str, model: Qwen3TTSModel) -> list[VoiceClonePromptItem]:
        """The voice's prompt items for generation with ``model`` (pass as ``voice_clone_prompt``).

        Cached in memory. Extracted again from the stored reference (and stored) when no prompt
        fits the model; raises :class:`NeedsModelError` when that is impossible. Marks the voice
        as used. Treat the returned items as read-only: they are shared with the cache.
        """
        v = self.get(voice)
        if v.trashed:
            raise VoiceNotFoundError(f"'{v.name}' is in the trash.", "Restore it to use it.")
        signature = model.signature
        item = self._cache.get(v.id, signature)
        if item is None:
            try:
                item = load_or_extract(self._layout, self._index, v, model)
            except OSError as e:
                raise disk_error(e) from None
            self._cache.put(v.id, signature, item)
        try:
            with self._index.write() as conn:
                conn.execute("UPDATE voices SET last_used = ? WHERE id = ?", (time.time(), v.id))
        except LibraryBusyError:
            pass  # "last used" only orders the list: never hold up generation for it
        return [item]
