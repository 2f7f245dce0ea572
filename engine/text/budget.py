"""One line's length limit, shared by the parts it is rendered in.

``max_new_tokens`` caps how long a take may run. A long line, or one with ``[pause]`` markup,
is rendered in parts, and capping every part at the line's limit let the line as a whole run
to that many times the limit (an 8 s limit gave a 16 s take). Here the line's frames are split
across its parts by how much each part has to say, so the parts together stay within it.
Pure Python.
"""

from __future__ import annotations

from collections.abc import Sequence

from .boundaries import is_dense

MIN_PART_FRAMES = 12  # about 1 s (12.5 frames a second): a shorter part rarely says its words
DENSE_WEIGHT = 3  # a CJK or Hangul character takes about as long to say as three Latin letters


def text_weight(text: str) -> int:
    """How long ``text`` takes to say, relative to other text (about its length in Latin letters)."""
    return max(1, len(text) + (DENSE_WEIGHT - 1) * sum(1 for ch in text if is_dense(ch)))


def split_frames(total: int, weights: Sequence[int], minimum: int = MIN_PART_FRAMES) -> list[int]:
    """``total`` frames split across parts in proportion to ``weights``, summing to ``total``.

    Every part gets ``minimum`` frames first, or an equal share when the total is too small
    for that, and at least one frame however small the total (then the sum exceeds it).
    """
    n = len(weights)
    floor = max(1, min(minimum, total // n))
    spare = total - floor * n
    if spare <= 0:
        return [floor] * n
    shares = [spare * w / sum(weights) for w in weights]
    frames = [floor + int(s) for s in shares]
    # Largest remainders first (earlier parts on ties), so the sum is exactly the total.
    order = sorted(range(n), key=lambda i: (-(shares[i] - int(shares[i])), i))
    for i in order[: total - sum(frames)]:
        frames[i] += 1
    return frames


def part_token_limits(max_new_tokens: int | None, part_texts: Sequence[str]) -> list[int | None]:
    """Each part's ``max_new_tokens`` so that one line's parts share the line's limit.

    None (no limit given) stays None for every part, leaving the model's default. A line in
    one part keeps its limit unchanged. The engine renders one frame fewer than
    ``max_new_tokens`` (as the official package does), so the line's ``max_new_tokens - 1``
    frames are what is split (:func:`split_frames`, about 1 s at least per part where the
    limit allows); written pauses and the pauses between parts come on top, as exact silence.
    """
    if max_new_tokens is None or not part_texts:
        return [None] * len(part_texts)
    if len(part_texts) == 1 or not isinstance(max_new_tokens, int) or max_new_tokens < 2:
        return [max_new_tokens] * len(part_texts)  # nothing to share (the engine refuses a bad limit)
    frames = split_frames(max_new_tokens - 1, [text_weight(t) for t in part_texts])
    return [f + 1 for f in frames]
