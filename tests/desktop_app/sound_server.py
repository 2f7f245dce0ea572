"""A real sound server for the audio tests: PulseAudio with a null sink called ``timbre``.

PortAudio reaches it through ALSA's pulse plugin (Debian's libasound2-plugins + pulseaudio make
ALSA's ``default`` device PulseAudio). Whatever is played goes into the null sink; its
``timbre.monitor`` source hears it back, which is what the recorder records in the tests.

If no server runs, one is started as a daemon (``-n``: no default.pa, so no hardware probing on a
machine without a sound card; ``--exit-idle-time=-1`` so it stays while the tests run). As root,
PulseAudio warns that it is meant for per-user use, but runs; ``--system`` is not needed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from dataclasses import dataclass, field

SINK = "timbre"
SOURCE = f"{SINK}.monitor"


@dataclass
class SoundServer:
    started: bool = False  # we started the daemon (and stop it at the end)
    modules: list[str] = field(default_factory=list)  # modules we loaded into a running server


def _pactl(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["pactl", *args], capture_output=True, text=True, timeout=20)


def _running() -> bool:
    return shutil.which("pactl") is not None and _pactl("info").returncode == 0


def start() -> SoundServer:
    """Make sure a server with the ``timbre`` null sink runs; make it the default sink and source."""
    if shutil.which("pulseaudio") is None or shutil.which("pactl") is None:
        raise RuntimeError(
            "PulseAudio is missing: install the Debian packages pulseaudio, libportaudio2 and "
            "libasound2-plugins (.ci/run does)."
        )
    server = SoundServer()
    if not _running():
        subprocess.run(
            [
                "pulseaudio",
                "--daemonize=yes",
                "-n",
                "--exit-idle-time=-1",
                "--load=module-native-protocol-unix",
                f"--load=module-null-sink sink_name={SINK} rate=48000",
            ],
            check=True,
            capture_output=True,
            timeout=30,
        )
        server.started = True
        deadline = time.monotonic() + 20
        while not _running():
            if time.monotonic() > deadline:
                raise RuntimeError("PulseAudio was started but does not answer")
            time.sleep(0.1)
    sinks = _pactl("list", "short", "sinks").stdout
    if not any(line.split("\t")[1:2] == [SINK] for line in sinks.splitlines()):
        loaded = _pactl("load-module", "module-null-sink", f"sink_name={SINK}", "rate=48000")
        if loaded.returncode != 0:
            raise RuntimeError(f"Could not add the null sink: {loaded.stderr}")
        server.modules.append(loaded.stdout.strip())
    _pactl("set-default-sink", SINK)
    _pactl("set-default-source", SOURCE)
    # Clients (the ALSA pulse plugin included) read these when they connect: this process's
    # streams use the null sink even where the server's defaults say otherwise.
    os.environ["PULSE_SINK"] = SINK
    os.environ["PULSE_SOURCE"] = SOURCE
    return server


def stop(server: SoundServer) -> None:
    for module in server.modules:
        _pactl("unload-module", module)
    if server.started:
        _pactl("exit")


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
