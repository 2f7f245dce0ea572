"""``timbre-cli voices``: the real library through the CLI, shared with the engine's own API."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import soundfile as sf
import torch

from engine.cli import exit_codes
from engine.cli.console import display_width
from engine.library import VoiceLibrary
from tests.cli.conftest import ROOT, child_env
from tests.conftest import SPEECH_TEXT


def test_add_list_show_with_json(cli, voices):
    alice, bob = voices["Alice"], voices["Bob"]
    assert alice["mode"] == "icl" and alice["transcript"] == SPEECH_TEXT and alice["has_reference"]
    assert bob["mode"] == "x_vector" and bob["tags"] == ["deep"]

    listed = cli("voices", "list")
    assert listed.code == 0
    assert listed.out.splitlines()[0].split() == ["NAME", "ID", "MODE", "LANGUAGE", "REF", "TAGS"]
    assert "Alice" in listed.out and alice["id"][:8] in listed.out and "x-vector" in listed.out

    as_json = cli("--json", "voices", "list", "--sort", "created").json()  # global option first
    assert {v["name"] for v in as_json["voices"]} == {"Alice", "Bob"}
    assert cli("voices", "list", "--json", "--tag", "deep").json()["voices"][0]["name"] == "Bob"
    assert cli("voices", "list", "--search", "sentence", "--json").json()["voices"][0]["name"] == "Alice"

    shown = cli("voices", "show", alice["id"][:6])  # an id prefix works as well as the name
    assert shown.code == 0 and SPEECH_TEXT in shown.out and "Qwen3-TTS tiny" in shown.out
    assert cli("voices", "show", "bob", "--json").json()["id"] == bob["id"]


def test_the_library_is_the_one_the_engine_and_studio_open(cli, voices):
    with VoiceLibrary() as lib:  # the default root under TIMBRE_HOME, as the studio opens it
        assert {v.name for v in lib.list()} == {"Alice", "Bob"}
        lib.rename(lib.find("Bob"), "Robert")
    assert "Robert" in cli("voices", "list").out


def test_add_refuses_bad_input_before_loading_the_model(cli, voices, speech_file, tmp_path):
    taken = cli("voices", "add", "--audio", speech_file, "--x-vector", "--name", "alice")
    assert taken.code == exit_codes.BAD_INPUT and "already a voice called 'Alice'" in taken.err
    assert "Loading the model" not in taken.err
    missing = cli("voices", "add", "--audio", tmp_path / "nope.wav", "--x-vector")
    assert missing.code == exit_codes.BAD_INPUT and "does not exist" in missing.err
    noise = tmp_path / "noise.wav"
    noise.write_bytes(b"not audio at all")
    bad = cli("voices", "add", "--audio", noise, "--x-vector", "--json")
    assert bad.code == exit_codes.BAD_INPUT and bad.json()["error"]["message"]
    both = cli("voices", "add", "--audio", speech_file, "--x-vector", "--text", "hi")
    assert both.code == exit_codes.USAGE and "not allowed with" in both.err


def test_add_with_transcript_file_language_and_default_name(cli, speech_file, tmp_path):
    transcript = tmp_path / "hello.txt"
    transcript.write_text(SPEECH_TEXT + "\n", encoding="utf-8")
    added = cli(
        "voices", "add", "--audio", speech_file, "--text-file", transcript, "--language", "English", "--json"
    )
    voice = added.json()["voice"]
    assert voice["name"] == "hello" and voice["language"] == "english" and voice["transcript"] == SPEECH_TEXT


def test_rename_and_tag(cli, voices):
    renamed = cli("voices", "rename", "Alice", "Alice (calm)", "--json")
    assert renamed.code == 0 and renamed.json()["voice"]["name"] == "Alice (calm)"
    clash = cli("voices", "rename", "Bob", "alice (CALM)")
    assert clash.code == exit_codes.BAD_INPUT and "already a voice" in clash.err

    tagged = cli(
        "voices", "tag", "Bob", "--add", "warm,narrator", "--add", "slow", "--remove", "deep", "--json"
    )
    assert tagged.json()["voice"]["tags"] == ["narrator", "slow", "warm"]
    assert cli("voices", "tag", "Bob", "--set", "one", "--json").json()["voice"]["tags"] == ["one"]


def test_rm_goes_to_the_trash_restore_and_empty(cli, voices):
    removed = cli("voices", "rm", "Alice", "Bob")
    assert removed.code == 0 and "voices restore Alice Bob" in removed.out
    assert "No voices in the library." in cli("voices", "list").out
    trash = cli("voices", "list", "--trash", "--json").json()["voices"]
    assert {v["name"] for v in trash} == {"Alice", "Bob"} and all(v["trashed_at"] for v in trash)
    assert "in trash since" in cli("voices", "show", "Alice").out

    assert cli("voices", "restore", "alice").code == 0
    assert [v["name"] for v in cli("voices", "list", "--json").json()["voices"]] == ["Alice"]

    refused = cli("voices", "empty-trash")
    assert refused.code == exit_codes.BAD_INPUT and "--yes" in refused.err and "Bob" in refused.err
    assert cli("voices", "empty-trash", "--yes", "--json").json() == {"deleted": 1}
    assert cli("voices", "list", "--trash", "--json").json()["voices"] == []
    gone = cli("voices", "restore", "Bob")
    assert gone.code == exit_codes.BAD_INPUT and "No voice in the trash" in gone.err


def test_export_and_import_a_bundle(cli, voices, tmp_path):
    bundle = tmp_path / "cast.timbre"
    exported = cli("voices", "export", "Alice", "Bob", "-o", bundle, "--json")
    assert exported.code == 0 and bundle.is_file() and len(exported.json()["voices"]) == 2

    imported = cli("voices", "import", bundle, "--json").json()["voices"]
    assert sorted(v["name"] for v in imported) == ["Alice (2)", "Bob (2)"]  # names clash: renamed
    copy = next(v for v in imported if v["name"] == "Alice (2)")
    assert copy["transcript"] == SPEECH_TEXT and copy["id"] != voices["Alice"]["id"]
    assert cli("voices", "export", "--all", "-o", tmp_path / "all.timbre", "--json").json()["voices"]

    broken = tmp_path / "broken.timbre"
    broken.write_bytes(b"PK not really a zip")
    bad = cli("voices", "import", broken)
    assert bad.code == exit_codes.BAD_INPUT and bad.err.startswith("error: ")
    assert cli("voices", "export", "-o", tmp_path / "x.timbre").code == exit_codes.BAD_INPUT


def test_import_an_official_pt_voice_file(cli, tiny_model, speech_file, tmp_path):
    item = tiny_model.create_voice_clone_prompt(speech_file, x_vector_only_mode=True)[0]
    path = tmp_path / "narrator.pt"
    payload = {
        "ref_code": None,
        "ref_spk_embedding": item.ref_spk_embedding,
        "x_vector_only_mode": True,
        "icl_mode": False,
        "ref_text": None,
    }
    torch.save({"items": [payload]}, path)
    [voice] = cli("voices", "import", path, "--json").json()["voices"]
    assert voice["name"] == "narrator" and voice["mode"] == "x_vector" and not voice["has_reference"]


def test_library_commands_do_not_import_torch(voices, tiny_checkpoint, timbre_home, tmp_path):
    """voices list/show/rename/tag/rm/restore/export/import of bundles stay light: no torch."""
    bundle = tmp_path / "cast.timbre"
    script = (
        "import sys\n"
        "from engine.cli import main\n"
        f"for argv in [['voices', 'list'], ['voices', 'show', 'Alice'], ['voices', 'rename', 'Bob', 'B'],\n"
        "             ['voices', 'tag', 'B', '--add', 'x'], ['voices', 'rm', 'B'], ['voices', 'restore', 'B'],\n"
        f"             ['voices', 'export', 'Alice', '-o', {str(bundle)!r}], ['voices', 'import', {str(bundle)!r}]]:\n"
        "    assert main(argv) == 0, argv\n"
        "assert 'torch' not in sys.modules, 'torch was imported'\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=child_env(tiny_checkpoint, timbre_home),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr


def _wav(path, audio, rate=24000):
    sf.write(path, np.asarray(audio, np.float32), rate)
    return path


def test_a_silent_reference_is_refused_unless_forced(cli, tmp_path):
    hiss = (0.0005 * np.random.default_rng(0).standard_normal(5 * 24000)).astype(np.float32)
    for audio in (np.zeros(5 * 24000), hiss):
        path = _wav(tmp_path / "quiet.wav", audio)
        refused = cli("voices", "add", "--audio", path, "--x-vector", "--name", "Quiet")
        assert refused.code == exit_codes.BAD_INPUT and "Loading the model" not in refused.err
        assert "error: quiet.wav is almost silent" in refused.err and "--force" in refused.err
    assert cli("voices", "list", "--json").json()["voices"] == []
    forced = cli("voices", "add", "--audio", path, "--x-vector", "--name", "Quiet", "--force", "--json")
    assert forced.code == 0 and forced.json()["voice"]["name"] == "Quiet"
    assert "warning: quiet.wav: Almost silent." in forced.err


def test_an_implausible_transcript_is_warned_of_not_refused(cli, speech, tmp_path):
    audio, rate = speech
    long_clip = _wav(tmp_path / "interview.wav", np.tile(audio, 10), rate)  # ~46 s
    five_words = cli("voices", "add", "--audio", long_clip, "--text", "Hello there, how are you?", "--json")
    assert five_words.code == 0 and five_words.json()["voice"]["name"] == "interview"
    assert "warning: interview.wav: The transcript (5 words) is short for 4" in five_words.err
    assert "warning: interview.wav: Long (" in five_words.err  # the length advice, on stderr too
    clip = _wav(tmp_path / "hello.wav", audio, rate)
    many = cli("voices", "add", "--audio", clip, "--text", " ".join(["word"] * 200), "--name", "Many")
    assert many.code == 0 and "The transcript (200 words) is long for" in many.err
    right = cli("voices", "add", "--audio", clip, "--text", SPEECH_TEXT, "--name", "Right")
    assert right.code == 0 and "warning:" not in right.err


def test_every_field_is_checked_before_the_model_loads(cli, speech_file, tmp_path):
    cases = [
        (("--x-vector", "--tags", "ok,bad\x07tag"), "control characters"),
        (("--x-vector", "--language", "123"), "not a language name"),
        (("--x-vector", "--name", "   "), "needs a name"),
        (("--text", "   "), "needs the exact words"),
        (("--text-file", tmp_path / "none.txt"), "The transcript file"),
    ]
    for extra, words in cases:
        result = cli("voices", "add", "--audio", speech_file, *extra)
        assert result.code == exit_codes.BAD_INPUT and words in result.err, result.err
        assert "Loading the model" not in result.err
    folder = cli("voices", "add", "--audio", tmp_path, "--x-vector")
    assert folder.code == exit_codes.BAD_INPUT and "is a folder, not an audio file" in folder.err


def test_tables_line_up_with_wide_characters(cli, speech_file):
    for name in ("Alice", "日本語の声", "Zoë"):
        assert cli("voices", "add", "--audio", speech_file, "--x-vector", "--name", name).code == 0
    rows = cli("voices", "list").out.splitlines()
    starts = {display_width(row[: row.index(" x-vector")]) for row in rows[1:]}
    assert len(starts) == 1, rows  # the MODE column starts at the same terminal column in every row
    assert display_width(rows[0][: rows[0].index("MODE")]) == starts.pop() + 1
