"""The projects database: tables, version, and opening it safely.

``PRAGMA user_version`` holds the schema version; a newer file than this code knows is refused
rather than misread. WAL mode lets ``timbre-cli`` read while the studio writes; every change is
one ``BEGIN IMMEDIATE`` transaction with a busy timeout, so two processes queue, not fail.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ..errors import TimbreError

SCHEMA_VERSION = 1
BUSY_TIMEOUT_S = 20.0

_SCHEMA = """
CREATE TABLE IF NOT EXISTS projects (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    kind        TEXT NOT NULL,
    position    INTEGER NOT NULL,
    created_at  TEXT NOT NULL,
    deleted_at  TEXT,                     -- set while deleted (undo restores it)
    render_all  INTEGER NOT NULL DEFAULT 0 -- "render all" was started and has not finished
);
CREATE TABLE IF NOT EXISTS scripts (
    id               TEXT PRIMARY KEY,
    project_id       TEXT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    name             TEXT NOT NULL,
    position         INTEGER NOT NULL,
    text             TEXT NOT NULL DEFAULT '',
    default_voice_id TEXT,
    default_language TEXT NOT NULL DEFAULT 'auto',
    created_at       TEXT NOT NULL,
    deleted_at       TEXT
);
CREATE TABLE IF NOT EXISTS lines (
    id        TEXT PRIMARY KEY,
    script_id TEXT NOT NULL REFERENCES scripts (id) ON DELETE CASCADE,
    position  INTEGER,                    -- NULL: deleted from the script, its takes kept
    text      TEXT NOT NULL,
    voice_id  TEXT,
    language  TEXT
);
CREATE INDEX IF NOT EXISTS lines_script ON lines (script_id, position);
CREATE TABLE IF NOT EXISTS takes (
    id            TEXT PRIMARY KEY,
    line_id       TEXT NOT NULL REFERENCES lines (id) ON DELETE CASCADE,
    text          TEXT NOT NULL,
    voice_id      TEXT NOT NULL,
    voice_name    TEXT NOT NULL,
    language      TEXT NOT NULL,
    seed          INTEGER NOT NULL,
    settings      TEXT NOT NULL DEFAULT '{}',
    created_at    TEXT NOT NULL,
    duration_s    REAL NOT NULL,
    sample_rate   INTEGER NOT NULL,
    finish_reason TEXT NOT NULL,
    favorite      INTEGER NOT NULL DEFAULT 0,
    trashed_at    TEXT                    -- set while in the trash (undo restores it)
);
CREATE INDEX IF NOT EXISTS takes_line ON takes (line_id);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


class ProjectStoreError(TimbreError, OSError):
    """The projects database cannot be opened or written (damaged, newer, busy, disk full)."""


def connect(path: Path) -> sqlite3.Connection:
    """Open (creating when new) the database at ``path`` with the current schema."""
    try:
        conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_S, isolation_level=None)
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA journal_mode = WAL")
        version = conn.execute("PRAGMA user_version").fetchone()[0]
    except sqlite3.DatabaseError as e:
        raise ProjectStoreError(
            f"The projects file {path} cannot be opened ({e}).",
            "Move it aside (Timbre then starts with an empty project list), or restore it from a backup.",
        ) from None
    if version > SCHEMA_VERSION:
        conn.close()
        raise ProjectStoreError(
            f"The projects file {path} was written by a newer Timbre (schema {version}).",
            "Update Timbre to open these projects.",
        )
    if version == 0:  # new file; IF NOT EXISTS lets two processes creating it at once both succeed
        conn.executescript(f"BEGIN IMMEDIATE;{_SCHEMA}PRAGMA user_version = {SCHEMA_VERSION};COMMIT;")
    return conn


@contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """One atomic change: all of it lands, or none of it (and the error says why)."""
    try:
        conn.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as e:
        raise ProjectStoreError(
            f"The projects file is busy ({e}).", "Another Timbre is writing; try again in a moment."
        ) from None
    try:
        yield conn
        conn.execute("COMMIT")
    except BaseException as e:
        conn.execute("ROLLBACK")
        if isinstance(e, sqlite3.OperationalError):
            raise ProjectStoreError(
                f"The projects file could not be written ({e}).", "Check free disk space and permissions."
            ) from None
        raise
