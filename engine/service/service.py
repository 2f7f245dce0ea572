"""The engine service: one worker thread owns the model; front ends submit requests from any thread.

``submit(request)`` returns a :class:`~.handle.JobHandle` at once; the worker runs jobs in
submission order, one at a time, and each job's events go to its handle alone. Render
requests waiting together whose sampling and preview agree are taken up as one batch (the
decode loop is as fast for eight rows as for one on a GPU). Qt-free: the studio wraps handles
in Qt objects (:mod:`desktop_app.engine_host`); ``timbre-cli`` reads them directly.
"""

from __future__ import annotations

import itertools
import logging
import threading
from collections import deque
from collections.abc import Callable

from ..errors import GenerationCancelled
from .events import Done, Failed, ServiceEvent, Started
from .handle import JobHandle, Listener
from .model_owner import ModelOwner
from .requests import (
    AddVoiceRequest,
    ExtractRequest,
    GenerateRequest,
    ImportVoicesRequest,
    LoadRequest,
    ModelState,
    Request,
    SavePromptRequest,
    describe_error,
)

log = logging.getLogger(__name__)


class EngineService:
    """Owner of the model for every front end. ``on_event`` gets service-wide events (worker thread)."""

    def __init__(self, on_event: Callable[[ServiceEvent], None] | None = None) -> None:
        self._owner = ModelOwner(on_event or (lambda _event: None))
        self._ids = itertools.count(1)
        self._queue: deque[JobHandle] = deque()
        self._wake = threading.Condition()
        self._stopping = False
        self._current: list[JobHandle] = []  # the jobs the worker is running
        self._run = {
            LoadRequest: self._owner.load,
            ExtractRequest: self._owner.extract,
            SavePromptRequest: self._owner.save_prompt,
            AddVoiceRequest: self._owner.add_voice,
            ImportVoicesRequest: self._owner.import_voices,
        }
        self._thread = threading.Thread(target=self._work, name="timbre-engine", daemon=True)
        self._thread.start()

    @property
    def running(self) -> bool:
        """The worker thread is there to take jobs (until :meth:`shutdown`)."""
        return self._thread.is_alive() and not self._stopping

    @property
    def state(self) -> ModelState:
        """The model's latest state (as the last :class:`~.events.ModelChanged` said)."""
        return self._owner.state

    def submit(self, request: Request, on_event: Listener | None = None) -> JobHandle:
        """Queue ``request``; -> its handle. ``on_event`` (worker thread) gets its events, else
        the handle queues them for :meth:`JobHandle.events`.
        """
        if type(request) not in self._run and not isinstance(request, GenerateRequest):
            raise TypeError(f"Not an engine request: {type(request).__name__}")
        if isinstance(request, GenerateRequest) and not request.lines:
            raise ValueError("A render needs at least one line")
        job = JobHandle(next(self._ids), request, on_event)
        with self._wake:
            if self._stopping or not self._thread.is_alive():
                raise RuntimeError("The engine service has been shut down")
            self._queue.append(job)
            self._wake.notify()
        return job

    def shutdown(self, timeout_s: float = 30.0) -> bool:
        """Cancel every job, release the model on its thread, end the thread. True when it ended."""
        with self._wake:
            self._stopping = True
            for job in [*self._queue, *self._current]:
                job.cancel()
            self._wake.notify()
        self._thread.join(timeout_s)
        if self._thread.is_alive():
            log.error("The engine thread did not end within %.0f s", timeout_s)
            return False
        return True

    # ----- the worker thread ----------------------------------------------------------------
    def _work(self) -> None:
        while True:
            with self._wake:
                while not self._queue and not self._stopping:
                    self._wake.wait()
                if self._stopping and not self._queue:
                    break
                jobs = self._current = self._take_batch()
            self._run_jobs(jobs)
            with self._wake:
                self._current = []
        self._owner.release()

    def _take_batch(self) -> list[JobHandle]:
        """The next job, and with a render every queued render that can share its batch."""
        first = self._queue.popleft()
        if not isinstance(first.request, GenerateRequest):
            return [first]
        key = _batch_key(first.request)
        batch = [first]
        for job in list(self._queue):
            if isinstance(job.request, GenerateRequest) and _batch_key(job.request) == key:
                self._queue.remove(job)
                batch.append(job)
        return batch

    def _run_jobs(self, jobs: list[JobHandle]) -> None:
        live = []
        for job in jobs:
            if job.cancel_requested:
                job.emit(Done(cancelled=True))
            else:
                job.emit(Started())
                live.append(job)
        if not live:
            return
        request = live[0].request
        try:
            if isinstance(request, GenerateRequest):
                self._owner.render(live)
            else:
                self._run[type(request)](live[0], request)
        except GenerationCancelled:
            for job in live:
                job.emit(Done(cancelled=True))
        except BaseException as e:  # noqa: BLE001 - every failure goes to its jobs, none ends the thread
            message, hint = describe_error(e)
            if isinstance(request, LoadRequest):
                self._owner.load_failed(request, message, hint)
            for job in live:
                job.emit(Failed(message, hint))
        else:
            for job in live:
                job.emit(Done(cancelled=job.cancel_requested))
        finally:
            self._owner.report_memory()


def _batch_key(request: GenerateRequest) -> tuple:
    return (tuple(sorted(request.sampling.items())), request.preview)
