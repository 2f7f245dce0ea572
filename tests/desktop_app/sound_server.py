"""A private sound server for the audio tests: PulseAudio with a null sink called ``timbre``.

The server is our own child process listening on its own socket, so it neither disturbs nor is
disturbed by any other sound server on the machine: another test suite (or another checkout's)
may start and stop the shared one at any time, which used to cut our streams mid-test. Clients
find it through ``PULSE_SERVER`` in this process's environment, which PortAudio (through ALSA's
pulse plugin: Debian's libasound2-plugins), ``pactl``, ``pacat`` and ``parecord`` all read.
Whatever is played goes into the null sink; its ``timbre.monitor`` source hears it back, which
is what the recorder records in the tests. ``-n`` loads no default.pa, so nothing probes for
hardware on a machine without a sound card.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

SINK = "timbre"
SOURCE = f"{SINK}.monitor"
ENV_KEYS = ("PULSE_SERVER", "PULSE_SINK", "PULSE_SOURCE")


@dataclass
class SoundServer:
    proc: subprocess.Popen
    folder: Path
    saved_env: dict[str, str | None]


def _pactl(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["pactl", *args], capture_output=True, text=True, timeout=20)


def start() -> SoundServer:
    """Start the server, make it this process's sound server, with ``timbre`` as sink and source."""
    for tool in ("pulseaudio", "pactl", "pacat", "parecord"):
        if shutil.which(tool) is None:
            raise RuntimeError(
                f"{tool} is missing: install the Debian packages pulseaudio, pulseaudio-utils, "
                "libportaudio2 and libasound2-plugins (.ci/run does)."
            )
    folder = Path(tempfile.mkdtemp(prefix="timbre-pulse-"))
    socket = folder / "native"
    log = open(folder / "pulseaudio.log", "w")  # noqa: SIM115 - the server writes to it while it runs
    proc = subprocess.Popen(
        [
            "pulseaudio",
            "--daemonize=no",
            "-n",
            "--exit-idle-time=-1",
            "--use-pid-file=no",
            f"--load=module-native-protocol-unix socket={socket} auth-anonymous=1",
            f"--load=module-null-sink sink_name={SINK} rate=48000",
        ],
        env={
            **os.environ,
            "PULSE_RUNTIME_PATH": str(folder / "run"),
            "PULSE_STATE_PATH": str(folder / "state"),
        },
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    log.close()  # the child has its own handle
    server = SoundServer(proc, folder, {key: os.environ.get(key) for key in ENV_KEYS})
    os.environ.update(PULSE_SERVER=f"unix:{socket}", PULSE_SINK=SINK, PULSE_SOURCE=SOURCE)
    deadline = time.monotonic() + 30
    while _pactl("info").returncode != 0:
        if proc.poll() is not None or time.monotonic() > deadline:
            stop(server)
            raise RuntimeError(f"PulseAudio did not start: {(folder / 'pulseaudio.log').read_text()}")
        time.sleep(0.1)
    _pactl("set-default-sink", SINK)
    _pactl("set-default-source", SOURCE)
    return server


def stop(server: SoundServer) -> None:
    """End the server and give the environment back as it was."""
    if server.proc.poll() is None:
        server.proc.terminate()
        server.proc.wait(timeout=20)
    for key, value in server.saved_env.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
    shutil.rmtree(server.folder, ignore_errors=True)


def play_tone(frequency_hz: float, seconds: float, amplitude: float) -> subprocess.Popen:
    """Play a sine into the null sink from another process (as a real sound source would)."""
    import numpy as np

    rate = 48000
    t = np.arange(int(seconds * rate)) / rate
    pcm = (amplitude * np.sin(2 * np.pi * frequency_hz * t) * 32767).astype("<i2").tobytes()
    proc = subprocess.Popen(
        ["pacat", "--playback", f"--device={SINK}", "--format=s16le", f"--rate={rate}", "--channels=1"],
        stdin=subprocess.PIPE,
    )
    assert proc.stdin is not None
    proc.stdin.write(pcm)
    proc.stdin.close()
    return proc


class MonitorRecording:
    """Record the null sink's monitor from another process while something plays."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.proc = subprocess.Popen(
            ["parecord", f"--device={SOURCE}", "--file-format=wav", "--channels=1", "--rate=48000", path],
        )

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=20)
