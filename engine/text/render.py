"""Render long text in one voice: chunk it, render every chunk in ONE batch, join the takes.

Long inputs are where Qwen3-TTS drifts, speeds up or never stops; short chunks rendered side by
side in one batch keep the voice steady and cost about as much time as the longest chunk. Takes
are joined with a natural pause after each cut (a sentence pause, a shorter one after a clause,
a crossfade between words) and exact silence for ``[pause]`` markup. The only module of
:mod:`engine.text` that drives a model; it still imports no torch itself.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import InputError
from ..take import Take
from .chunking import Chunk, plan_text
from .join import Join, join_takes, natural_join
from .markup import Origin, Pause

if TYPE_CHECKING:
    from ..model import Qwen3TTSModel


@dataclass
class RenderedChunk:
    """One chunk of the text, its take, and where the take sits in the joined audio."""

    text: str
    start_char: int  # the chunk's span in the input text
    end_char: int
    offset: int  # first sample of the take in the joined audio
    take: Take

    @property
    def complete(self) -> bool:
        return self.take.complete


@dataclass
class LongTextRender:
    """The joined audio of a long text, and each chunk it was made of."""

    audio: np.ndarray  # (N,) float32
    sample_rate: int
    chunks: list[RenderedChunk]

    @property
    def duration_s(self) -> float:
        return len(self.audio) / self.sample_rate

    @property
    def complete(self) -> bool:
        """False when any chunk was cut off rather than ended by the model: offer a regenerate."""
        return all(c.complete for c in self.chunks)

    @property
    def incomplete_chunks(self) -> list[RenderedChunk]:
        return [c for c in self.chunks if not c.complete]


@dataclass(frozen=True)
class JoinPlan:
    """How the chunks of a plan are joined: silence before, between (one per gap) and after."""

    leading_s: float
    joins: list[Join]
    trailing_s: float


def plan_joins(plan: Sequence[Chunk | Pause]) -> JoinPlan:
    """The joins for a plan from :func:`~engine.text.chunking.plan_text`.

    Pauses written in the text give exactly their silence (consecutive pauses add up, and
    replace the natural pause there); chunks that meet directly get :func:`natural_join`.
    """
    leading, joins = 0.0, []
    pending: float | None = None  # silence written since the last chunk, None if no pause markup
    previous: Chunk | None = None
    for item in plan:
        if isinstance(item, Pause):
            pending = (pending or 0.0) + item.duration_s
            continue
        if previous is None:
            leading = pending or 0.0
        elif pending is not None:
            joins.append(Join(silence_s=pending))
        else:
            joins.append(natural_join(previous.cut))
        previous, pending = item, None
    return JoinPlan(leading, joins, pending or 0.0)


def render_long_text(
    model: Qwen3TTSModel,
    text: str,
    voice_clone_prompt: Any,
    *,
    language: str | None = None,
    seed: int | None = None,
    max_chars: int | None = None,
    origin: Origin | None = None,
    on_take: Callable[[Take], None] | None = None,
    on_progress: Callable[[list[int], int], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    **sampling: Any,
) -> LongTextRender:
    """Render ``text`` (any length, with ``[pause]`` markup) in one voice as one waveform.

    ``voice_clone_prompt`` is one voice (a prompt item, or a list holding one) used for every
    chunk. ``seed`` makes the whole render reproducible (each chunk still gets its own
    randomness). ``on_take``/``on_progress``/``should_stop`` and the sampling options are passed
    to :meth:`~engine.model.Qwen3TTSModel.generate_takes`; ``take.index`` is the chunk's index.
    Raises :class:`~engine.text.errors.MarkupError` for bad markup before any rendering starts.
    """
    plan = plan_text(text, max_chars, origin)
    chunks = [item for item in plan if isinstance(item, Chunk)]
    if not chunks:
        raise InputError("There is nothing to speak in this text.", "Write some words, not only markup.")
    if isinstance(voice_clone_prompt, (list, tuple)) and len(voice_clone_prompt) != 1:
        raise InputError(
            f"render_long_text speaks in one voice; got {len(voice_clone_prompt)} voice prompts.",
            "Pass one voice, or render each voice's lines separately.",
        )
    takes = model.generate_takes(
        [c.text for c in chunks],
        language=language,
        voice_clone_prompt=voice_clone_prompt,
        seed=seed,
        on_take=on_take,
        on_progress=on_progress,
        should_stop=should_stop,
        **sampling,
    )
    joins = plan_joins(plan)
    joined = join_takes(takes, joins.joins, leading_s=joins.leading_s, trailing_s=joins.trailing_s)
    rendered = [
        RenderedChunk(c.text, c.start, c.end, offset, take)
        for c, take, offset in zip(chunks, takes, joined.offsets)
    ]
    return LongTextRender(joined.audio, joined.sample_rate, rendered)
