"""The engine service on the real engine (tiny checkpoint): per-job events, batching, cancelling."""

from __future__ import annotations

import threading

import pytest

from engine.service import (
    Done,
    EngineService,
    ExtractRequest,
    Failed,
    GenerateRequest,
    JobFailed,
    LineRequest,
    LoadRequest,
    ModelChanged,
    ModelPhase,
    Progress,
    PromptReady,
    PromptRef,
    Started,
    TakeReady,
)

TIMEOUT_S = 120


@pytest.fixture
def service():
    news = []
    s = EngineService(news.append)
    s.news = news
    yield s
    assert s.shutdown()
    assert not s.running


@pytest.fixture
def voice(service, tiny_checkpoint, speech):
    service.submit(LoadRequest(str(tiny_checkpoint), device="cpu")).wait(TIMEOUT_S)
    audio, sr = speech
    extraction = service.submit(ExtractRequest(audio, sr, None, x_vector_only=True))
    [ready] = [e for e in extraction.events(TIMEOUT_S) if isinstance(e, PromptReady)]
    return PromptRef("v", item=ready.items[0])


def render(voice, *texts, max_new_tokens=8, seed=1):
    lines = tuple(LineRequest(t, "english", "v", "V", voice, i + 1) for i, t in enumerate(texts))
    return GenerateRequest(lines, {"max_new_tokens": max_new_tokens}, seed=seed)


class Recorder:
    """Events of several jobs in the order the worker sent them: (job id, event)."""

    def __init__(self) -> None:
        self.events, self._lock = [], threading.Lock()

    def listener(self, job_id: int):
        def hear(event) -> None:
            with self._lock:
                self.events.append((job_id, event))

        return hear

    def kinds(self, job_id: int) -> list[str]:
        return [type(e).__name__ for j, e in self.events if j == job_id]


def test_a_job_reads_its_own_events_to_its_end(service, voice):
    phases = [n.state.phase for n in service.news if isinstance(n, ModelChanged)]
    assert phases[-1] is ModelPhase.READY and service.state.ready
    job = service.submit(render(voice, "One.", "Two."))
    events = list(job.events(TIMEOUT_S))
    assert isinstance(events[0], Started) and events[-1] == Done(cancelled=False)
    takes = {e.index: e.take for e in events if isinstance(e, TakeReady)}
    assert sorted(takes) == [0, 1] and [takes[i].text for i in (0, 1)] == ["One.", "Two."]
    assert [takes[0].seed, takes[1].seed] == [1, 2]  # one seed for the job: line i gets seed + i
    assert job.wait(0) == Done(cancelled=False)


def test_renders_waiting_together_share_one_batch(service, voice):
    rec = Recorder()
    # A long line first: the two renders behind it wait in the queue together.
    blocker = service.submit(render(voice, "Wait for me.", max_new_tokens=60), rec.listener(0))
    a = service.submit(render(voice, "Line of A.", seed=3), rec.listener(1))
    b = service.submit(render(voice, "Line of B.", seed=4), rec.listener(2))
    other = service.submit(render(voice, "Other settings.", max_new_tokens=9), rec.listener(3))
    for job in (blocker, a, b, other):
        job.wait(TIMEOUT_S)
    order = [(j, type(e).__name__) for j, e in rec.events]
    started = {j: order.index((j, "Started")) for j in (1, 2, 3)}
    first_take = {j: order.index((j, "TakeReady")) for j in (1, 2)}
    assert started[2] < first_take[1] and started[1] < first_take[2]  # A and B rendered as one batch
    assert started[3] > order.index((2, "Done"))  # other sampling: a batch of its own, after
    # Each job heard only its own lines, with the seeds it asked for.
    takes = {j: [e.take for jj, e in rec.events if jj == j and isinstance(e, TakeReady)] for j in (1, 2)}
    assert [(t.text, t.seed) for t in takes[1]] == [("Line of A.", 3)]
    assert [(t.text, t.seed) for t in takes[2]] == [("Line of B.", 4)]
    assert rec.kinds(1)[-1] == rec.kinds(2)[-1] == "Done"


def test_cancelling_one_job_of_a_batch_leaves_the_other_running(service, voice):
    rec = Recorder()
    blocker = service.submit(render(voice, "Wait for me.", max_new_tokens=40), rec.listener(0))
    long_text = " ".join(["This goes on and on for a very long time."] * 6)
    doomed = service.submit(render(voice, long_text, max_new_tokens=2000), rec.listener(1))
    kept = service.submit(render(voice, "Short.", max_new_tokens=2000), rec.listener(2))
    queued = service.submit(render(voice, "Never.", max_new_tokens=7), rec.listener(3))
    queued.cancel()  # still in the queue: it never starts
    blocker.wait(TIMEOUT_S)
    while not any(j == 1 and isinstance(e, Progress) for j, e in list(rec.events)):
        threading.Event().wait(0.01)
    doomed.cancel()
    assert doomed.wait(TIMEOUT_S) == Done(cancelled=True)
    assert kept.wait(TIMEOUT_S) == Done(cancelled=False)
    assert "TakeReady" not in rec.kinds(1) and "TakeReady" in rec.kinds(2)
    assert rec.kinds(3) == ["Done"] and queued.wait(0) == Done(cancelled=True)


def test_a_failure_is_the_jobs_end_in_words(service, speech):
    audio, sr = speech
    job = service.submit(ExtractRequest(audio, sr, None, x_vector_only=True))
    events = list(job.events(TIMEOUT_S))
    assert isinstance(events[-1], Failed) and "No model" in events[-1].message
    with pytest.raises(JobFailed, match="No model"):
        job.wait(0)
    missing = service.submit(LoadRequest("/nowhere/at/all", device="cpu"))
    with pytest.raises(JobFailed, match="does not exist"):
        missing.wait(TIMEOUT_S)
    assert service.state.phase is ModelPhase.FAILED and service.state.hint


def test_only_requests_are_taken(service):
    with pytest.raises(TypeError, match="Not an engine request"):
        service.submit("say hello")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="at least one line"):
        service.submit(GenerateRequest(()))
