"""``timbre-cli say``: to a file, reproducible by seed, and played through a real sound server."""

from __future__ import annotations

import io
from pathlib import Path

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
        (("say", "Hi.", "--voice", "Alice", "-o", tmp_path / "x.wav", "--language", "Elvish"), "'Elvish'"),
    ]
    for argv, expected in cases:
        result = cli(*argv)
        assert result.code == exit_codes.BAD_INPUT, (argv, result.err)
        assert expected in result.err and "Loading the model" not in result.err, result.err
    assert "hint: Use one of: auto, chinese, english" in result.err


def _read_only_folder(tmp_path):
    """A folder nobody may write into; /sys where permissions do not stop this user (root)."""
    folder = tmp_path / "read-only"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        (folder / "probe").touch()
    except PermissionError:
        return folder
    (folder / "probe").unlink()
    return Path("/sys")  # sysfs refuses new files to everyone


def test_an_unwritable_output_is_refused_before_rendering(cli, voices, tmp_path):
    (tmp_path / "a-file").write_text("not a folder")
    (tmp_path / "a-folder.wav").mkdir()
    cases = [
        (tmp_path / "missing" / "x.wav", "missing does not exist", "Create it"),
        (_read_only_folder(tmp_path) / "x.wav", "Timbre cannot write into the folder", "you can write to"),
        (tmp_path / "a-folder.wav", "is a folder, not a file name", "Name a file in it"),
        (tmp_path / "a-file" / "x.wav", "is a file, not a folder", "into a folder"),
    ]
    for out, words, hint in cases:
        result = cli("say", "Hello there.", "--voice", "Alice", "-o", out, *FAST)
        assert result.code == exit_codes.BAD_INPUT, (out, result.err)
        assert words in result.err and hint in result.err.split("hint:")[1], result.err
        assert "Loading the model" not in result.err  # found before the render, so nothing is lost
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "a-file",
        "a-folder.wav",
        "read-only",
        "timbre-home",
    ]


def test_every_markup_error_of_the_text_is_listed(cli, voices, tmp_path):
    result = cli(
        "say", "Hi [pauze 1s] there.\nAnd [pause 99s] [laughs].", "--voice", "Alice", "-o", tmp_path / "x.wav"
    )
    assert result.code == exit_codes.BAD_INPUT and "Loading the model" not in result.err
    assert "error: There are 3 problems:\n  line 1, column 4: Unknown markup [pauze 1s]." in result.err
    assert "\n  line 2, column 5: [pause 99s] is longer" in result.err
    assert "\n  line 2, column 17: Unknown markup [laughs]." in result.err


@pytest.mark.parametrize(
    "option, value, words",
    [
        ("--top-p", "3", "argument --top-p: '3' is not more than 0 and at most 1"),
        ("--top-p", "0", "argument --top-p: '0' is not more than 0"),
        ("--temperature", "0", "argument --temperature: '0' is not more than 0"),
        ("--temperature", "nan", "argument --temperature: 'nan' is not a number"),
        ("--repetition-penalty", "-1", "argument --repetition-penalty: '-1' is not more than 0"),
        ("--max-new-tokens", "1", "argument --max-new-tokens: '1' is too small"),
        ("--top-k", "0", "argument --top-k: '0' is not a whole number of 1 or more"),
    ],
)
def test_sampling_values_are_checked_by_their_option_names(cli, voices, tmp_path, option, value, words):
    result = cli("say", "Hi.", "--voice", "Alice", "-o", tmp_path / "x.wav", option, value)
    assert result.code == exit_codes.USAGE and words in result.err, result.err
    assert "Loading the model" not in result.err and "top_p" not in result.err


def test_a_long_line_stays_within_its_length_limit_when_played_too(cli, voices, tmp_path):
    """--max-new-tokens is the whole text's: its chunks share it, with or without --play."""
    opts = ("--voice", "Bob", "--seed", "4", "--max-chars", "30", "--max-new-tokens", "40", "--json")
    said = cli("say", LONG, "-o", tmp_path / "long.wav", *opts).json()
    assert said["chunks"] >= 3
    audio, rate = sf.read(tmp_path / "long.wav", dtype="float32")
    # 39 frames of speech for the whole text (the tiny model never stops early), plus the
    # written 0.4 s pause and the natural pauses between chunks, which are at most 0.5 s each.
    assert len(audio) / rate <= 39 * 0.08 + 0.4 + 0.5 * (said["chunks"] - 1)


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

    # What was played is the take `say` renders without --play: the same chunks, seeds and shares
    # of the length limit (the streaming decoder rounds a little differently).
    proc = cli_process(
        "say", LONG, "--voice", "Bob", "--seed", "4", "--max-chars", "30", *FAST, "-o", tmp_path / "quiet.wav"
    )
    proc.communicate(timeout=300)
    quiet, _ = sf.read(tmp_path / "quiet.wav", dtype="float32")
    assert len(quiet) == len(played) and np.allclose(quiet, played, atol=1e-3)


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
