"""What front ends ask of the engine service: typed requests, the model's state, errors in words.

Frozen dataclasses carrying numpy arrays, strings and the engine's own objects (prompt items,
the voice library, which lock themselves), so they cross from a front end's thread to the
service's worker thread safely. Qt-free; torch is not imported here.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING

import numpy as np

from ..errors import TimbreError

if TYPE_CHECKING:
    from ..library import VoiceLibrary
    from ..prompt import ModelSignature, VoiceClonePromptItem

Sampling = Mapping[str, "float | int | bool"]  # generate_voice_clone's sampling keywords

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
    signature: ModelSignature | None = None  # of the loaded model (voices' readiness)

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
    """Load ``source`` (a folder or hub id) -> model states, then the ready one.

    Without ``allow_download`` only cached models load.
    """

    source: str
    device: str = "auto"
    dtype: str = "auto"
    allow_download: bool = False


@dataclass(frozen=True)
class ExtractRequest:
    """Extract a voice from ``audio`` (float32 mono) -> a :class:`~.events.PromptReady` event."""

    audio: np.ndarray
    sample_rate: int
    transcript: str | None
    x_vector_only: bool


@dataclass(frozen=True)
class SavePromptRequest:
    """Write an extracted prompt item to ``path`` (safetensors) on the engine thread.

    For the voice library: prompt items hold torch tensors, and torch work stays off the GUI
    thread. The write is atomic.
    """

    item: VoiceClonePromptItem
    path: str


@dataclass(frozen=True)
class AddVoiceRequest:
    """Keep a freshly extracted voice in the library -> a :class:`~.events.VoicesAdded` event.

    Runs ``library.add_prompt`` on the engine thread: it writes the prompt through
    safetensors' torch API. ``reference`` (float32 mono at ``sample_rate``) is the audio the
    prompt was extracted from, kept so the voice can be extracted again for other models.
    """

    library: VoiceLibrary
    item: VoiceClonePromptItem
    name: str
    reference: np.ndarray
    sample_rate: int
    language: str
    tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class ImportVoicesRequest:
    """Import an official ``.pt`` voice file (read with torch) -> a :class:`~.events.VoicesAdded` event."""

    library: VoiceLibrary
    path: str


@dataclass(frozen=True)
class PromptRef:
    """Where the service finds a voice's prompt: the library, the item itself, or a file.

    ``library`` holds ``voice_id`` (the service calls ``library.prompt_for``, which extracts the
    voice again for another model); ``item`` is a prompt item already on the CPU; ``path`` a
    prompt saved with ``VoiceClonePromptItem.save``. Exactly one of them is set.
    """

    voice_id: str
    item: VoiceClonePromptItem | None = None
    path: str | None = None
    library: VoiceLibrary | None = None


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
    """A batch of lines rendered together -> a :class:`~.events.TakeReady` for each ``lines[i]``.

    Every line takes the engine's long-text path (``[pause]`` markup, long lines in chunks).
    With ``preview`` the audio also streams as :class:`~.events.ChunkAudio` while it renders.
    A line whose voice cannot be had gets :class:`~.events.LineFailed`; the rest render.
    Requests waiting together whose ``sampling`` and ``preview`` agree render as one batch.
    """

    lines: tuple[LineRequest, ...]
    sampling: Sampling = field(default_factory=dict)
    seed: int | tuple[int, ...] | None = None  # one per line, or one for all (line i: seed + i)
    preview: bool = False


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


Request = (
    LoadRequest | ExtractRequest | SavePromptRequest | AddVoiceRequest | ImportVoicesRequest | GenerateRequest
)
