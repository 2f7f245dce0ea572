"""Runaway guard: Base models sometimes never say EOS; bound every row by its text length."""

from __future__ import annotations

FRAMES_PER_TEXT_TOKEN = 10  # ~3 frames a token is typical speech; 10 leaves room for slow, paused reads
FRAMES_HEADROOM = 40  # 3.2 s on top, for very short lines


def frame_cap(text_tokens: int) -> int:
    """The most frames (80 ms each) a line of ``text_tokens`` tokens may plausibly need."""
    return FRAMES_PER_TEXT_TOKEN * max(1, text_tokens) + FRAMES_HEADROOM
