"""What the studio needs to know about voices, independent of where they are kept.

The voice editor produces a :class:`NewVoice`; the library panel keeps it in the voice library.
The script panel offers voices from a :class:`VoiceCatalog` (the library's item model) and sends
each line's :class:`PromptRef` to the engine thread, where the prompt is fetched with
``VoiceLibrary.prompt_for`` (cached; extracted again when the loaded model needs it).

No torch import here: prompt items are only carried, never touched, on the GUI thread.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from engine.service import PromptRef  # noqa: F401  (re-exported: where a line's prompt is)

if TYPE_CHECKING:
    from PySide6.QtCore import QAbstractItemModel

# The library's own words for the modes (engine.library.MODE_ICL / MODE_XVECTOR).
MODE_ICL = "icl"
MODE_XVECTOR = "x_vector"
MODE_LABELS = {MODE_ICL: "ICL", MODE_XVECTOR: "x-vector"}
MODE_TRADEOFFS = {
    MODE_ICL: "Closest likeness; needs the exact transcript of the recording.",
    MODE_XVECTOR: "No transcript needed and faster; the likeness is looser.",
}

# What a voice needs before the loaded model can speak with it (engine.library's readiness).
READY = "ready"
NEEDS_EXTRACTION = "needs_extraction"  # extracted again from its reference on first use
NEEDS_MODEL = "needs_model"  # no reference to extract from: only its own model can use it


@dataclass(frozen=True)
class VoiceInfo:
    """A voice as the script panel shows it.

    ``readiness`` is for the loaded model ("" while no model is loaded); ``note`` says in words
    what a voice that is not ready needs.
    """

    id: str
    name: str
    language: str = "auto"
    mode: str = MODE_ICL
    tags: tuple[str, ...] = ()
    favorite: bool = False
    readiness: str = ""
    note: str = ""

    @property
    def usable(self) -> bool:
        """False when the loaded model cannot speak with this voice at all."""
        return self.readiness != NEEDS_MODEL


@dataclass
class NewVoice:
    """A voice fresh out of the voice editor, extracted and ready to keep.

    ``reference_audio`` is the trimmed selection (float32 mono at ``sample_rate``), i.e. exactly
    what was extracted; ``prompt_items`` the engine's ``VoiceClonePromptItem`` list (one item,
    CPU tensors) for that audio; ``transcript`` is empty in x-vector mode.
    """

    name: str
    language: str
    mode: str
    transcript: str
    reference_audio: np.ndarray
    sample_rate: int
    prompt_items: list[Any]
    tags: tuple[str, ...] = field(default_factory=tuple)


class VoiceCatalog(Protocol):
    """The voices the script panel can use (implemented by the library's item model)."""

    def list_model(self) -> QAbstractItemModel:
        """A Qt model with one row per voice; ``VOICE_ID_ROLE`` gives the id, display the name."""

    def voice(self, voice_id: str) -> VoiceInfo | None:
        """The voice with this id, or None when it is not (or no longer) available."""

    def prompt_ref(self, voice_id: str) -> PromptRef | None:
        """How the engine thread gets this voice's prompt; None when unavailable."""


VOICE_ID_ROLE = 0x0100 + 1  # Qt.UserRole + 1, without importing Qt here
