"""The engine thread's side: ``EngineWorker`` owns the model and runs one job at a time.

Created and driven only by :class:`desktop_app.engine_host.EngineHost`. Every slot runs on the
engine thread; results leave as queued signals carrying plain data (numpy copies, dataclasses,
strings), which Qt delivers on the GUI thread. torch is first imported here, while loading.
"""

from __future__ import annotations

import dataclasses
import gc
import logging
import threading
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, QThread, Signal, Slot

from engine.checkpoint import looks_like_repo_id
from engine.errors import GenerationCancelled, ModelNotAvailableError, TimbreError

from .engine_requests import (
    AddVoiceRequest,
    ExtractRequest,
    GenerateRequest,
    ImportVoicesRequest,
    JobProgress,
    LoadRequest,
    ModelPhase,
    ModelState,
    SavePromptRequest,
    describe_error,
)
from .line_render import LineToRender, line_seeds, render_lines
from .prompt_source import PromptSource

log = logging.getLogger(__name__)

PROGRESS_INTERVAL_S = 0.05  # at most 20 progress signals a second: enough for a smooth bar


@dataclass
class Job:
    """A request on its way through the engine thread, with the event that cancels it."""

    id: int
    request: Any
    cancel: threading.Event


class Stop:
    """The last job: release the model on its own thread, then end the thread."""


class EngineWorker(QObject):
    """Owns the model; every slot runs on the engine thread. Create it only through EngineHost."""

    model_state = Signal(object)  # ModelState
    devices_found = Signal(object)  # list[tuple[str, str]]: (device id, label)
    gpu_memory = Signal(object)  # (used_bytes, total_bytes), or None off CUDA
    job_started = Signal(int)
    prompt_ready = Signal(int, object)  # job, list[VoiceClonePromptItem]
    take_ready = Signal(int, int, object)  # job, line index, engine.take.Take
    chunk_ready = Signal(int, int, object)  # job, line index, np.ndarray: the line's next audio
    line_failed = Signal(int, int, str, str)  # job, line index, message, hint
    voices_added = Signal(int, object)  # job, list[engine.library.Voice]
    job_progress = Signal(int, object)  # job, JobProgress
    job_finished = Signal(int, bool)  # job, cancelled
    job_failed = Signal(int, str, str)  # job, message, hint

    def __init__(self) -> None:
        super().__init__()
        self._model: Any = None
        self._state = ModelState()
        self._prompts = PromptSource()
        self._devices_reported = False

    @Slot(object)
    def run(self, job: Job) -> None:
        if isinstance(job.request, Stop):
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
            elif isinstance(job.request, AddVoiceRequest):
                self._add_voice(job)
            elif isinstance(job.request, ImportVoicesRequest):
                self.voices_added.emit(job.id, job.request.library.import_file(job.request.path))
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
        self._prompts.clear()
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
            signature=model.signature,
        )
        self._set_state(state)
        self._warm_up(model)
        self._model = model
        self._set_state(dataclasses.replace(state, phase=ModelPhase.READY))

    @staticmethod
    def _warm_up(model: Any) -> None:
        """One tiny extraction, then the engine's own warm-up, before the model reports ready.

        ``model.warm_up`` captures the CUDA graphs on a GPU and, on the CPU, picks the weight
        layout and thread counts for this machine, so the first real job runs at full speed.
        """
        noise = (0.01 * np.random.default_rng(0).standard_normal(model.sample_rate)).astype(np.float32)
        model.create_voice_clone_prompt((noise, model.sample_rate), x_vector_only_mode=True)
        model.warm_up()

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
    def _extract(self, job: Job) -> None:
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

    # ----- the library -------------------------------------------------------------------
    def _add_voice(self, job: Job) -> None:
        req: AddVoiceRequest = job.request
        voice = req.library.add_prompt(
            req.item,
            name=req.name,
            reference=(np.asarray(req.reference, dtype=np.float32), req.sample_rate),
            tags=req.tags,
            language=req.language,
        )
        self.voices_added.emit(job.id, [voice])

    # ----- generate ------------------------------------------------------------------------
    def _generate(self, job: Job) -> None:
        model = self._require_model()
        req: GenerateRequest = job.request
        seeds = line_seeds(req.seed, len(req.lines))
        todo: list[tuple[int, LineToRender]] = []
        for i, line in enumerate(req.lines):
            try:
                item = self._prompts.item(line.prompt, line.voice_name, model)
            except TimbreError as e:  # this line's voice only: the other lines still render
                self.line_failed.emit(job.id, i, *describe_error(e))
                continue
            todo.append((i, LineToRender(line.text, line.language, item, seeds[i])))
            if job.cancel.is_set():
                raise GenerationCancelled("Generation was cancelled.")
        if not todo:
            return
        index = [i for i, _ in todo]  # render position -> the request's line index
        last_progress = [0.0]

        def on_take(k: int, take: Any) -> None:
            # Copies: the arrays handed to the GUI thread share nothing with the engine's tensors.
            audio = np.array(take.audio, dtype=np.float32, copy=True)
            codes = None if take.codes is None else np.array(take.codes, copy=True)
            take = dataclasses.replace(take, index=index[k], audio=audio, codes=codes)
            self.take_ready.emit(job.id, index[k], take)

        def on_progress(lines: list[int], frames: int) -> None:
            now = time.monotonic()
            if now - last_progress[0] >= PROGRESS_INTERVAL_S:
                last_progress[0] = now
                self.job_progress.emit(job.id, JobProgress(tuple(index[k] for k in lines), frames))

        def on_audio(k: int, audio: np.ndarray) -> None:
            self.chunk_ready.emit(job.id, index[k], np.array(audio, dtype=np.float32, copy=True))

        render_lines(
            model,
            [line for _, line in todo],
            sampling=req.sampling,
            on_take=on_take,
            on_progress=on_progress,
            on_audio=on_audio if req.preview else None,
            should_stop=job.cancel.is_set,
        )


_DTYPE_NAMES = {"torch.bfloat16": "bf16", "torch.float16": "fp16", "torch.float32": "fp32"}


def _device_name(device: Any, torch: Any) -> str:
    if device.type == "cuda":
        return f"cuda:{device.index if device.index is not None else torch.cuda.current_device()}"
    return str(device)
