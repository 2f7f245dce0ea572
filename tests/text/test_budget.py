"""One line's length limit shared by its parts (engine.text.budget): exact sums, fair shares."""

from __future__ import annotations

import pytest

from engine.text.budget import MIN_PART_FRAMES, part_token_limits, split_frames, text_weight


@pytest.mark.parametrize("total", [1, 5, 12, 36, 37, 100, 999])
@pytest.mark.parametrize("weights", [[1], [10, 10], [30, 5, 80], [1, 1, 1, 1, 1, 1, 1]])
def test_the_parts_add_up_to_the_whole(total, weights):
    frames = split_frames(total, weights)
    assert len(frames) == len(weights) and min(frames) >= 1
    if total >= len(weights):
        assert sum(frames) == total
    else:  # too little for one frame each: one frame each is the least a part can have
        assert frames == [1] * len(weights)


def test_longer_parts_get_more_and_every_part_gets_about_a_second():
    short, long_ = split_frames(100, [5, 95])
    assert short >= MIN_PART_FRAMES and long_ > short and short + long_ == 100
    assert split_frames(20, [1, 99]) == [10, 10]  # too little for 12 each: equal shares first


def test_cjk_text_weighs_more_per_character():
    assert text_weight("你好世界") == 12 and text_weight("abcd") == 4 and text_weight("") == 1


def test_part_limits():
    assert part_token_limits(None, ["A.", "B."]) == [None, None]
    assert part_token_limits(50, ["One part only."]) == [50]  # unchanged: rendered as alone
    limits = part_token_limits(101, ["Short.", "A much longer second part of the line."])
    assert sum(x - 1 for x in limits) == 100 and limits[0] < limits[1]
    assert part_token_limits(1, ["A.", "B."]) == [1, 1]  # a bad limit is left for the engine to refuse
