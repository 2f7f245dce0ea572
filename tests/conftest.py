"""Shared fixtures: a tiny random checkpoint, the real engine on it, real speech from espeak-ng.

Every test runs with TIMBRE_HOME in its own temporary folder, so no test touches a user's data.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("HF_HUB_OFFLINE", "1")  # tests never reach the network

REFERENCE_DIR = Path(__file__).parent / "reference"


@pytest.fixture(autouse=True)
def timbre_home(tmp_path, monkeypatch) -> Path:
    home = tmp_path / "timbre-home"
    monkeypatch.setenv("TIMBRE_HOME", str(home))
    return home


@pytest.fixture(scope="session")
def tiny_checkpoint(tmp_path_factory) -> Path:
    from engine.random_checkpoint import write_random_checkpoint

    return write_random_checkpoint(tmp_path_factory.mktemp("ckpt") / "tiny", "tiny", seed=7)


@pytest.fixture(scope="session")
def tiny_model(tiny_checkpoint):
    from engine import Qwen3TTSModel

    return Qwen3TTSModel.from_pretrained(tiny_checkpoint, device="cpu")


def _espeak(text: str, path: Path, voice: str = "en-us") -> Path:
    if shutil.which("espeak-ng") is None:
        pytest.fail("espeak-ng is missing: install the Debian package espeak-ng (.ci/run does)")
    subprocess.run(["espeak-ng", "-v", voice, "-s", "150", "-w", str(path), text], check=True)
    return path


@pytest.fixture(scope="session")
def speech_file(tmp_path_factory) -> Path:
    """About 2.5 s of real English speech, 22.05 kHz mono WAV."""
    return _espeak(
        "Hello, this is my voice. I read this sentence for Timbre.",
        tmp_path_factory.mktemp("speech") / "hello.wav",
    )


@pytest.fixture(scope="session")
def speech(speech_file) -> tuple[np.ndarray, int]:
    import soundfile as sf

    data, sr = sf.read(speech_file, dtype="float32")
    return data, sr


SPEECH_TEXT = "Hello, this is my voice. I read this sentence for Timbre."
