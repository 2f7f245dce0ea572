"""A render killed mid-way (SIGKILL), or stopped with Ctrl+C / SIGTERM, resumes where it stopped."""

from __future__ import annotations

import json
import signal
import time

import soundfile as sf

from engine.cli import exit_codes
from engine.cli.manifest import MANIFEST_NAME
from tests.cli.conftest import no_traceback

# Enough lines that a run cannot finish between the test seeing its first take and the signal
# arriving, however fast the machine renders.
LINES = [f"This is line number {n} of the long script." for n in range(1, 31)]
TAKE = ("--max-new-tokens", "20", "--seed", "5")
# One line per batch, so the render is still going after its first line is saved. The batch size
# is not part of a take's key (a take depends only on its own seed), so resuming may batch more.
SLOW = (*TAKE, "--batch-size", "1")
FAST = (*TAKE, "--batch-size", "6")


def saved(out) -> dict:
    try:
        return json.loads((out / MANIFEST_NAME).read_text())["takes"]
    except (OSError, ValueError):
        return {}


def wait_for_first_take(proc, out) -> None:
    deadline = time.monotonic() + 120  # a guard against a hung child, not a timing assertion
    while not saved(out):
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "no take was saved"
        time.sleep(0.02)


def test_killed_render_resumes(cli, cli_process, voices, tmp_path):
    script = tmp_path / "long.txt"
    script.write_text("\n".join(LINES) + "\n", encoding="utf-8")
    out = tmp_path / "takes"
    proc = cli_process("render", script, "--out", out, "--voice", "Bob", *SLOW)
    wait_for_first_take(proc, out)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    done = saved(out)
    assert 1 <= len(done) < len(LINES), "the render finished before it could be killed"
    # As a kill mid-write would leave it (the next render removes it):
    (out / f".006.wav.{proc.pid}.partial").write_bytes(b"half a take")

    resumed = cli("render", script, "--out", out, "--voice", "Bob", *FAST, "--json")
    assert resumed.code == 0, resumed.err
    report = resumed.json()
    assert report["skipped"] == len(done) and report["rendered"] == len(LINES) - len(done)
    assert {x["file"] for x in report["lines"] if x["status"] == "skipped"} == set(done)
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".timbre")) == [
        *[f"{i:03d}.wav" for i in range(1, len(LINES) + 1)],
        MANIFEST_NAME,
    ]
    for name in done:  # what was saved before the kill is kept as it was
        assert saved(out)[name]["sha256"] == done[name]["sha256"]
    for x in report["lines"]:
        assert sf.info(out / x["file"]).frames > 0


def test_ctrl_c_and_sigterm_stop_cleanly_and_resume(cli, cli_process, voices, tmp_path):
    script = tmp_path / "long.txt"
    script.write_text("\n".join(LINES) + "\n", encoding="utf-8")
    out = tmp_path / "takes"
    for sig in (signal.SIGINT, signal.SIGTERM):
        proc = cli_process("render", script, "--out", out, "--voice", "Bob", *SLOW)
        before = len(saved(out))
        deadline = time.monotonic() + 120
        while len(saved(out)) == before:  # wait until this run has saved a take of its own
            assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()
            time.sleep(0.02)
        proc.send_signal(sig)
        stdout, stderr = proc.communicate(timeout=120)
        no_traceback(stdout + stderr)
        assert proc.returncode == exit_codes.INTERRUPTED, stderr
        assert "Run the same command again to render the rest." in stderr and "error: Interrupted." in stderr
        assert not list(out.glob(".*.partial"))
    stopped_with = len(saved(out))
    assert stopped_with < len(LINES)
    final = cli("render", script, "--out", out, "--voice", "Bob", *FAST, "--json").json()
    assert (final["skipped"], final["rendered"], final["failed"]) == (
        stopped_with,
        len(LINES) - stopped_with,
        0,
    )
