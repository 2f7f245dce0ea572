"""Following the script's render jobs: each line's state in the table, the overall progress.

A :class:`RenderTracker` submits generation requests to the engine host and follows each
job's own signals: lines go waiting, rendering (with the seconds made so far), done, failed or cancelled;
``progress_changed`` sums them up for the bar; ``problem`` reports what the creator must know
(a job's error, lines whose voice could not be had). Cancel stops every job it started within
one decode step; takes that finished stay.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from PySide6.QtCore import QObject, Signal

from ..engine_host import EngineHost, EngineJob, GenerateRequest, Progress
from ..models.script_model import LineStatus, ScriptLine, ScriptModel
from ..settings import FRAMES_PER_SECOND

_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")


def expected_frames(text: str, max_frames: int) -> int:
    """A rough length guess for the progress bar: ~2.6 words/s, or ~4.5 CJK characters/s."""
    cjk = len(_CJK.findall(text))
    words = len(_CJK.sub(" ", text).split())
    seconds = max(1.0, words / 2.6 + cjk / 4.5) * 1.15
    return max(2, min(max_frames, round(seconds * FRAMES_PER_SECOND)))


@dataclass
class _Job:
    lines: list[ScriptLine | None]  # None: a regenerated take, not tied to a script row
    expected: list[int]
    done: set[int] = field(default_factory=set)
    progress: dict[int, float] = field(default_factory=dict)
    label: str = ""
    failed: list[tuple[int, str, str]] = field(default_factory=list)  # (index, message, hint)
    numbers: list[int] = field(default_factory=list)  # each index's line number, for messages


class RenderTracker(QObject):
    """Render jobs of the script panel and what they mean for its lines."""

    busy_changed = Signal(bool)  # any job running
    progress_changed = Signal(int, str)  # permille, a sentence for the label
    problem = Signal(str, str, str)  # kind ("error"), message, hint

    def __init__(self, host: EngineHost, model: ScriptModel, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._host, self.model = host, model
        self._jobs: dict[EngineJob, _Job] = {}

    @property
    def busy(self) -> bool:
        return bool(self._jobs)

    @property
    def script_running(self) -> bool:
        """A render of script lines (not only regenerated takes) is queued or running."""
        return any(job.lines and job.lines[0] is not None for job in self._jobs.values())

    def submit(self, request: GenerateRequest, lines: list[ScriptLine | None], label: str) -> EngineJob:
        """Queue ``request``; ``lines[i]`` is the script line of ``request.lines[i]`` (or None)."""
        max_frames = int(request.sampling.get("max_new_tokens", 2048))
        job = self._host.submit(request)
        state = self._jobs[job] = _Job(
            lines,
            [expected_frames(r.text, max_frames) for r in request.lines],
            label=label,
            numbers=[r.line_number for r in request.lines],
        )
        job.started.connect(lambda: self._on_started(state))
        job.progress.connect(lambda progress: self._on_progress(state, progress))
        job.take.connect(lambda index, take: self._on_take(state, index, take))
        job.line_failed.connect(
            lambda index, message, hint: self._on_line_failed(state, index, message, hint)
        )
        job.finished.connect(lambda cancelled: self._on_finished(job, cancelled))
        job.failed.connect(lambda message, hint: self._on_failed(job, message, hint))
        for line in lines:
            if line is not None:
                self.model.set_status(line, LineStatus.QUEUED)
        self.busy_changed.emit(True)
        self.progress_changed.emit(0, f"Waiting to render {label}…")
        return job

    def cancel(self) -> None:
        for job in self._jobs:
            job.cancel()
        if self._jobs:
            self.progress_changed.emit(-1, "Cancelling…")

    # ----- job events ---------------------------------------------------------------------------
    def _overall(self, job: _Job) -> None:
        n = len(job.expected)
        total = sum(1.0 if i in job.done else job.progress.get(i, 0.0) for i in range(n))
        self.progress_changed.emit(
            int(1000 * total / n), f"Rendering {job.label}: {len(job.done)} of {n} done"
        )

    def _on_started(self, job: _Job) -> None:
        for line in job.lines:
            if line is not None:
                self.model.set_status(line, LineStatus.RENDERING, 0.0, "Rendering")
        self._overall(job)

    def _on_progress(self, job: _Job, progress: Progress) -> None:
        for i in progress.running:
            job.progress[i] = min(0.95, progress.frames / job.expected[i])
            line = job.lines[i]
            if line is not None:
                seconds = progress.frames / FRAMES_PER_SECOND
                self.model.set_status(
                    line, LineStatus.RENDERING, job.progress[i], f"Rendering · {seconds:.1f} s"
                )
        self._overall(job)

    def _on_take(self, job: _Job, index: int, take) -> None:
        job.done.add(index)
        line = job.lines[index]
        if line is not None:
            cut = "" if take.complete else " · cut off"
            self.model.set_status(line, LineStatus.DONE, None, f"Done · {take.duration_s:.1f} s{cut}")
        self._overall(job)

    def _on_line_failed(self, job: _Job, index: int, message: str, hint: str) -> None:
        job.done.add(index)
        job.failed.append((index, message, hint))
        line = job.lines[index]
        if line is not None:
            self.model.set_status(line, LineStatus.FAILED, None, f"{message} {hint}".strip())
        self._overall(job)

    def _end(self, engine_job: EngineJob, status: LineStatus, detail: str) -> _Job | None:
        job = self._jobs.pop(engine_job, None)
        if job is None:
            return None
        for i, line in enumerate(job.lines):
            if line is not None and i not in job.done:
                self.model.set_status(line, status, None, detail)
        self.busy_changed.emit(bool(self._jobs))
        return job

    def _on_finished(self, engine_job: EngineJob, cancelled: bool) -> None:
        job = self._end(engine_job, LineStatus.CANCELLED, "Cancelled before it finished")
        if job is None:
            return
        done = len(job.done)
        takes = done - len(job.failed)
        if cancelled:
            kept = f"; {takes} finished take{'s' if takes != 1 else ''} kept" if takes else ""
            self.progress_changed.emit(-1, f"Cancelled{kept}.")
        else:
            failed = f", {len(job.failed)} failed" if job.failed else ""
            self.progress_changed.emit(1000, f"Done: {takes} take{'s' if takes != 1 else ''}{failed}.")
        if job.failed:
            index, message, hint = job.failed[0]
            others = len(job.failed) - 1
            more = (
                f" ({others} more line{'s' if others != 1 else ''} too; see the Status column)"
                if others
                else ""
            )
            self.problem.emit(
                "error", f"Line {job.numbers[index]} could not be rendered: {message}{more}", hint
            )

    def _on_failed(self, engine_job: EngineJob, message: str, hint: str) -> None:
        job = self._end(engine_job, LineStatus.FAILED, message)
        if job is None:
            return
        self.progress_changed.emit(-1, "Stopped by an error.")
        self.problem.emit("error", message, hint)
