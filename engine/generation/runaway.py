"""Runaway guard: Base models sometimes never say EOS, or get stuck repeating themselves.

Two checks per row: a frame budget from the text length (:func:`frame_cap`), and a loop
detector over the first codebook (:class:`LoopDetector`) that ends a row whose recent frames
repeat a short pattern or hardly change, cutting the take where the loop began.
"""

from __future__ import annotations

FRAMES_PER_TEXT_TOKEN = 10  # ~3 frames a token is typical speech; 10 leaves room for slow, paused reads
FRAMES_HEADROOM = 40  # 3.2 s on top, for very short lines

LOOP_MAX_PERIOD = 16  # frames (1.3 s): longer cycles are indistinguishable from rhythm
LOOP_MIN_SPAN = 48  # a pattern must repeat over this many frames (3.8 s) to count as a loop
STUCK_SPAN = 75  # 6 s ...
STUCK_MAX_DISTINCT = 2  # ... using at most this many first-codebook values is a stuck row


def frame_cap(text_tokens: int) -> int:
    """The most frames (80 ms each) a line of ``text_tokens`` tokens may plausibly need."""
    return FRAMES_PER_TEXT_TOKEN * max(1, text_tokens) + FRAMES_HEADROOM


class LoopDetector:
    """Watches each row's first-codebook sequence; owns the recent history of every row."""

    def __init__(self) -> None:
        self._recent: dict[int, list[int]] = {}  # the last frames of each row
        self._frames: dict[int, int] = {}  # frames seen per row

    def push(self, row: int, code0: int) -> int | None:
        """Record frame ``code0`` of ``row``; return the frame where a loop began, else None."""
        seq = self._recent.setdefault(row, [])
        seq.append(code0)
        del seq[: max(0, len(seq) - STUCK_SPAN - LOOP_MAX_PERIOD)]
        frames = self._frames[row] = self._frames.get(row, 0) + 1
        start = _periodic_start(seq)
        if start is None and len(seq) >= STUCK_SPAN and len(set(seq[-STUCK_SPAN:])) <= STUCK_MAX_DISTINCT:
            start = len(seq) - STUCK_SPAN
        return None if start is None else frames - (len(seq) - start)


def _periodic_start(seq: list[int]) -> int | None:
    """Index in ``seq`` where its trailing periodic run began, if the run spans LOOP_MIN_SPAN frames."""
    n = len(seq)
    if n < LOOP_MIN_SPAN:
        return None
    for period in range(1, LOOP_MAX_PERIOD + 1):
        i = n - 1
        while i - period >= 0 and seq[i] == seq[i - period]:
            i -= 1
        run = n - 1 - i  # trailing frames equal to the frame one period earlier
        if run + period >= LOOP_MIN_SPAN:
            return n - run - period
    return None
