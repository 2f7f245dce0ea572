"""Render all scripts of a project (an audiobook's chapters) as one queue, chapter by chapter.

Each script in order becomes one batch job of the lines that still need a take: valid markup,
a voice that can be had, and no take rendered from the line's current text. So the queue can be
stopped (Cancel, or Timbre closing) and started again: it picks up where it stopped. The store
remembers that a render-all was running, so after a restart the window offers to resume it.
Takes are stored as they arrive by whoever stores takes (the takes panel); this only decides
what to render and reports each chapter's progress.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QObject, Signal

from engine.projects import ProjectStore, Script

from .engine_host import EngineHost, GenerateRequest, LineRequest
from .script_lines import parse_lines
from .voices import VoiceCatalog


@dataclass
class _Chapter:
    script: Script
    lines: list[LineRequest]
    job: int | None = None
    done: int = 0


class RenderAll(QObject):
    """One project's render-all queue."""

    chapter_progress = Signal(str, int, int)  # script id, lines done, lines to render
    chapter_finished = Signal(str)  # script id
    finished = Signal(str, bool)  # project id, cancelled
    problem = Signal(str, str)  # message, hint

    def __init__(self, host: EngineHost, store: ProjectStore, catalog: VoiceCatalog, parent=None) -> None:
        super().__init__(parent)
        self._host, self._store, self._catalog = host, store, catalog
        self.project_id: str | None = None
        self._queue: list[_Chapter] = []
        self._sampling: dict = {}
        self._seed = 0
        host.take_ready.connect(self._on_take)
        host.line_failed.connect(self._on_take)
        host.job_finished.connect(self._on_finished)
        host.job_failed.connect(self._on_failed)

    @property
    def running(self) -> bool:
        return self.project_id is not None

    def start(self, project_id: str, sampling: dict, seed: int) -> int:
        """Queue every script of the project with lines to render. -> how many lines in all."""
        if self.running:
            return 0
        chapters, skipped = [], 0
        for script in self._store.scripts(project_id):
            lines, missing = self._pending_lines(script)
            skipped += missing
            if lines:
                chapters.append(_Chapter(script, lines))
        if skipped:
            self.problem.emit(
                f"{skipped} line{'s' if skipped != 1 else ''} will not be rendered: no voice, or bad markup.",
                "Open those scripts to see which lines, and give them a voice or fix their markup.",
            )
        if not chapters:
            self._store.set_render_all(project_id, False)
            self.finished.emit(project_id, False)
            return 0
        self.project_id, self._queue = project_id, chapters
        self._sampling, self._seed = dict(sampling), seed
        self._store.set_render_all(project_id, True)
        for chapter in chapters:
            self.chapter_progress.emit(chapter.script.id, 0, len(chapter.lines))
        self._next()
        return sum(len(c.lines) for c in chapters)

    def cancel(self) -> None:
        """Stop within a decode step, and forget it (closing Timbre instead leaves it to resume)."""
        for chapter in self._queue:
            if chapter.job is not None:
                self._host.cancel(chapter.job)
        if self.project_id is not None:
            self._store.set_render_all(self.project_id, False)
        self._stop(cancelled=True)

    def _pending_lines(self, script: Script) -> tuple[list[LineRequest], int]:
        fresh = {(t.line_id, t.text) for t in self._store.takes(script.id)}
        parsed = {p.text: p for p in parse_lines(script.text)}
        out, missing = [], 0
        for line in self._store.lines(script.id):
            if (line.id, line.text) in fresh:
                continue
            voice_id = line.voice_id or script.default_voice_id or ""
            voice, ref = self._catalog.voice(voice_id), self._catalog.prompt_ref(voice_id)
            p = parsed.get(line.text)
            if voice is None or ref is None or (p is not None and not p.valid):
                missing += 1
                continue
            language = line.language or (
                script.default_language if script.default_language != "auto" else voice.language
            )
            number = (line.position or 0) + 1
            out.append(LineRequest(line.text, language, voice.id, voice.name, ref, number, line.id))
        return out, missing

    def _next(self) -> None:
        chapter = next((c for c in self._queue if c.job is None), None)
        if chapter is None:
            return
        seeds = tuple(self._seed + i for i in range(len(chapter.lines)))
        chapter.job = self._host.generate(GenerateRequest(tuple(chapter.lines), self._sampling, seeds))
        self._seed += len(chapter.lines)

    def _chapter(self, job: int) -> _Chapter | None:
        return next((c for c in self._queue if c.job == job), None)

    def _on_take(self, job: int, index: int, *_: object) -> None:
        chapter = self._chapter(job)
        if chapter is not None:
            chapter.done += 1
            self.chapter_progress.emit(chapter.script.id, chapter.done, len(chapter.lines))

    def _on_finished(self, job: int, cancelled: bool) -> None:
        chapter = self._chapter(job)
        if chapter is None:
            return
        if cancelled:
            self._stop(cancelled=True)
            return
        self._queue.remove(chapter)
        self.chapter_finished.emit(chapter.script.id)
        if self._queue:
            self._next()
        else:
            self._stop(cancelled=False)

    def _on_failed(self, job: int, message: str, hint: str) -> None:
        if self._chapter(job) is not None:
            self.problem.emit(message, hint)
            self._stop(cancelled=True)

    def _stop(self, cancelled: bool) -> None:
        project_id = self.project_id
        if project_id is None:
            return
        self.project_id, self._queue = None, []
        if not cancelled:
            self._store.set_render_all(project_id, False)
        self.finished.emit(project_id, cancelled)
