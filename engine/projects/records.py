"""The records the project store hands out: plain dataclasses, no SQLite, no Qt, no torch."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

KINDS = ("podcast", "audiobook", "video", "other")
# What a project kind calls its scripts, for new names and labels.
SCRIPT_NOUN = {"podcast": "Episode", "audiobook": "Chapter", "video": "Script", "other": "Script"}


def new_id() -> str:
    return uuid.uuid4().hex[:12]


def now_iso() -> str:
    """ISO 8601, local time with its offset (what creators read in the takes list)."""
    return datetime.now().astimezone().isoformat(timespec="seconds")


@dataclass(frozen=True)
class Project:
    """A podcast series, an audiobook, a video: scripts in order."""

    id: str
    name: str
    kind: str
    position: int
    created_at: str


@dataclass(frozen=True)
class Script:
    """An episode, a chapter: the editor's text, its default voice and language."""

    id: str
    project_id: str
    name: str
    position: int
    text: str = ""
    default_voice_id: str | None = None
    default_language: str = "auto"


@dataclass(frozen=True)
class StoredLine:
    """A script line with a stable id: its takes follow it through edits and moves.

    ``position`` is its 0-based place among the script's lines, None once the line was deleted
    from the script (its takes then show under "removed lines" until cleared).
    """

    id: str
    script_id: str
    position: int | None
    text: str
    voice_id: str | None = None
    language: str | None = None

    @property
    def removed(self) -> bool:
        return self.position is None


@dataclass
class TakeRecord:
    """Everything known about a stored take except its samples (those are a FLAC file)."""

    id: str
    line_id: str
    text: str  # the line's text when rendered: a take whose line now reads otherwise is stale
    voice_id: str
    voice_name: str  # the voice's name at render time; shown only if the voice is gone
    language: str
    seed: int
    settings: dict[str, Any] = field(default_factory=dict)  # sampling options as passed to the engine
    created_at: str = ""
    duration_s: float = 0.0
    sample_rate: int = 24000
    finish_reason: str = "eos"
    favorite: bool = False

    @property
    def created(self) -> datetime | None:
        try:
            return datetime.fromisoformat(self.created_at)
        except ValueError:
            return None

    @property
    def complete(self) -> bool:
        """False when the take was cut off by the length limit rather than ended by the model."""
        return self.finish_reason == "eos"
