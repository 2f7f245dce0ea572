"""Joining rendered pieces into one waveform: exact silences, short crossfades, no clicks.

Pure numpy. Lengths are exact: a join with ``silence_s`` adds ``round(silence_s * rate)``
samples of digital silence; a crossfade overlaps the two pieces by ``round(crossfade_s * rate)``
samples (fewer only when a piece is shorter than that). Edges that meet silence get a few
milliseconds of fade so a waveform that stops mid-swing does not click; fades never change a
length.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from ..errors import InputError
from .boundaries import Level

DECLICK_S = 0.005  # 5 ms: inaudible as a fade, enough to remove a step at an edge


@dataclass(frozen=True)
class Join:
    """How one piece meets the next: ``silence_s`` of exact silence, or a ``crossfade_s`` overlap."""

    silence_s: float = 0.0
    crossfade_s: float = 0.0

    def __post_init__(self) -> None:
        for name in ("silence_s", "crossfade_s"):
            value = getattr(self, name)
            if not math.isfinite(value) or value < 0:
                raise InputError(f"A join's {name} must be 0 or more seconds, got {value!r}.")
        if self.silence_s > 0 and self.crossfade_s > 0:
            raise InputError("A join is either a silence or a crossfade, not both.")


# The pause a listener expects after each kind of cut. A cut between two words is meant to be
# heard as continuous speech, so it gets a short crossfade instead of a gap.
NATURAL_JOINS = {
    Level.PARAGRAPH: Join(silence_s=0.70),
    Level.SENTENCE: Join(silence_s=0.35),
    Level.CLAUSE: Join(silence_s=0.20),
    Level.COMMA: Join(silence_s=0.12),
    Level.WORD: Join(crossfade_s=0.04),
}


def natural_join(level: Level | None) -> Join:
    """The join that sounds natural after a cut of ``level`` (a sentence pause when unknown)."""
    return NATURAL_JOINS[Level.SENTENCE if level is None else Level(level)]


def silence(duration_s: float, sample_rate: int) -> np.ndarray:
    """Exact digital silence: ``round(duration_s * sample_rate)`` float32 zeros."""
    return np.zeros(round(duration_s * sample_rate), dtype=np.float32)


@dataclass
class Joined:
    """The joined waveform and where each piece starts in it (in samples)."""

    audio: np.ndarray  # (N,) float32
    sample_rate: int
    offsets: list[int]

    @property
    def duration_s(self) -> float:
        return len(self.audio) / self.sample_rate


class HasAudio(Protocol):
    """Anything with mono ``audio`` at a ``sample_rate``: a Take, a LongTextRender, a Joined."""

    audio: np.ndarray
    sample_rate: int


def as_audio(piece: HasAudio | np.ndarray, sample_rate: int | None) -> tuple[np.ndarray, int | None]:
    """-> (mono float32 audio, its sample rate), checking it matches ``sample_rate`` when known."""
    if hasattr(piece, "audio") and hasattr(piece, "sample_rate"):
        if sample_rate is not None and piece.sample_rate != sample_rate:
            raise InputError(f"Takes at different sample rates ({piece.sample_rate} and {sample_rate} Hz).")
        return np.asarray(piece.audio, dtype=np.float32).reshape(-1), piece.sample_rate
    audio = np.asarray(piece, dtype=np.float32)
    if audio.ndim != 1:
        raise InputError(f"Audio to join must be mono (N,), got shape {audio.shape}.")
    return audio, sample_rate


def _ramp(n: int) -> np.ndarray:
    """n values rising from just above 0 to just below 1 (sample centres)."""
    return ((np.arange(n, dtype=np.float64) + 0.5) / n).astype(np.float32)


def join_takes(
    pieces: Sequence[HasAudio | np.ndarray],
    joins: Join | Sequence[Join] | None = None,
    *,
    sample_rate: int | None = None,
    leading_s: float = 0.0,
    trailing_s: float = 0.0,
    declick_s: float = DECLICK_S,
) -> Joined:
    """Join takes (or renders, or mono float32 arrays) end to end into one waveform.

    ``joins`` says how each piece meets the next: one :class:`Join` for all, one per gap
    (``len(pieces) - 1``), or None for a sentence pause. ``leading_s``/``trailing_s`` add exact
    silence before and after. ``sample_rate`` is needed only when every piece is a plain array.
    Crossfades are equal-power (sine/cosine), right for two independent recordings.
    """
    audios = []
    for piece in pieces:
        audio, sample_rate = as_audio(piece, sample_rate)
        audios.append(audio)
    if sample_rate is None:
        raise InputError("join_takes needs sample_rate= when the pieces are plain arrays.")
    gaps = len(audios) - 1 if audios else 0
    if joins is None:
        joins = natural_join(Level.SENTENCE)
    join_list = [joins] * gaps if isinstance(joins, Join) else list(joins)
    if len(join_list) != gaps:
        raise InputError(f"{len(audios)} pieces need {gaps} joins, got {len(join_list)}.")
    edges = Join(silence_s=leading_s), Join(silence_s=trailing_s)  # validates them too

    # Where each piece goes, and how much it overlaps the one before.
    offsets, overlaps = [], [0]
    position = round(edges[0].silence_s * sample_rate)
    for k, audio in enumerate(audios):
        if k > 0:
            join = join_list[k - 1]
            if join.crossfade_s > 0:
                n = min(round(join.crossfade_s * sample_rate), len(audios[k - 1]), len(audio))
                overlaps.append(n)
                position -= n
            else:
                overlaps.append(0)
                position += round(join.silence_s * sample_rate)
        offsets.append(position)
        position += len(audio)
    overlaps.append(0)
    total = position + round(edges[1].silence_s * sample_rate)

    out = np.zeros(total, dtype=np.float32)
    declick = round(declick_s * sample_rate)
    for k, audio in enumerate(audios):
        piece = audio.copy()
        head, tail = overlaps[k], overlaps[k + 1]
        if head:
            piece[:head] *= np.sin(_ramp(head) * (np.pi / 2))
        elif declick and len(piece):
            n = min(declick, len(piece))
            piece[:n] *= _ramp(n)
        if tail:
            piece[-tail:] *= np.cos(_ramp(tail) * (np.pi / 2))
        elif declick and len(piece):
            n = min(declick, len(piece))
            piece[-n:] *= _ramp(n)[::-1]
        out[offsets[k] : offsets[k] + len(piece)] += piece
    return Joined(out, sample_rate, offsets)
