"""The studio's side of the engine service: each job as a Qt object whose signals are its own.

:class:`engine.service.EngineService` owns the model on its worker thread. ``EngineHost``
(GUI thread) submits requests to it and hands back an :class:`EngineJob` per request: the
job's events cross to the GUI thread as one queued signal and leave as that job's typed
signals, in order, so a panel connects to the jobs it started and to nothing else. torch is
first imported by the worker, so the window never waits for it.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, Qt, Signal

from engine.service import (  # noqa: F401  (re-exported: the host's API in one import)
    AddVoiceRequest,
    ChunkAudio,
    DevicesFound,
    Done,
    EngineService,
    ExtractRequest,
    Failed,
    GenerateRequest,
    GpuMemory,
    ImportVoicesRequest,
    JobEvent,
    JobHandle,
    LineFailed,
    LineRequest,
    LoadRequest,
    ModelChanged,
    ModelPhase,
    ModelState,
    Progress,
    PromptReady,
    Request,
    SavePromptRequest,
    ServiceEvent,
    Started,
    TakeReady,
    VoicesAdded,
    describe_error,
)

log = logging.getLogger(__name__)

SHUTDOWN_WAIT_MS = 30_000


class EngineJob(QObject):
    """One submitted request's events, as signals on the GUI thread.

    ``started()``, ``progress(Progress)``, ``chunk(index, audio)``, ``take(index, Take)``,
    ``line_failed(index, message, hint)``, ``prompt_ready(items)``, ``voices_added(voices)``,
    then exactly one of ``finished(cancelled)`` or ``failed(message, hint)``.
    """

    started = Signal()
    progress = Signal(object)
    chunk = Signal(int, object)
    take = Signal(int, object)
    line_failed = Signal(int, str, str)
    prompt_ready = Signal(object)
    voices_added = Signal(object)
    finished = Signal(bool)
    failed = Signal(str, str)
    _arrived = Signal(object)  # an event from the worker thread, always queued to this one

    def __init__(self, request: Request) -> None:
        super().__init__()
        self.request = request
        self.handle: JobHandle | None = None
        self.ended = False
        self._arrived.connect(self._deliver, Qt.ConnectionType.QueuedConnection)
        self._signals = {
            Started: lambda e: self.started.emit(),
            Progress: self.progress.emit,
            ChunkAudio: lambda e: self.chunk.emit(e.index, e.audio),
            TakeReady: lambda e: self.take.emit(e.index, e.take),
            LineFailed: lambda e: self.line_failed.emit(e.index, e.message, e.hint),
            PromptReady: lambda e: self.prompt_ready.emit(e.items),
            VoicesAdded: lambda e: self.voices_added.emit(e.voices),
            Done: lambda e: self.finished.emit(e.cancelled),
            Failed: lambda e: self.failed.emit(e.message, e.hint),
        }

    @property
    def id(self) -> int:
        return self.handle.id if self.handle else 0

    def cancel(self) -> None:
        """Ask the job to stop: a render stops within one decode step, finished takes stay."""
        if self.handle is not None:
            self.handle.cancel()

    def _deliver(self, event: JobEvent) -> None:
        self.ended = self.ended or isinstance(event, Done | Failed)
        self._signals[type(event)](event)


class EngineHost(QObject):
    """GUI-thread front of the engine service: submit requests, follow the model's state.

    ``model_state(ModelState)``, ``devices_found(list[(id, label)])`` and
    ``gpu_memory((used, total) | None)`` are the service's news; everything about a job is on
    the :class:`EngineJob` that :meth:`submit` returns.
    """

    model_state = Signal(object)
    devices_found = Signal(object)
    gpu_memory = Signal(object)
    _service_event = Signal(object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.state = ModelState()
        self.devices: list[tuple[str, str]] = []
        self._jobs: list[EngineJob] = []  # submitted and not ended: kept alive until they end
        self._service_event.connect(self._on_service_event, Qt.ConnectionType.QueuedConnection)
        self._service = EngineService(self._service_event.emit)

    def submit(self, request: Request) -> EngineJob:
        """Queue ``request`` (jobs run in submission order); -> its job, to connect to at once."""
        job = EngineJob(request)
        job.finished.connect(lambda _cancelled: self._forget(job))
        job.failed.connect(lambda *_: self._forget(job))
        job.handle = self._service.submit(request, job._arrived.emit)
        self._jobs.append(job)
        return job

    def pending(self) -> list[EngineJob]:
        """Jobs queued or running."""
        return list(self._jobs)

    def _forget(self, job: EngineJob) -> None:
        if job in self._jobs:
            self._jobs.remove(job)

    def _on_service_event(self, event: ServiceEvent) -> None:
        if isinstance(event, ModelChanged):
            self.state = event.state
            self.model_state.emit(event.state)
        elif isinstance(event, DevicesFound):
            self.devices = list(event.devices)
            self.devices_found.emit(self.devices)
        elif isinstance(event, GpuMemory):
            self.gpu_memory.emit(event.used_total)

    # ----- shutdown ------------------------------------------------------------------------
    def is_running(self) -> bool:
        return self._service.running

    def shutdown(self, timeout_ms: int = SHUTDOWN_WAIT_MS) -> bool:
        """Cancel everything, release the model on its thread, end the thread. True when it ended."""
        for job in self._jobs:
            job.cancel()
        ended = self._service.shutdown(timeout_ms / 1000)
        for job in self._jobs:  # what is still on its way finds no one: the window is closing
            job.blockSignals(True)
        return ended
