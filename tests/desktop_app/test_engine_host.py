"""EngineHost on the real engine (tiny checkpoint): each job's own signals on the GUI thread."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from desktop_app.engine_host import (
    EngineHost,
    ExtractRequest,
    GenerateRequest,
    LineRequest,
    LoadRequest,
    ModelPhase,
    SavePromptRequest,
)
from desktop_app.voices import PromptRef

TIMEOUT_MS = 60_000


@pytest.fixture
def host(qtbot):
    h = EngineHost()
    yield h
    assert h.shutdown()
    assert not h.is_running()


def run(qtbot, host, request):
    """Submit ``request`` and wait for its end; -> the job."""
    job = host.submit(request)
    qtbot.waitUntil(lambda: job.ended, timeout=TIMEOUT_MS)
    return job


def extracted(qtbot, host, speech, transcript=None):
    audio, sr = speech
    job = host.submit(ExtractRequest(audio, sr, transcript, x_vector_only=transcript is None))
    with qtbot.waitSignal(job.prompt_ready, timeout=TIMEOUT_MS) as got:
        pass
    return got.args[0]


def test_load_extract_render_each_job_with_its_own_signals(qtbot, host, tiny_checkpoint, speech):
    phases = []
    host.model_state.connect(lambda s: phases.append(s.phase))
    load = run(qtbot, host, LoadRequest(str(tiny_checkpoint), device="cpu"))
    assert host.state.phase is ModelPhase.READY, host.state
    assert host.state.device == "cpu" and host.state.dtype == "fp32" and "english" in host.state.languages
    assert phases[:3] == [ModelPhase.LOADING, ModelPhase.WARMING, ModelPhase.READY]
    assert ("cpu", "CPU") in host.devices and load.request.source == str(tiny_checkpoint)

    items = extracted(qtbot, host, speech, "Hello, this is my voice.")
    assert len(items) == 1 and items[0].icl_mode
    ref = PromptRef("v1", item=items[0])

    def lines(*texts):
        return tuple(LineRequest(t, "english", "v1", "Alice", ref, i + 1) for i, t in enumerate(texts))

    # Two renders at once: every event reaches the job it belongs to, on the GUI thread.
    first = host.submit(GenerateRequest(lines("First line.", "Second line."), {"max_new_tokens": 12}, seed=5))
    second = host.submit(GenerateRequest(lines("Another one."), {"max_new_tokens": 12}, seed=9))
    seen = {first: [], second: []}
    threads = set()
    for job in (first, second):
        job.take.connect(lambda i, take, job=job: seen[job].append((i, take)))
        job.take.connect(lambda *_: threads.add(threading.current_thread()))
    qtbot.waitUntil(lambda: first.ended and second.ended, timeout=TIMEOUT_MS)
    assert sorted(i for i, _ in seen[first]) == [0, 1] and [i for i, _ in seen[second]] == [0]
    assert [t.text for _, t in seen[second]] == ["Another one."] and seen[second][0][1].seed == 9
    assert threads == {threading.main_thread()}
    for _, take in seen[first]:
        assert take.audio.dtype == np.float32 and take.audio.flags.owndata
        assert take.sample_rate == 24000 and len(take.audio) > 0
    assert host.pending() == []


def test_not_a_model_folder_fails_with_hint(qtbot, host, tmp_path):
    job = host.submit(LoadRequest(str(tmp_path / "nowhere"), device="cpu"))
    with qtbot.waitSignal(job.failed, timeout=TIMEOUT_MS) as failed:
        pass
    message, hint = failed.args
    assert "does not exist" in message and hint
    assert host.state.phase is ModelPhase.FAILED and host.state.hint == hint


def test_hub_model_not_downloaded_is_no_model_yet(qtbot, host):
    run(qtbot, host, LoadRequest("Qwen/Qwen3-TTS-12Hz-0.6B-Base-not-here", device="cpu"))
    assert host.state.phase is ModelPhase.NONE
    assert "not downloaded" in host.state.message and "Download model" in host.state.hint


def test_extract_without_model_fails_cleanly(qtbot, host, speech):
    audio, sr = speech
    job = host.submit(ExtractRequest(audio, sr, None, x_vector_only=True))
    with qtbot.waitSignal(job.failed, timeout=TIMEOUT_MS) as failed:
        pass
    assert "No model" in failed.args[0]


def test_cancel_stops_running_generation_and_keeps_finished_takes(qtbot, host, tiny_checkpoint, speech):
    run(qtbot, host, LoadRequest(str(tiny_checkpoint), device="cpu"))
    ref = PromptRef("v", item=extracted(qtbot, host, speech)[0])
    long_text = " ".join(["This line goes on and on for a very long time."] * 12)
    lines = (
        LineRequest("Hi.", "english", "v", "V", ref, 1),  # capped early by the runaway guard
        LineRequest(long_text, "english", "v", "V", ref, 2),
    )
    job = host.submit(GenerateRequest(lines, {"max_new_tokens": 4000}, seed=1))
    takes, ended = [], []
    job.take.connect(lambda i, t: takes.append(i))
    job.finished.connect(ended.append)
    qtbot.waitUntil(lambda: takes == [0], timeout=TIMEOUT_MS)
    job.cancel()
    qtbot.waitUntil(lambda: bool(ended), timeout=TIMEOUT_MS)
    assert ended == [True] and takes == [0]


def test_prompt_saved_and_used_from_a_file(qtbot, host, tiny_checkpoint, speech, tmp_path):
    """The library's route: save a voice's prompt on the engine thread, render from the file."""
    run(qtbot, host, LoadRequest(str(tiny_checkpoint), device="cpu"))
    items = extracted(qtbot, host, speech)
    path = tmp_path / "voice.safetensors"
    run(qtbot, host, SavePromptRequest(items[0], str(path)))
    assert path.is_file()
    ref = PromptRef("v", path=str(path))
    job = host.submit(
        GenerateRequest((LineRequest("From a file.", "english", "v", "V", ref, 1),), {"max_new_tokens": 8})
    )
    takes = []
    job.take.connect(lambda i, t: takes.append(t))
    qtbot.waitUntil(lambda: job.ended, timeout=TIMEOUT_MS)
    assert len(takes) == 1 and len(takes[0].audio) > 0
