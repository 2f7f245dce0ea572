"""The Qt-free parts: settings on disk, quality advice, takes store and export names, script
lines through the parser, and the per-line audio streams of a render."""

from __future__ import annotations

import json

import numpy as np
import pytest

from desktop_app.script_lines import parse_lines
from desktop_app.settings import FRAMES_PER_SECOND, SamplingSettings, Settings, load_settings, save_settings
from desktop_app.takes_export import export_names
from engine.audio_quality import Severity, analyze
from engine.projects import TakeRecord
from engine.service.line_render import LineStreams, line_seeds
from engine.text import parse_script_text, plan_text, text_slug


def test_settings_round_trip_and_forgiving_load(timbre_home):
    s = Settings(device="cuda:1", theme="dark")
    s.script.text = "Line one.\nLine two."
    s.script.sampling.temperature = 0.5
    s.splitters["main"] = "AAAA"
    save_settings(s)
    assert load_settings() == s
    raw = json.loads((timbre_home / "settings.json").read_text())
    raw.update(theme="purple", device="gpu please", dtype=3, unknown_key=1)
    raw["script"]["seed"] = -5
    raw["script"]["sampling"]["top_k"] = "many"
    (timbre_home / "settings.json").write_text(json.dumps(raw))
    loaded = load_settings()
    assert (loaded.theme, loaded.device, loaded.dtype) == ("system", "auto", "auto")
    assert loaded.script.seed == 0 and loaded.script.sampling.top_k == 50
    assert loaded.script.text == "Line one.\nLine two." and loaded.script.sampling.temperature == 0.5


def test_unreadable_settings_are_set_aside(timbre_home):
    timbre_home.mkdir(parents=True, exist_ok=True)
    (timbre_home / "settings.json").write_text("{ not json")
    assert load_settings() == Settings()
    assert (timbre_home / "settings.json.bad").exists()


def test_max_length_in_frames():
    assert SamplingSettings(max_length_s=1.6).engine_kwargs()["max_new_tokens"] == 20
    assert FRAMES_PER_SECOND == 24000 / 1920


def _tone(seconds, amplitude, rate=24000, noise=0.0):
    t = np.arange(int(seconds * rate)) / rate
    x = amplitude * np.sin(2 * np.pi * 200 * t) * (np.sin(2 * np.pi * 1.5 * t) > 0)  # speech-like bursts
    return (x + noise * np.random.default_rng(0).standard_normal(len(t))).astype(np.float32)


@pytest.mark.parametrize(
    ("audio", "expected"),
    [
        (_tone(0.6, 0.3), "Too short"),
        (_tone(2.0, 0.3), "A bit short"),
        (_tone(35.0, 0.3), "Long"),
        (np.clip(_tone(5.0, 2.0), -1, 1), "Clipping"),
        (_tone(5.0, 0.002), "Almost silent"),
        (_tone(5.0, 0.02), "Quiet"),
        (_tone(5.0, 0.3, noise=0.05), "Noisy"),
        (_tone(5.0, 0.3, noise=0.002), "Clean background"),
    ],
)
def test_quality_advice(audio, expected):
    report = analyze(audio, 24000)
    assert any(a.text.startswith(expected) for a in report.advice), [a.text for a in report.advice]


def test_good_recording_has_no_problem():
    report = analyze(_tone(6.0, 0.4, noise=0.001), 24000)
    assert report.worst is Severity.GOOD, report.advice


def test_export_names():
    def rec(line_id, text):
        return TakeRecord(
            id=f"{line_id}{text}",
            line_id=line_id,
            text=text,
            voice_id="v",
            voice_name="V",
            language="english",
            seed=1,
        )

    items = [
        (rec("a", "Welcome back, friends!"), 1),
        (rec("b", "再见"), 2),
        (rec("b", "再见"), 2),
        (rec("c", "?!"), 12),
        (rec("d", "Hold on [pause 0.8s] a moment."), 13),
        (rec("e", "Gone."), None),
    ]
    assert export_names(items, "wav") == [
        "001-welcome-back-friends.wav",
        "002-再见-take1.wav",
        "002-再见-take2.wav",
        "012-take.wav",
        "013-hold-on-a-moment.wav",  # markup is not part of a file name
        "removed-gone.wav",
    ]
    assert text_slug("A/B\\C:D*E") == "a-b-c-d-e"


SCRIPT = """# Episode 3
Welcome back. [pause 0.5s] Let's begin.
  A [pauze 1s] typo on this line.

\\# This hash is spoken.
[pause 1s]
Fine again [pause 99s] or not.
"""


def test_script_lines_match_the_cli_parser_line_by_line():
    lines = parse_lines(SCRIPT)
    assert [(p.number, p.valid) for p in lines] == [(2, True), (3, False), (5, True), (6, False), (7, False)]
    welcome, typo, hashed, only_pause, too_long = lines
    assert welcome.text == "Welcome back. [pause 0.5s] Let's begin." and welcome.pauses == 1
    assert welcome.parts == 2  # a pause always ends a chunk
    assert typo.column == 5 and "Unknown markup [pauze 1s]" in typo.error and "pause" in typo.hint
    assert typo.describe_error().startswith("Editor line 3, column 5: Unknown markup")
    assert hashed.text == "# This hash is spoken."
    assert "nothing to speak" in only_pause.error
    assert too_long.column == 12 and "longest pause" in too_long.error
    # The valid lines are exactly what timbre-cli renders once the bad ones are fixed.
    fixed = SCRIPT.replace("pauze", "pause").replace("[pause 1s]\n", "").replace("99s", "2s")
    assert [p.text for p in parse_lines(fixed)] == [ln.text for ln in parse_script_text(fixed)]
    assert parse_lines("") == [] and parse_lines("# only a note\n\n") == []


def test_line_streams_play_chunks_in_order_with_exact_pauses():
    rate = 1000
    plans = [plan_text("[pause 0.5s]One. [pause 0.25s] Two."), plan_text("Three.")]
    streams = LineStreams(plans, rate)
    a = np.ones(100, np.float32)
    # Chunk 1 of line 0 arrives first: only the line's leading pause can be played yet.
    out = streams.feed(0, 1, 2 * a, final=False)
    assert [len(x) for x in out] == [500] and not out[0].any()
    out = streams.feed(0, 0, a, final=False)
    assert [len(x) for x in out] == [100]  # chunk 0 as it comes
    out = streams.feed(0, 0, a, final=True)
    assert [len(x) for x in out] == [100, 250, 100]  # rest of chunk 0, the pause, held chunk 1
    assert not out[1].any() and np.all(out[2] == 2)
    assert [len(x) for x in streams.feed(0, 1, 3 * a, final=True)] == [100]  # no trailing pause
    assert [len(x) for x in streams.feed(1, 0, a, final=True)] == [100]
    assert line_seeds((4, 9), 2) == [4, 9] and line_seeds(7, 3) == [7, 8, 9]
    assert line_seeds(None, 2) == [None, None]
