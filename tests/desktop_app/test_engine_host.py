"""EngineHost on the real engine (tiny checkpoint): load, extract, generate, cancel, failures."""

from __future__ import annotations

import numpy as np
import pytest

from desktop_app.engine_host import (
    EngineHost,
    ExtractRequest,
    GenerateRequest,
    LineRequest,
    LoadRequest,
    ModelPhase,
)
from desktop_app.voices import PromptRef

TIMEOUT_MS = 60_000


@pytest.fixture
def host(qtbot):
    h = EngineHost()
    yield h
    assert h.shutdown()
    assert not h.is_running()


def load(qtbot, host, source, **kw):
    with qtbot.waitSignal(host.job_finished, timeout=TIMEOUT_MS):
        host.load_model(LoadRequest(str(source), device="cpu", **kw))
    return host.state


def test_load_extract_generate(qtbot, host, tiny_checkpoint, speech):
    phases = []
    host.model_state.connect(lambda s: phases.append(s.phase))
    state = load(qtbot, host, tiny_checkpoint)
    assert state.phase is ModelPhase.READY, state
    assert state.device == "cpu" and state.dtype == "fp32"
    assert "english" in state.languages
    assert phases[:3] == [ModelPhase.LOADING, ModelPhase.WARMING, ModelPhase.READY]
    assert ("cpu", "CPU") in host.devices

    audio, sr = speech
    with qtbot.waitSignal(host.prompt_ready, timeout=TIMEOUT_MS) as got:
        host.extract(ExtractRequest(audio, sr, "Hello, this is my voice.", x_vector_only=False))
    job, items = got.args
    assert len(items) == 1 and items[0].icl_mode

    ref = PromptRef("v1", item=items[0])
    lines = tuple(
        LineRequest(text, "english", "v1", "Alice", ref, i + 1)
        for i, text in enumerate(["First line.", "Second line."])
    )
    takes = []
    host.take_ready.connect(lambda j, i, t: takes.append((j, i, t)))
    ended = []
    host.job_finished.connect(lambda j, cancelled: ended.append((j, cancelled)))
    job = host.generate(GenerateRequest(lines, {"max_new_tokens": 12}, seed=5))
    qtbot.waitUntil(lambda: (job, False) in ended, timeout=TIMEOUT_MS)
    assert sorted(i for _, i, _ in takes) == [0, 1]
    for _, _, take in takes:
        assert take.audio.dtype == np.float32 and take.audio.flags.owndata
        assert take.sample_rate == 24000 and len(take.audio) > 0
    assert host.pending() == []


def test_not_a_model_folder_fails_with_hint(qtbot, host, tmp_path):
    with qtbot.waitSignal(host.job_failed, timeout=TIMEOUT_MS) as failed:
        host.load_model(LoadRequest(str(tmp_path / "nowhere"), device="cpu"))
    _, message, hint = failed.args
    assert "does not exist" in message and hint
    assert host.state.phase is ModelPhase.FAILED and host.state.hint == hint


def test_hub_model_not_downloaded_is_no_model_yet(qtbot, host):
    state = load(qtbot, host, "Qwen/Qwen3-TTS-12Hz-0.6B-Base-not-here")
    assert state.phase is ModelPhase.NONE
    assert "not downloaded" in state.message and "Download model" in state.hint


def test_generate_without_model_fails_cleanly(qtbot, host, speech):
    audio, sr = speech
    with qtbot.waitSignal(host.job_failed, timeout=TIMEOUT_MS) as failed:
        host.extract(ExtractRequest(audio, sr, None, x_vector_only=True))
    assert "No model" in failed.args[1]


def test_cancel_stops_running_generation_and_keeps_finished_takes(qtbot, host, tiny_checkpoint, speech):
    load(qtbot, host, tiny_checkpoint)
    audio, sr = speech
    with qtbot.waitSignal(host.prompt_ready, timeout=TIMEOUT_MS) as got:
        host.extract(ExtractRequest(audio, sr, None, x_vector_only=True))
    ref = PromptRef("v", item=got.args[1][0])
    long_text = " ".join(["This line goes on and on for a very long time."] * 12)
    lines = (
        LineRequest("Hi.", "english", "v", "V", ref, 1),  # capped early by the runaway guard
        LineRequest(long_text, "english", "v", "V", ref, 2),
    )
    takes, ended = [], []
    host.take_ready.connect(lambda j, i, t: takes.append(i))
    host.job_finished.connect(lambda j, cancelled: ended.append((j, cancelled)))
    job = host.generate(GenerateRequest(lines, {"max_new_tokens": 4000}, seed=1))
    qtbot.waitUntil(lambda: takes == [0], timeout=TIMEOUT_MS)
    host.cancel(job)
    qtbot.waitUntil(lambda: bool(ended) and ended[-1][0] == job, timeout=TIMEOUT_MS)
    assert ended[-1] == (job, True)
    assert takes == [0]


def test_errors_in_the_creators_words():
    import torch

    from desktop_app.engine_host import describe_error
    from engine.errors import UnsupportedModelError

    # The error torch raises when the GPU is full (the class exists in CPU builds too).
    oom = torch.cuda.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")
    message, hint = describe_error(oom)
    assert message == "The GPU ran out of memory." and "0.6B" in hint and "Nothing was lost" in hint
    message, hint = describe_error(UnsupportedModelError("Not a Base model.", "Use a Base model."))
    assert (message, hint) == ("Not a Base model.", "Use a Base model.")
    message, hint = describe_error(KeyError("boom"))
    assert "went wrong" in message and "log" in hint


def test_prompt_saved_and_used_from_a_file(qtbot, host, tiny_checkpoint, speech, tmp_path):
    """The library's route: save a voice's prompt on the engine thread, render from the file."""
    from desktop_app.engine_host import SavePromptRequest

    load(qtbot, host, tiny_checkpoint)
    audio, sr = speech
    with qtbot.waitSignal(host.prompt_ready, timeout=TIMEOUT_MS) as got:
        host.extract(ExtractRequest(audio, sr, None, x_vector_only=True))
    path = tmp_path / "voice.safetensors"
    ended = []
    host.job_finished.connect(lambda j, cancelled: ended.append(j))
    job = host.save_prompt(SavePromptRequest(got.args[1][0], str(path)))
    qtbot.waitUntil(lambda: job in ended, timeout=TIMEOUT_MS)
    assert path.is_file()
    ref = PromptRef("v", path=str(path))
    takes = []
    host.take_ready.connect(lambda j, i, t: takes.append(t))
    job = host.generate(
        GenerateRequest((LineRequest("From a file.", "english", "v", "V", ref, 1),), {"max_new_tokens": 8})
    )
    qtbot.waitUntil(lambda: job in ended, timeout=TIMEOUT_MS)
    assert len(takes) == 1 and len(takes[0].audio) > 0
