"""``timbre-cli render``: scripts to files on the real engine, reruns, failures, timelines."""

from __future__ import annotations

import json

import numpy as np
import pytest
import soundfile as sf

from engine.cli import exit_codes
from engine.cli.manifest import MANIFEST_NAME
from tests.cli.conftest import FAST

SCRIPT = """\
# Episode one
Welcome back to the show.
Thanks, glad to be here. [pause 300ms] Really.

Let's get started.
This is the fourth line.
And the fifth line ends it.
"""


def stamps(folder):
    return {p.name: (p.stat().st_mtime_ns, p.stat().st_ino) for p in folder.glob("*.wav")}


def statuses(result) -> dict[int, str]:
    return {line["line"]: line["status"] for line in result.json()["lines"]}


def test_five_lines_render_then_rerun_renders_nothing(cli, voices, tmp_path):
    script = tmp_path / "episode.txt"
    script.write_text(SCRIPT, encoding="utf-8")
    out = tmp_path / "takes"
    first = cli(
        "render", script, "--out", out, "--voice", "Alice", "--seed", "7", *FAST, "--progress", "--json"
    )
    assert first.code == 0, first.err
    report = first.json()
    assert (report["rendered"], report["skipped"], report["failed"]) == (5, 0, 0)
    assert [(x["line"], x["file"]) for x in report["lines"]] == [
        (2, "001.wav"),
        (3, "002.wav"),
        (5, "003.wav"),
        (6, "004.wav"),
        (7, "005.wav"),
    ]
    assert all(x["seed"] == 7 and x["voice"] == "Alice" for x in report["lines"])
    for x in report["lines"]:
        audio, rate = sf.read(out / x["file"], dtype="float32")
        assert rate == 24000 and abs(len(audio) / rate - x["duration_s"]) < 1e-3 and np.abs(audio).max() > 0
    # Line 3 is in two parts around its pause; --max-new-tokens is the line's, so its two parts
    # share the 7 frames line 2 has alone, and the pause comes on top as exact silence.
    assert report["lines"][1]["duration_s"] == pytest.approx(report["lines"][0]["duration_s"] + 0.3)
    # A progress bar with an ETA was drawn, and it counted every line.
    assert "Rendering 5/5 lines" in first.err and "100%" in first.err and "<" in first.err
    # The tiny model never ends a line: the summary says which takes were cut off.
    assert "lines 2, 3, 5, 6, 7: the model did not end the take by itself" in first.err
    manifest = json.loads((out / MANIFEST_NAME).read_text())
    assert sorted(manifest["takes"]) == [f"00{i}.wav" for i in range(1, 6)]

    before = stamps(out)
    again = cli("render", script, "--out", out, "--voice", "Alice", "--seed", "7", *FAST, "--json")
    assert again.code == 0 and (again.json()["rendered"], again.json()["skipped"]) == (0, 5)
    assert "Loading the model" not in again.err  # nothing to render: the model is not even loaded
    assert stamps(out) == before

    # A take changed on disk (same size, other samples) is not trusted: that line is rendered again.
    data = bytearray((out / "002.wav").read_bytes())
    data[-100:] = bytes(100)
    (out / "002.wav").write_bytes(bytes(data))
    fixed = cli("render", script, "--out", out, "--voice", "Alice", "--seed", "7", *FAST, "--json")
    assert statuses(fixed) == {2: "skipped", 3: "rendered", 5: "skipped", 6: "skipped", 7: "skipped"}

    # Other settings are other takes: a new seed renders everything again.
    other = cli("render", script, "--out", out, "--voice", "Alice", "--seed", "8", *FAST, "--json")
    assert other.json()["rendered"] == 5
    assert all(x["seed"] == 8 for x in other.json()["lines"])


def test_editing_a_script_renders_only_what_changed(cli, voices, tmp_path):
    script = tmp_path / "episode.txt"
    script.write_text(SCRIPT, encoding="utf-8")
    out = tmp_path / "takes"
    args = ("render", script, "--out", out, "--voice", "Bob", "--seed", "3", *FAST, "--json")
    assert cli(*args).code == 0
    originals = {p.name: p.read_bytes() for p in out.glob("*.wav")}

    script.write_text(SCRIPT.replace("Let's get started.", "Let us begin."), encoding="utf-8")
    edited = cli(*args)
    assert statuses(edited) == {2: "skipped", 3: "skipped", 5: "rendered", 6: "skipped", 7: "skipped"}
    assert (out / "003.wav").read_bytes() != originals["003.wav"]

    # A new first line moves every other line to the next file: their takes are copied, not rendered.
    script.write_text("A brand new opening line.\n" + script.read_text(), encoding="utf-8")
    moved = cli(*args)
    assert statuses(moved) == {1: "rendered", 3: "reused", 4: "reused", 6: "reused", 7: "reused", 8: "reused"}
    assert moved.json()["rendered"] == 1 and moved.json()["skipped"] == 5
    assert (out / "002.wav").read_bytes() == originals["001.wav"]
    assert (out / "006.wav").read_bytes() == originals["005.wav"]

    # A deleted take is rendered again, the same as before (same seed, text, voice and settings).
    (out / "006.wav").unlink()
    redone = cli(*args)
    assert statuses(redone)[8] == "rendered" and redone.json()["rendered"] == 1
    assert (out / "006.wav").read_bytes() == originals["005.wav"]


def test_csv_lines_fail_alone_and_are_listed(cli, voices, tmp_path):
    script = tmp_path / "cast.csv"
    script.write_text(
        "text,voice,language,seed,file\n"
        "Hello from Alice.,Alice,English,1,intro\n"
        "Hello from Bob.,Bob,,2,\n"
        "Who is this?,Bobb,,,\n"
        "Qapla!,Alice,Klingon,,\n"
        "I cannot be saved.,Bob,,,blocked.wav\n"
        "Goodbye.,,,,outro.flac\n",
        encoding="utf-8",
    )
    out = tmp_path / "takes"
    (out / "blocked.wav").mkdir(parents=True)  # a folder where the take should go: the write fails
    result = cli("render", script, "--out", out, *FAST, "--json")
    assert result.code == exit_codes.LINES_FAILED
    report = result.json()
    assert statuses(result) == {
        2: "rendered",
        3: "rendered",
        4: "failed",
        5: "failed",
        6: "failed",
        7: "failed",
    }
    errors = {x["line"]: x["error"]["message"] for x in report["lines"] if x["status"] == "failed"}
    assert errors[4] == "There is no voice called 'Bobb' in the library (did you mean 'Bob'?)."
    assert "does not speak 'klingon'" in errors[5]
    assert "blocked.wav could not be written" in errors[6]
    assert errors[7] == "This line names no voice."
    assert (out / "intro.wav").is_file() and (out / "002.wav").is_file()
    assert {x["line"]: x["seed"] for x in report["lines"] if x["status"] == "rendered"} == {2: 1, 3: 2}

    # With a default voice the last line works; the others still fail, listed for a person.
    again = cli("render", script, "--out", out, "--voice", "Alice", *FAST)
    assert again.code == exit_codes.LINES_FAILED
    assert "Failed lines:\n  line 4: There is no voice called 'Bobb'" in again.out
    assert "line 5: The model does not speak 'klingon'" in again.out
    assert "rendered 1, skipped 2 already rendered, 3 failed" in again.out
    assert (out / "outro.flac").is_file() and sf.info(out / "outro.flac").format == "FLAC"


def test_srt_timeline_places_takes_at_cue_starts_and_warns_on_overruns(cli, voices, tmp_path):
    script = tmp_path / "episode.srt"
    script.write_text(
        "1\n00:00:00,500 --> 00:00:02,000\nFirst cue.\n\n"
        "2\n00:00:03,000 --> 00:00:03,100\nA cue far too short.\n\n"
        "3\n00:00:05,000 --> 00:00:07,000\nThe last cue.\n",
        encoding="utf-8",
    )
    out = tmp_path / "takes"
    result = cli(
        "render", script, "--out", out, "--voice", "Alice", "--format", "flac", "--timeline", *FAST, "--json"
    )
    assert result.code == 0, result.err
    timeline = result.json()["timeline"]
    assert timeline["file"].endswith("timeline.flac")
    assert timeline["warnings"] and timeline["warnings"][0].startswith("line 7: the take runs")
    assert "warning: timeline: line 7: the take runs" in result.err
    placed, rate = sf.read(out / "timeline.flac", dtype="float32")
    assert rate == 24000 and len(placed) >= 7 * rate
    for name, start_s in (("001.flac", 0.5), ("002.flac", 3.0), ("003.flac", 5.0)):
        take, _ = sf.read(out / name, dtype="float32")
        start = round(start_s * rate)
        np.testing.assert_array_equal(placed[start : start + len(take)], take)
    assert not placed[: round(0.5 * rate)].any()

    # Rerun: the takes are skipped, the timeline is written again from the files.
    (out / "timeline.flac").unlink()
    again = cli(
        "render", script, "--out", out, "--voice", "Alice", "--format", "flac", "--timeline", *FAST, "--json"
    )
    assert again.json()["rendered"] == 0 and (out / "timeline.flac").is_file()


def test_script_problems_stop_before_anything_is_rendered(cli, voices, tmp_path):
    out = tmp_path / "takes"
    missing = cli("render", tmp_path / "nope.txt", "--out", out, "--voice", "Alice")
    assert missing.code == exit_codes.BAD_INPUT and "does not exist" in missing.err

    bad_csv = tmp_path / "bad.csv"
    bad_csv.write_text('text,voice\n"unclosed quote,Alice\n', encoding="utf-8")
    broken = cli("render", bad_csv, "--out", out, "--json")
    assert broken.code == exit_codes.BAD_INPUT and "line 2" in broken.json()["error"]["message"]

    plain = tmp_path / "plain.txt"
    plain.write_text("One line.\n", encoding="utf-8")
    no_cues = cli("render", plain, "--out", out, "--voice", "Alice", "--timeline")
    assert no_cues.code == exit_codes.BAD_INPUT and "only SRT scripts" in no_cues.err

    unknown = cli("render", plain, "--out", out, "--voice", "Nobody")
    assert unknown.code == exit_codes.BAD_INPUT and "Nobody" in unknown.err

    twice = tmp_path / "twice.csv"
    twice.write_text("text,file\nOne.,a.wav\nTwo.,b\nThree.,a.flac\n", encoding="utf-8")
    clash = cli("render", twice, "--out", out, "--voice", "Alice")
    assert clash.code == exit_codes.BAD_INPUT and "line 4" in clash.err

    reserved = tmp_path / "reserved.csv"
    reserved.write_text("text,file\nOne.,timeline\n", encoding="utf-8")
    assert cli("render", reserved, "--out", out, "--voice", "Alice").code == exit_codes.BAD_INPUT
    assert not any(out.glob("*.wav"))


def test_a_folder_being_rendered_into_is_not_shared(cli, voices, tmp_path):
    from filelock import FileLock

    script = tmp_path / "one.txt"
    script.write_text("One line.\n", encoding="utf-8")
    out = tmp_path / "takes"
    out.mkdir()
    with FileLock(str(out / ".timbre-render.lock")):  # as another render holds it
        busy = cli("render", script, "--out", out, "--voice", "Alice", *FAST)
    assert busy.code == exit_codes.ENVIRONMENT and "Another render is writing" in busy.err
    assert cli("render", script, "--out", out, "--voice", "Alice", *FAST).code == 0


def test_a_damaged_manifest_means_render_again_not_fail(cli, voices, tmp_path):
    script = tmp_path / "one.txt"
    script.write_text("One line.\n", encoding="utf-8")
    out = tmp_path / "takes"
    assert cli("render", script, "--out", out, "--voice", "Alice", *FAST).code == 0
    (out / MANIFEST_NAME).write_text("{ not json", encoding="utf-8")
    again = cli("render", script, "--out", out, "--voice", "Alice", *FAST, "--json")
    assert again.code == 0 and again.json()["rendered"] == 1
    assert "could not be read" in again.err and (out / (MANIFEST_NAME + ".damaged")).is_file()


def test_an_output_that_cannot_be_a_folder_is_refused_in_words(cli, voices, tmp_path):
    script = tmp_path / "one.txt"
    script.write_text("One line.\n", encoding="utf-8")
    a_file = tmp_path / "takes.wav"
    a_file.write_bytes(b"something else")
    for out, words in (
        (a_file, f"{a_file} is a file, not a folder."),
        (a_file / "sub", f"The output folder {a_file / 'sub'} cannot be created: {a_file} is a file."),
    ):
        result = cli("render", script, "--out", out, "--voice", "Alice", *FAST)
        assert result.code == exit_codes.BAD_INPUT and words in result.err, result.err
        assert "File exists" not in result.err and "Not a directory" not in result.err
        assert "Loading the model" not in result.err
    assert a_file.read_bytes() == b"something else"


def test_no_lock_file_is_left_in_the_output_folder(cli, voices, tmp_path):
    script = tmp_path / "two.txt"
    script.write_text("One line.\nTwo lines.\n", encoding="utf-8")
    out = tmp_path / "takes"
    assert cli("render", script, "--out", out, "--voice", "Alice", *FAST).code == 0
    assert sorted(p.name for p in out.iterdir()) == ["001.wav", "002.wav", MANIFEST_NAME]
    cast = tmp_path / "cast.csv"
    cast.write_text("text,voice\nOne line.,Alice\nThree.,Nobody\n", encoding="utf-8")
    failed = cli("render", cast, "--out", out, *FAST)  # a render that ends with a failed line
    assert failed.code == exit_codes.LINES_FAILED
    assert not (out / ".timbre-render.lock").exists()


def test_every_script_problem_is_listed_before_anything_renders(cli, voices, tmp_path):
    script = tmp_path / "typos.txt"
    script.write_text("Fine.\nBad [pauze 1s] one.\n[pause 1s]\nAnd [pause 99s] two [x].\n", encoding="utf-8")
    out = tmp_path / "takes"
    result = cli("render", script, "--out", out, "--voice", "Alice", *FAST)
    assert result.code == exit_codes.BAD_INPUT and "Loading the model" not in result.err
    lines = result.err.splitlines()
    assert lines[0] == "error: typos.txt has 4 problems:"
    assert [ln.split(":")[0].strip() for ln in lines[1:5]] == [
        "line 2, column 5",
        "line 3",
        "line 4, column 5",
        "line 4, column 21",
    ]
    assert lines[5].startswith("hint: ") and not out.exists()
    as_json = cli("render", script, "--out", out, "--voice", "Alice", "--json").json()["error"]
    assert as_json["message"].count("\n  line ") == 4 and as_json["exit_code"] == exit_codes.BAD_INPUT


def test_languages_are_checked_before_the_model_loads(cli, voices, tmp_path):
    script = tmp_path / "cast.csv"
    script.write_text("text,voice,language\nQapla!,Alice,Klingon\n", encoding="utf-8")
    out = tmp_path / "takes"
    one_bad_line = cli("render", script, "--out", out, "--json")
    assert one_bad_line.code == exit_codes.LINES_FAILED and "Loading the model" not in one_bad_line.err
    assert "does not speak 'klingon'" in one_bad_line.json()["lines"][0]["error"]["message"]
    plain = tmp_path / "one.txt"
    plain.write_text("One line.\n", encoding="utf-8")
    everything = cli("render", plain, "--out", out, "--voice", "Alice", "--language", "Elvish")
    assert everything.code == exit_codes.BAD_INPUT and "Loading the model" not in everything.err
    assert "does not speak 'Elvish' (--language)" in everything.err
