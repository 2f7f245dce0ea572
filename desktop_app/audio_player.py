"""Playback on PortAudio: whole sounds, or a stream that grows while it plays.

A stream is how the script is heard while it renders: :meth:`Player.start_stream`, then
:meth:`Player.append` as pieces arrive, then :meth:`Player.end_stream`. Pieces follow each
other without a gap; when the renderer falls behind, the output plays silence and picks up
where it left off. Playing a whole sound is the same thing in one piece.

PortAudio's callback runs on its own thread and only copies queued samples into the output
buffer. The GUI thread appends pieces to a list (appending is atomic in CPython, and the
callback only reads pieces already in it). A QTimer turns the read position into a playhead
and notices a stream that died (device unplugged, sound server gone).
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, QTimer, Signal

from .audio_io import TICK_MS, find_device, open_error, sd_module

log = logging.getLogger(__name__)


class _Feed:
    """Samples queued for one output stream: appended by the GUI thread, read by PortAudio's."""

    def __init__(self) -> None:
        self.pieces: list[np.ndarray] = []
        self.ended = False  # no more pieces will come: stop once they are played
        self.queued = 0  # samples appended (GUI thread)
        self.played = 0  # samples handed to the device; underrun silence is not counted
        self._piece = 0
        self._offset = 0

    def read_into(self, out: np.ndarray) -> int:
        """Copy the next samples into ``out`` (PortAudio's thread); returns how many there were."""
        n = 0
        while n < len(out) and self._piece < len(self.pieces):
            src = self.pieces[self._piece]
            count = min(len(out) - n, len(src) - self._offset)
            out[n : n + count] = src[self._offset : self._offset + count]
            n += count
            self._offset += count
            if self._offset >= len(src):
                self._piece, self._offset = self._piece + 1, 0
        self.played += n
        return n

    @property
    def drained(self) -> bool:
        return self.ended and self._piece >= len(self.pieces)


class Player(QObject):
    """Plays one sound (or one stream) at a time; ``owner`` says which panel started it."""

    position_changed = Signal(float)  # seconds into the sound being played
    state_changed = Signal(bool)  # playing or not
    failed = Signal(str, str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._stream: Any = None
        self._feed = _Feed()
        self._done = [False]  # set by PortAudio's thread when the stream has finished
        self._resampler: Any = None
        self._rate = 0  # the device's rate
        self._offset_s = 0.0
        self.owner: object | None = None
        self._timer = QTimer(self)
        self._timer.setInterval(TICK_MS)
        self._timer.timeout.connect(self._tick)

    @property
    def playing(self) -> bool:
        return self._stream is not None

    @property
    def streaming(self) -> bool:
        """True while a stream is open and still takes pieces (:meth:`append`)."""
        return self._stream is not None and not self._feed.ended

    def play(
        self,
        audio: np.ndarray,
        sample_rate: int,
        *,
        start_s: float = 0.0,
        end_s: float | None = None,
        device_name: str = "",
        owner: object | None = None,
    ) -> None:
        """Play ``audio[start_s:end_s]``; raises AudioDeviceError when no output can be opened."""
        a = int(max(0.0, start_s) * sample_rate)
        b = len(audio) if end_s is None else int(end_s * sample_rate)
        self.start_stream(sample_rate, device_name=device_name, owner=owner, offset_s=a / float(sample_rate))
        self.append(audio[a:b])
        self.end_stream()

    def start_stream(
        self, sample_rate: int, *, device_name: str = "", owner: object | None = None, offset_s: float = 0.0
    ) -> None:
        """Open the output for a stream of ``sample_rate`` audio; pieces follow with :meth:`append`.

        Stops whatever played before. Raises AudioDeviceError when no output can be opened.
        """
        self.stop()
        sd = sd_module()
        device = find_device(device_name, "output")
        index = device.index if device else None
        rate, resampler = sample_rate, None
        try:
            sd.check_output_settings(device=index, channels=1, samplerate=sample_rate)
        except Exception:
            # The device does not take this rate directly: resample the stream to its own rate.
            import soxr

            rate = (
                device.default_rate if device else int(sd.query_devices(kind="output")["default_samplerate"])
            )
            resampler = soxr.ResampleStream(sample_rate, rate, 1, dtype="float32")
        feed, done = _Feed(), [False]

        def callback(outdata, frames, time_info, status) -> None:  # PortAudio's thread
            n = feed.read_into(outdata[:, 0])
            outdata[n:, 0] = 0.0
            if feed.drained:
                raise sd.CallbackStop

        def finished_callback() -> None:  # PortAudio's thread
            done[0] = True

        try:
            stream = sd.OutputStream(
                device=index,
                channels=1,
                samplerate=rate,
                dtype="float32",
                callback=callback,
                finished_callback=finished_callback,
            )
            stream.start()
        except Exception as e:
            raise open_error(e, "audio output") from None
        self._stream, self._feed, self._done, self._resampler = stream, feed, done, resampler
        self._rate, self._offset_s, self.owner = rate, offset_s, owner
        self._timer.start()
        self.state_changed.emit(True)
        self.position_changed.emit(self._offset_s)

    def append(self, audio: np.ndarray) -> None:
        """Queue more of the stream (float32 mono at the stream's rate); ignored once it ended."""
        if not self.streaming:
            return
        samples = np.ascontiguousarray(audio, dtype=np.float32).reshape(-1)
        if self._resampler is not None:
            samples = self._resampler.resample_chunk(samples, last=False)
        self._queue(samples)

    def end_stream(self) -> None:
        """No more pieces: the stream stops once what is queued has been played."""
        if not self.streaming:
            return
        if self._resampler is not None:
            self._queue(self._resampler.resample_chunk(np.zeros(0, np.float32), last=True))
        self._feed.ended = True

    def _queue(self, samples: np.ndarray) -> None:
        if len(samples):
            self._feed.pieces.append(np.ascontiguousarray(samples, dtype=np.float32))
            self._feed.queued += len(samples)

    @property
    def position_s(self) -> float:
        """Where the listener is, in seconds of the sound (output latency subtracted)."""
        if not self.playing:
            return 0.0
        latency = float(self._stream.latency or 0.0)
        heard = max(0.0, self._feed.played / float(self._rate) - latency)
        return self._offset_s + min(heard, self._feed.queued / float(self._rate))

    @property
    def queued_s(self) -> float:
        """Seconds of sound queued so far (for a stream: what has arrived)."""
        return self._feed.queued / float(self._rate) if self.playing else 0.0

    def _tick(self) -> None:
        if self._done[0]:
            self.stop()
            return
        try:
            position = self.position_s
        except Exception as e:  # the stream died under us (device gone, PortAudio restarted)
            self.stop()
            self.failed.emit(
                f"Playback stopped: the audio output went away ({e}).",
                "Reconnect the speakers or headphones, or choose another output in Settings > Audio.",
            )
            return
        self.position_changed.emit(position)

    def stop(self) -> None:
        if not self.playing:
            return
        self._timer.stop()
        stream, self._stream = self._stream, None
        self._feed.ended = True
        try:
            stream.abort()
            stream.close()
        except Exception as e:
            log.info("Closing the output stream failed: %s", e)
        self.state_changed.emit(False)
