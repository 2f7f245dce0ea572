"""What a job tells its front end, in order: typed events for that job alone.

Every job ends with exactly one :class:`Done` or :class:`Failed`. Arrays in events are copies
that share nothing with the engine's tensors. Service-wide news (the model's state, the
devices found, GPU memory) are :data:`ServiceEvent`\\ s, given to the service's listener.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from .requests import ModelState

if TYPE_CHECKING:
    from ..library import Voice
    from ..prompt import VoiceClonePromptItem
    from ..take import Take


@dataclass(frozen=True)
class Started:
    """The worker took the job up (it waited in the queue until now)."""


@dataclass(frozen=True)
class Progress:
    """A render's progress: the request's lines still rendering, and the frames they have."""

    running: tuple[int, ...]
    frames: int


@dataclass(frozen=True)
class ChunkAudio:
    """The next audio of line ``index`` in playing order (a render asked for a preview)."""

    index: int
    audio: np.ndarray  # (samples,) float32


@dataclass(frozen=True)
class TakeReady:
    """Line ``index`` of the request is rendered."""

    index: int
    take: Take


@dataclass(frozen=True)
class LineFailed:
    """Line ``index`` cannot be rendered (e.g. its voice is gone); the other lines go on."""

    index: int
    message: str
    hint: str


@dataclass(frozen=True)
class PromptReady:
    """An extraction's prompt items (one per reference)."""

    items: list[VoiceClonePromptItem]


@dataclass(frozen=True)
class VoicesAdded:
    """Voices now in the library (kept or imported)."""

    voices: list[Voice]


@dataclass(frozen=True)
class Done:
    """The job ended; ``cancelled`` when it stopped early at its front end's request."""

    cancelled: bool = False


@dataclass(frozen=True)
class Failed:
    """The job ended with an error, in the creator's words."""

    message: str
    hint: str


JobEvent = (
    Started | Progress | ChunkAudio | TakeReady | LineFailed | PromptReady | VoicesAdded | Done | Failed
)


@dataclass(frozen=True)
class ModelChanged:
    state: ModelState


@dataclass(frozen=True)
class DevicesFound:
    devices: list[tuple[str, str]]  # (device id, label)


@dataclass(frozen=True)
class GpuMemory:
    used_total: tuple[int, int] | None  # bytes; None off CUDA


ServiceEvent = ModelChanged | DevicesFound | GpuMemory
