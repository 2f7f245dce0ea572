"""The state of one render: every line's outcome, and saving or failing a line."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import TimbreError
from ..take import FINISH_EOS
from .audio_files import write_audio
from .crash import describe_internal
from .manifest import RenderManifest, TakeRecord
from .progress import RenderProgress
from .project_script import ProjectScript
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
    project: ProjectScript | None = None  # rendering a studio script: its takes join its lines
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

    def save(self, outcome: Outcome, audio, sample_rate: int, seed: int, finish_reason: str) -> None:
        """Write one line's take and record it (file first, so a record always has its file).

        A project's script also gets the take under its line (after the file, which resumes).
        """
        job = outcome.job
        complete = finish_reason == FINISH_EOS
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
        if self.project is not None:
            self._add_to_project(job, audio, sample_rate, seed, finish_reason)
        outcome.record, outcome.status = rec, RENDERED
        if self.progress is not None:
            self.progress.line_done()

    def _add_to_project(self, job: LineJob, audio, sample_rate: int, seed: int, finish_reason: str) -> None:
        from ..projects import ProjectStoreError

        fields = {
            "text": job.line.text,
            "voice_id": job.voice.id,
            "voice_name": job.voice.name,
            "language": job.language,
            "seed": seed,
            "settings": dict(self.session.sampling()),
            "finish_reason": finish_reason,
        }
        try:
            self.project.add_take(job.index, audio, sample_rate, fields)
        except (OSError, ProjectStoreError) as e:  # the file is saved; say what the studio will miss
            self.session.console.warn(
                f"Line {job.number} is saved as {job.file_name}, but not in the project ({e})."
            )
