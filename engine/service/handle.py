"""A job's handle: its own events, ``cancel()``, and its outcome, from any thread."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator

from ..errors import TimbreError
from .events import Done, Failed, JobEvent
from .requests import Request

Listener = Callable[[JobEvent], None]


class JobFailed(TimbreError):
    """A job's :class:`~.events.Failed` event, raised by :meth:`JobHandle.wait`."""


class JobHandle:
    """One submitted request. Events go to its listener (called on the worker thread) when it
    was given one, else into a queue that :meth:`events` reads on the front end's thread.
    """

    def __init__(self, job_id: int, request: Request, listener: Listener | None) -> None:
        self.id, self.request = job_id, request
        self._listener = listener
        self._queue: queue.SimpleQueue[JobEvent] | None = None if listener else queue.SimpleQueue()
        self._cancel = threading.Event()
        self._ended = threading.Event()
        self.outcome: Done | Failed | None = None

    def cancel(self) -> None:
        """Ask the job to stop: a queued job never starts, a render stops within one frame."""
        self._cancel.set()

    @property
    def cancel_requested(self) -> bool:
        return self._cancel.is_set()

    @property
    def ended(self) -> bool:
        return self._ended.is_set()

    def events(self, timeout: float | None = None) -> Iterator[JobEvent]:
        """This job's events as they come, up to and including its end (handles without a listener).

        Raises ``queue.Empty`` when nothing arrives for ``timeout`` seconds.
        """
        if self._queue is None:
            raise RuntimeError("This job's events go to its listener.")
        while True:
            event = self._queue.get(timeout=timeout)
            yield event
            if isinstance(event, Done | Failed):
                return

    def wait(self, timeout: float | None = None) -> Done:
        """Block until the job ends; -> its :class:`Done`, or raise :class:`JobFailed`."""
        if not self._ended.wait(timeout):
            raise TimeoutError(f"Job {self.id} did not end within {timeout} s.")
        if isinstance(self.outcome, Failed):
            raise JobFailed(self.outcome.message, self.outcome.hint or None)
        assert isinstance(self.outcome, Done)
        return self.outcome

    def emit(self, event: JobEvent) -> None:
        """Deliver ``event`` (the service's worker calls this; the last one is the end)."""
        if self._ended.is_set():
            return  # e.g. a render's late take after its front end cancelled and was told so
        if isinstance(event, Done | Failed):
            self.outcome = event
        if self._listener is not None:
            self._listener(event)
        else:
            assert self._queue is not None
            self._queue.put(event)
        if isinstance(event, Done | Failed):
            self._ended.set()
