"""How voices enter and leave the library without ever being half there.

Entering (add, duplicate, import): every file is written and flushed in a locked scratch folder
under ``work/``; then, in one index transaction, the folder is renamed into ``voices/`` (one
atomic step per voice) and its rows are inserted. A crash before the rename leaves only scratch
(cleared by the next check); a crash between rename and commit leaves a whole folder that the
next check re-indexes from its ``meta.json``.

Leaving (emptying the trash): in one transaction the folders are renamed into a scratch folder
and the rows deleted; the scratch folder is removed after the commit. A crash before the commit
puts the folders back; after it, only scratch is left.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import NameTakenError
from .fields import fold, free_name, new_voice_id
from .index import Index, fetch_row, insert_prompt, insert_voice, live_name_keys
from .layout import (
    META_FILE,
    REFERENCE_FILE,
    TRANSCRIPT_FILE,
    Layout,
    WorkArea,
    fsync_dir,
    prompt_file_name,
    write_file,
)
from .voice import StoredPrompt
from .voice_files import meta_document, transcript_document

if TYPE_CHECKING:
    from ..prompt import VoiceClonePromptItem


@dataclass
class StagedVoice:
    """A voice whose files are complete in a scratch folder, waiting to be committed."""

    row: dict[str, Any]
    folder: Path
    prompts: list[StoredPrompt] = field(default_factory=list)


def new_row(
    *,
    name: str,
    mode: str,
    transcript: str,
    tags: tuple[str, ...] = (),
    language: str = "auto",
    notes: str = "",
    favorite: bool = False,
    duration_s: float | None = None,
    created: float | None = None,
) -> dict[str, Any]:
    now = time.time()
    return {
        "id": new_voice_id(),
        "name": name,
        "tags": tags,
        "language": language,
        "mode": mode,
        "notes": notes,
        "transcript": transcript,
        "favorite": favorite,
        "created": now if created is None else created,
        "updated": now,
        "last_used": None,
        "duration_s": duration_s,
        "has_reference": duration_s is not None,
        "trashed_at": None,
    }


def stage_folder(area: WorkArea, row: dict[str, Any], reference_flac: bytes | None) -> StagedVoice:
    """Create the scratch folder of a new voice with its reference and transcript."""
    folder = area.path / row["id"]
    folder.mkdir()
    if reference_flac is not None:
        write_file(folder / REFERENCE_FILE, reference_flac)
    write_file(folder / TRANSCRIPT_FILE, transcript_document(row["transcript"]))
    return StagedVoice(row=row, folder=folder)


def stage_item(staged: StagedVoice, item: VoiceClonePromptItem) -> None:
    """Save an extracted prompt into a staged voice (the item's own save is atomic and flushed)."""
    dim = int(item.ref_spk_embedding.shape[-1])
    name = prompt_file_name(item.signature, dim)
    item.save(staged.folder / name)
    staged.prompts.append(StoredPrompt(signature=item.signature, speaker_dim=dim, file=name))


def commit_new(layout: Layout, index: Index, staged: list[StagedVoice], *, auto_rename: bool) -> list[str]:
    """Move staged voices into the library in one transaction; returns their ids.

    A name already used by a live voice raises :class:`NameTakenError`, or with ``auto_rename``
    becomes "Name (2)". The final name is written into ``meta.json`` before the folder moves.
    """
    moved: list[tuple[Path, Path]] = []
    with index.write() as conn:
        try:
            taken = live_name_keys(conn)
            for s in staged:
                name = s.row["name"]
                if fold(name) in taken:
                    if not auto_rename:
                        raise NameTakenError(
                            f"There is already a voice called '{name}'.",
                            "Choose another name, or rename the other voice first.",
                        )
                    s.row["name"] = free_name(name, taken)
                taken.add(fold(s.row["name"]))
                write_file(s.folder / META_FILE, meta_document(s.row))
                fsync_dir(s.folder)
            for s in staged:
                dest = layout.voice_dir(s.row["id"])
                os.replace(s.folder, dest)
                moved.append((dest, s.folder))
            fsync_dir(layout.voices_dir)
            for s in staged:
                insert_voice(conn, s.row)
                for p in s.prompts:
                    insert_prompt(conn, s.row["id"], p)
        except BaseException:
            for dest, back in reversed(moved):  # undo while still holding the lock
                os.replace(dest, back)
            raise
    return [s.row["id"] for s in staged]


def purge(layout: Layout, index: Index, voice_ids: list[str]) -> list[str]:
    """Delete voices for good (rows and folders) in one transaction; returns the ids deleted."""
    if not voice_ids:
        return []
    done: list[str] = []
    with WorkArea(layout) as area:
        moved: list[tuple[Path, Path]] = []
        with index.write() as conn:
            try:
                for vid in voice_ids:
                    if fetch_row(conn, vid) is None:
                        continue
                    src = layout.voice_dir(vid)
                    if src.is_dir():
                        os.replace(src, area.path / vid)
                        moved.append((area.path / vid, src))
                    conn.execute("DELETE FROM voices WHERE id = ?", (vid,))
                    done.append(vid)
                fsync_dir(layout.voices_dir)
            except BaseException:
                for here, back in reversed(moved):
                    os.replace(here, back)
                raise
        # The scratch folder (and the voices in it) is removed as the work area closes.
    return done
