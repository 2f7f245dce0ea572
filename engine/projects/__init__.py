"""Projects: podcasts, audiobooks, videos holding scripts (episodes, chapters) whose lines keep
their takes through edits. One SQLite file under the data folder, shared by the studio and
``timbre-cli``; Qt-free and torch-free.
"""

from __future__ import annotations

from .records import KINDS, SCRIPT_NOUN, Project, Script, StoredLine, TakeRecord, new_id, now_iso
from .schema import ProjectStoreError
from .store import ProjectStore

__all__ = [
    "KINDS",
    "SCRIPT_NOUN",
    "Project",
    "ProjectStore",
    "ProjectStoreError",
    "Script",
    "StoredLine",
    "TakeRecord",
    "new_id",
    "now_iso",
]
