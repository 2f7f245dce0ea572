"""The command line itself: help everywhere, usage errors, exit codes, no tracebacks."""

from __future__ import annotations

import importlib
import re
import socket

import pytest

from engine.cli import exit_codes
from engine.cli.crash import LOG_NAME, describe_internal
from tests.cli.conftest import ROOT, no_traceback

COMMANDS = [
    [],
    ["voices"],
    *[
        ["voices", a]
        for a in ("list", "show", "add", "rename", "tag", "rm", "restore", "empty-trash", "export", "import")
    ],
    ["say"],
    ["render"],
]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "timbre-cli")
def test_help_everywhere_with_examples(cli, command):
    result = cli(*command, "--help")
    assert result.code == 0
    assert "usage: timbre-cli" in result.out and "examples:" in result.out
    assert "--json" in result.out and "--model" in result.out  # global options are accepted everywhere


def test_main_help_documents_every_exit_code(cli):
    text = cli("--help").out
    for name in (
        "OK",
        "LINES_FAILED",
        "USAGE",
        "BAD_INPUT",
        "MODEL",
        "ENVIRONMENT",
        "INTERNAL",
        "INTERRUPTED",
    ):
        assert f"\n  {getattr(exit_codes, name):<4} " in text, name


def test_the_console_script_is_main():
    pyproject = (ROOT / "pyproject.toml").read_text()
    section = pyproject.split("[project.scripts]", 1)[1].split("\n[", 1)[0]
    [target] = re.findall(r'^timbre-cli = "([^"]+)"$', section, re.MULTILINE)
    module, _, name = target.partition(":")
    assert getattr(importlib.import_module(module), name).__module__ == "engine.cli.main"


def test_usage_errors(cli):
    nothing = cli()
    assert (
        nothing.code == exit_codes.USAGE
        and "error: the following arguments are required: COMMAND" in nothing.err
    )
    unknown = cli("voices", "list", "--colour")
    assert unknown.code == exit_codes.USAGE and "--colour" in unknown.err and "hint: See" in unknown.err
    as_json = cli("--json", "say", "Hello")
    assert as_json.code == exit_codes.USAGE
    assert (
        as_json.json()["error"]["exit_code"] == exit_codes.USAGE
        and "--voice" in as_json.json()["error"]["message"]
    )
    seed = cli("say", "Hi", "--voice", "A", "--seed", "-3")
    assert seed.code == exit_codes.USAGE and "not a whole number" in seed.err


def test_model_problems_are_exit_code_4_with_a_hint(cli, voices, tmp_path):
    missing = cli("--model", tmp_path / "nowhere", "say", "Hi.", "--voice", "Alice", "-o", tmp_path / "x.wav")
    assert missing.code == exit_codes.MODEL
    assert "error: The model folder" in missing.err and "hint: " in missing.err
    offline = cli(
        "say", "Hi.", "--voice", "Alice", "-o", tmp_path / "x.wav", "--model", "Someone/NoSuchModel"
    )
    assert offline.code == exit_codes.MODEL and "--model" in offline.err.split("hint:")[1]
    device = cli("--device", "tpu", "say", "Hi.", "--voice", "Alice", "-o", tmp_path / "x.wav")
    assert device.code == exit_codes.BAD_INPUT and "Unknown device 'tpu'" in device.err
    assert "hint: Use --device auto, cpu, cuda or cuda:N." in device.err
    dtype = cli("--dtype", "int3", "say", "Hi.", "--voice", "Alice", "-o", tmp_path / "x.wav")
    assert dtype.code == exit_codes.BAD_INPUT and "hint: Use --dtype auto, float32" in dtype.err
    assert "Loading the model" not in device.err + dtype.err


def test_cuda_without_a_gpu_says_what_to_type(cli_process, voices, tmp_path):
    proc = cli_process(
        "--device",
        "cuda",
        "say",
        "Hi.",
        "--voice",
        "Alice",
        "-o",
        tmp_path / "x.wav",
        CUDA_VISIBLE_DEVICES="",
    )
    stdout, stderr = proc.communicate(timeout=300)
    no_traceback(stdout + stderr)
    assert proc.returncode == exit_codes.MODEL, stderr  # the README's code for model and device problems
    assert "error: Device 'cuda' was asked for, but no CUDA GPU is available." in stderr
    assert "hint: Run with --device cpu" in stderr and "device='cpu'" not in stderr
    assert "Loading the model" not in stderr and not (tmp_path / "x.wav").exists()


def test_no_connection_to_the_hub_is_said_in_words(cli_process, speech_file, tmp_path):
    with socket.socket() as s:  # a port nobody listens on: the hub cannot be reached
        s.bind(("127.0.0.1", 0))
        endpoint = f"http://127.0.0.1:{s.getsockname()[1]}"
    proc = cli_process(
        "--model", "Someone/NoSuchModel", "voices", "add", "--audio", speech_file, "--x-vector",
        HF_HUB_OFFLINE="0", HF_ENDPOINT=endpoint, HF_HOME=str(tmp_path / "hf"),
    )  # fmt: skip
    stdout, stderr = proc.communicate(timeout=300)
    no_traceback(stdout + stderr)
    assert proc.returncode == exit_codes.MODEL, stderr
    assert (
        "error: The model Someone/NoSuchModel is not downloaded yet, and Timbre could not reach the "
        "Hugging Face hub to download it (Connection refused)." in stderr
    )
    assert "Error" not in stderr.split("hint:")[0].replace("error:", "")  # no exception names
    assert "hint: Connect to the internet" in stderr and "--model" in stderr.split("hint:")[1]


def test_internal_errors_are_logged_not_shown(timbre_home):
    try:
        {}["missing"]
    except KeyError as e:
        message, hint = describe_internal(e)
    assert message == "Timbre hit an internal error: KeyError: 'missing'"
    log = timbre_home / "logs" / LOG_NAME
    assert str(log) in hint and "Traceback" in log.read_text() and '{}["missing"]' in log.read_text()
