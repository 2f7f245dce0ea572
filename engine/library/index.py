"""The SQLite index: one row per voice, one per stored prompt; WAL mode for many readers, one writer.

Every change is one ``BEGIN IMMEDIATE`` transaction (:meth:`Index.write`), which takes the
database's write lock up front: two processes (the studio and ``timbre-cli``) queue for it with
a busy timeout instead of failing, and nothing is lost. Each thread gets its own connection,
so the GUI thread can list while the engine thread writes.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ..prompt import ModelSignature
from .errors import LibraryBusyError, LibraryError
from .fields import fold, tags_key, text_key
from .voice import StoredPrompt, Voice
from .voice_files import to_datetime

SCHEMA_VERSION = 1
BUSY_TIMEOUT_S = 20.0

_SCHEMA = """
CREATE TABLE voices (
    id            TEXT PRIMARY KEY,
    name          TEXT NOT NULL,
    name_key      TEXT NOT NULL,              -- folded name: unique among live voices, sorts
    tags          TEXT NOT NULL DEFAULT '[]', -- JSON list, as shown
    tags_key      TEXT NOT NULL DEFAULT '',   -- folded tags, one a line, for search and filters
    language      TEXT NOT NULL,
    mode          TEXT NOT NULL CHECK (mode IN ('icl', 'x_vector')),
    notes         TEXT NOT NULL DEFAULT '',
    transcript    TEXT NOT NULL DEFAULT '',
    text_key      TEXT NOT NULL DEFAULT '',   -- folded transcript words, ' w1 w2 ', for word search
    favorite      INTEGER NOT NULL DEFAULT 0,
    created       REAL NOT NULL,              -- seconds since the epoch, UTC
    updated       REAL NOT NULL,
    last_used     REAL,
    duration_s    REAL,                       -- reference length, NULL without reference audio
    has_reference INTEGER NOT NULL,
    trashed_at    REAL                        -- set while in the trash
);
CREATE UNIQUE INDEX voices_live_name ON voices (name_key) WHERE trashed_at IS NULL;
CREATE TABLE prompts (
    voice_id    TEXT NOT NULL REFERENCES voices (id) ON DELETE CASCADE,
    file        TEXT NOT NULL,
    size        TEXT,                         -- NULL when the extracting model is unknown
    speaker_dim INTEGER NOT NULL,
    codec       TEXT,
    PRIMARY KEY (voice_id, file)
);
"""

_COLUMNS = (
    "id, name, tags, language, mode, notes, transcript, favorite, created, updated, last_used, "
    "duration_s, has_reference, trashed_at"
)
ORDER_BY = {
    "name": "name_key {dir}, created",
    "created": "created {dir}, name_key",
    "updated": "updated {dir}, name_key",
    "last_used": "last_used IS NULL, last_used {dir}, name_key",
}


def _busy(e: sqlite3.OperationalError) -> bool:
    return "locked" in str(e) or "busy" in str(e)


class Index:
    """Connections to one ``library.sqlite``; thread-safe (one connection per thread)."""

    def __init__(self, path: Path, busy_timeout_s: float = BUSY_TIMEOUT_S) -> None:
        self.path = path
        self._timeout = busy_timeout_s
        self._local = threading.local()
        self._all: list[sqlite3.Connection] = []
        self._guard = threading.Lock()

    def conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(
                self.path, timeout=self._timeout, isolation_level=None, check_same_thread=False
            )
            conn.row_factory = sqlite3.Row
            try:
                conn.execute("PRAGMA journal_mode=WAL")
                conn.execute("PRAGMA synchronous=FULL")  # a committed voice survives a power cut too
                conn.execute("PRAGMA foreign_keys=ON")
            except sqlite3.OperationalError as e:
                conn.close()
                if _busy(e):
                    raise self._busy_error() from None
                raise
            self._local.conn = conn
            with self._guard:
                self._all.append(conn)
        return conn

    def close(self) -> None:
        with self._guard:
            for conn in self._all:
                conn.close()
            self._all.clear()
        self._local = threading.local()

    def _busy_error(self) -> LibraryBusyError:
        return LibraryBusyError(
            "The voice library is busy: another Timbre window or command kept it locked.",
            "Wait a moment and try again.",
        )

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction holding the database's write lock; rolled back on any error."""
        conn = self.conn()
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as e:
            if _busy(e):
                raise self._busy_error() from None
            raise
        try:
            yield conn
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise

    @contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        """A consistent snapshot for several reads (WAL readers never wait for the writer)."""
        conn = self.conn()
        if conn.in_transaction:  # already inside this thread's write: it is the snapshot
            yield conn
            return
        conn.execute("BEGIN")
        try:
            yield conn
        finally:
            conn.execute("COMMIT")

    def ensure_schema(self) -> None:
        with self.write() as conn:
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version == 0:
                # executescript() would commit on its own; run the statements inside this transaction
                for stmt in filter(str.strip, _SCHEMA.split(";")):
                    conn.execute(stmt)
                conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            elif version > SCHEMA_VERSION:
                raise LibraryError(
                    f"This voice library ({self.path.parent}) was written by a newer version of Timbre.",
                    "Update Timbre to open it.",
                )


# ----- rows <-> records --------------------------------------------------------------------------


def row_dict(row: sqlite3.Row) -> dict[str, Any]:
    d = dict(row)
    d["tags"] = tuple(json.loads(d["tags"]))
    return d


def to_voice(row: sqlite3.Row, prompts: Sequence[StoredPrompt]) -> Voice:
    return Voice(
        id=row["id"],
        name=row["name"],
        tags=tuple(json.loads(row["tags"])),
        language=row["language"],
        mode=row["mode"],
        notes=row["notes"],
        transcript=row["transcript"],
        created=to_datetime(row["created"]),
        updated=to_datetime(row["updated"]),
        last_used=to_datetime(row["last_used"]),
        favorite=bool(row["favorite"]),
        duration_s=row["duration_s"],
        has_reference=bool(row["has_reference"]),
        prompts=tuple(prompts),
        trashed_at=to_datetime(row["trashed_at"]),
    )


def _stored_prompt(row: sqlite3.Row) -> StoredPrompt:
    sig = None
    if row["size"] is not None:
        sig = ModelSignature(size=row["size"], speaker_dim=row["speaker_dim"], codec=row["codec"] or "")
    return StoredPrompt(signature=sig, speaker_dim=row["speaker_dim"], file=row["file"])


def fetch_voices(
    conn: sqlite3.Connection, where: str = "1", params: Sequence[Any] = (), order: str = ""
) -> list[Voice]:
    """Voices matching ``where`` (SQL over the voices table), with their stored prompts."""
    sql = f"SELECT {_COLUMNS} FROM voices WHERE {where}" + (f" ORDER BY {order}" if order else "")
    rows = conn.execute(sql, tuple(params)).fetchall()
    if not rows:
        return []
    prompts: dict[str, list[StoredPrompt]] = {}
    if len(rows) <= 500:
        ids = [r["id"] for r in rows]
        marks = ",".join("?" * len(ids))
        cur = conn.execute(f"SELECT * FROM prompts WHERE voice_id IN ({marks}) ORDER BY file", ids)
    else:
        cur = conn.execute("SELECT * FROM prompts ORDER BY file")
    for p in cur:
        prompts.setdefault(p["voice_id"], []).append(_stored_prompt(p))
    return [to_voice(r, prompts.get(r["id"], ())) for r in rows]


def fetch_row(conn: sqlite3.Connection, voice_id: str) -> sqlite3.Row | None:
    return conn.execute(f"SELECT {_COLUMNS} FROM voices WHERE id = ?", (voice_id,)).fetchone()


def live_name_keys(conn: sqlite3.Connection) -> set[str]:
    return {r[0] for r in conn.execute("SELECT name_key FROM voices WHERE trashed_at IS NULL")}


def insert_voice(conn: sqlite3.Connection, row: dict[str, Any]) -> None:
    conn.execute(
        "INSERT INTO voices (id, name, name_key, tags, tags_key, language, mode, notes, transcript, "
        "text_key, favorite, created, updated, last_used, duration_s, has_reference, trashed_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            row["id"],
            row["name"],
            fold(row["name"]),
            json.dumps(list(row["tags"]), ensure_ascii=False),
            tags_key(row["tags"]),
            row["language"],
            row["mode"],
            row["notes"],
            row["transcript"],
            text_key(row["transcript"]),
            int(bool(row["favorite"])),
            row["created"],
            row["updated"],
            row.get("last_used"),
            row["duration_s"],
            int(bool(row["has_reference"])),
            row.get("trashed_at"),
        ),
    )


def update_voice(conn: sqlite3.Connection, voice_id: str, changes: dict[str, Any]) -> None:
    """Set columns from ``changes`` (name/tags keep their search keys in step)."""
    cols: dict[str, Any] = {}
    for key, value in changes.items():
        if key == "name":
            cols["name"], cols["name_key"] = value, fold(value)
        elif key == "tags":
            cols["tags"], cols["tags_key"] = json.dumps(list(value), ensure_ascii=False), tags_key(value)
        elif key == "favorite":
            cols["favorite"] = int(bool(value))
        else:
            cols[key] = value
    sets = ", ".join(f"{k} = ?" for k in cols)
    conn.execute(f"UPDATE voices SET {sets} WHERE id = ?", (*cols.values(), voice_id))


def insert_prompt(conn: sqlite3.Connection, voice_id: str, prompt: StoredPrompt) -> None:
    sig = prompt.signature
    conn.execute(
        "INSERT OR REPLACE INTO prompts (voice_id, file, size, speaker_dim, codec) VALUES (?, ?, ?, ?, ?)",
        (voice_id, prompt.file, sig.size if sig else None, prompt.speaker_dim, sig.codec if sig else None),
    )
