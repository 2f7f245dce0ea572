"""What travels between the GUI and the engine thread: requests, model state, progress, errors.

Plain frozen dataclasses and numpy arrays only, so they can cross threads safely. Qt-free.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from enum import Enum
from typing import Any

import numpy as np

from engine.errors import TimbreError

from .voices import PromptRef

log = logging.getLogger(__name__)


class ModelPhase(str, Enum):
    NONE = "none"  # no model yet (nothing chosen, or not downloaded)
    LOADING = "loading"
    WARMING = "warming"
    READY = "ready"
    FAILED = "failed"


@dataclass(frozen=True)
class ModelState:
    """Where the model stands; ``message``/``hint`` explain NONE and FAILED to the creator."""

    phase: ModelPhase = ModelPhase.NONE
    source: str = ""
    device: str = ""  # "cuda:0", "cpu"
    dtype: str = ""  # "bf16", "fp16", "fp32"
    progress: float | None = None  # download fraction 0..1 while LOADING, None when unknown
    message: str = ""
    hint: str = ""
    model_name: str = ""  # e.g. "Qwen3-TTS 1.7B"
    sample_rate: int = 0
    languages: tuple[str, ...] = ()
    signature: Any = None  # engine.prompt.ModelSignature of the loaded model (voices' readiness)

    @property
    def ready(self) -> bool:
        return self.phase is ModelPhase.READY

    def summary(self) -> str:
        """One short line for the status bar."""
        if self.phase is ModelPhase.READY:
            return f"{self.model_name} ready on {self.device} {self.dtype}".strip()
        if self.phase is ModelPhase.WARMING:
            return f"Warming up {self.model_name} on {self.device}…"
        if self.phase is ModelPhase.LOADING:
            return self.message or "Loading the model…"
        if self.phase is ModelPhase.FAILED:
            return f"Model failed: {self.message}"
        return self.message or "No model loaded"


# ----- requests ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class LoadRequest:
    """Load ``source`` (a folder or hub id). Without ``allow_download`` only cached models load."""

    source: str
    device: str = "auto"
    dtype: str = "auto"
    allow_download: bool = False


@dataclass(frozen=True)
class ExtractRequest:
    """Extract a voice from ``audio`` (float32 mono) -> ``prompt_ready(job, [item])``."""

    audio: np.ndarray
    sample_rate: int
    transcript: str | None
    x_vector_only: bool


@dataclass(frozen=True)
class SavePromptRequest:
    """Write an extracted prompt item to ``path`` (safetensors) on the engine thread.

    For the voice library: prompt items hold torch tensors, and torch work stays off the GUI
    thread. Ends with ``job_finished`` (or ``job_failed``); the write is atomic.
    """

    item: Any
    path: str


@dataclass(frozen=True)
class AddVoiceRequest:
    """Keep a freshly extracted voice in the library -> ``voices_added(job, [Voice])``.

    Runs ``library.add_prompt`` on the engine thread: it writes the prompt through
    safetensors' torch API. ``reference`` (float32 mono at ``sample_rate``) is the audio the
    prompt was extracted from, kept so the voice can be extracted again for other models.
    """

    library: Any  # engine.library.VoiceLibrary
    item: Any  # engine.prompt.VoiceClonePromptItem
    name: str
    reference: np.ndarray
    sample_rate: int
    language: str
    tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class ImportVoicesRequest:
    """Import an official ``.pt`` voice file (read with torch) -> ``voices_added(job, [Voice])``."""

    library: Any  # engine.library.VoiceLibrary
    path: str


@dataclass(frozen=True)
class LineRequest:
    """One script line to render; the voice and the line travel along for the take's record.

    ``line_id`` is the line's stable id in the projects store (its takes are stored under it),
    ``line_number`` its 1-based place when the render started (for messages).
    """

    text: str
    language: str
    voice_id: str
    voice_name: str
    prompt: PromptRef
    line_number: int
    line_id: str = ""


@dataclass(frozen=True)
class GenerateRequest:
    """A batch of lines rendered together; ``take_ready(job, i, take)`` for ``lines[i]``.

    Every line takes the engine's long-text path (``[pause]`` markup, long lines in chunks).
    With ``preview`` the audio also streams as ``chunk_ready(job, i, audio)`` while it renders.
    A line whose voice cannot be had gets ``line_failed(job, i, message, hint)``; the rest render.
    """

    lines: tuple[LineRequest, ...]
    sampling: dict[str, Any]
    seed: int | tuple[int, ...] | None = None  # one per line, or one for all (line i: seed + i)
    preview: bool = False


@dataclass(frozen=True)
class JobProgress:
    """A generation's progress: the lines still rendering and how many frames they have."""

    running: tuple[int, ...]
    frames: int


# ----- errors in the creator's words -------------------------------------------------------------
def describe_error(error: BaseException) -> tuple[str, str]:
    """(message, hint) for any error a job can meet; unexpected ones are logged in full."""
    if isinstance(error, TimbreError):
        return error.message, error.hint or ""
    name = type(error).__name__
    if name == "OutOfMemoryError" or "out of memory" in str(error).lower():
        return (
            "The GPU ran out of memory.",
            "Render fewer lines at once, lower Max length, or choose the 0.6B model or bfloat16 in "
            "Settings. Nothing was lost.",
        )
    if isinstance(error, MemoryError):
        return "The computer ran out of memory.", "Close other programs or render fewer lines at once."
    log.error("Unexpected engine error", exc_info=error)
    if isinstance(error, OSError):
        return f"A file could not be read or written ({error}).", "Check free disk space and permissions."
    return (
        f"Something went wrong in the engine ({name}: {error}).",
        "Your work is kept; try again. The details are in Timbre's log file.",
    )
