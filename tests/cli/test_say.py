"""``timbre-cli say``: to a file, reproducible by seed, and played through a real sound server."""

from __future__ import annotations

import io

import numpy as np
import pytest
import soundfile as sf

from engine.cli import exit_codes
from tests.cli.conftest import FAST, no_traceback
from tests.sound_server import SoundServer

LONG = "Hello there. This text is long enough [pause 0.4s] to be cut into a few chunks, and joined."


def test_say_writes_a_take_that_its_seed_reproduces(cli, voices, tmp_path):
    first = cli(
        "say", "Hello there.", "--voice", "Alice", "-o", tmp_path / "a.wav", "--seed", "11", *FAST, "--json"
    )
    assert first.code == 0, first.err
    report = first.json()
    assert report["seed"] == 11 and report["chunks"] == 1 and report["voice"] == "Alice"
    audio, rate = sf.read(tmp_path / "a.wav", dtype="float32")
    assert rate == 24000 and abs(len(audio) / rate - report["duration_s"]) < 1e-3

    again = cli("say", "Hello there.", "--voice", "Alice", "-o", tmp_path / "b.wav", "--seed", "11", *FAST)
    assert again.code == 0 and "seed 11" in again.out
    assert (tmp_path / "a.wav").read_bytes() == (tmp_path / "b.wav").read_bytes()
    other = cli("say", "Hello there.", "--voice", "Alice", "-o", tmp_path / "c.wav", *FAST, "--json")
    assert other.json()["seed"] != 11  # a random seed, reported so the take can be made again
    assert (tmp_path / "c.wav").read_bytes() != (tmp_path / "a.wav").read_bytes()


def test_long_text_is_chunked_and_matches_a_rendered_script_line(cli, voices, tmp_path):
    opts = ("--voice", "Bob", "--seed", "4", "--max-chars", "30", *FAST)
    said = cli("say", LONG, "-o", tmp_path / "long.flac", *opts, "--json")
    assert said.code == 0 and said.json()["chunks"] >= 3
    script = tmp_path / "one.txt"
    script.write_text(LONG + "\n", encoding="utf-8")
    assert cli("render", script, "--out", tmp_path / "takes", "--format", "flac", *opts).code == 0
    said_audio, _ = sf.read(tmp_path / "long.flac", dtype="float32")
    rendered, _ = sf.read(tmp_path / "takes" / "001.flac", dtype="float32")
    np.testing.assert_array_equal(said_audio, rendered)  # `say --seed` renders a script line again


def test_say_reads_stdin(cli, voices, tmp_path, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO("Words from a pipe.\n"))
    result = cli("say", "-", "--voice", "Bob", "-o", tmp_path / "pipe.wav", *FAST, "--json")
    assert result.code == 0 and (tmp_path / "pipe.wav").is_file()


def test_say_refuses_bad_requests_before_loading_the_model(cli, voices, tmp_path):
    cases = [
        (("say", "Hi.", "--voice", "Alice"), "Nothing to do"),
        (("say", "Hi.", "--voice", "Alice", "-o", tmp_path / "x.mp4"), "cannot write .mp4"),
        (("say", "Hi.", "--voice", "Alice", "-o", tmp_path / "no" / "x.wav"), "does not exist"),
        (("say", "Hi [pawse 1s].", "--voice", "Alice", "-o", tmp_path / "x.wav"), "column 4"),
        (("say", "[pause 1s]", "--voice", "Alice", "-o", tmp_path / "x.wav"), "nothing to speak"),
        (("say", "Hi.", "--voice", "Carol", "-o", tmp_path / "x.wav"), "'Carol'"),
    ]
    for argv, expected in cases:
        result = cli(*argv)
        assert result.code == exit_codes.BAD_INPUT, (argv, result.err)
        assert expected in result.err and "Loading the model" not in result.err, result.err
    language = cli("say", "Hi.", "--voice", "Alice", "-o", tmp_path / "x.wav", "--language", "Elvish", *FAST)
    assert language.code == exit_codes.BAD_INPUT and "Unsupported language 'Elvish'" in language.err


@pytest.fixture(scope="module")
def sound_server():
    server = SoundServer("timbre-cli")
    yield server
    server.stop()


def test_say_play_streams_to_the_sound_device(cli_process, voices, sound_server, tmp_path):
    heard = tmp_path / "heard.wav"
    recorder = sound_server.record(heard)
    try:
        proc = cli_process(
            "say", LONG, "--voice", "Bob", "--seed", "4", "--max-chars", "30", *FAST,
            "--play", "-o", tmp_path / "played.wav", "--json",
            **sound_server.env,
        )  # fmt: skip
        stdout, stderr = proc.communicate(timeout=300)
    finally:
        recorder.stop()
    no_traceback(stdout + stderr)
    assert proc.returncode == 0, stderr
    assert '"played": true' in stdout

    played, rate = sf.read(tmp_path / "played.wav", dtype="float32")
    got, got_rate = sf.read(heard, dtype="float32")
    # The monitor heard the take: as many loud samples (resampled to the sink's rate) as the file has.
    loud_played = np.count_nonzero(np.abs(played) > 0.05) * got_rate / rate
    loud_heard = np.count_nonzero(np.abs(got) > 0.05)
    assert loud_heard > 0.8 * loud_played > 0
    assert np.abs(got).max() > 0.5 * np.abs(played).max()


def test_play_without_a_sound_device_says_so(cli_process, voices, tmp_path):
    proc = cli_process(
        "say",
        "Hi.",
        "--voice",
        "Bob",
        "--play",
        PULSE_SERVER=f"unix:{tmp_path}/no-such-server",
        ALSA_CARD="none",
    )
    stdout, stderr = proc.communicate(timeout=300)
    no_traceback(stdout + stderr)
    assert proc.returncode == exit_codes.ENVIRONMENT, stderr
    assert "no sound output" in stderr and "Loading the model" not in stderr
