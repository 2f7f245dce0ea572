"""The state of one render: every line's outcome, and saving or failing a line."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import TimbreError
from .audio_files import write_audio
from .crash import describe_internal
from .manifest import RenderManifest, TakeRecord
from .progress import RenderProgress
from .render_jobs import LineJob
from .session import Session

SKIPPED, REUSED, RENDERED, FAILED = "skipped", "reused", "rendered", "failed"


@dataclass
class Outcome:
    """What happened to one line."""

    job: LineJob
    status: str = ""
    record: TakeRecord | None = None
    error: tuple[str, str | None] | None = None  # (message, hint)

    def as_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"line": self.job.number, "file": self.job.file_name, "status": self.status}
        if self.record is not None:
            r = self.record
            data.update(voice=r.voice, seed=r.seed, duration_s=round(r.duration_s, 3), complete=r.complete)
        if self.error is not None:
            data["error"] = {"message": self.error[0], "hint": self.error[1]}
        return data


@dataclass
class RenderRun:
    """State of one render: the folder, its manifest, and every line's outcome."""

    session: Session
    out: Path
    manifest: RenderManifest
    outcomes: list[Outcome]
    progress: RenderProgress | None = None
    sample_rate: int | None = None
    started: float = field(default_factory=time.monotonic)

    def fail(self, outcome: Outcome, error: BaseException) -> None:
        if isinstance(error, TimbreError):
            outcome.error = (error.message, error.hint)
        else:
            outcome.error = describe_internal(error)
        outcome.status = FAILED
        if self.progress is not None:
            self.progress.line_done(failed=True)

    def save(self, outcome: Outcome, audio, sample_rate: int, seed: int, complete: bool) -> None:
        """Write one line's take and record it (file first, so a record always has its file)."""
        job = outcome.job
        size, digest = write_audio(self.out / job.file_name, audio, sample_rate)
        rec = TakeRecord(
            key=job.key,
            line=job.number,
            text=job.line.text,
            voice=job.voice.name,
            voice_id=job.voice.id,
            language=job.language,
            seed=seed,
            duration_s=len(audio) / sample_rate,
            complete=complete,
            bytes=size,
            sha256=digest,
        )
        self.manifest.record(job.file_name, rec)
        outcome.record, outcome.status = rec, RENDERED
        if self.progress is not None:
            self.progress.line_done()
