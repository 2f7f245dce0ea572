"""The consistency check run when a library opens: index and folders must tell the same story.

What can be out of step after a crash, and what the check does about it:

* a scratch folder under ``work/`` whose process died: a voice it was moving out for deletion
  goes back (that deletion never committed), anything else is removed;
* a folder in ``voices/`` without an index row (the process died between moving it in and
  committing): re-indexed from its ``meta.json`` if whole, else quarantined;
* an index row without a folder: the row is removed;
* inside a folder: half-written temp files are removed; a missing ``meta.json`` or
  ``transcript.txt`` is rewritten from the index; prompt rows without files are dropped,
  prompt files without rows are indexed (or quarantined if unreadable); a lost reference is
  noted; a voice left with neither a prompt nor a reference is quarantined. (Whether a prompt's
  bytes are sound is checked when it is used: ``prompt_for`` extracts a damaged one again.)

The check first looks without the write lock (cheap, does not block other processes); only if
something looks wrong does it take the lock, look again and repair. Nothing here imports torch.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import time
from dataclasses import dataclass, field
from pathlib import Path

from .fields import free_name, is_voice_id
from .index import Index, fetch_row, insert_prompt, insert_voice, live_name_keys, row_dict, update_voice
from .layout import (
    META_FILE,
    PROMPT_FILE_RE,
    REFERENCE_FILE,
    TRANSCRIPT_FILE,
    Layout,
    remove_tree,
    try_claim_leftover,
    write_atomic,
)
from .safetensors_header import prompt_facts, read_header_file
from .voice import CheckReport, StoredPrompt
from .voice_files import meta_document, parse_meta, transcript_document

STALE_LOCK_S = 3600.0
log = logging.getLogger(__name__)


@dataclass
class _Repair:
    actions: list[str] = field(default_factory=list)
    recovered: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    quarantined: list[Path] = field(default_factory=list)
    in_progress: int = 0

    def report(self) -> CheckReport:
        return CheckReport(
            actions=tuple(self.actions),
            recovered=tuple(self.recovered),
            removed=tuple(self.removed),
            quarantined=tuple(self.quarantined),
            in_progress=self.in_progress,
        )


def check_library(layout: Layout, index: Index) -> CheckReport:
    """Find and repair inconsistencies; returns what was done (see the module docstring)."""
    busy: list[str] = []
    if not _looks_wrong(layout, index, busy):
        return CheckReport(in_progress=len(busy))
    fix = _Repair()
    with index.write() as conn:
        _repair_work_areas(layout, conn, fix)
        _repair_voices(layout, conn, fix)
    for action in fix.actions:
        log.warning("voice library %s: %s", layout.root, action)
    return fix.report()


# ----- phase 1: look, without locks ---------------------------------------------------------------


def _looks_wrong(layout: Layout, index: Index, busy: list[str]) -> bool:
    """True if anything needs repair; ``busy`` collects work areas of live operations."""
    try:
        for token, kind in _work_entries(layout.work_dir):
            if kind != "area":
                return True
            lock = try_claim_leftover(layout.work_dir, token)
            if lock is not None:  # a dead operation's leftovers
                lock.release()
                return True
            busy.append(token)
        with index.read() as conn:
            rows = {r[0]: bool(r[1]) for r in conn.execute("SELECT id, has_reference FROM voices")}
            prompts: dict[str, set[str]] = {}
            for vid, name in conn.execute("SELECT voice_id, file FROM prompts"):
                prompts.setdefault(vid, set()).add(name)
        seen = 0
        for entry in os.scandir(layout.voices_dir):
            if entry.name not in rows or not entry.is_dir(follow_symlinks=False):
                return True
            seen += 1
            if _folder_problems(Path(entry.path), rows[entry.name], prompts.get(entry.name, set())):
                return True
        return seen != len(rows)
    except OSError:  # something moved under our feet: look again under the lock
        return True


def _folder_problems(folder: Path, has_reference: bool, prompt_files: set[str]) -> bool:
    names = {e.name for e in os.scandir(folder)}
    if any(n.startswith(".") and n.endswith(".tmp") for n in names):
        return True
    if META_FILE not in names or TRANSCRIPT_FILE not in names:
        return True
    if has_reference != (REFERENCE_FILE in names) and has_reference:
        return True
    return {n for n in names if PROMPT_FILE_RE.match(n)} != prompt_files


# ----- phase 2: repair, holding the write lock ----------------------------------------------------


def _repair_work_areas(layout: Layout, conn: sqlite3.Connection, fix: _Repair) -> None:
    for token, kind in _work_entries(layout.work_dir):
        if kind == "stale_lock":
            _unlink(layout.work_dir / f"{token}.lock")
            continue
        if kind == "stray":
            remove_tree(layout.work_dir / token)
            _unlink(layout.work_dir / token)
            continue
        lock = try_claim_leftover(layout.work_dir, token)
        if lock is None:
            fix.in_progress += 1
            continue
        try:
            area = layout.work_dir / token
            if area.is_dir():
                for entry in os.scandir(area):
                    dest = layout.voice_dir(entry.name)
                    row = fetch_row(conn, entry.name) if is_voice_id(entry.name) else None
                    if row is not None and not dest.exists() and entry.is_dir(follow_symlinks=False):
                        os.replace(entry.path, dest)  # its deletion never committed: put it back
                        fix.actions.append(
                            f"Put back the voice '{row['name']}': its deletion was interrupted."
                        )
                remove_tree(area)
                fix.actions.append("Cleared the leftovers of an interrupted operation.")
            _unlink(layout.work_dir / f"{token}.lock")
        finally:
            lock.release()


def _unlink(path: Path) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


def _work_entries(work_dir: Path) -> list[tuple[str, str]]:
    """(token, kind) under ``work/``: "area" (a scratch folder), "stale_lock", or "stray".

    A lock file without its folder is normal for a moment (an operation starting or ending), so
    it counts as stale only when old; removing a young one could let a starting operation lock a
    file that no longer exists, and then its folder would look abandoned.
    """
    names = set(os.listdir(work_dir))
    out = []
    for name in sorted(names):
        path = work_dir / name
        if name.endswith(".lock"):
            token = name[: -len(".lock")]
            if token not in names:
                try:
                    age = time.time() - path.stat().st_mtime
                except OSError:
                    continue
                if age > STALE_LOCK_S:
                    out.append((token, "stale_lock"))
        elif path.is_dir() and not path.is_symlink():
            out.append((name, "area"))
        else:
            out.append((name, "stray"))
    return out


def _repair_voices(layout: Layout, conn: sqlite3.Connection, fix: _Repair) -> None:
    rows = {r["id"]: r for r in conn.execute("SELECT id, name, has_reference, trashed_at FROM voices")}
    prompt_rows: dict[str, set[str]] = {}
    for vid, name in conn.execute("SELECT voice_id, file FROM prompts"):
        prompt_rows.setdefault(vid, set()).add(name)
    for entry in sorted(os.scandir(layout.voices_dir), key=lambda e: e.name):
        path = Path(entry.path)
        if not is_voice_id(entry.name) or not entry.is_dir(follow_symlinks=False):
            _quarantine(
                layout, path, "stray", f"Moved aside '{entry.name}', which is not a voice folder.", fix
            )
        elif entry.name not in rows:
            _adopt(layout, conn, path, fix)
        else:
            _repair_folder(layout, conn, path, rows[entry.name], prompt_rows.get(entry.name, set()), fix)
    for vid, row in rows.items():
        if not layout.voice_dir(vid).is_dir():
            conn.execute("DELETE FROM voices WHERE id = ?", (vid,))
            fix.removed.append(vid)
            fix.actions.append(f"Removed '{row['name']}' from the library: its files are gone.")


def _quarantine(layout: Layout, path: Path, what: str, message: str, fix: _Repair) -> None:
    fix.quarantined.append(layout.quarantine(path, what))
    fix.actions.append(f"{message} It is kept in {layout.quarantine_dir}.")


def _prompts_in(folder: Path, layout: Layout, fix: _Repair) -> list[StoredPrompt]:
    """Index the readable prompt files of a folder; quarantine unreadable ones."""
    found = []
    for name in sorted(os.listdir(folder)):
        if not PROMPT_FILE_RE.match(name):
            continue
        try:
            facts = prompt_facts(read_header_file(folder / name))
        except (OSError, ValueError):
            _quarantine(
                layout, folder / name, "prompt", f"Moved aside the unreadable prompt file {name}.", fix
            )
            continue
        found.append(StoredPrompt(signature=facts.signature, speaker_dim=facts.speaker_dim, file=name))
    return found


def _adopt(layout: Layout, conn: sqlite3.Connection, folder: Path, fix: _Repair) -> None:
    try:
        row = parse_meta((folder / META_FILE).read_bytes())
        if row["id"] != folder.name:
            raise ValueError("meta.json names another voice")
        row["has_reference"] = (folder / REFERENCE_FILE).is_file()
        if not row["has_reference"]:
            row["duration_s"] = None
        prompts = _prompts_in(folder, layout, fix)
        if not prompts and not row["has_reference"]:
            raise ValueError("it has neither a prompt nor reference audio")
    except (OSError, ValueError) as e:
        _quarantine(
            layout, folder, "voice", f"Moved aside the incomplete voice folder {folder.name} ({e}).", fix
        )
        return
    if row["trashed_at"] is None:
        row["name"] = free_name(row["name"], live_name_keys(conn))
    insert_voice(conn, row)
    for p in prompts:
        insert_prompt(conn, row["id"], p)
    fix.recovered.append(row["id"])
    fix.actions.append(f"Recovered the voice '{row['name']}', whose saving was interrupted.")


def _repair_folder(
    layout: Layout,
    conn: sqlite3.Connection,
    folder: Path,
    row: sqlite3.Row,
    prompt_files: set[str],
    fix: _Repair,
) -> None:
    vid, name = row["id"], row["name"]
    for n in os.listdir(folder):
        if n.startswith(".") and n.endswith(".tmp"):
            os.unlink(folder / n)
            fix.actions.append(f"Removed a half-written file of '{name}'.")
    readable = _prompts_in(folder, layout, fix)  # unreadable files are moved aside first
    on_disk = {p.file for p in readable}
    for gone in sorted(prompt_files - on_disk):
        conn.execute("DELETE FROM prompts WHERE voice_id = ? AND file = ?", (vid, gone))
        fix.actions.append(f"Forgot a missing prompt file of '{name}'; it is extracted again when needed.")
    for p in readable:
        if p.file not in prompt_files:
            insert_prompt(conn, vid, p)
            fix.actions.append(f"Indexed a prompt file of '{name}' that was saved but not recorded.")
    if row["has_reference"] and not (folder / REFERENCE_FILE).is_file():
        update_voice(conn, vid, {"has_reference": 0, "duration_s": None, "updated": time.time()})
        fix.actions.append(
            f"The reference audio of '{name}' is missing; it can no longer be extracted again."
        )
    has_prompt = conn.execute("SELECT 1 FROM prompts WHERE voice_id = ? LIMIT 1", (vid,)).fetchone()
    full = row_dict(fetch_row(conn, vid))
    if not has_prompt and not full["has_reference"]:
        conn.execute("DELETE FROM voices WHERE id = ?", (vid,))
        fix.removed.append(vid)
        _quarantine(
            layout,
            folder,
            "voice",
            f"Moved '{name}' aside: it has neither a prompt nor reference audio.",
            fix,
        )
        return
    if not (folder / META_FILE).is_file():
        write_atomic(folder / META_FILE, meta_document(full))
        fix.actions.append(f"Rewrote the description file of '{name}'.")
    if not (folder / TRANSCRIPT_FILE).is_file():
        write_atomic(folder / TRANSCRIPT_FILE, transcript_document(full["transcript"]))
        fix.actions.append(f"Rewrote the transcript file of '{name}'.")
