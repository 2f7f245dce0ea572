"""Rendering script lines: the engine's long-text path, streamed, reported line by line.

Every script line goes through :func:`engine.text.render_texts`, the same path ``timbre-cli``
uses: a line with ``[pause]`` markup or more text than the model reads well is cut into chunks
that render side by side in the one batch, and its take is the chunks joined with exact
silences. A plain short line is one chunk, rendered exactly as ``generate_takes`` would.

With streaming on, :class:`LineStreams` turns the pieces of every chunk (arriving as frames
are decoded, chunks of one line in parallel) into each line's audio in playing order, so a
listener can follow a line from its first 80 ms frames on.

Torch-free: it drives a model it is given (on the worker thread) and hands plain numpy
arrays to its callbacks.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..take import FINISH_EOS, Take
from ..text import Chunk, LongTextRender, Pause, plan_joins, plan_text, render_texts, silence


@dataclass(frozen=True)
class LineToRender:
    """One line for :func:`render_lines`: its text (markup kept), language, voice prompt and seed."""

    text: str
    language: str
    prompt: Any  # engine.prompt.VoiceClonePromptItem
    seed: int | None  # None: a random seed (reported in the take)


class LineStreams:
    """Pieces of chunks in, each line's audio in playing order out (pauses as exact silence).

    ``feed(line, chunk, audio, final)`` returns the audio of ``line`` that can now be played
    after what it returned before: the leading silence, the pieces of the line's first chunk
    as they come, the pause after it once that chunk has ended, then the next chunk's pieces
    (held back until then), and so on. Chunks cut between words are crossfaded in the finished
    take; the stream simply plays them one after the other.
    """

    def __init__(self, plans: Sequence[Sequence[Chunk | Pause]], sample_rate: int) -> None:
        self._rate = sample_rate
        self._joins = [plan_joins(plan) for plan in plans]
        counts = [sum(isinstance(item, Chunk) for item in plan) for plan in plans]
        self._held: list[list[list[np.ndarray]]] = [[[] for _ in range(n)] for n in counts]
        self._ended = [[False] * n for n in counts]
        self._next = [0] * len(plans)
        self._started = [False] * len(plans)

    def feed(self, line: int, chunk: int, audio: np.ndarray, final: bool) -> list[np.ndarray]:
        out: list[np.ndarray] = []
        joins = self._joins[line]
        if not self._started[line]:
            self._started[line] = True
            out.append(silence(joins.leading_s, self._rate))
        self._held[line][chunk].append(np.asarray(audio, dtype=np.float32))
        self._ended[line][chunk] = self._ended[line][chunk] or final
        count = len(self._held[line])
        while self._next[line] < count:
            k = self._next[line]
            out.extend(self._held[line][k])
            self._held[line][k] = []
            if not self._ended[line][k]:
                break
            self._next[line] += 1
            if self._next[line] < count:
                out.append(silence(joins.joins[k].silence_s, self._rate))
            else:
                out.append(silence(joins.trailing_s, self._rate))
        return [piece for piece in out if len(piece)]


def line_seeds(seed: int | tuple[int, ...] | None, n: int) -> list[int | None]:
    """One seed per line: as given, or one seed for all varied per line (line i: seed + i)."""
    if isinstance(seed, tuple):
        return list(seed)
    return [None if seed is None else seed + i for i in range(n)]


def line_take(index: int, text: str, render: LongTextRender) -> Take:
    """The take of a whole line from its rendered chunks (seed: the line's seed)."""
    takes = [c.take for c in render.chunks]
    unfinished = [t.finish_reason for t in takes if t.finish_reason != FINISH_EOS]
    return Take(
        index=index,
        text=text,
        language=takes[0].language,
        seed=render.seed,
        audio=render.audio,
        sample_rate=render.sample_rate,
        frames=sum(t.frames for t in takes),
        finish_reason=unfinished[0] if unfinished else FINISH_EOS,
        codes=takes[0].codes if len(takes) == 1 else None,  # one chunk: the take's exact frames
    )


def render_lines(
    model: Any,
    lines: Sequence[LineToRender],
    *,
    sampling: dict[str, Any],
    on_take: Callable[[int, Take], None],
    on_progress: Callable[[list[int], int], None] | None = None,
    on_audio: Callable[[int, np.ndarray], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> None:
    """Render ``lines`` as one batch of chunks; report takes, progress and audio per line.

    ``on_take(i, take)`` as soon as line ``i`` is complete; ``on_progress(lines, frames)``
    with the lines still rendering; ``on_audio(i, audio)`` (streaming, when given) with the
    next piece of line ``i`` in playing order. Raises the engine's errors (``MarkupError`` for
    bad markup before anything renders, ``GenerationCancelled`` when ``should_stop`` says so).
    """
    texts = [line.text for line in lines]
    plans = [plan_text(text) for text in texts]  # the plans render_texts makes (same defaults)
    # render_texts lays its one batch out in text order, then chunk order within a text.
    row_line = [t for t, plan in enumerate(plans) for item in plan if isinstance(item, Chunk)]
    streams = LineStreams(plans, model.sample_rate) if on_audio is not None else None

    def progress(rows: list[int], frames: int) -> None:
        if on_progress is not None:
            on_progress(sorted({row_line[r] for r in rows if r < len(row_line)}), frames)

    def audio(t: int, c: int, piece: Any) -> None:
        assert streams is not None and on_audio is not None
        for part in streams.feed(t, c, piece.audio, piece.final):
            on_audio(t, part)

    render_texts(
        model,
        texts,
        [line.prompt for line in lines],
        language=[line.language for line in lines],
        seed=[line.seed for line in lines],
        on_text=lambda t, render: on_take(t, line_take(t, texts[t], render)),
        on_progress=progress,
        on_audio=audio if streams is not None else None,
        should_stop=should_stop,
        **sampling,
    )
