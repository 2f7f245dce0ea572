"""Adding, editing, duplicating and deleting voices: the write half of :class:`VoiceLibrary`.

Every operation validates its input first (bad input raises before anything changes), then
writes in one index transaction; see :mod:`.writing` for how new voices arrive whole.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from ..errors import InputError
from .errors import NameTakenError, VoiceInputError, VoiceNotFoundError, disk_error
from .fields import (
    clean_language,
    clean_mode,
    clean_name,
    clean_notes,
    clean_tags,
    clean_transcript,
    fold,
    free_name,
)
from .index import Index, fetch_row, live_name_keys, row_dict, update_voice
from .layout import META_FILE, REFERENCE_FILE, Layout, WorkArea, copy_file, write_atomic
from .prompt_cache import PromptCache
from .prompts import read_prompt
from .voice import MODE_ICL, MODE_XVECTOR, Voice, voice_id_of
from .voice_files import encode_reference, meta_document
from .writing import commit_new, new_row, purge, stage_folder, stage_item

if TYPE_CHECKING:
    from ..model import Qwen3TTSModel
    from ..prompt import VoiceClonePromptItem


class EditOperations:
    """Mixin of :class:`~engine.library.VoiceLibrary`: the operations that change voices."""

    # State and reads (get, trash) come from VoiceLibrary, which owns them.
    _layout: Layout
    _index: Index
    _cache: PromptCache
    get: Any
    trash: Any

    # ----- adding ------------------------------------------------------------------------------
    def add(
        self,
        reference: Any,
        transcript: str | None = None,
        *,
        model: Qwen3TTSModel,
        name: str,
        mode: str = "icl",
        tags: Iterable[str] = (),
        language: str | None = None,
        notes: str = "",
        favorite: bool = False,
    ) -> Voice:
        """Extract a voice from reference audio with ``model`` and keep it.

        ``reference``: anything the engine reads (path, URL, base64, bytes, ``(array, rate)``).
        ``mode``: "icl" (needs the exact ``transcript``) or "x_vector" (audio only). The
        reference is kept as 24-bit FLAC and the prompt is extracted from exactly those samples,
        so extracting it again later gives the same result.
        """
        from ..audio import audio_name, check_reference, load_audio
        from .voice_files import decode_reference

        row = self._new_row(name, mode, transcript, tags, language, notes, favorite)
        audio, sr = load_audio(reference)
        check_reference(audio, sr, name=audio_name(reference))
        flac = encode_reference(audio, sr)
        audio, sr = decode_reference(flac)
        row["duration_s"], row["has_reference"] = audio.size / sr, True
        xvec = row["mode"] == MODE_XVECTOR
        [item] = model.create_voice_clone_prompt(
            (audio, sr), None if xvec else row["transcript"], x_vector_only_mode=xvec
        )
        return self._commit_items([(row, flac, item)], auto_rename=False)[0]

    def add_prompt(
        self,
        item: VoiceClonePromptItem,
        *,
        name: str,
        reference: Any = None,
        tags: Iterable[str] = (),
        language: str | None = None,
        notes: str = "",
        favorite: bool = False,
    ) -> Voice:
        """Keep an already extracted prompt as a voice (its mode and transcript come from the item).

        Give ``reference`` (the audio it was extracted from) so the voice can be extracted again
        for other models; without it the voice works only with the model that made the item.
        """
        from ..audio import audio_name, check_reference, load_audio

        mode = MODE_XVECTOR if item.x_vector_only_mode else MODE_ICL
        row = self._new_row(name, mode, item.ref_text, tags, language, notes, favorite)
        flac = None
        if reference is not None:
            audio, sr = load_audio(reference)
            check_reference(audio, sr, name=audio_name(reference))
            flac = encode_reference(audio, sr)
            row["duration_s"], row["has_reference"] = audio.size / sr, True
        return self._commit_items([(row, flac, item)], auto_rename=False)[0]

    def _new_row(self, name, mode, transcript, tags, language, notes, favorite) -> dict[str, Any]:
        mode = clean_mode(mode)
        row = new_row(
            name=clean_name(name),
            mode=mode,
            transcript=clean_transcript(transcript, mode),
            tags=clean_tags(tags),
            language=clean_language(language),
            notes=clean_notes(notes),
            favorite=bool(favorite),
        )
        self._check_name_free(row["name"])  # early, friendly; the commit checks again under the lock
        return row

    def _check_name_free(self, name: str, except_id: str | None = None) -> None:
        row = (
            self._index.conn()
            .execute("SELECT id, name FROM voices WHERE trashed_at IS NULL AND name_key = ?", (fold(name),))
            .fetchone()
        )
        if row is not None and row[0] != except_id:
            raise NameTakenError(
                f"There is already a voice called '{row[1]}'.",
                "Choose another name, or rename the other voice first.",
            )

    def _commit_items(
        self, entries: Sequence[tuple[dict, bytes | None, VoiceClonePromptItem]], *, auto_rename: bool
    ) -> list[Voice]:
        try:
            with WorkArea(self._layout) as area:
                staged = []
                for row, flac, item in entries:
                    s = stage_folder(area, row, flac)
                    stage_item(s, item)
                    try:  # read it back as prompt_for will: never keep a prompt that cannot be loaded
                        read_prompt(s.folder / s.prompts[-1].file)
                    except InputError as e:
                        raise VoiceInputError(f"This voice prompt cannot be kept: {e.message}") from None
                    staged.append(s)
                ids = commit_new(self._layout, self._index, staged, auto_rename=auto_rename)
        except OSError as e:
            raise disk_error(e) from None
        return [self.get(i) for i in ids]

    # ----- editing -----------------------------------------------------------------------------
    def rename(self, voice: Voice | str, name: str) -> Voice:
        """Give a voice a new name (names are unique among voices outside the trash)."""
        name = clean_name(name)
        vid = self.get(voice).id
        self._check_name_free(name, except_id=vid)
        return self._edit(vid, {"name": name})

    def update(
        self,
        voice: Voice | str,
        *,
        tags: Iterable[str] | None = None,
        notes: str | None = None,
        language: str | None = None,
        favorite: bool | None = None,
    ) -> Voice:
        """Change any of tags (replacing them), notes, language and favorite; others stay."""
        changes: dict[str, Any] = {}
        if tags is not None:
            changes["tags"] = clean_tags(tags)
        if notes is not None:
            changes["notes"] = clean_notes(notes)
        if language is not None:
            changes["language"] = clean_language(language)
        if favorite is not None:
            changes["favorite"] = bool(favorite)
        current = self.get(voice)
        return self._edit(current.id, changes) if changes else current

    def tag(self, voice: Voice | str, add: Iterable[str] = (), remove: Iterable[str] = ()) -> Voice:
        """Add and remove tags, reading and writing in one transaction (no lost concurrent edits)."""
        add, drop = clean_tags(add), {fold(t) for t in clean_tags(remove)}
        return self._edit(self.get(voice).id, {}, tag_change=(add, drop))

    def _edit(self, vid: str, changes: dict[str, Any], tag_change: tuple | None = None) -> Voice:
        try:
            with self._index.write() as conn:
                row = fetch_row(conn, vid)
                if row is None:
                    raise VoiceNotFoundError("This voice was deleted meanwhile.")
                if tag_change is not None:
                    add, drop = tag_change
                    current = [t for t in row_dict(row)["tags"] if fold(t) not in drop]
                    changes["tags"] = clean_tags([*current, *add])
                if "name" in changes and row["trashed_at"] is None:
                    if fold(changes["name"]) in live_name_keys(conn) - {fold(row["name"])}:
                        raise NameTakenError(f"There is already a voice called '{changes['name']}'.")
                changes["updated"] = time.time()
                update_voice(conn, vid, changes)
                self._write_meta(conn, vid)
        except sqlite3.IntegrityError:
            raise NameTakenError("Another voice took this name meanwhile.", "Choose another name.") from None
        except OSError as e:
            raise disk_error(e) from None
        return self.get(vid)

    def _write_meta(self, conn: sqlite3.Connection, vid: str) -> None:
        """Refresh the ``meta.json`` mirror inside the write transaction that changed the row."""
        folder = self._layout.voice_dir(vid)
        if folder.is_dir():
            write_atomic(folder / META_FILE, meta_document(row_dict(fetch_row(conn, vid))))

    def duplicate(self, voice: Voice | str, name: str | None = None) -> Voice:
        """A copy of the voice (files, tags, notes) under ``name`` or "<name> (copy)"."""
        src = self.get(voice)
        row = new_row(
            name=clean_name(name or f"{src.name} (copy)"),
            mode=src.mode,
            transcript=src.transcript,
            tags=src.tags,
            language=src.language,
            notes=src.notes,
            duration_s=src.duration_s,
        )
        folder = self._layout.voice_dir(src.id)
        try:
            with WorkArea(self._layout) as area:
                staged = stage_folder(area, row, None)
                if src.has_reference:
                    copy_file(folder / REFERENCE_FILE, staged.folder / REFERENCE_FILE)
                for p in src.prompts:
                    copy_file(folder / p.file, staged.folder / p.file)
                staged.prompts = list(src.prompts)
                [vid] = commit_new(self._layout, self._index, [staged], auto_rename=name is None)
        except FileNotFoundError:
            raise VoiceNotFoundError(f"'{src.name}' was deleted meanwhile.") from None
        except OSError as e:
            raise disk_error(e) from None
        return self.get(vid)

    # ----- trash -------------------------------------------------------------------------------
    def delete(self, voice: Voice | str) -> Voice:
        """Move a voice to the trash (undo with :meth:`restore`); returns it as trashed."""
        vid = self.get(voice).id
        with self._index.write() as conn:
            row = fetch_row(conn, vid)
            if row is not None and row["trashed_at"] is None:
                update_voice(conn, vid, {"trashed_at": time.time()})
                self._write_meta(conn, vid)
        return self.get(vid)

    def restore(self, voice: Voice | str) -> Voice:
        """Take a voice out of the trash (renamed "Name (2)" if its name was taken meanwhile)."""
        vid = self.get(voice).id
        with self._index.write() as conn:
            row = fetch_row(conn, vid)
            if row is None or row["trashed_at"] is None:
                return self.get(vid)
            name = free_name(row["name"], live_name_keys(conn))
            update_voice(conn, vid, {"trashed_at": None, "name": name, "updated": time.time()})
            self._write_meta(conn, vid)
        return self.get(vid)

    def empty_trash(self, voices: Iterable[Voice | str] | None = None) -> int:
        """Delete voices in the trash for good (all of them, or those given); returns how many."""
        trashed = {v.id for v in self.trash()}
        ids = sorted(trashed if voices is None else {voice_id_of(v) for v in voices} & trashed)
        try:
            done = purge(self._layout, self._index, ids)
        except OSError as e:
            raise disk_error(e) from None
        for vid in done:
            self._cache.evict(vid)
        return len(done)
