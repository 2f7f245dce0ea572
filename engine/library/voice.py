"""The plain records the library hands out: :class:`Voice`, :class:`StoredPrompt`, :class:`CheckReport`.

They are frozen dataclasses with no behaviour that touches disk, so a GUI model can hold and
compare them freely. Nothing here imports torch.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from ..prompt import ModelSignature

MODE_ICL = "icl"  # reference codec frames + transcript: the closest likeness
MODE_XVECTOR = "x_vector"  # speaker embedding only: no transcript needed, weaker likeness
MODES = (MODE_ICL, MODE_XVECTOR)

SORT_KEYS = ("name", "created", "updated", "last_used")

# What a voice needs before it can speak with a given model (see Voice.readiness).
READY = "ready"  # a prompt extracted by this model is stored
NEEDS_EXTRACTION = "needs_extraction"  # will be extracted again from the stored reference on first use
NEEDS_MODEL = "needs_model"  # no reference audio to extract from: only the model(s) it was made with


@dataclass(frozen=True)
class StoredPrompt:
    """One extracted prompt kept for a voice.

    ``signature`` is the model that extracted it, or None for prompts from files that do not
    say (some official ``.pt`` files); those fit any model with the same ``speaker_dim``.
    """

    signature: ModelSignature | None
    speaker_dim: int
    file: str

    def fits(self, signature: ModelSignature) -> bool:
        if self.signature is not None:
            return self.signature == signature
        return self.speaker_dim == signature.speaker_dim

    def describe(self) -> str:
        if self.signature is not None:
            return self.signature.describe()
        return f"a model with {self.speaker_dim}-dim voices"


@dataclass(frozen=True)
class Voice:
    """A voice in the library, as of the moment it was read.

    Times are timezone-aware UTC. ``duration_s`` is the stored reference's length (None when
    the voice has no reference audio, e.g. imported from an official ``.pt`` file).
    ``trashed_at`` is set while the voice is in the trash.
    """

    id: str
    name: str
    tags: tuple[str, ...]
    language: str
    mode: str
    notes: str
    transcript: str
    created: datetime
    updated: datetime
    last_used: datetime | None
    favorite: bool
    duration_s: float | None
    has_reference: bool
    prompts: tuple[StoredPrompt, ...] = field(default=())
    trashed_at: datetime | None = None

    @property
    def x_vector_only(self) -> bool:
        return self.mode == MODE_XVECTOR

    @property
    def trashed(self) -> bool:
        return self.trashed_at is not None

    @property
    def signatures(self) -> tuple[ModelSignature, ...]:
        """The models this voice has a stored prompt for (prompts of unknown origin left out)."""
        return tuple(p.signature for p in self.prompts if p.signature is not None)

    def stored_prompt(self, signature: ModelSignature) -> StoredPrompt | None:
        """The stored prompt usable with a model of ``signature``, exact matches first."""
        exact = [p for p in self.prompts if p.signature == signature]
        if exact:
            return exact[0]
        loose = [p for p in self.prompts if p.fits(signature)]
        return loose[0] if loose else None

    def readiness(self, signature: ModelSignature) -> str:
        """:data:`READY`, :data:`NEEDS_EXTRACTION` or :data:`NEEDS_MODEL` for a model of ``signature``."""
        if self.stored_prompt(signature) is not None:
            return READY
        return NEEDS_EXTRACTION if self.has_reference else NEEDS_MODEL

    def made_with(self) -> str:
        """The model(s) this voice's prompts come from, in words ("Qwen3-TTS 1.7B (2048-dim voices)")."""
        names = sorted({p.describe() for p in self.prompts})
        return " or ".join(names) if names else "no model"


@dataclass(frozen=True)
class CheckReport:
    """What the consistency check found and did. Empty ``actions`` means all was well.

    ``actions`` are sentences for a creator ("Recovered the voice 'Alice' ..."); ``quarantined``
    lists folders moved aside under ``<library>/quarantine`` for a person to look at.
    """

    actions: tuple[str, ...] = ()
    recovered: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    quarantined: tuple[Path, ...] = ()
    in_progress: int = 0

    @property
    def clean(self) -> bool:
        return not self.actions

    def __str__(self) -> str:
        return "The voice library is in order." if self.clean else "\n".join(self.actions)


def voice_id_of(voice: Voice | str) -> str:
    """The id of a :class:`Voice`, or the string itself (API methods accept either)."""
    return voice.id if isinstance(voice, Voice) else str(voice)
