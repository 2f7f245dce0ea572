"""A private PulseAudio server with a null sink, so playback tests hear what was played.

The server runs as our own child process with its own socket, so it neither disturbs nor is
disturbed by another sound server on the machine (another test suite may start and stop the
shared one at any time). Clients reach it through ``PULSE_SERVER``; PortAudio reaches it
through ALSA's pulse plugin (Debian: pulseaudio, libportaudio2, libasound2-plugins). Whatever
plays into the sink ``timbre-cli`` can be recorded back from ``timbre-cli.monitor``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

SINK = "timbre-cli"
MONITOR = f"{SINK}.monitor"


class SoundServer:
    def __init__(self, folder: Path) -> None:
        for tool in ("pulseaudio", "pactl", "parecord"):
            if shutil.which(tool) is None:
                raise RuntimeError(
                    f"{tool} is missing: install the Debian packages pulseaudio, pulseaudio-utils, "
                    "libportaudio2 and libasound2-plugins (.ci/run does)."
                )
        self.folder = folder
        socket = folder / "native"
        self.env = {"PULSE_SERVER": f"unix:{socket}", "PULSE_SINK": SINK}
        self.log = open(folder / "pulseaudio.log", "w")
        self.proc = subprocess.Popen(
            [
                "pulseaudio",
                "--daemonize=no",
                "-n",  # no default.pa: no hardware probing on a machine without a sound card
                "--exit-idle-time=-1",
                "--use-pid-file=no",
                f"--load=module-native-protocol-unix socket={socket} auth-anonymous=1",
                f"--load=module-null-sink sink_name={SINK} rate=48000",
            ],
            env={
                **self._base_env(),
                "PULSE_RUNTIME_PATH": str(folder / "run"),
                "PULSE_STATE_PATH": str(folder / "state"),
            },
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 30
        while self.pactl("info").returncode != 0:
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"PulseAudio did not start: {(folder / 'pulseaudio.log').read_text()}")
            time.sleep(0.1)
        self.pactl("set-default-sink", SINK)

    @staticmethod
    def _base_env() -> dict[str, str]:
        return dict(os.environ)

    def pactl(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            ["pactl", *args], env={**self._base_env(), **self.env}, capture_output=True, text=True, timeout=20
        )

    def record(self, path: Path) -> subprocess.Popen:
        """Record the sink's monitor into a WAV file until the returned process is interrupted."""
        return subprocess.Popen(
            [
                "parecord",
                f"--device={MONITOR}",
                "--file-format=wav",
                "--channels=1",
                "--rate=48000",
                str(path),
            ],
            env={**self._base_env(), **self.env},
        )

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=20)
        self.log.close()
