"""The engine thread: one long-lived QThread owns the model; the GUI talks to it through EngineHost.

``EngineHost`` lives on the GUI thread. It numbers and queues jobs (load a model, extract a
voice, render a batch of lines) for ``EngineWorker``, which lives on the engine thread and runs
them one at a time, in order. Results come back as queued signals carrying plain data: numpy
arrays (copied), dataclasses, strings. torch is first imported by the worker, on the engine
thread, so the window never waits for it.

Cancelling uses a ``threading.Event`` per job that the decode loop polls between frames: a
queued "cancel" signal would only arrive after the job it means to stop. Off the GUI thread
the only Qt use is emitting the worker's signals, which Qt delivers on the GUI thread.
"""

from __future__ import annotations

import dataclasses
import gc
import itertools
import logging
import threading
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, QThread, Signal, Slot

from engine.checkpoint import looks_like_repo_id
from engine.errors import GenerationCancelled, InputError, ModelNotAvailableError, TimbreError

from .engine_requests import (  # noqa: F401  (re-exported: the host's API in one import)
    ExtractRequest,
    GenerateRequest,
    JobProgress,
    LineRequest,
    LoadRequest,
    ModelPhase,
    ModelState,
    SavePromptRequest,
    describe_error,
)
from .voices import PromptRef

log = logging.getLogger(__name__)

PROGRESS_INTERVAL_S = 0.05  # at most 20 progress signals a second: enough for a smooth bar
SHUTDOWN_WAIT_MS = 30_000


@dataclass
class _Job:
    id: int
    request: Any
    cancel: threading.Event


class _Stop:
    """The last job: release the model on its own thread, then end the thread."""


# ----- the engine thread -------------------------------------------------------------------------
class EngineWorker(QObject):
    """Owns the model; every slot runs on the engine thread. Create it only through EngineHost."""

    model_state = Signal(object)  # ModelState
    devices_found = Signal(object)  # list[tuple[str, str]]: (device id, label)
    gpu_memory = Signal(object)  # (used_bytes, total_bytes), or None off CUDA
    job_started = Signal(int)
    prompt_ready = Signal(int, object)  # job, list[VoiceClonePromptItem]
    take_ready = Signal(int, int, object)  # job, line index, engine.take.Take
    job_progress = Signal(int, object)  # job, JobProgress
    job_finished = Signal(int, bool)  # job, cancelled
    job_failed = Signal(int, str, str)  # job, message, hint

    def __init__(self) -> None:
        super().__init__()
        self._model: Any = None
        self._state = ModelState()
        self._prompt_files: dict[tuple[str, int], Any] = {}  # (path, mtime_ns) -> prompt item
        self._devices_reported = False

    @Slot(object)
    def run(self, job: _Job) -> None:
        if isinstance(job.request, _Stop):
            self._release_model()
            QThread.currentThread().quit()
            return
        if job.cancel.is_set():
            self.job_finished.emit(job.id, True)
            return
        self.job_started.emit(job.id)
        try:
            if isinstance(job.request, LoadRequest):
                self._load(job.request)
            elif isinstance(job.request, ExtractRequest):
                self._extract(job)
            elif isinstance(job.request, SavePromptRequest):
                job.request.item.save(job.request.path)
            else:
                self._generate(job)
        except GenerationCancelled:
            self.job_finished.emit(job.id, True)
        except BaseException as e:  # noqa: BLE001 - every failure goes back to the GUI, none kills the thread
            message, hint = describe_error(e)
            if isinstance(job.request, LoadRequest):
                self._set_state(
                    ModelState(ModelPhase.FAILED, source=job.request.source, message=message, hint=hint)
                )
            self.job_failed.emit(job.id, message, hint)
        else:
            self.job_finished.emit(job.id, False)
        finally:
            self._report_memory()

    # ----- load ----------------------------------------------------------------------------
    def _set_state(self, state: ModelState) -> None:
        self._state = state
        self.model_state.emit(state)

    def _release_model(self) -> None:
        if self._model is None:
            return
        on_cuda = str(self._model.device).startswith("cuda")
        self._model = None
        self._prompt_files.clear()
        gc.collect()
        if on_cuda:
            import torch

            torch.cuda.empty_cache()

    def _load(self, req: LoadRequest) -> None:
        self._release_model()
        source = req.source.strip()
        self._set_state(ModelState(ModelPhase.LOADING, source=source, message=f"Loading {source}…"))
        import torch  # first import of torch in the process: on this thread, never the GUI's

        from engine import Qwen3TTSModel

        self._report_devices(torch)

        def on_download(done: int, total: int) -> None:
            gb = 1024**3
            of = f" of {total / gb:.1f} GB" if total else ""
            self.model_state.emit(
                ModelState(
                    ModelPhase.LOADING,
                    source=source,
                    progress=(done / total) if total else None,
                    message=f"Downloading {source}: {done / gb:.1f}{of}",
                )
            )

        try:
            model = Qwen3TTSModel.from_pretrained(
                source,
                device=req.device,
                dtype=req.dtype,
                progress=on_download,
                local_files_only=None if req.allow_download else True,
            )
        except ModelNotAvailableError:
            if req.allow_download or not looks_like_repo_id(source):
                raise
            # Not downloaded yet, and nobody asked for a multi-GB download: say so and wait.
            self._set_state(
                ModelState(
                    ModelPhase.NONE,
                    source=source,
                    message=f"No model yet: {source} is not downloaded.",
                    hint="Click Download model to fetch it once (several GB), or choose a model "
                    "folder in Settings > Model.",
                )
            )
            return
        state = ModelState(
            ModelPhase.WARMING,
            source=source,
            device=_device_name(model.device, torch),
            dtype=_DTYPE_NAMES.get(str(model.dtype), str(model.dtype)),
            model_name=model.signature.describe().split(" (")[0],
            sample_rate=model.sample_rate,
            languages=tuple(model.get_supported_languages()),
        )
        self._set_state(state)
        self._warm_up(model)
        self._model = model
        self._set_state(dataclasses.replace(state, phase=ModelPhase.READY))

    @staticmethod
    def _warm_up(model: Any) -> None:
        """One tiny extraction and three frames, so the first real job does not pay for setup."""
        noise = (0.01 * np.random.default_rng(0).standard_normal(model.sample_rate)).astype(np.float32)
        items = model.create_voice_clone_prompt((noise, model.sample_rate), x_vector_only_mode=True)
        model.generate_takes(["Warm up."], voice_clone_prompt=items, max_new_tokens=3, seed=0)

    def _report_devices(self, torch: Any) -> None:
        if self._devices_reported:
            return
        self._devices_reported = True
        found = [("cpu", "CPU")]
        if torch.cuda.is_available():
            for i in range(torch.cuda.device_count()):
                props = torch.cuda.get_device_properties(i)
                found.append(
                    (f"cuda:{i}", f"cuda:{i} · {props.name} ({props.total_memory / 1024**3:.0f} GB)")
                )
        self.devices_found.emit(found)

    def _report_memory(self) -> None:
        model = self._model
        if model is None or not str(model.device).startswith("cuda"):
            self.gpu_memory.emit(None)
            return
        import torch

        free, total = torch.cuda.mem_get_info(model.device)
        self.gpu_memory.emit((int(total - free), int(total)))

    def _require_model(self) -> Any:
        if self._model is None:
            raise TimbreError(
                "No model is loaded yet.",
                self._state.hint
                or "Wait for the model to finish loading, or choose one in Settings > Model.",
            )
        return self._model

    # ----- extract -------------------------------------------------------------------------
    def _extract(self, job: _Job) -> None:
        model = self._require_model()
        req: ExtractRequest = job.request
        items = model.create_voice_clone_prompt(
            (np.asarray(req.audio, dtype=np.float32), req.sample_rate),
            ref_text=req.transcript,
            x_vector_only_mode=req.x_vector_only,
        )
        if job.cancel.is_set():
            raise GenerationCancelled("Extraction was cancelled.")
        self.prompt_ready.emit(job.id, items)

    # ----- generate ------------------------------------------------------------------------
    def _prompt_item(self, ref: PromptRef, name: str) -> Any:
        if ref.item is not None:
            return ref.item
        if ref.path:
            from pathlib import Path

            from engine.prompt import VoiceClonePromptItem

            path = Path(ref.path)
            try:
                key = (str(path), path.stat().st_mtime_ns)
            except OSError:
                raise InputError(f"The voice {name!r} has lost its prompt file ({path}).") from None
            if key not in self._prompt_files:
                self._prompt_files[key] = VoiceClonePromptItem.load(path)
            return self._prompt_files[key]
        raise InputError(f"The voice {name!r} is not available.", "Pick another voice for this line.")

    def _generate(self, job: _Job) -> None:
        model = self._require_model()
        req: GenerateRequest = job.request
        items = [self._prompt_item(line.prompt, line.voice_name) for line in req.lines]
        last_progress = [0.0]

        def on_take(take: Any) -> None:
            # Copies: the arrays handed to the GUI thread share nothing with the engine's tensors.
            audio = np.array(take.audio, dtype=np.float32, copy=True)
            codes = None if take.codes is None else np.array(take.codes, copy=True)
            self.take_ready.emit(job.id, take.index, dataclasses.replace(take, audio=audio, codes=codes))

        def on_progress(rows: list[int], frames: int) -> None:
            now = time.monotonic()
            if now - last_progress[0] >= PROGRESS_INTERVAL_S:
                last_progress[0] = now
                self.job_progress.emit(job.id, JobProgress(tuple(rows), frames))

        model.generate_takes(
            [line.text for line in req.lines],
            language=[line.language for line in req.lines],
            voice_clone_prompt=items,
            seed=list(req.seed) if isinstance(req.seed, tuple) else req.seed,
            on_take=on_take,
            on_progress=on_progress,
            should_stop=job.cancel.is_set,
            **req.sampling,
        )


_DTYPE_NAMES = {"torch.bfloat16": "bf16", "torch.float16": "fp16", "torch.float32": "fp32"}


def _device_name(device: Any, torch: Any) -> str:
    if device.type == "cuda":
        return f"cuda:{device.index if device.index is not None else torch.cuda.current_device()}"
    return str(device)


# ----- the GUI side ------------------------------------------------------------------------------
class EngineHost(QObject):
    """GUI-thread front of the engine thread: submit jobs, cancel them, receive typed results.

    Signals (all delivered on the GUI thread):
      ``model_state(ModelState)``, ``devices_found(list[(id, label)])``,
      ``gpu_memory((used, total) | None)``, ``job_started(job)``,
      ``prompt_ready(job, list[VoiceClonePromptItem])``, ``take_ready(job, index, Take)``,
      ``job_progress(job, JobProgress)``, ``job_finished(job, cancelled)``,
      ``job_failed(job, message, hint)``. Every job ends with exactly one of the last two.

    Jobs: :meth:`load_model`, :meth:`extract`, :meth:`save_prompt`, :meth:`generate`; each
    returns its job id at once and runs in submission order on the engine thread.
    """

    model_state = Signal(object)
    devices_found = Signal(object)
    gpu_memory = Signal(object)
    job_started = Signal(int)
    prompt_ready = Signal(int, object)
    take_ready = Signal(int, int, object)
    job_progress = Signal(int, object)
    job_finished = Signal(int, bool)
    job_failed = Signal(int, str, str)
    _submit = Signal(object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.state = ModelState()
        self.devices: list[tuple[str, str]] = []
        self._ids = itertools.count(1)
        self._jobs: dict[int, _Job] = {}
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

    def generate(self, request: GenerateRequest) -> int:
        if not request.lines:
            raise ValueError("A generation needs at least one line")
        return self._queue(request)

    def _queue(self, request: Any) -> int:
        if not self._thread.isRunning():
            raise RuntimeError("The engine thread has been shut down")
        job = _Job(next(self._ids), request, threading.Event())
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
        self._submit.emit(_Job(0, _Stop(), threading.Event()))
        ended = self._thread.wait(timeout_ms)
        if not ended:
            log.error("The engine thread did not end within %d ms", timeout_ms)
        return bool(ended)
