"""SRT timelines: each take at its cue's start sample, overruns reported with line and amount."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf

from engine.errors import InputError
from engine.take import Take
from engine.text.script import ScriptLine, parse_script_text
from engine.text.timeline import Overrun, build_timeline, format_time, write_timeline

SR = 24000

SRT = """1
00:00:00,500 --> 00:00:01,500
One.

2
00:00:02,000 --> 00:00:02,250
Two.

3
00:00:02,300 --> 00:00:04,001
Three.
"""


def take(seconds: float, value: float) -> Take:
    n = round(seconds * SR)
    return Take(0, "x", "auto", 0, np.full(n, value, dtype=np.float32), SR, n // 1920, "eos")


def test_takes_start_exactly_at_their_cues_and_overruns_are_reported(tmp_path):
    lines = parse_script_text(SRT, "srt")
    takes = [take(1.0, 0.1), take(0.5, 0.2), take(1.701, 0.4)]  # the first and last fit exactly
    timeline = build_timeline(lines, takes)
    assert timeline.offsets == [12000, 48000, 55200]
    assert len(timeline.audio) == round(4.001 * SR) == 55200 + round(1.701 * SR)
    audio = timeline.audio
    assert not audio[:12000].any()
    assert (audio[12000:36000] == np.float32(0.1)).all() and not audio[36000:48000].any()
    # Take 2 runs 0.25 s past its cue and 0.2 s into cue 3, where the two are mixed.
    assert (audio[48000:55200] == np.float32(0.2)).all()
    assert np.allclose(audio[55200:60000], 0.6)
    assert timeline.overruns == [Overrun(line=7, cue_end_s=2.25, take_end_s=2.5, next_line=11)]
    assert timeline.overruns[0].by_s == pytest.approx(0.25)
    assert timeline.warnings == [
        "line 7: the take runs 0.25 s past its cue's end (00:00:02,250) and overlaps the next cue (line 11)"
    ]

    path = tmp_path / "timeline.wav"
    write_timeline(path, timeline)
    data, sr = sf.read(path, dtype="float32")
    assert sr == SR and len(data) == len(timeline.audio)
    assert abs(data[20000] - 0.1) < 1e-4


def test_overrun_of_the_last_cue_extends_the_timeline():
    lines = [ScriptLine("A", 3, start_s=1.0, end_s=2.0)]
    timeline = build_timeline(lines, [np.ones(2 * SR, dtype=np.float32)], sample_rate=SR)
    assert len(timeline.audio) == 3 * SR
    assert str(timeline.overruns[0]) == "line 3: the take runs 1.00 s past its cue's end (00:00:02,000)"


def test_missing_takes_leave_silence_and_a_warning():
    lines = parse_script_text(SRT, "srt")
    timeline = build_timeline(lines, [take(1.0, 0.1), None, take(0.1, 0.1)])
    assert timeline.offsets == [12000, None, 55200]
    assert timeline.missing_lines == [7]
    assert not timeline.audio[48000:55200].any()
    assert timeline.warnings == ["line 7: no take to place; the timeline is silent there"]


def test_out_of_order_cues_are_placed_by_time():
    lines = [ScriptLine("B", 5, start_s=2.0, end_s=3.0), ScriptLine("A", 1, start_s=0.0, end_s=1.0)]
    timeline = build_timeline(lines, [np.ones(10, np.float32), np.ones(30000, np.float32)], sample_rate=SR)
    assert timeline.offsets == [48000, 0]
    assert [o.line for o in timeline.overruns] == [1] and timeline.overruns[0].next_line is None


def test_timeline_needs_cue_times_and_one_take_per_line():
    with pytest.raises(InputError, match="lines have none: 1"):
        build_timeline([ScriptLine("A", 1)], [np.zeros(1, np.float32)], sample_rate=SR)
    with pytest.raises(InputError, match="one take per line"):
        build_timeline([ScriptLine("A", 1, start_s=0, end_s=1)], [], sample_rate=SR)
    with pytest.raises(InputError, match="sample_rate"):
        build_timeline([ScriptLine("A", 1, start_s=0, end_s=1)], [np.zeros(1, np.float32)])


def test_format_time():
    assert format_time(3723.004) == "01:02:03,004"
    assert format_time(0.25) == "00:00:00,250"
