"""Fixtures for timbre-cli: the real CLI on the tiny checkpoint, in this process or in a child.

``cli(...)`` runs ``engine.cli.main`` in-process and fails the test if a traceback reaches the
user; ``cli_process(...)`` runs ``python -m engine.cli`` from this checkout in a subprocess.
Every test has its own TIMBRE_HOME (so its own voice library).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import SPEECH_TEXT

ROOT = Path(__file__).resolve().parents[2]
FAST = ("--max-new-tokens", "8")  # the tiny model never ends a line: keep lines short


@dataclass
class Result:
    code: int
    out: str
    err: str

    def json(self):
        return json.loads(self.out)


def no_traceback(text: str) -> None:
    assert "Traceback" not in text, text


@pytest.fixture
def cli(capsys, tiny_checkpoint, monkeypatch):
    monkeypatch.setenv("TIMBRE_MODEL", str(tiny_checkpoint))

    def run(*argv) -> Result:
        from engine.cli import main

        capsys.readouterr()
        code = main([str(a) for a in argv])
        out, err = capsys.readouterr()
        no_traceback(out + err)
        return Result(code, out, err)

    return run


def child_env(tiny_checkpoint, timbre_home, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        TIMBRE_HOME=str(timbre_home),
        TIMBRE_MODEL=str(tiny_checkpoint),
        HF_HUB_OFFLINE="1",
        PYTHONPATH=str(ROOT),  # this checkout's engine, whatever the venv has installed
    )
    env.update(extra)  # a test may override any of these (HF_HUB_OFFLINE to reach a fake hub)
    return env


@pytest.fixture
def cli_process(tiny_checkpoint, timbre_home):
    """Start ``python -m engine.cli ARGS`` (a Popen; the caller waits or kills it)."""

    def start(*argv, **env: str) -> subprocess.Popen:
        return subprocess.Popen(
            [sys.executable, "-m", "engine.cli", *map(str, argv)],
            cwd=ROOT,
            env=child_env(tiny_checkpoint, timbre_home, **env),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    return start


@pytest.fixture
def voices(cli, speech_file):
    """Alice (reference + transcript) and Bob (audio only), added through the CLI."""
    alice = cli("voices", "add", "--audio", speech_file, "--text", SPEECH_TEXT, "--name", "Alice", "--json")
    bob = cli(
        "voices", "add", "--audio", speech_file, "--x-vector", "--name", "Bob", "--tags", "deep", "--json"
    )
    assert alice.code == 0 and bob.code == 0, alice.err + bob.err
    return {"Alice": alice.json()["voice"], "Bob": bob.json()["voice"]}
