"""Projects, their scripts, the scripts' lines and the lines' takes, in one SQLite file.

Layout under the data folder: ``projects.sqlite`` and ``takes/audio/<take id>.flac``. A take's
audio is written (temp file, then rename) before its row names it, so a crash never leaves a
row without audio. Deleting a project, a script or a take only marks it (``deleted_at`` /
``trashed_at``), so Undo brings it back; :meth:`ProjectStore.purge` removes what stayed deleted.
Qt-free and torch-free: the studio and ``timbre-cli`` share it.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from .records import KINDS, SCRIPT_NOUN, Project, Script, StoredLine, TakeRecord, new_id, now_iso
from .schema import ProjectStoreError, connect, transaction

log = logging.getLogger(__name__)

DB_FILE = "projects.sqlite"
AUDIO_DIR = Path("takes") / "audio"
# (id, text, voice id, language) of a line, in script order: what the editor hands to save_lines.
LineSpec = tuple[str, str, str | None, str | None]

_TAKE_COLUMNS = (
    "id, line_id, text, voice_id, voice_name, language, seed, settings, created_at, duration_s, "
    "sample_rate, finish_reason, favorite"
)


class ProjectStore:
    """The projects database of one data folder."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        self.audio_dir = self.root / AUDIO_DIR
        self._conn: sqlite3.Connection = connect(self.root / DB_FILE)

    def close(self) -> None:
        self._conn.close()

    def _rows(self, sql: str, *args) -> list[sqlite3.Row]:
        return self._conn.execute(sql, args).fetchall()

    # ----- projects ---------------------------------------------------------------------------
    def projects(self) -> list[Project]:
        rows = self._rows("SELECT * FROM projects WHERE deleted_at IS NULL ORDER BY position, created_at")
        return [Project(r["id"], r["name"], r["kind"], r["position"], r["created_at"]) for r in rows]

    def project(self, project_id: str) -> Project | None:
        return next((p for p in self.projects() if p.id == project_id), None)

    def create_project(self, name: str, kind: str = "podcast") -> Project:
        """A new project, last in the list, with one empty script."""
        name = _name(name, "project")
        if kind not in KINDS:
            raise ValueError(f"Unknown project kind {kind!r}; use one of {', '.join(KINDS)}.")
        pid = new_id()
        with transaction(self._conn) as c:
            pos = c.execute("SELECT COALESCE(MAX(position) + 1, 0) FROM projects").fetchone()[0]
            c.execute(
                "INSERT INTO projects (id, name, kind, position, created_at) VALUES (?, ?, ?, ?, ?)",
                (pid, name, kind, pos, now_iso()),
            )
            _insert_script(c, pid, f"{SCRIPT_NOUN[kind]} 1", 0)
        return self.project(pid)  # type: ignore[return-value]

    def rename_project(self, project_id: str, name: str) -> None:
        with transaction(self._conn) as c:
            c.execute("UPDATE projects SET name = ? WHERE id = ?", (_name(name, "project"), project_id))

    def duplicate_project(self, project_id: str) -> Project:
        """A copy of the project's scripts and lines (takes stay with the original)."""
        original = self._require_project(project_id)
        copy = self.create_project(f"{original.name} (copy)", original.kind)
        first = self.scripts(copy.id)[0]
        for i, script in enumerate(self.scripts(project_id)):
            target = first if i == 0 else self.create_script(copy.id, script.name)
            self._copy_script_into(script, target.id, name=script.name)
        return copy

    def delete_project(self, project_id: str) -> None:
        """Mark deleted (with its scripts and takes); :meth:`restore_project` undoes it."""
        with transaction(self._conn) as c:
            c.execute("UPDATE projects SET deleted_at = ? WHERE id = ?", (now_iso(), project_id))

    def restore_project(self, project_id: str) -> None:
        with transaction(self._conn) as c:
            c.execute("UPDATE projects SET deleted_at = NULL WHERE id = ?", (project_id,))

    def move_project(self, project_id: str, position: int) -> None:
        """Put the project at ``position`` (0-based) in the list; the others close ranks."""
        ids = [p.id for p in self.projects()]
        _reorder(self._conn, "projects", ids, project_id, position)

    def set_render_all(self, project_id: str, pending: bool) -> None:
        """Remember that "render all" runs for the project, so a restart can resume it."""
        with transaction(self._conn) as c:
            c.execute("UPDATE projects SET render_all = ? WHERE id = ?", (int(pending), project_id))

    def render_all_pending(self) -> list[Project]:
        ids = {r["id"] for r in self._rows("SELECT id FROM projects WHERE render_all = 1")}
        return [p for p in self.projects() if p.id in ids]

    # ----- scripts ------------------------------------------------------------------------------
    def scripts(self, project_id: str) -> list[Script]:
        rows = self._rows(
            "SELECT * FROM scripts WHERE project_id = ? AND deleted_at IS NULL ORDER BY position, created_at",
            project_id,
        )
        return [_script(r) for r in rows]

    def script(self, script_id: str) -> Script | None:
        rows = self._rows(
            "SELECT s.* FROM scripts s JOIN projects p ON p.id = s.project_id "
            "WHERE s.id = ? AND s.deleted_at IS NULL AND p.deleted_at IS NULL",
            script_id,
        )
        return _script(rows[0]) if rows else None

    def find_script(self, project_name: str, script_name: str) -> Script | None:
        """A script by its project's and its own name (case-insensitive), for ``timbre-cli``."""
        for project in self.projects():
            if project.name.casefold() == project_name.strip().casefold():
                for script in self.scripts(project.id):
                    if script.name.casefold() == script_name.strip().casefold():
                        return script
        return None

    def create_script(self, project_id: str, name: str | None = None) -> Script:
        project = self._require_project(project_id)
        with transaction(self._conn) as c:
            pos = c.execute(
                "SELECT COALESCE(MAX(position) + 1, 0) FROM scripts WHERE project_id = ?", (project_id,)
            ).fetchone()[0]
            name = name or f"{SCRIPT_NOUN.get(project.kind, 'Script')} {pos + 1}"
            sid = _insert_script(c, project_id, _name(name, "script"), pos)
        return self.script(sid)  # type: ignore[return-value]

    def rename_script(self, script_id: str, name: str) -> None:
        with transaction(self._conn) as c:
            c.execute("UPDATE scripts SET name = ? WHERE id = ?", (_name(name, "script"), script_id))

    def duplicate_script(self, script_id: str) -> Script:
        """A copy of the script's text and lines, right after it (takes stay with the original)."""
        original = self._require_script(script_id)
        copy = self.create_script(original.project_id, f"{original.name} (copy)")
        self._copy_script_into(original, copy.id, name=copy.name)
        self.move_script(copy.id, original.position + 1)
        return self.script(copy.id)  # type: ignore[return-value]

    def delete_script(self, script_id: str) -> None:
        with transaction(self._conn) as c:
            c.execute("UPDATE scripts SET deleted_at = ? WHERE id = ?", (now_iso(), script_id))

    def restore_script(self, script_id: str) -> None:
        with transaction(self._conn) as c:
            c.execute("UPDATE scripts SET deleted_at = NULL WHERE id = ?", (script_id,))

    def move_script(self, script_id: str, position: int) -> None:
        script = self._require_script(script_id)
        ids = [s.id for s in self.scripts(script.project_id)]
        _reorder(self._conn, "scripts", ids, script_id, position)

    def save_script(
        self,
        script_id: str,
        text: str,
        lines: Sequence[LineSpec],
        default_voice_id: str | None,
        default_language: str,
    ) -> None:
        """Store the editor's text and its lines in order, in one transaction.

        Lines the script no longer has keep their rows (position NULL), so their takes (also
        those still rendering) wait under "removed lines"; :meth:`purge` drops the ones without.
        """
        with transaction(self._conn) as c:
            c.execute(
                "UPDATE scripts SET text = ?, default_voice_id = ?, default_language = ? WHERE id = ?",
                (text, default_voice_id, default_language, script_id),
            )
            c.execute("UPDATE lines SET position = NULL WHERE script_id = ?", (script_id,))
            for pos, (line_id, line_text, voice_id, language) in enumerate(lines):
                c.execute(
                    "INSERT INTO lines (id, script_id, position, text, voice_id, language) VALUES (?, ?, ?, ?, ?, ?) "
                    "ON CONFLICT (id) DO UPDATE SET position = excluded.position, text = excluded.text, "
                    "voice_id = excluded.voice_id, language = excluded.language",
                    (line_id, script_id, pos, line_text, voice_id, language),
                )

    def lines(self, script_id: str, removed: bool = False) -> list[StoredLine]:
        """The script's lines in order; with ``removed``, only the deleted lines that keep takes."""
        cond = (
            "position IS NULL AND EXISTS (SELECT 1 FROM takes t WHERE t.line_id = lines.id "
            "AND t.trashed_at IS NULL)"
            if removed
            else "position IS NOT NULL"
        )
        rows = self._rows(
            f"SELECT * FROM lines WHERE script_id = ? AND {cond} ORDER BY position, id", script_id
        )
        return [
            StoredLine(r["id"], r["script_id"], r["position"], r["text"], r["voice_id"], r["language"])
            for r in rows
        ]

    def add_removed_line(self, script_id: str, text: str) -> str:
        """A line that is no longer in the script, to hold takes of it (migration). -> its id."""
        line_id = new_id()
        with transaction(self._conn) as c:
            c.execute(
                "INSERT INTO lines (id, script_id, position, text) VALUES (?, ?, NULL, ?)",
                (line_id, script_id, text),
            )
        return line_id

    # ----- takes -------------------------------------------------------------------------------
    def audio_path(self, record: TakeRecord) -> Path:
        return self.audio_dir / f"{record.id}.flac"

    def load_audio(self, record: TakeRecord) -> np.ndarray:
        """The take's samples, float32 mono at ``record.sample_rate``."""
        import soundfile as sf

        audio, _ = sf.read(str(self.audio_path(record)), dtype="float32", always_2d=False)
        return audio

    def add_take(self, record: TakeRecord, audio: np.ndarray | None) -> TakeRecord:
        """Store a new take of a stored line: its audio first, then its row.

        ``audio`` None adopts the FLAC already at :meth:`audio_path` (takes from before projects).
        """
        path = self.audio_path(record)
        if audio is not None:
            import soundfile as sf

            self.audio_dir.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(f".{path.name}.tmp")
            samples = np.clip(np.asarray(audio, dtype=np.float32), -1.0, 1.0)
            sf.write(str(tmp), samples, record.sample_rate, format="FLAC", subtype="PCM_24")
            os.replace(tmp, path)
            record.duration_s = len(samples) / float(record.sample_rate)
        elif not path.is_file():
            raise ProjectStoreError(f"Take {record.id} has no audio file ({path}).")
        try:
            with transaction(self._conn) as c:
                if c.execute("SELECT 1 FROM lines WHERE id = ?", (record.line_id,)).fetchone() is None:
                    raise ProjectStoreError(f"The line of take {record.id} is not in the projects file.")
                c.execute(
                    f"INSERT INTO takes ({_TAKE_COLUMNS}) VALUES ({','.join('?' * 13)})", _take_values(record)
                )
        except BaseException:
            if audio is not None:
                path.unlink(missing_ok=True)
            raise
        return record

    def takes(self, script_id: str) -> list[TakeRecord]:
        """The script's takes not in the trash, oldest first (removed lines' takes included)."""
        rows = self._rows(
            f"SELECT {', '.join('t.' + c.strip() for c in _TAKE_COLUMNS.split(','))} FROM takes t "
            "JOIN lines l ON l.id = t.line_id WHERE l.script_id = ? AND t.trashed_at IS NULL "
            "ORDER BY t.created_at, t.rowid",
            script_id,
        )
        return [_take(r) for r in rows]

    def take(self, take_id: str) -> TakeRecord | None:
        rows = self._rows(f"SELECT {_TAKE_COLUMNS} FROM takes WHERE id = ?", take_id)
        return _take(rows[0]) if rows else None

    def set_favorite(self, take_id: str, favorite: bool) -> None:
        with transaction(self._conn) as c:
            c.execute("UPDATE takes SET favorite = ? WHERE id = ?", (int(favorite), take_id))

    def trash_takes(self, take_ids: Sequence[str]) -> None:
        """Move takes to the trash (their audio stays until :meth:`purge`); undo with :meth:`restore_takes`."""
        with transaction(self._conn) as c:
            c.executemany("UPDATE takes SET trashed_at = ? WHERE id = ?", [(now_iso(), t) for t in take_ids])

    def restore_takes(self, take_ids: Sequence[str]) -> None:
        with transaction(self._conn) as c:
            c.executemany("UPDATE takes SET trashed_at = NULL WHERE id = ?", [(t,) for t in take_ids])

    def trashed_takes(self, script_id: str) -> list[TakeRecord]:
        rows = self._rows(
            f"SELECT {', '.join('t.' + c.strip() for c in _TAKE_COLUMNS.split(','))} FROM takes t "
            "JOIN lines l ON l.id = t.line_id WHERE l.script_id = ? AND t.trashed_at IS NOT NULL "
            "ORDER BY t.trashed_at DESC",
            script_id,
        )
        return [_take(r) for r in rows]

    def purge(self) -> int:
        """Remove for good what is deleted or in the trash: rows first, then audio. -> takes removed."""
        with transaction(self._conn) as c:
            doomed = [
                r["id"]
                for r in c.execute(
                    "SELECT t.id FROM takes t JOIN lines l ON l.id = t.line_id "
                    "JOIN scripts s ON s.id = l.script_id JOIN projects p ON p.id = s.project_id "
                    "WHERE t.trashed_at IS NOT NULL OR s.deleted_at IS NOT NULL OR p.deleted_at IS NOT NULL"
                )
            ]
            c.executemany("DELETE FROM takes WHERE id = ?", [(t,) for t in doomed])
            c.execute("DELETE FROM projects WHERE deleted_at IS NOT NULL")
            c.execute("DELETE FROM scripts WHERE deleted_at IS NOT NULL")
            c.execute(
                "DELETE FROM lines WHERE position IS NULL "
                "AND NOT EXISTS (SELECT 1 FROM takes t WHERE t.line_id = lines.id)"
            )
        for take_id in doomed:
            (self.audio_dir / f"{take_id}.flac").unlink(missing_ok=True)
        return len(doomed)

    # ----- helpers -------------------------------------------------------------------------------
    def _require_project(self, project_id: str) -> Project:
        project = self.project(project_id)
        if project is None:
            raise ProjectStoreError(f"There is no project {project_id}.")
        return project

    def _require_script(self, script_id: str) -> Script:
        script = self.script(script_id)
        if script is None:
            raise ProjectStoreError(f"There is no script {script_id}.")
        return script

    def _copy_script_into(self, source: Script, target_id: str, name: str) -> None:
        lines = [(new_id(), ln.text, ln.voice_id, ln.language) for ln in self.lines(source.id)]
        self.save_script(target_id, source.text, lines, source.default_voice_id, source.default_language)
        self.rename_script(target_id, name)


def _name(name: str, what: str) -> str:
    name = " ".join(str(name).split())
    if not name:
        raise ValueError(f"A {what} needs a name.")
    return name[:200]


def _insert_script(c: sqlite3.Connection, project_id: str, name: str, position: int) -> str:
    sid = new_id()
    c.execute(
        "INSERT INTO scripts (id, project_id, name, position, created_at) VALUES (?, ?, ?, ?, ?)",
        (sid, project_id, name, position, now_iso()),
    )
    return sid


def _reorder(conn: sqlite3.Connection, table: str, ids: list[str], moved: str, position: int) -> None:
    if moved not in ids:
        return
    ids.remove(moved)
    ids.insert(max(0, min(position, len(ids))), moved)
    with transaction(conn) as c:
        c.executemany(f"UPDATE {table} SET position = ? WHERE id = ?", list(enumerate(ids)))  # noqa: S608


def _script(r: sqlite3.Row) -> Script:
    return Script(
        r["id"],
        r["project_id"],
        r["name"],
        r["position"],
        r["text"],
        r["default_voice_id"],
        r["default_language"],
    )


def _take_values(r: TakeRecord) -> tuple:
    return (
        r.id,
        r.line_id,
        r.text,
        r.voice_id,
        r.voice_name,
        r.language,
        int(r.seed),
        json.dumps(r.settings),
        r.created_at or now_iso(),
        float(r.duration_s),
        int(r.sample_rate),
        r.finish_reason,
        int(r.favorite),
    )


def _take(r: sqlite3.Row) -> TakeRecord:
    try:
        settings = json.loads(r["settings"])
    except ValueError:
        settings = {}
    return TakeRecord(
        id=r["id"],
        line_id=r["line_id"],
        text=r["text"],
        voice_id=r["voice_id"],
        voice_name=r["voice_name"],
        language=r["language"],
        seed=r["seed"],
        settings=settings if isinstance(settings, dict) else {},
        created_at=r["created_at"],
        duration_s=r["duration_s"],
        sample_rate=r["sample_rate"],
        finish_reason=r["finish_reason"],
        favorite=bool(r["favorite"]),
    )
