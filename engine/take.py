"""A rendered take: audio plus everything needed to reproduce or judge it. No torch import."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

FINISH_EOS = "eos"  # the model ended the line itself
FINISH_MAX_FRAMES = "max_frames"  # stopped at the caller's max_new_tokens
FINISH_RUNAWAY = "runaway"  # stopped by the runaway guard: the model did not end the line
FINISH_LOOP = "loop"  # the model was repeating itself; the take is cut where the loop began


@dataclass
class Take:
    """One line rendered in one voice. ``audio`` is float32 mono at ``sample_rate``."""

    index: int
    text: str
    language: str
    seed: int
    audio: np.ndarray
    sample_rate: int
    frames: int
    finish_reason: str
    codes: np.ndarray | None = None  # (frames, 16) int64 codec frames, the take's exact content

    @property
    def duration_s(self) -> float:
        return len(self.audio) / self.sample_rate

    @property
    def complete(self) -> bool:
        """False when the take was cut off rather than ended by the model: offer a regenerate."""
        return self.finish_reason == FINISH_EOS
