"""Crash safety: a process working on the library is killed (SIGKILL) at random moments; after each
kill the library opens, its consistency check leaves it in order, and it lists only whole voices."""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from engine.library import VoiceLibrary
from tests.library.helpers import whole_voice_problems

ROOT = Path(__file__).resolve().parents[2]
CHURN_KILLS = 24  # cheap workers (no torch): imports, duplicates, edits, deletes, trash
ADD_KILLS = 3  # workers that extract voices with the engine (each loads torch and the model)


@pytest.fixture
def seeded(lib, tiny_model, speech, speech_file, tmp_path):
    """A library with a few voices and a two-voice bundle for the workers to import."""
    a = lib.add(speech_file, "Hello, this is my voice.", model=tiny_model, name="Seed A")
    b = lib.add(speech, model=tiny_model, name="Seed B", mode="x_vector")
    bundle = lib.export([a, b], tmp_path / "two.timbre")
    root = lib.root
    lib.close()
    return root, bundle


def _run_and_kill(args: list[str], rng: random.Random, max_delay_s: float) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.library.workers", *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = proc.stdout.readline()
        if line.strip() != "ready":
            proc.kill()
            pytest.fail(f"worker did not start: {proc.communicate()[1][-2000:]}")
        time.sleep(rng.uniform(0, max_delay_s))
        assert proc.poll() is None, f"worker died by itself: {proc.communicate()[1][-2000:]}"
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.communicate()


def _assert_whole(root: Path, round_: int) -> int:
    lib = VoiceLibrary(root)  # runs the check: must not raise
    try:
        assert lib.check().clean, f"round {round_}: a second check still found {lib.check()}"
        voices = lib.list() + lib.trash()
        for v in voices:
            assert whole_voice_problems(lib, v) == [], f"round {round_}: {v.name}"
        assert {p.name for p in (root / "voices").iterdir()} == {v.id for v in voices}
        # No scratch folder survives; a bare lock file may (a kill between its two cleanup steps) and is
        # removed by a later check once old (removing it young could race a starting operation).
        assert [p for p in (root / "work").iterdir() if not p.name.endswith(".lock")] == []
        assert list((root / "quarantine").iterdir()) == [], f"round {round_}: {lib.last_check}"
        return len(voices)
    finally:
        lib.close()


def test_killed_at_random_moments_the_library_stays_whole(seeded, tiny_checkpoint, speech_file):
    root, bundle = seeded
    rng = random.Random(20240611)
    counts = []
    for i in range(CHURN_KILLS):
        _run_and_kill(["churn", str(root), str(bundle), str(i)], rng, max_delay_s=0.6)
        counts.append(_assert_whole(root, i))
    for i in range(ADD_KILLS):
        _run_and_kill(
            ["add", str(root), str(tiny_checkpoint), str(speech_file), str(i)], rng, max_delay_s=0.8
        )
        counts.append(_assert_whole(root, CHURN_KILLS + i))
    assert max(counts) > 2  # the workers really did change the library between kills
