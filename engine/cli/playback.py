"""Playing audio while it is generated: a PortAudio output stream fed block by block.

:class:`StreamPlayer` starts the sound device when the first block arrives; PortAudio's callback
only copies queued samples (silence when generation falls behind, counted as underruns).
:class:`LiveJoin` turns the chunks of a long text, streamed side by side, into the joined audio
in playing order, emitting only samples that joining can no longer change, so what is played
is exactly what :func:`~engine.text.join_takes` writes to the file.
"""

from __future__ import annotations

import threading
from collections import deque
from typing import Any

import numpy as np

from ..errors import TimbreError
from ..text import join_takes
from ..text.join import DECLICK_S
from ..text.render import JoinPlan


class PlaybackError(TimbreError):
    """No sound output could be opened (no device, no PortAudio, a device that refuses)."""


def _sounddevice():
    try:
        import sounddevice as sd
    except OSError as e:  # the Python package is there but the PortAudio library is not
        raise PlaybackError(
            f"Playback needs the PortAudio library, which was not found ({e}).",
            "Install it (Debian/Ubuntu: libportaudio2), or write a file with -o instead of --play.",
        ) from None
    return sd


def _device(spec: str | None) -> Any:
    """``--play-device``: an index, a name (or part of one), or None for the system's default."""
    if spec is None:
        return None
    return int(spec) if spec.isdigit() else spec


def check_output(device: str | None = None) -> None:
    """Fail early (before a model loads) when there is no sound output to play on."""
    sd = _sounddevice()
    try:
        sd.query_devices(_device(device), kind="output")
    except (sd.PortAudioError, ValueError) as e:
        raise PlaybackError(
            f"There is no sound output to play on ({e}).",
            "Connect or enable a sound device (or pick one with --play-device), or write a file with -o.",
        ) from None


class StreamPlayer:
    """Plays mono float32 blocks at ``sample_rate`` as they are pushed. Call :meth:`finish` or :meth:`abort`."""

    def __init__(self, sample_rate: int, device: str | None = None) -> None:
        self.sd = _sounddevice()
        self.sample_rate = sample_rate
        self.underruns = 0
        self.played = 0  # samples handed to the device (at the device's rate)
        self._queue: deque[np.ndarray] = deque()
        self._head = 0  # samples of the first queued block already played
        self._lock = threading.Lock()
        self._no_more = False
        self._drained = threading.Event()
        self._resampler = None
        self._stream = self._open(_device(device))
        self._started = False

    def _open(self, device: Any):
        sd = self.sd
        kwargs = dict(channels=1, dtype="float32", device=device, callback=self._callback)
        try:
            return sd.OutputStream(samplerate=self.sample_rate, **kwargs)
        except (sd.PortAudioError, ValueError) as first:
            # Some devices take only their own rate: play at that rate and resample on the way.
            try:
                rate = int(sd.query_devices(device, "output")["default_samplerate"])
                stream = sd.OutputStream(samplerate=rate, **kwargs)
            except (sd.PortAudioError, ValueError):
                raise PlaybackError(
                    f"No sound output could be opened ({first}).",
                    "Check the sound device (or pick one with --play-device), or write a file with -o.",
                ) from None
            import soxr

            self._resampler = soxr.ResampleStream(self.sample_rate, rate, 1, dtype="float32")
            return stream

    def push(self, audio: np.ndarray) -> None:
        """Queue samples for playing; the first call starts the device."""
        audio = np.ascontiguousarray(audio, dtype=np.float32).reshape(-1)
        if self._resampler is not None:
            audio = self._resampler.resample_chunk(audio)
        if audio.size:
            with self._lock:
                self._queue.append(audio)
        if not self._started and audio.size:
            self._started = True
            self._stream.start()

    def _callback(self, outdata: np.ndarray, frames: int, _time: Any, status: Any) -> None:
        # PortAudio's thread: copy what is queued, nothing else.
        out = outdata[:, 0]
        filled = 0
        with self._lock:
            while filled < frames and self._queue:
                block = self._queue[0]
                n = min(frames - filled, len(block) - self._head)
                out[filled : filled + n] = block[self._head : self._head + n]
                filled += n
                self._head += n
                if self._head == len(block):
                    self._queue.popleft()
                    self._head = 0
            no_more = self._no_more
        self.played += filled
        out[filled:] = 0.0
        if filled < frames:
            if no_more:
                self._drained.set()
            else:
                self.underruns += 1

    def finish(self) -> None:
        """No more audio: wait until everything queued has played, then close the device."""
        if self._resampler is not None:
            tail = self._resampler.resample_chunk(np.zeros(0, np.float32), last=True)
            if tail.size:
                with self._lock:
                    self._queue.append(tail)
        with self._lock:
            self._no_more = True
            queued = sum(len(b) for b in self._queue) - self._head
        if self._started:
            rate = self._stream.samplerate
            if not self._drained.wait(timeout=queued / rate + 10.0):
                raise PlaybackError("The sound device stopped playing.", "Check the sound output.")
            self._stream.stop()  # returns once the device has played its last buffers
        self._stream.close()

    def abort(self) -> None:
        """Stop at once (Ctrl+C) and close the device."""
        try:
            self._stream.abort()
        finally:
            self._stream.close()


class LiveJoin:
    """The joined audio of one text's chunks, emitted in order while the chunks stream in.

    ``add(index, audio, final)`` takes each streamed piece of chunk ``index`` and returns the
    samples that are now certain. Joining changes a chunk only near its ends (crossfades,
    de-click fades), so everything but the last ``holdback`` samples of the chunk being played
    is certain once that chunk is a little longer than a crossfade.
    """

    def __init__(self, plan: JoinPlan, count: int, sample_rate: int) -> None:
        self.plan, self.count, self.sample_rate = plan, count, sample_rate
        self._parts: list[list[np.ndarray]] = [[] for _ in range(count)]
        self._final = [False] * count
        self._emitted = 0
        longest_fade = max([j.crossfade_s for j in plan.joins] + [DECLICK_S])
        self.holdback = round(longest_fade * sample_rate) + 1

    def add(self, index: int, audio: np.ndarray, final: bool) -> np.ndarray:
        self._parts[index].append(np.asarray(audio, dtype=np.float32).reshape(-1))
        self._final[index] = self._final[index] or final
        ready = self._final.index(False) if False in self._final else self.count
        if index > ready:  # a later chunk: kept until its turn
            return np.zeros(0, np.float32)
        return self._emit(ready)

    def _emit(self, ready: int) -> np.ndarray:
        pieces = [np.concatenate(p) if p else np.zeros(0, np.float32) for p in self._parts[:ready]]
        if ready == self.count:
            joined = join_takes(
                pieces,
                self.plan.joins,
                sample_rate=self.sample_rate,
                leading_s=self.plan.leading_s,
                trailing_s=self.plan.trailing_s,
            ).audio
            end = len(joined)
        else:
            current = np.concatenate(self._parts[ready]) if self._parts[ready] else np.zeros(0, np.float32)
            if len(current) >= 2 * self.holdback:  # long enough that its head fade is settled
                pieces.append(current)
            if not pieces:
                return np.zeros(0, np.float32)
            joined = join_takes(
                pieces,
                self.plan.joins[: len(pieces) - 1],
                sample_rate=self.sample_rate,
                leading_s=self.plan.leading_s,
            ).audio
            end = len(joined) - self.holdback
        if end <= self._emitted:
            return np.zeros(0, np.float32)
        out = joined[self._emitted : end].copy()
        self._emitted = end
        return out
