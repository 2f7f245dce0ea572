"""The engine thread: one long-lived QThread owns the model; the GUI talks to it through EngineHost.

``EngineHost`` lives on the GUI thread. It numbers and queues jobs (load a model, extract a
voice, keep it in the library, render a batch of lines) for ``EngineWorker``
(:mod:`desktop_app.engine_worker`), which lives on the engine thread and runs them one at a
time, in order. Results come back as queued signals carrying plain data: numpy
arrays (copied), dataclasses, strings. torch is first imported by the worker, on the engine
thread, so the window never waits for it.

Cancelling uses a ``threading.Event`` per job that the decode loop polls between frames: a
queued "cancel" signal would only arrive after the job it means to stop. Off the GUI thread
the only Qt use is emitting the worker's signals, which Qt delivers on the GUI thread.
"""

from __future__ import annotations

import itertools
import logging
import threading
from typing import Any

from PySide6.QtCore import QObject, QThread, Signal

from .engine_requests import (  # noqa: F401  (re-exported: the host's API in one import)
    AddVoiceRequest,
    ExtractRequest,
    GenerateRequest,
    ImportVoicesRequest,
    JobProgress,
    LineRequest,
    LoadRequest,
    ModelPhase,
    ModelState,
    SavePromptRequest,
    describe_error,
)
from .engine_worker import EngineWorker, Job, Stop

log = logging.getLogger(__name__)

SHUTDOWN_WAIT_MS = 30_000


# ----- the GUI side ------------------------------------------------------------------------------
class EngineHost(QObject):
    """GUI-thread front of the engine thread: submit jobs, cancel them, receive typed results.

    Signals (all delivered on the GUI thread):
      ``model_state(ModelState)``, ``devices_found(list[(id, label)])``,
      ``gpu_memory((used, total) | None)``, ``job_started(job)``,
      ``prompt_ready(job, list[VoiceClonePromptItem])``, ``take_ready(job, index, Take)``,
      ``chunk_ready(job, index, np.ndarray)`` (a generation's next audio of line ``index``,
      when its request asked for a preview), ``line_failed(job, index, message, hint)``,
      ``voices_added(job, list[Voice])``, ``job_progress(job, JobProgress)``,
      ``job_finished(job, cancelled)``, ``job_failed(job, message, hint)``. Every job ends with
      exactly one of the last two.

    Jobs: :meth:`load_model`, :meth:`extract`, :meth:`save_prompt`, :meth:`add_voice`,
    :meth:`import_voices`, :meth:`generate`; each returns its job id at once and runs in
    submission order on the engine thread.
    """

    model_state = Signal(object)
    devices_found = Signal(object)
    gpu_memory = Signal(object)
    job_started = Signal(int)
    prompt_ready = Signal(int, object)
    take_ready = Signal(int, int, object)
    chunk_ready = Signal(int, int, object)
    line_failed = Signal(int, int, str, str)
    voices_added = Signal(int, object)
    job_progress = Signal(int, object)
    job_finished = Signal(int, bool)
    job_failed = Signal(int, str, str)
    _submit = Signal(object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.state = ModelState()
        self.devices: list[tuple[str, str]] = []
        self._ids = itertools.count(1)
        self._jobs: dict[int, Job] = {}
        self._thread = QThread()
        self._thread.setObjectName("timbre-engine")
        self._worker = EngineWorker()
        self._worker.moveToThread(self._thread)
        self._thread.finished.connect(self._worker.deleteLater)
        self._submit.connect(self._worker.run)
        w = self._worker
        w.model_state.connect(self._on_model_state)
        w.devices_found.connect(self._on_devices)
        w.gpu_memory.connect(self.gpu_memory)
        w.job_started.connect(self.job_started)
        w.prompt_ready.connect(self.prompt_ready)
        w.take_ready.connect(self.take_ready)
        w.chunk_ready.connect(self.chunk_ready)
        w.line_failed.connect(self.line_failed)
        w.voices_added.connect(self.voices_added)
        w.job_progress.connect(self.job_progress)
        w.job_finished.connect(self._on_finished)
        w.job_failed.connect(self._on_failed)
        self._thread.start()

    # ----- submitting ----------------------------------------------------------------------
    def load_model(self, request: LoadRequest) -> int:
        """Load (or reload) a model; progress and the outcome arrive as ``model_state``."""
        return self._queue(request)

    def extract(self, request: ExtractRequest) -> int:
        return self._queue(request)

    def save_prompt(self, request: SavePromptRequest) -> int:
        """Write a prompt item to disk on the engine thread (torch stays off the GUI thread)."""
        return self._queue(request)

    def add_voice(self, request: AddVoiceRequest) -> int:
        """Keep an extracted voice in the library (its prompt file is written with torch)."""
        return self._queue(request)

    def import_voices(self, request: ImportVoicesRequest) -> int:
        """Import an official ``.pt`` voice file into the library (read with torch)."""
        return self._queue(request)

    def generate(self, request: GenerateRequest) -> int:
        if not request.lines:
            raise ValueError("A generation needs at least one line")
        return self._queue(request)

    def _queue(self, request: Any) -> int:
        if not self._thread.isRunning():
            raise RuntimeError("The engine thread has been shut down")
        job = Job(next(self._ids), request, threading.Event())
        self._jobs[job.id] = job
        self._submit.emit(job)
        return job.id

    def cancel(self, job_id: int) -> None:
        """Ask a job to stop: a running generation stops within one decode step."""
        job = self._jobs.get(job_id)
        if job is not None:
            job.cancel.set()

    def request(self, job_id: int) -> Any:
        """The request of a job not yet finished (valid inside its signals' handlers)."""
        job = self._jobs.get(job_id)
        return job.request if job else None

    def pending(self) -> list[int]:
        """Jobs queued or running."""
        return list(self._jobs)

    # ----- results -------------------------------------------------------------------------
    def _on_model_state(self, state: ModelState) -> None:
        self.state = state
        self.model_state.emit(state)

    def _on_devices(self, devices: list[tuple[str, str]]) -> None:
        self.devices = list(devices)
        self.devices_found.emit(self.devices)

    def _on_finished(self, job_id: int, cancelled: bool) -> None:
        self.job_finished.emit(job_id, cancelled)
        self._jobs.pop(job_id, None)

    def _on_failed(self, job_id: int, message: str, hint: str) -> None:
        self.job_failed.emit(job_id, message, hint)
        self._jobs.pop(job_id, None)

    # ----- shutdown ------------------------------------------------------------------------
    def is_running(self) -> bool:
        return self._thread.isRunning()

    def shutdown(self, timeout_ms: int = SHUTDOWN_WAIT_MS) -> bool:
        """Cancel everything, release the model on its thread, end the thread. True when it ended."""
        if not self._thread.isRunning():
            return True
        for job in self._jobs.values():
            job.cancel.set()
        self._submit.emit(Job(0, Stop(), threading.Event()))
        ended = self._thread.wait(timeout_ms)
        if not ended:
            log.error("The engine thread did not end within %d ms", timeout_ms)
        return bool(ended)
