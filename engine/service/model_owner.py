"""The model and the work done with it: load and warm up, extract, keep voices, render lines.

Runs only on the service's worker thread (:mod:`engine.service.service`), one job at a time;
torch is first imported here, while loading. Results leave as events on each job's handle.
"""

from __future__ import annotations

import dataclasses
import gc
import logging
import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..checkpoint import looks_like_repo_id
from ..errors import GenerationCancelled, ModelNotAvailableError, TimbreError
from .events import (
    ChunkAudio,
    DevicesFound,
    Done,
    GpuMemory,
    LineFailed,
    ModelChanged,
    Progress,
    PromptReady,
    ServiceEvent,
    TakeReady,
    VoicesAdded,
)
from .handle import JobHandle
from .line_render import LineToRender, line_seeds, render_lines
from .prompt_source import PromptSource
from .requests import (
    AddVoiceRequest,
    ExtractRequest,
    GenerateRequest,
    ImportVoicesRequest,
    LoadRequest,
    ModelPhase,
    ModelState,
    SavePromptRequest,
    describe_error,
)

log = logging.getLogger(__name__)

PROGRESS_INTERVAL_S = 0.05  # at most 20 progress events a second: enough for a smooth bar
_DTYPE_NAMES = {"torch.bfloat16": "bf16", "torch.float16": "fp16", "torch.float32": "fp32"}


class ModelOwner:
    """Owns the loaded model (worker thread only); ``notify`` gets the service-wide events."""

    def __init__(self, notify: Callable[[ServiceEvent], None]) -> None:
        self._notify = notify
        self._model: Any = None  # engine.Qwen3TTSModel, imported with torch on first load
        self.state = ModelState()
        self._prompts = PromptSource()
        self._devices_reported = False

    # ----- the model's life -------------------------------------------------------------------
    def set_state(self, state: ModelState) -> None:
        self.state = state
        self._notify(ModelChanged(state))

    def release(self) -> None:
        if self._model is None:
            return
        on_cuda = str(self._model.device).startswith("cuda")
        self._model = None
        self._prompts.clear()
        gc.collect()
        if on_cuda:
            import torch

            torch.cuda.empty_cache()

    def load(self, job: JobHandle, req: LoadRequest) -> None:
        self.release()
        source = req.source.strip()
        self.set_state(ModelState(ModelPhase.LOADING, source=source, message=f"Loading {source}…"))
        import torch  # first import of torch in the process: on this thread, never a GUI's

        from .. import Qwen3TTSModel

        self._report_devices(torch)
        try:
            model = Qwen3TTSModel.from_pretrained(
                source,
                device=req.device,
                dtype=req.dtype,
                progress=lambda done, total: self._notify(ModelChanged(_downloading(source, done, total))),
                local_files_only=None if req.allow_download else True,
            )
        except ModelNotAvailableError:
            if req.allow_download or not looks_like_repo_id(source):
                raise
            # Not downloaded yet, and nobody asked for a multi-GB download: say so and wait.
            self.set_state(
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
        self.set_state(state)
        _warm_up(model)
        self._model = model
        self.set_state(dataclasses.replace(state, phase=ModelPhase.READY))

    def load_failed(self, req: LoadRequest, message: str, hint: str) -> None:
        self.set_state(ModelState(ModelPhase.FAILED, source=req.source, message=message, hint=hint))

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
        self._notify(DevicesFound(found))

    def report_memory(self) -> None:
        model = self._model
        if model is None or not str(model.device).startswith("cuda"):
            self._notify(GpuMemory(None))
            return
        import torch

        free, total = torch.cuda.mem_get_info(model.device)
        self._notify(GpuMemory((int(total - free), int(total))))

    def _require_model(self) -> Any:
        if self._model is None:
            raise TimbreError(
                "No model is loaded yet.",
                self.state.hint or "Wait for the model to finish loading, or choose one in Settings > Model.",
            )
        return self._model

    # ----- voices ----------------------------------------------------------------------------
    def extract(self, job: JobHandle, req: ExtractRequest) -> None:
        items = self._require_model().create_voice_clone_prompt(
            (np.asarray(req.audio, dtype=np.float32), req.sample_rate),
            ref_text=req.transcript,
            x_vector_only_mode=req.x_vector_only,
        )
        if job.cancel_requested:
            raise GenerationCancelled("Extraction was cancelled.")
        job.emit(PromptReady(items))

    def save_prompt(self, job: JobHandle, req: SavePromptRequest) -> None:
        req.item.save(req.path)

    def add_voice(self, job: JobHandle, req: AddVoiceRequest) -> None:
        voice = req.library.add_prompt(
            req.item,
            name=req.name,
            reference=(np.asarray(req.reference, dtype=np.float32), req.sample_rate),
            tags=req.tags,
            language=req.language,
        )
        job.emit(VoicesAdded([voice]))

    def import_voices(self, job: JobHandle, req: ImportVoicesRequest) -> None:
        job.emit(VoicesAdded(req.library.import_file(req.path)))

    # ----- rendering -------------------------------------------------------------------------
    def render(self, jobs: Sequence[JobHandle]) -> None:
        """Render the lines of every job in ``jobs`` as one batch (they share its sampling).

        A job cancelled meanwhile ends at once (its finished takes were delivered); the batch
        stops when every job in it is cancelled. Each job's own end is left to the caller.
        """
        model = self._require_model()
        first: GenerateRequest = jobs[0].request  # type: ignore[assignment]
        todo: list[tuple[JobHandle, int, LineToRender]] = []
        for job in jobs:
            req: GenerateRequest = job.request  # type: ignore[assignment]
            seeds = line_seeds(req.seed, len(req.lines))
            for i, line in enumerate(req.lines):
                try:
                    item = self._prompts.item(line.prompt, line.voice_name, model)
                except TimbreError as e:  # this line's voice only: the other lines still render
                    job.emit(LineFailed(i, *describe_error(e)))
                    continue
                todo.append((job, i, LineToRender(line.text, line.language, item, seeds[i])))
        if not todo:
            return
        last_progress = [0.0]

        def on_take(k: int, take: Any) -> None:
            job, i, _ = todo[k]
            # Copies: the arrays handed to another thread share nothing with the engine's tensors.
            codes = None if take.codes is None else np.array(take.codes, copy=True)
            audio = np.array(take.audio, dtype=np.float32, copy=True)
            job.emit(TakeReady(i, dataclasses.replace(take, index=i, audio=audio, codes=codes)))

        def on_progress(rows: list[int], frames: int) -> None:
            now = time.monotonic()
            if now - last_progress[0] < PROGRESS_INTERVAL_S:
                return
            last_progress[0] = now
            for job in jobs:
                running = tuple(todo[k][1] for k in rows if todo[k][0] is job)
                if running:
                    job.emit(Progress(running, frames))

        def on_audio(k: int, audio: np.ndarray) -> None:
            job, i, _ = todo[k]
            job.emit(ChunkAudio(i, np.array(audio, dtype=np.float32, copy=True)))

        def should_stop() -> bool:
            for job in jobs:
                if job.cancel_requested and not job.ended:
                    job.emit(Done(cancelled=True))
            return all(job.ended for job in jobs)

        render_lines(
            model,
            [line for _, _, line in todo],
            sampling=dict(first.sampling),
            on_take=on_take,
            on_progress=on_progress,
            on_audio=on_audio if first.preview else None,
            should_stop=should_stop,
        )


def _warm_up(model: Any) -> None:
    """One tiny extraction, then the engine's own warm-up, before the model reports ready.

    ``model.warm_up`` captures the CUDA graphs on a GPU and, on the CPU, picks the weight
    layout and thread counts for this machine, so the first real job runs at full speed.
    """
    noise = (0.01 * np.random.default_rng(0).standard_normal(model.sample_rate)).astype(np.float32)
    model.create_voice_clone_prompt((noise, model.sample_rate), x_vector_only_mode=True)
    model.warm_up()


def _downloading(source: str, done: int, total: int) -> ModelState:
    gb = 1024**3
    of = f" of {total / gb:.1f} GB" if total else ""
    return ModelState(
        ModelPhase.LOADING,
        source=source,
        progress=(done / total) if total else None,
        message=f"Downloading {source}: {done / gb:.1f}{of}",
    )


def _device_name(device: Any, torch: Any) -> str:
    if device.type == "cuda":
        return f"cuda:{device.index if device.index is not None else torch.cuda.current_device()}"
    return str(device)
