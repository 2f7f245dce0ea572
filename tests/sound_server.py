"""A private sound server for the audio tests: PulseAudio with one null sink, on its own socket.

The server is our own child process listening on its own socket, so it neither disturbs nor is
disturbed by any other sound server on the machine: another test suite (or another checkout's)
may start and stop a shared one at any time, which used to cut our streams mid-test. Clients
find it through ``PULSE_SERVER``, which PortAudio (through ALSA's pulse plugin: Debian's
libasound2-plugins), ``pactl``, ``pacat`` and ``parecord`` all read: child processes get it from
:attr:`SoundServer.env`, this process after :meth:`SoundServer.activate`. Whatever is played goes
into the null sink; its monitor source hears it back. ``-n`` loads no default.pa, so nothing
probes for hardware on a machine without a sound card.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

RATE = 48000
TOOLS = ("pulseaudio", "pactl", "pacat", "parecord")


class SoundServer:
    """PulseAudio with the null sink ``sink`` (its ``.monitor`` is the source), started at once."""

    def __init__(self, sink: str) -> None:
        for tool in TOOLS:
            if shutil.which(tool) is None:
                raise RuntimeError(
                    f"{tool} is missing: install the Debian packages pulseaudio, pulseaudio-utils, "
                    "libportaudio2 and libasound2-plugins (.ci/run does)."
                )
        self.sink, self.monitor = sink, f"{sink}.monitor"
        self.folder = Path(tempfile.mkdtemp(prefix="timbre-pulse-"))
        socket = self.folder / "native"
        self.env = {"PULSE_SERVER": f"unix:{socket}", "PULSE_SINK": sink, "PULSE_SOURCE": self.monitor}
        self._saved_env: dict[str, str | None] | None = None
        with open(self.folder / "pulseaudio.log", "w") as log:  # the child keeps its own handle
            self.proc = subprocess.Popen(
                [
                    "pulseaudio",
                    "--daemonize=no",
                    "-n",
                    "--exit-idle-time=-1",
                    "--use-pid-file=no",
                    f"--load=module-native-protocol-unix socket={socket} auth-anonymous=1",
                    f"--load=module-null-sink sink_name={sink} rate={RATE}",
                ],
                env={
                    **os.environ,
                    "PULSE_RUNTIME_PATH": str(self.folder / "run"),
                    "PULSE_STATE_PATH": str(self.folder / "state"),
                },
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 30
        while self.pactl("info").returncode != 0:
            if self.proc.poll() is not None or time.monotonic() > deadline:
                log_text = (self.folder / "pulseaudio.log").read_text()
                self.stop()
                raise RuntimeError(f"PulseAudio did not start: {log_text}")
            time.sleep(0.1)
        self.pactl("set-default-sink", sink)
        self.pactl("set-default-source", self.monitor)

    def _child_env(self) -> dict[str, str]:
        return {**os.environ, **self.env}

    def pactl(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            ["pactl", *args], env=self._child_env(), capture_output=True, text=True, timeout=20
        )

    def activate(self) -> None:
        """Make this the sound server of this process (PortAudio reads it when it scans devices)."""
        if self._saved_env is None:
            self._saved_env = {key: os.environ.get(key) for key in self.env}
        os.environ.update(self.env)

    def play_tone(self, frequency_hz: float, seconds: float, amplitude: float) -> subprocess.Popen:
        """Play a sine into the sink from another process (as a real sound source would)."""
        import numpy as np

        t = np.arange(int(seconds * RATE)) / RATE
        pcm = (amplitude * np.sin(2 * np.pi * frequency_hz * t) * 32767).astype("<i2").tobytes()
        proc = subprocess.Popen(
            [
                "pacat",
                "--playback",
                f"--device={self.sink}",
                "--format=s16le",
                f"--rate={RATE}",
                "--channels=1",
            ],
            stdin=subprocess.PIPE,
            env=self._child_env(),
        )
        assert proc.stdin is not None
        proc.stdin.write(pcm)
        proc.stdin.close()
        return proc

    def record(self, path: str | Path) -> MonitorRecording:
        """Record what the sink plays into a mono WAV until the recording is stopped."""
        return MonitorRecording(
            subprocess.Popen(
                [
                    "parecord",
                    f"--device={self.monitor}",
                    "--file-format=wav",
                    "--channels=1",
                    f"--rate={RATE}",
                    str(path),
                ],
                env=self._child_env(),
            )
        )

    def stop(self) -> None:
        """End the server, give the environment back as it was and remove its folder."""
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=20)
        if self._saved_env is not None:
            for key, value in self._saved_env.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value
            self._saved_env = None
        shutil.rmtree(self.folder, ignore_errors=True)


class MonitorRecording:
    """A ``parecord`` of the sink's monitor, running in another process."""

    def __init__(self, proc: subprocess.Popen) -> None:
        self.proc = proc

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=20)
