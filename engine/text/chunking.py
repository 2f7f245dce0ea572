"""Cut long text into chunks the model reads well: whole sentences first, then clauses, then words.

Long inputs are where TTS front ends break (voices drift, speech speeds up, runs never stop),
so long text is rendered as a batch of short chunks and joined again. Chunks are packed
greedily: as many whole sentences as fit in ``max_chars``; a sentence longer than that is cut
at its strongest clause marks (; : —, then commas), then between words; a single word longer
than the limit becomes a chunk of its own. Paragraphs (blank lines) and ``[pause]`` markup always
end a chunk, and markup is never cut. Pure Python: no torch, no Qt.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass

from ..errors import InputError
from .boundaries import Level, find_boundaries, is_dense
from .markup import Origin, Pause, Speech, parse_markup

DEFAULT_MAX_CHARS = 200  # about 13 s of English speech: short enough to stay on voice and pace
DEFAULT_MAX_CHARS_DENSE = 80  # Chinese/Japanese/Korean carry about a syllable a character


def default_max_chars(text: str) -> int:
    """The chunk size for ``text``: fewer characters when most of it is CJK or Hangul."""
    letters = sum(1 for ch in text if ch.isalpha())
    dense = sum(1 for ch in text if is_dense(ch))
    return DEFAULT_MAX_CHARS_DENSE if dense * 2 > letters else DEFAULT_MAX_CHARS


@dataclass(frozen=True)
class Chunk:
    """One piece of text to render as one take.

    ``text`` is the words to speak (whitespace collapsed, no markup); ``start``/``end`` index the
    original text; ``cut`` is how the text was cut after this chunk: a :class:`Level` when another
    chunk follows directly, None when a pause or the end of the text follows.
    """

    text: str
    start: int
    end: int
    cut: Level | None


def _clean(text: str) -> str:
    return " ".join(text.split())


class _Cutter:
    """Packs one markup-free piece of text into chunks no longer than ``max_chars``."""

    def __init__(self, text: str, max_chars: int) -> None:
        self.text, self.max_chars = text, max_chars
        levels = find_boundaries(text)
        self.positions = sorted(levels)
        self.levels = [levels[p] for p in self.positions]

    def size(self, start: int, end: int) -> int:
        return len(_clean(self.text[start:end]))

    def cuts(self, start: int, end: int, level: Level) -> list[int]:
        lo = bisect.bisect_right(self.positions, start)
        hi = bisect.bisect_left(self.positions, end)
        return [self.positions[k] for k in range(lo, hi) if self.levels[k] >= level]

    def spans(self) -> list[tuple[int, int]]:
        out: list[tuple[int, int]] = []
        bounds = [0, *self.cuts(0, len(self.text), Level.PARAGRAPH), len(self.text)]
        for a, b in zip(bounds, bounds[1:]):
            out.extend(self.pack(a, b, Level.SENTENCE))
        return [(a, b) for a, b in out if self.size(a, b)]

    def pack(self, start: int, end: int, level: Level) -> list[tuple[int, int]]:
        """Greedy packing of the pieces between cuts of ``level`` or stronger."""
        bounds = [start, *self.cuts(start, end, level), end]
        out: list[tuple[int, int]] = []
        current: tuple[int, int] | None = None
        for a, b in zip(bounds, bounds[1:]):
            if self.size(a, b) > self.max_chars:
                if current is not None:
                    out.append(current)
                    current = None
                if level > Level.WORD:
                    parts = self.pack(a, b, Level(level - 1))
                    out.extend(parts[:-1])
                    # Inside a sentence, the last part of a long clause may share a chunk with the
                    # clauses after it; a chunk should still start where a sentence does.
                    current = parts[-1] if level < Level.SENTENCE else None
                    if current is None:
                        out.append(parts[-1])
                else:
                    out.append((a, b))  # one word longer than the limit: its own chunk
            elif current is None:
                current = (a, b)
            elif self.size(current[0], b) <= self.max_chars:
                current = (current[0], b)
            else:
                out.append(current)
                current = (a, b)
        if current is not None:
            out.append(current)
        return out

    def level_between(self, end: int, next_start: int) -> Level:
        """The strongest cut from the end of one chunk to the start of the next (both included)."""
        lo = bisect.bisect_left(self.positions, end)
        hi = bisect.bisect_right(self.positions, next_start)
        return max(self.levels[lo:hi], default=Level.WORD)


def _check_max_chars(max_chars: int) -> None:
    if isinstance(max_chars, bool) or not isinstance(max_chars, int) or max_chars < 1:
        raise InputError(
            f"The chunk size must be a whole number of characters of 1 or more, got {max_chars!r}."
        )


def plan_text(text: str, max_chars: int | None = None, origin: Origin | None = None) -> list[Chunk | Pause]:
    """``text`` (with ``[pause]`` markup) -> chunks to render and pauses to insert, in order.

    ``max_chars`` defaults to :func:`default_max_chars`. Raises
    :class:`~engine.text.errors.MarkupError` for bad markup, with line and column (``origin``
    says where ``text`` starts in its file).
    """
    segments = parse_markup(text, origin)
    if max_chars is None:
        max_chars = default_max_chars(" ".join(s.text for s in segments if isinstance(s, Speech)))
    _check_max_chars(max_chars)
    plan: list[Chunk | Pause] = []
    for segment in segments:
        if isinstance(segment, Pause):
            plan.append(segment)
            continue
        cutter = _Cutter(segment.text, max_chars)
        spans = cutter.spans()
        for k, (a, b) in enumerate(spans):
            cut = cutter.level_between(b, spans[k + 1][0]) if k + 1 < len(spans) else None
            plan.append(Chunk(_clean(segment.text[a:b]), segment.start + a, segment.start + b, cut))
    return plan


def chunk_text(text: str, max_chars: int | None = None, origin: Origin | None = None) -> list[str]:
    """``text`` -> the chunk texts, with each ``[pause]`` markup as written as an item of its own.

    Joined again the items give back ``text`` up to whitespace. The simple view of
    :func:`plan_text`, for previews and tests.
    """
    return [
        item.text if isinstance(item, Chunk) else item.markup for item in plan_text(text, max_chars, origin)
    ]
