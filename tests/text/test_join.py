"""Joining takes: exact silences and crossfade lengths, no clicks, no surprises."""

from __future__ import annotations

import numpy as np
import pytest

from engine.errors import InputError
from engine.take import Take
from engine.text.boundaries import Level
from engine.text.chunking import plan_text
from engine.text.join import NATURAL_JOINS, Join, join_takes, natural_join, silence
from engine.text.markup import Pause
from engine.text.render import plan_joins

SR = 24000


def tone(n: int, value: float = 0.5) -> np.ndarray:
    return np.full(n, value, dtype=np.float32)


def take(audio: np.ndarray, index: int = 0) -> Take:
    return Take(index, "x", "auto", 0, audio, SR, len(audio) // 1920, "eos")


def test_a_pause_of_0_8_s_adds_exactly_19200_samples():
    a, b = tone(1000), tone(2000)
    joined = join_takes([take(a), take(b)], Join(silence_s=0.8))
    assert len(joined.audio) == 1000 + 19200 + 2000
    assert joined.offsets == [0, 1000 + 19200]
    assert not joined.audio[1000 : 1000 + 19200].any()  # digital silence
    assert joined.sample_rate == SR


def test_crossfade_overlaps_by_exactly_its_length():
    a, b = tone(3000), tone(5000)
    joined = join_takes([a, b], Join(crossfade_s=0.04), sample_rate=SR)
    assert len(joined.audio) == 3000 + 5000 - 960
    assert joined.offsets == [0, 3000 - 960]
    # Equal-power: two equal, steady signals never dip below either at the seam.
    seam = joined.audio[3000 - 960 : 3000]
    assert seam.min() >= 0.5 - 1e-6 and seam.max() <= 0.5 * np.sqrt(2) + 1e-6


def test_crossfade_is_shortened_only_by_a_shorter_piece():
    joined = join_takes([tone(100), tone(5000)], Join(crossfade_s=0.04), sample_rate=SR)
    assert len(joined.audio) == 5000


def test_leading_trailing_and_mixed_joins():
    pieces = [tone(10), tone(20), tone(30)]
    joins = [Join(silence_s=0.001), Join(crossfade_s=5 / SR)]
    joined = join_takes(pieces, joins, sample_rate=SR, leading_s=0.5, trailing_s=0.25)
    assert len(joined.audio) == 12000 + 10 + 24 + 20 - 5 + 30 + 6000
    assert joined.offsets == [12000, 12034, 12049]
    assert not joined.audio[:12000].any() and not joined.audio[-6000:].any()


def test_declick_fades_edges_without_changing_lengths():
    joined = join_takes([tone(1000, 1.0)], sample_rate=SR)
    assert len(joined.audio) == 1000
    assert joined.audio[0] < 0.05 and joined.audio[-1] < 0.05 and joined.audio[500] == 1.0
    raw = join_takes([tone(1000, 1.0)], sample_rate=SR, declick_s=0)
    assert (raw.audio == 1.0).all()


def test_default_join_is_a_sentence_pause_and_single_or_no_pieces_work():
    joined = join_takes([tone(10), tone(10)], sample_rate=SR)
    assert len(joined.audio) == 20 + round(NATURAL_JOINS[Level.SENTENCE].silence_s * SR)
    assert len(join_takes([tone(7)], sample_rate=SR).audio) == 7
    assert len(join_takes([], sample_rate=SR, leading_s=1.0).audio) == SR


def test_bad_joins_are_errors():
    with pytest.raises(InputError):
        Join(silence_s=-1)
    with pytest.raises(InputError):
        Join(silence_s=0.1, crossfade_s=0.1)
    with pytest.raises(InputError, match="need 2 joins"):
        join_takes([tone(1)] * 3, [Join()], sample_rate=SR)
    with pytest.raises(InputError, match="sample_rate"):
        join_takes([tone(1)])
    with pytest.raises(InputError, match="mono"):
        join_takes([np.zeros((10, 2))], sample_rate=SR)
    other = Take(0, "x", "auto", 0, tone(10), 16000, 1, "eos")
    with pytest.raises(InputError, match="different sample rates"):
        join_takes([take(tone(10)), other])


def test_natural_joins_follow_the_strength_of_the_cut():
    assert natural_join(Level.PARAGRAPH).silence_s > natural_join(Level.SENTENCE).silence_s
    assert natural_join(Level.SENTENCE).silence_s > natural_join(Level.CLAUSE).silence_s
    assert natural_join(Level.CLAUSE).silence_s > natural_join(Level.COMMA).silence_s
    assert natural_join(Level.WORD).crossfade_s > 0
    assert natural_join(None) == natural_join(Level.SENTENCE)
    assert len(silence(0.8, SR)) == 19200


def test_plan_joins_uses_written_pauses_exactly():
    plan = plan_text(
        "[pause 1s]One. Two [pause 0.8s][pause 200ms] three four five six.\n\nSeven. [pause 0.5s]", 12
    )
    chunks = [p.text for p in plan if not isinstance(p, Pause)]
    assert chunks == ["One. Two", "three four", "five six.", "Seven."]
    joins = plan_joins(plan)
    assert joins.leading_s == 1.0 and joins.trailing_s == 0.5
    assert joins.joins == [Join(silence_s=1.0), natural_join(Level.WORD), natural_join(Level.PARAGRAPH)]
    assert plan_joins(plan_text("A [pause 0s] B")).joins == [Join(silence_s=0.0)]
