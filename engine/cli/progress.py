"""Progress bars on stderr (tqdm): model downloads, and renders with an ETA.

A render's work is not known exactly in advance (a line ends when the model says so), so the
bar counts *estimated frames*: each chunk is expected to take about as many frames as its
text needs at a normal speaking rate. Frames decoded so far count as they happen, capped
below each batch's estimate, and a finished chunk counts in full; the bar never moves back.
tqdm turns that into a rate and an ETA.
"""

from __future__ import annotations

import threading
import unicodedata
from typing import Any

from .console import Console

FRAMES_PER_SECOND = 12.5
_LATIN_CHARS_PER_SECOND = 14.0  # ordinary narration
_DENSE_CHARS_PER_SECOND = 5.0  # CJK: one character is a syllable or more


def estimate_frames(text: str, max_new_tokens: int | None = None) -> float:
    """Frames a chunk of ``text`` probably takes (at least 1 s; at most the frame limit)."""
    dense = sum(1 for ch in text if unicodedata.east_asian_width(ch) in ("W", "F"))
    seconds = dense / _DENSE_CHARS_PER_SECOND + (len(text) - dense) / _LATIN_CHARS_PER_SECOND
    frames = max(FRAMES_PER_SECOND, seconds * FRAMES_PER_SECOND)
    if max_new_tokens is not None:
        frames = min(frames, float(max_new_tokens))
    return frames


def _bar(console: Console, **options: Any):
    from tqdm import tqdm

    return tqdm(file=console.err, disable=not console.show_progress(), dynamic_ncols=True, **options)


class DownloadBar:
    """Bytes of a model download; the engine reports them from a watcher thread."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self._bar = None
        self._lock = threading.Lock()

    def __enter__(self) -> DownloadBar:
        return self

    def __exit__(self, *exc: object) -> None:
        with self._lock:
            if self._bar is not None:
                self._bar.close()
                self.console.live_bar = None

    def update(self, done: int, total: int) -> None:
        with self._lock:
            if self._bar is None:  # only a download calls this: no bar for a model already on disk
                self._bar = _bar(
                    self.console, desc="Downloading", unit="B", unit_scale=True, unit_divisor=1024
                )
                if not self._bar.disable:
                    self.console.live_bar = self._bar
            if total and self._bar.total != total:
                self._bar.total = total
            self._bar.update(max(0, done - self._bar.n))


class RenderProgress:
    """The bar of a render (or a long ``say``): estimated frames, with lines done and failed."""

    def __init__(self, console: Console, total_frames: float, total_lines: int, what: str = "lines") -> None:
        self.console = console
        self.total_lines, self.what = total_lines, what
        self.lines_done = self.lines_failed = 0
        self._credited = 0.0  # frames counted for chunks that finished
        self._group_left = 0.0  # estimate of the current batch's chunks not finished yet
        self._group_frames = 0.0  # frames decoded in the current batch by rows still running
        self._bar = _bar(
            console,
            total=max(total_frames, 1.0),
            bar_format="{desc} {percentage:3.0f}%|{bar}| [{elapsed}<{remaining}]",
        )
        self._closed = False
        if not self._bar.disable:
            console.live_bar = self._bar
        self._show_counts()

    def start_batch(self, estimates: list[float]) -> None:
        """A new batch of chunks starts (their estimated frames)."""
        self._group_left = float(sum(estimates))
        self._group_frames = 0.0

    def frame(self, rows_running: int) -> None:
        """One more frame was decoded for ``rows_running`` chunks (the engine's on_progress)."""
        self._group_frames += rows_running
        self._refresh()

    def chunk_done(self, estimate: float, frames: int) -> None:
        """A chunk finished after ``frames`` frames; it now counts its full estimate."""
        self._credited += estimate
        self._group_left = max(0.0, self._group_left - estimate)
        self._group_frames = max(0.0, self._group_frames - frames)
        self._refresh()

    def line_done(self, failed: bool = False) -> None:
        if failed:
            self.lines_failed += 1
        else:
            self.lines_done += 1
        self._show_counts()

    def _refresh(self) -> None:
        # Running rows count below 95% of what their batch is expected to need, so a batch that
        # runs long waits near the end instead of overshooting.
        position = self._credited + min(self._group_frames, 0.95 * self._group_left)
        position = min(position, self._bar.total)
        if position > self._bar.n:
            self._bar.update(position - self._bar.n)

    def _show_counts(self) -> None:
        text = f"Rendering {self.lines_done}/{self.total_lines} {self.what}"
        if self.lines_failed:
            text += f" ({self.lines_failed} failed)"
        self._bar.set_description_str(text, refresh=True)

    def close(self, finished: bool = True) -> None:
        """Close the bar; ``finished`` fills it (the estimate was high), else it stays where it is."""
        if self._closed:
            return
        self._closed = True
        if finished and self._bar.n < self._bar.total:
            self._bar.update(self._bar.total - self._bar.n)
        self._bar.close()
        self.console.live_bar = None
