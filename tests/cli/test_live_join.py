"""LiveJoin: chunks streamed side by side come out joined, in order, exactly as join_takes joins them."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.cli.playback import LiveJoin
from engine.text import join_takes
from engine.text.join import Join
from engine.text.render import JoinPlan

RATE = 24000


@st.composite
def streamed_chunks(draw):
    count = draw(st.integers(1, 5))
    lengths = draw(st.lists(st.integers(0, 6000), min_size=count, max_size=count))
    joins = draw(
        st.lists(
            st.one_of(
                st.builds(Join, silence_s=st.sampled_from([0.0, 0.01, 0.2])),
                st.builds(Join, crossfade_s=st.sampled_from([0.01, 0.04, 0.1])),
            ),
            min_size=count - 1,
            max_size=count - 1,
        )
    )
    plan = JoinPlan(draw(st.sampled_from([0.0, 0.05])), joins, draw(st.sampled_from([0.0, 0.05])))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    pieces = [rng.uniform(-0.9, 0.9, n).astype(np.float32) for n in lengths]
    # Each chunk arrives in blocks, in order; the chunks interleave as the engine's rows do.
    queues = []
    for index, piece in enumerate(pieces):
        cuts = sorted(draw(st.lists(st.integers(0, len(piece)), max_size=4)))
        bounds = [0, *cuts, len(piece)]
        blocks = [piece[a:b] for a, b in zip(bounds, bounds[1:])]
        queues.append([(index, block, k == len(blocks) - 1) for k, block in enumerate(blocks)])
    order = []
    while any(queues):
        live = [q for q in queues if q]
        order.append(live[draw(st.integers(0, len(live) - 1))].pop(0))
    return plan, pieces, order


@settings(max_examples=150, deadline=None)
@given(streamed_chunks())
def test_live_join_emits_exactly_the_joined_audio(case):
    plan, pieces, order = case
    live = LiveJoin(plan, len(pieces), RATE)
    emitted = [live.add(index, block, final) for index, block, final in order]
    expected = join_takes(
        pieces, plan.joins, sample_rate=RATE, leading_s=plan.leading_s, trailing_s=plan.trailing_s
    ).audio
    np.testing.assert_array_equal(np.concatenate(emitted), expected)


def test_playing_starts_before_the_first_chunk_is_finished():
    plan = JoinPlan(0.0, [Join(crossfade_s=0.04)], 0.0)
    live = LiveJoin(plan, 2, RATE)
    first = np.full(12000, 0.5, np.float32)
    assert len(live.add(1, np.ones(5000, np.float32), False)) == 0  # the second chunk waits its turn
    early = live.add(0, first[:6000], False)  # half of the first chunk: most of it can play now
    assert len(early) == 6000 - live.holdback
    assert len(live.add(0, first[6000:], True)) > 0  # the first chunk ends; the second is playing
    assert len(live.add(1, np.ones(100, np.float32), True)) > 0
