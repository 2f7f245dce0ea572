"""``timbre-cli render --project``: a studio script by name, its lines' own voices, takes back in the project."""

from __future__ import annotations

import soundfile as sf

from engine.cli import exit_codes
from engine.projects import ProjectStore
from tests.cli.conftest import FAST


def studio_script(home, voices, lines):
    """A project "Night Tales" whose "Chapter 2" has ``lines`` [(text, voice name or None)], as the studio saves it."""
    store = ProjectStore(home)
    project = store.create_project("Night Tales", "audiobook")
    assert [s.name for s in store.scripts(project.id)] == ["Chapter 1"]  # every project starts with one
    script = store.create_script(project.id, "Chapter 2")
    specs = [(f"line-{i}", text, voices[v]["id"] if v else None, None) for i, (text, v) in enumerate(lines)]
    store.save_script(script.id, "\n".join(t for t, _ in lines), specs, voices["Alice"]["id"], "auto")
    return store, script


def test_a_project_script_renders_with_its_voices_and_its_takes_join_the_lines(
    cli, voices, timbre_home, tmp_path
):
    store, script = studio_script(
        timbre_home,
        voices,
        [("The night was long.", None), ("# Not a comment: spoken.", "Bob"), ("Then  morning came.", None)],
    )
    out = tmp_path / "chapter2"
    # Names in any case, as a creator types them.
    result = cli("render", "chapter 2", "--project", "night tales", "-o", out, "--seed", "3", *FAST, "--json")
    assert result.code == exit_codes.OK, result.err
    report = result.json()
    assert report["script"] == "Night Tales / Chapter 2"
    assert [(x["file"], x["voice"], x["status"]) for x in report["lines"]] == [
        ("001.wav", "Alice", "rendered"),  # the script's voice
        ("002.wav", "Bob", "rendered"),  # the line's own voice
        ("003.wav", "Alice", "rendered"),
    ]
    takes = store.takes(script.id)
    assert sorted((t.line_id, t.voice_name, t.text) for t in takes) == [
        ("line-0", "Alice", "The night was long."),
        ("line-1", "Bob", "# Not a comment: spoken."),
        ("line-2", "Alice", "Then  morning came."),  # as stored: not stale in the studio
    ]
    for take in takes:  # the project's copy is the file's take
        file_audio, _ = sf.read(out / f"00{int(take.line_id[-1]) + 1}.wav", dtype="float32")
        assert len(store.load_audio(take)) == len(file_audio) and take.seed == 3
        assert take.finish_reason == "max_frames"  # the tiny model never ends a line itself

    # A rerun renders nothing and adds no second take; --voice replaces the script's voice only.
    again = cli("render", "Chapter 2", "--project", "Night Tales", "-o", out, "--seed", "3", *FAST, "--json")
    assert again.json()["rendered"] == 0 and len(store.takes(script.id)) == 3
    bob = cli(
        "render",
        "Chapter 2",
        "--project",
        "Night Tales",
        "-o",
        out,
        "--voice",
        "Bob",
        "--seed",
        "3",
        *FAST,
        "--json",
    )
    assert [x["voice"] for x in bob.json()["lines"]] == ["Bob", "Bob", "Bob"]
    assert [x["status"] for x in bob.json()["lines"]] == ["rendered", "skipped", "rendered"]


def test_unknown_names_are_answered_with_what_there_is(cli, voices, timbre_home, tmp_path):
    studio_script(timbre_home, voices, [("Hello.", None)])
    project = cli("render", "Chapter 2", "--project", "Night Tails", "-o", tmp_path / "x")
    assert project.code == exit_codes.BAD_INPUT
    assert "no project called 'Night Tails' (did you mean 'Night Tales'?)" in project.err
    assert "Projects: 'Night Tales'." in project.err
    script = cli("render", "Chapter 3", "--project", "Night Tales", "-o", tmp_path / "x")
    assert "Night Tales has no script called 'Chapter 3'" in script.err
    assert "Its scripts: 'Chapter 1', 'Chapter 2'." in script.err
    empty = cli("render", "Chapter 1", "--project", "Night Tales", "-o", tmp_path / "x")
    assert "Night Tales / Chapter 1 has no line to render." in empty.err
    assert not (tmp_path / "x").exists()  # nothing was created for a render that cannot start


def test_a_stored_line_with_bad_markup_is_listed_before_the_model_loads(cli, voices, timbre_home, tmp_path):
    studio_script(timbre_home, voices, [("Fine.", None), ("A [pauze 1s] typo.", None)])
    result = cli("render", "Chapter 2", "--project", "Night Tales", "-o", tmp_path / "x", *FAST)
    assert result.code == exit_codes.BAD_INPUT
    assert "Night Tales / Chapter 2, line 2" in result.err and "pauze" in result.err
    assert "Loading the model" not in result.err


def test_projects_lists_every_script(cli, voices, timbre_home):
    studio_script(timbre_home, voices, [("One.", None), ("Two.", "Bob")])
    listing = cli("projects")
    assert listing.code == 0
    rows = [line.split() for line in listing.out.splitlines()]
    assert rows[0] == ["PROJECT", "SCRIPT", "LINES", "TAKES"]
    assert rows[1:] == [
        ["Night", "Tales", "Chapter", "1", "0", "0"],
        ["Night", "Tales", "Chapter", "2", "2", "0"],
    ]
    data = cli("projects", "--json").json()
    assert data["projects"][0]["scripts"][1] == {"name": "Chapter 2", "lines": 2, "takes": 0}
