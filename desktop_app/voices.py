"""What the studio needs to know about voices, independent of where they are kept.

The voice editor produces a :class:`NewVoice`. The script panel offers voices from a
:class:`VoiceCatalog` and sends each line's :class:`PromptRef` to the engine thread, where the
prompt is fetched (and, for files, loaded and cached). Today the catalog is the voices made in
this session (:class:`desktop_app.models.session_voices.SessionVoicesModel`); the voice library
replaces it by implementing the same three methods.

No torch import here: prompt items are only carried, never touched, on the GUI thread.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

if TYPE_CHECKING:
    from PySide6.QtCore import QAbstractItemModel

MODE_ICL = "icl"
MODE_XVECTOR = "xvector"
MODE_LABELS = {MODE_ICL: "ICL", MODE_XVECTOR: "x-vector"}
MODE_TRADEOFFS = {
    MODE_ICL: "Closest likeness; needs the exact transcript of the recording.",
    MODE_XVECTOR: "No transcript needed and faster; the likeness is looser.",
}


@dataclass(frozen=True)
class VoiceInfo:
    """A voice as the script panel shows it."""

    id: str
    name: str
    language: str = "auto"
    mode: str = MODE_ICL
    tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class PromptRef:
    """Where the engine thread finds a voice's prompt: the extracted item itself, or a file.

    ``item`` is a :class:`engine.prompt.VoiceClonePromptItem` already on the CPU; ``path`` a
    prompt saved with ``VoiceClonePromptItem.save``. Exactly one of them is set.
    """

    voice_id: str
    item: Any = None
    path: str | None = None


@dataclass
class NewVoice:
    """A voice fresh out of the voice editor, extracted and ready to keep.

    ``reference_audio`` is the trimmed selection (float32 mono at ``sample_rate``), i.e. exactly
    what was extracted; ``prompt_items`` the engine's ``VoiceClonePromptItem`` list (one item,
    CPU tensors) for that audio; ``transcript`` is empty in x-vector mode.
    """

    id: str
    name: str
    language: str
    mode: str
    transcript: str
    reference_audio: np.ndarray
    sample_rate: int
    prompt_items: list[Any]
    tags: tuple[str, ...] = field(default_factory=tuple)

    def info(self) -> VoiceInfo:
        return VoiceInfo(self.id, self.name, self.language, self.mode, self.tags)


class VoiceCatalog(Protocol):
    """The voices the script panel can use. Implemented by the session list, later the library."""

    def list_model(self) -> QAbstractItemModel:
        """A Qt model with one row per voice; ``VOICE_ID_ROLE`` gives the id, display the name."""

    def voice(self, voice_id: str) -> VoiceInfo | None:
        """The voice with this id, or None when it is not (or no longer) available."""

    def prompt_ref(self, voice_id: str) -> PromptRef | None:
        """How the engine thread gets this voice's prompt; None when unavailable."""


VOICE_ID_ROLE = 0x0100 + 1  # Qt.UserRole + 1, without importing Qt here
