"""Render long text: chunk it, render every chunk in one batch, join each text's takes.

Long inputs are where Qwen3-TTS drifts, speeds up or never stops; short chunks rendered side by
side in one batch keep the voice steady, and on a GPU cost little more than the longest chunk.
Takes are joined with a natural pause after each cut (a sentence pause, a shorter one after a
clause, a crossfade between words) and exact silence for ``[pause]`` markup. A length limit
(``max_new_tokens``) is the whole text's, shared by its chunks (:mod:`engine.text.budget`).
:func:`render_long_text` renders one text in one voice; :func:`render_texts` many texts (script
lines) with a voice, language and seed each; with ``on_audio`` they stream audio as frames
arrive (for listening while a script renders). The only module of :mod:`engine.text` that
drives a model; it still imports no torch itself.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import InputError
from ..take import Take
from .budget import part_token_limits
from .chunking import Chunk, plan_text
from .join import Join, join_takes, natural_join
from .markup import Origin, Pause

if TYPE_CHECKING:
    from ..generation.render import AudioChunk
    from ..model import Qwen3TTSModel

SEED_MASK = (1 << 63) - 1
_SEED_STEP = 0x9E3779B97F4A7C15  # the golden-ratio step: chunk seeds land far apart
ChunkCallback = Callable[[int, int, Take], None]
AudioCallback = Callable[[int, int, "AudioChunk"], None]


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
    seed: int  # the text's seed: the same seed, text and settings render the same audio

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


def chunk_seeds(seed: int, count: int) -> list[int]:
    """The seeds of a text's ``count`` chunks, derived from the text's seed.

    Explicit per chunk, so a text renders the same whether alone or in a batch with others,
    and however the batch is split.
    """
    return [(seed + j * _SEED_STEP) & SEED_MASK for j in range(count)]


def _per_text(value: Any, n: int, name: str) -> list[Any]:
    if isinstance(value, (list, tuple)):
        if len(value) == 1:
            return list(value) * n
        if len(value) != n:
            raise InputError(f"{name} has {len(value)} entries for {n} texts; give one, or one per text.")
        return list(value)
    return [value] * n


def _text_seed(seed: Any) -> int:
    if seed is None:
        return secrets.randbits(63)
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise InputError(f"Seeds must be whole numbers of 0 or more, got {seed!r}.")
    return int(seed) & SEED_MASK


@dataclass
class _Text:
    """One text on its way through the batch: its plan, chunks and the takes that came back."""

    plan: list[Chunk | Pause]
    chunks: list[Chunk]
    seed: int
    takes: list[Take | None]
    limits: list[int | None]  # each chunk's max_new_tokens: its share of the text's limit

    def assemble(self) -> LongTextRender:
        joins = plan_joins(self.plan)
        takes: list[Take] = self.takes  # type: ignore[assignment]  (complete by now)
        joined = join_takes(takes, joins.joins, leading_s=joins.leading_s, trailing_s=joins.trailing_s)
        rendered = [
            RenderedChunk(c.text, c.start, c.end, offset, take)
            for c, take, offset in zip(self.chunks, takes, joined.offsets)
        ]
        return LongTextRender(joined.audio, joined.sample_rate, rendered, self.seed)


def render_texts(
    model: Qwen3TTSModel,
    texts: Sequence[str],
    voice_clone_prompt: Any,
    *,
    language: str | None | Sequence[str | None] = None,
    seed: int | None | Sequence[int | None] = None,
    max_chars: int | None = None,
    origins: Sequence[Origin | None] | None = None,
    batch_size: int | None = None,
    on_chunk: ChunkCallback | None = None,
    on_text: Callable[[int, LongTextRender], None] | None = None,
    on_progress: Callable[[list[int], int], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    on_audio: AudioCallback | None = None,
    **sampling: Any,
) -> list[LongTextRender]:
    """Render many texts (script lines, chapters), each of any length, in one batch of chunks.

    ``voice_clone_prompt``, ``language`` and ``seed`` are one value for all texts or a list
    with one per text (a seed of None picks a random one, reported in
    :attr:`LongTextRender.seed`). ``origins`` say where each text sits in its file, for
    markup errors. Every text is planned first, so bad markup fails before any rendering.
    All chunks of all texts go through :meth:`~engine.model.Qwen3TTSModel.generate_takes`
    together, ``batch_size`` chunks at a time (None: all at once). ``on_chunk(text, chunk,
    take)`` follows each finished chunk; ``on_text(text, render)`` each finished text, as soon
    as its last chunk is done, so a caller can save it before the batch ends. ``on_progress``
    and ``should_stop`` are passed to the engine (rows are positions in the current batch,
    which holds the chunks in text order, then chunk order within a text).

    ``max_new_tokens`` (one for all texts, or one per text) limits each text as a whole: a
    text rendered in several chunks (long, or with ``[pause]`` markup) shares its frames
    among them by how much each has to say, at least about 1 s a chunk where the limit allows
    (:func:`~engine.text.budget.part_token_limits`); the written pauses and the pauses
    between chunks come on top, as exact silence. A text in one chunk renders exactly as
    :meth:`~engine.model.Qwen3TTSModel.generate_takes` would render it alone.

    ``on_audio(text, chunk, piece)`` streams: the engine's
    :meth:`~engine.model.Qwen3TTSModel.generate_voice_clone_stream` is used and every
    :class:`~engine.generation.render.AudioChunk` of every chunk is handed over as it arrives
    (a chunk's pieces in order, the last with ``final`` set), before ``on_chunk`` sees the
    chunk's take. Joined, a chunk's pieces are exactly its take's audio.
    """
    n = len(texts)
    prompts = _per_text(voice_clone_prompt, n, "voice_clone_prompt")
    languages = _per_text(language, n, "language")
    seeds = _per_text(seed, n, "seed")
    limits = _per_text(sampling.pop("max_new_tokens", None), n, "max_new_tokens")
    places = list(origins) if origins is not None else [None] * n
    if len(places) != n:
        raise InputError(f"origins has {len(places)} entries for {n} texts.")
    if batch_size is not None and (isinstance(batch_size, bool) or batch_size < 1):
        raise InputError(f"batch_size must be 1 or more, got {batch_size!r}.")

    jobs: list[_Text] = []
    for i, (text, origin) in enumerate(zip(texts, places)):
        plan = plan_text(text, max_chars, origin)
        chunks = [item for item in plan if isinstance(item, Chunk)]
        if not chunks:
            which = f"Text {i + 1}" if n > 1 else "This text"
            raise InputError(f"{which} has nothing to speak.", "Write some words, not only markup.")
        chunk_limits = part_token_limits(limits[i], [c.text for c in chunks])
        jobs.append(_Text(plan, chunks, _text_seed(seeds[i]), [None] * len(chunks), chunk_limits))

    rows = [(t, c) for t, job in enumerate(jobs) for c in range(len(job.chunks))]
    size = batch_size or max(len(rows), 1)
    renders: list[LongTextRender | None] = [None] * n
    remaining = [len(job.chunks) for job in jobs]

    def finished(t: int, c: int, take: Take) -> None:
        job = jobs[t]
        if job.takes[c] is not None:
            return
        job.takes[c] = take
        remaining[t] -= 1
        if on_chunk is not None:
            on_chunk(t, c, take)
        if remaining[t] == 0:
            renders[t] = job.assemble()
            if on_text is not None:
                on_text(t, renders[t])

    for start in range(0, len(rows), size):
        batch = rows[start : start + size]
        _render_batch(
            model, jobs, batch, prompts, languages, finished, on_progress, should_stop, on_audio, sampling
        )
    return renders  # type: ignore[return-value]  (every text is complete here)


def _render_batch(
    model: Qwen3TTSModel,
    jobs: list[_Text],
    batch: list[tuple[int, int]],
    prompts: list[Any],
    languages: list[str | None],
    finished: ChunkCallback,
    on_progress: Callable[[list[int], int], None] | None,
    should_stop: Callable[[], bool] | None,
    on_audio: AudioCallback | None,
    sampling: dict[str, Any],
) -> None:
    """One call of the engine for the chunks in ``batch`` (pairs of text and chunk index)."""
    seeds = {t: chunk_seeds(jobs[t].seed, len(jobs[t].chunks)) for t in {t for t, _ in batch}}
    texts = [jobs[t].chunks[c].text for t, c in batch]
    options = dict(
        language=[languages[t] for t, _ in batch],
        voice_clone_prompt=[prompts[t] for t, _ in batch],
        seed=[seeds[t][c] for t, c in batch],
        on_progress=on_progress,
        should_stop=should_stop,
        **sampling,
    )
    limits = [jobs[t].limits[c] for t, c in batch]
    if any(limit is not None for limit in limits):  # else the model's own default applies
        options["max_new_tokens"] = limits
    if on_audio is not None:
        for piece in model.generate_voice_clone_stream(texts, **options):
            t, c = batch[piece.index]
            on_audio(t, c, piece)
            if piece.final:
                finished(t, c, piece.take)
        return
    takes = model.generate_takes(texts, on_take=lambda take: finished(*batch[take.index], take), **options)
    for (t, c), take in zip(batch, takes):
        finished(t, c, take)  # no-op for takes already reported; a safety net otherwise


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
    chunk. ``seed`` makes the render reproducible (each chunk still gets its own randomness;
    None picks one, reported in the result). All chunks are rendered as one batch.
    ``max_new_tokens`` limits the whole text, shared by its chunks (see :func:`render_texts`).
    ``on_take``/``on_progress``/``should_stop`` and the other sampling options go to
    :meth:`~engine.model.Qwen3TTSModel.generate_takes`; ``take.index`` is the chunk's index.
    Raises :class:`~engine.text.errors.MarkupError` for bad markup before any rendering starts.
    """
    if isinstance(voice_clone_prompt, (list, tuple)) and len(voice_clone_prompt) != 1:
        raise InputError(
            f"render_long_text speaks in one voice; got {len(voice_clone_prompt)} voice prompts.",
            "Pass one voice, or use render_texts for lines in several voices.",
        )
    (render,) = render_texts(
        model,
        [text],
        voice_clone_prompt,
        language=language,
        seed=seed,
        max_chars=max_chars,
        origins=[origin],
        on_chunk=(lambda _text, _chunk, take: on_take(take)) if on_take is not None else None,
        on_progress=on_progress,
        should_stop=should_stop,
        **sampling,
    )
    return render
