"""Microphone recording and playback on PortAudio (``sounddevice``).

PortAudio calls our callbacks on its own thread; they only copy samples into or out of
buffers (no Qt, no allocation beyond one copy). A QTimer on the GUI thread turns the buffers
into level, elapsed-time and playhead updates and notices when a device stops delivering
(unplugged, server gone). Every device problem becomes an :class:`AudioDeviceError` with a
message and a hint, and whatever was recorded before it is kept.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, QTimer, Signal

from engine.errors import TimbreError

log = logging.getLogger(__name__)

TICK_MS = 30
DROP_START_S = 0.3  # the click of the record button and the breath before speaking
MAX_RECORDING_S = 120.0
STALL_S = 1.5  # no samples for this long while recording: the device has gone away
START_GRACE_S = 5.0  # some servers deliver the first samples only after a while


class AudioDeviceError(TimbreError):
    """A microphone or output that is missing, busy, or went away."""


@dataclass(frozen=True)
class AudioDevice:
    """A PortAudio device as the pickers show it."""

    index: int
    name: str
    host_api: str
    inputs: int
    outputs: int
    default_rate: int

    @property
    def label(self) -> str:
        return f"{self.name} ({self.host_api})" if self.host_api else self.name


def _sd() -> Any:
    try:
        import sounddevice
    except OSError as e:  # libportaudio missing
        raise AudioDeviceError(
            f"The sound system is not available ({e}).",
            "Install PortAudio (on Debian/Ubuntu: sudo apt install libportaudio2) and restart Timbre.",
        ) from None
    return sounddevice


def list_devices() -> list[AudioDevice]:
    """Every device PortAudio knows, inputs and outputs."""
    sd = _sd()
    apis = [a["name"] for a in sd.query_hostapis()]
    out = []
    for i, d in enumerate(sd.query_devices()):
        out.append(
            AudioDevice(
                i,
                d["name"],
                apis[d["hostapi"]] if d["hostapi"] < len(apis) else "",
                int(d["max_input_channels"]),
                int(d["max_output_channels"]),
                int(d["default_samplerate"] or 48000),
            )
        )
    return out


def input_devices() -> list[AudioDevice]:
    return [d for d in list_devices() if d.inputs > 0]


def output_devices() -> list[AudioDevice]:
    return [d for d in list_devices() if d.outputs > 0]


def rescan_devices() -> None:
    """Ask PortAudio for the current device list (it is read once at start-up otherwise).

    Only call this while nothing records or plays.
    """
    sd = _sd()
    sd._terminate()  # documented sounddevice way to pick up plugged-in devices
    sd._initialize()


def find_device(name: str, kind: str) -> AudioDevice | None:
    """The device called ``name`` (``kind`` "input" or "output"); ``""`` -> the system default.

    Raises AudioDeviceError when there is no such device at all.
    """
    devices = input_devices() if kind == "input" else output_devices()
    what = "microphone" if kind == "input" else "audio output"
    if not devices:
        if kind == "input":
            raise AudioDeviceError(
                "No microphone was found.",
                "Connect a microphone (or unmute it in the system sound settings), then try again. "
                "You can also open an audio file instead.",
            )
        raise AudioDeviceError(
            "No audio output was found.", "Connect speakers or headphones, then try again."
        )
    if not name:
        return None
    for d in devices:
        if d.name == name:
            return d
    raise AudioDeviceError(
        f"The {what} {name!r} is not connected.",
        f"Plug it in, or choose another {what} in Settings > Audio.",
    )


def _open_error(e: Exception, what: str) -> AudioDeviceError:
    return AudioDeviceError(
        f"The {what} could not be opened ({e}).",
        f"Check that it is connected and not used by another program, or choose another {what} in "
        "Settings > Audio.",
    )


class Recorder(QObject):
    """Records mono float32 from a microphone. ``finished`` carries the take minus its first 0.3 s."""

    level_changed = Signal(float, float)  # rms, peak of the last tick (linear, 0..1)
    elapsed_changed = Signal(float)  # seconds recorded so far
    finished = Signal(object, int)  # np.ndarray float32 (N,), sample rate
    failed = Signal(str, str)  # message, hint (what was recorded so far is still delivered)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._stream: Any = None
        self._chunks: list[np.ndarray] = []  # appended by PortAudio's thread, read by the timer
        self._read = 0
        self._samples = 0
        self._ticks_without_audio = 0
        self.sample_rate = 0
        self._timer = QTimer(self)
        self._timer.setInterval(TICK_MS)
        self._timer.timeout.connect(self._tick)

    @property
    def recording(self) -> bool:
        return self._stream is not None

    def start(self, device_name: str = "") -> None:
        """Open the microphone and start recording; raises AudioDeviceError."""
        if self.recording:
            return
        sd = _sd()
        device = find_device(device_name, "input")
        rate = device.default_rate if device else int(sd.query_devices(kind="input")["default_samplerate"])
        self._chunks, self._read, self._samples, self._ticks_without_audio = [], 0, 0, 0
        chunks = self._chunks

        def callback(indata, frames, time_info, status) -> None:  # PortAudio's thread
            chunks.append(indata[:, 0].copy())

        try:
            stream = sd.InputStream(
                device=device.index if device else None,
                channels=1,
                samplerate=rate,
                dtype="float32",
                callback=callback,
            )
            stream.start()
        except Exception as e:  # PortAudioError, or ValueError for a bad device
            raise _open_error(e, "microphone") from None
        self._stream, self.sample_rate = stream, rate
        self._timer.start()

    def _tick(self) -> None:
        new = self._chunks[self._read :]
        self._read += len(new)
        if new:
            block = np.concatenate(new)
            self._samples += len(block)
            self._ticks_without_audio = 0
            self.level_changed.emit(float(np.sqrt(np.mean(np.square(block)))), float(np.max(np.abs(block))))
        else:
            self._ticks_without_audio += 1
        self.elapsed_changed.emit(self._samples / float(self.sample_rate))
        silent_s = self._ticks_without_audio * TICK_MS / 1000.0
        if silent_s >= (STALL_S if self._samples else START_GRACE_S) or not self._stream.active:
            self._finish(
                AudioDeviceError(
                    "The microphone stopped sending sound. Was it unplugged?",
                    "What was recorded so far is kept. Reconnect the microphone or choose another "
                    "one, then record again.",
                )
            )
        elif self._samples >= MAX_RECORDING_S * self.sample_rate:
            self.stop()

    def stop(self) -> None:
        """Stop and deliver the recording through ``finished``."""
        if self.recording:
            self._finish(None)

    def _finish(self, error: AudioDeviceError | None) -> None:
        self._timer.stop()
        stream, self._stream = self._stream, None
        try:
            stream.stop()
            stream.close()
        except Exception as e:  # the device may already be gone
            log.info("Closing the input stream failed: %s", e)
        audio = np.concatenate(self._chunks) if self._chunks else np.zeros(0, np.float32)
        audio = audio[int(DROP_START_S * self.sample_rate) :]
        if error is not None:
            self.failed.emit(error.message, error.hint or "")
        self.finished.emit(audio, self.sample_rate)


class Player(QObject):
    """Plays one sound at a time; ``owner`` says which panel started it (for its playhead)."""

    position_changed = Signal(float)  # seconds into the sound being played
    state_changed = Signal(bool)  # playing or not
    failed = Signal(str, str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._stream: Any = None
        self._buffer = np.zeros(0, np.float32)
        self._pos = [0]  # written by PortAudio's thread
        self._done = [False]
        self._rate = 0
        self._offset_s = 0.0
        self.owner: object | None = None
        self._timer = QTimer(self)
        self._timer.setInterval(TICK_MS)
        self._timer.timeout.connect(self._tick)

    @property
    def playing(self) -> bool:
        return self._stream is not None

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
        self.stop()
        sd = _sd()
        device = find_device(device_name, "output")
        a = int(max(0.0, start_s) * sample_rate)
        b = len(audio) if end_s is None else int(end_s * sample_rate)
        samples = np.ascontiguousarray(audio[a:b], dtype=np.float32)
        rate = sample_rate
        try:
            sd.check_output_settings(device=device.index if device else None, channels=1, samplerate=rate)
        except Exception:
            # The device does not take this rate directly: resample to its own rate.
            import soxr

            dev_rate = (
                device.default_rate if device else int(sd.query_devices(kind="output")["default_samplerate"])
            )
            samples = soxr.resample(samples, rate, dev_rate).astype(np.float32)
            rate = dev_rate
        buffer, pos, done = samples, [0], [False]

        def callback(outdata, frames, time_info, status) -> None:  # PortAudio's thread
            chunk = buffer[pos[0] : pos[0] + frames]
            outdata[: len(chunk), 0] = chunk
            outdata[len(chunk) :, 0] = 0.0
            pos[0] += frames
            if pos[0] >= len(buffer):
                raise sd.CallbackStop

        def finished_callback() -> None:  # PortAudio's thread
            done[0] = True

        try:
            stream = sd.OutputStream(
                device=device.index if device else None,
                channels=1,
                samplerate=rate,
                dtype="float32",
                callback=callback,
                finished_callback=finished_callback,
            )
            stream.start()
        except Exception as e:
            raise _open_error(e, "audio output") from None
        self._stream, self._buffer, self._pos, self._done = stream, buffer, pos, done
        self._rate, self._offset_s, self.owner = rate, a / float(sample_rate), owner
        self._timer.start()
        self.state_changed.emit(True)
        self.position_changed.emit(self._offset_s)

    @property
    def position_s(self) -> float:
        """Where the listener is, in seconds of the original sound (output latency subtracted)."""
        if not self.playing:
            return 0.0
        latency = float(self._stream.latency or 0.0)
        heard = max(0.0, self._pos[0] / float(self._rate) - latency)
        return self._offset_s + min(heard, len(self._buffer) / float(self._rate))

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
        try:
            stream.abort()
            stream.close()
        except Exception as e:
            log.info("Closing the output stream failed: %s", e)
        self.state_changed.emit(False)
