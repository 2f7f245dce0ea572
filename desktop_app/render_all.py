"""Render all scripts of a project (an audiobook's chapters) as one queue, chapter by chapter.

Each script in order becomes one batch job of the lines that still need a take: valid markup,
a voice that can be had, and no take rendered from the line's current text. So the queue can be
stopped (Cancel, or Timbre closing) and started again: it picks up where it stopped. The store
remembers that a render-all was running, so after a restart the window offers to resume it.
Each chapter's job is announced as ``render_submitted`` so whoever stores takes (the takes
panel) follows it; this only decides what to render and reports each chapter's progress.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QObject, Signal

from engine.projects import ProjectStore, Script

from .engine_host import EngineHost, EngineJob, GenerateRequest, LineRequest
from .script_lines import parse_lines
from .voices import VoiceCatalog


@dataclass(eq=False)  # a chapter is itself: `in` and `remove` go by identity
class _Chapter:
    script: Script
    lines: list[LineRequest]
    job: EngineJob | None = None
    done: int = 0


class RenderAll(QObject):
    """One project's render-all queue."""

    chapter_progress = Signal(str, int, int)  # script id, lines done, lines to render
    chapter_finished = Signal(str)  # script id
    finished = Signal(str, bool)  # project id, cancelled
    problem = Signal(str, str)  # message, hint
    render_submitted = Signal(object)  # EngineJob: a chapter's render, to follow

    def __init__(self, host: EngineHost, store: ProjectStore, catalog: VoiceCatalog, parent=None) -> None:
        super().__init__(parent)
        self._host, self._store, self._catalog = host, store, catalog
        self.project_id: str | None = None
        self._queue: list[_Chapter] = []
        self._sampling: dict = {}
        self._seed = 0

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
                chapter.job.cancel()
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
        job = chapter.job = self._host.submit(GenerateRequest(tuple(chapter.lines), self._sampling, seeds))
        self._seed += len(chapter.lines)
        job.take.connect(lambda *_: self._line_done(chapter))
        job.line_failed.connect(lambda *_: self._line_done(chapter))
        job.finished.connect(lambda cancelled: self._on_finished(chapter, cancelled))
        job.failed.connect(lambda message, hint: self._on_failed(chapter, message, hint))
        self.render_submitted.emit(job)

    def _line_done(self, chapter: _Chapter) -> None:
        if chapter in self._queue:
            chapter.done += 1
            self.chapter_progress.emit(chapter.script.id, chapter.done, len(chapter.lines))

    def _on_finished(self, chapter: _Chapter, cancelled: bool) -> None:
        if chapter not in self._queue:
            return  # the queue was stopped meanwhile
        if cancelled:
            self._stop(cancelled=True)
            return
        self._queue.remove(chapter)
        self.chapter_finished.emit(chapter.script.id)
        if self._queue:
            self._next()
        else:
            self._stop(cancelled=False)

    def _on_failed(self, chapter: _Chapter, message: str, hint: str) -> None:
        if chapter in self._queue:
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
