"""Microphone recording on PortAudio (``sounddevice``), and the device helpers playback shares.

PortAudio calls our callbacks on its own thread; they only copy samples into or out of
buffers (no Qt, no allocation beyond one copy). A QTimer on the GUI thread turns the buffers
into level, elapsed-time and playhead updates and notices when a device stops delivering
(unplugged, server gone). Every device problem becomes an :class:`AudioDeviceError` with a
message and a hint, and whatever was recorded before it is kept. Playback is in
:mod:`desktop_app.audio_player`.
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


def sd_module() -> Any:
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
    sd = sd_module()
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
    sd = sd_module()
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


def open_error(e: Exception, what: str) -> AudioDeviceError:
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
        sd = sd_module()
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
            raise open_error(e, "microphone") from None
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
