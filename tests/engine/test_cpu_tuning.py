"""CPU setup: every weight layout computes the same takes, and calibration picks one of them."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from engine.generation.cpu_tuning import (
    LAYOUTS,
    PackedLinear,
    linear_layout,
    onednn_available,
    set_linear_layout,
)
from engine.qwen3tts.layers import published_state_dict


@pytest.fixture
def fresh_model(tiny_checkpoint):
    from engine import Qwen3TTSModel

    return Qwen3TTSModel.from_pretrained(tiny_checkpoint, device="cpu")


def _greedy(model, voice):
    return model.generate_takes(
        ["Layouts must agree.", "Second line."],
        voice_clone_prompt=voice,
        do_sample=False,
        subtalker_dosample=False,
        max_new_tokens=12,
    )


def _sampled(model, voice):
    return model.generate_takes(
        ["Layouts must agree.", "Second line."], voice_clone_prompt=voice, seed=[3, 4], max_new_tokens=12
    )


def test_every_layout_gives_the_same_takes(fresh_model, speech):
    talker = fresh_model._parts.network.talker
    weights = {k: v.clone() for k, v in published_state_dict(talker).items()}
    voice = fresh_model.create_voice_clone_prompt(speech, x_vector_only_mode=True)
    greedy, sampled = _greedy(fresh_model, voice), _sampled(fresh_model, voice)
    layouts = [x for x in LAYOUTS if not x.startswith("packed") or onednn_available()]
    assert "packed_b1" in layouts  # the CPU torch wheel ships oneDNN
    for layout in layouts + ["packed", "row"]:  # ... from one packing to another, and back again
        set_linear_layout(talker, layout)
        assert linear_layout(talker) == layout
        packed = layout.startswith("packed")
        assert any(isinstance(m, PackedLinear) for m in talker.modules()) == packed
        # The joined projections change layout like any other linear.
        assert isinstance(talker.model.layers[0].self_attn.qkv_proj, PackedLinear) == packed
        assert isinstance(talker.code_predictor.model.layers[0].mlp.gate_up_proj, PackedLinear) == packed
        for a, b in zip(greedy + sampled, _greedy(fresh_model, voice) + _sampled(fresh_model, voice)):
            assert np.array_equal(a.codes, b.codes)
            assert np.abs(a.audio - b.audio).max() < 1e-4
    # Back in the checkpoint's layout, every published parameter is there, unchanged.
    after = published_state_dict(talker)
    assert after.keys() == weights.keys()
    assert all(torch.equal(after[k], weights[k]) for k in weights)


def test_warm_up_calibrates_and_keeps_working(fresh_model, speech):
    report = fresh_model.warm_up()
    assert report["layout"] in LAYOUTS
    assert report["decode_threads"] in (1, torch.get_num_threads())
    assert report["big_batch_threads"] in (1, torch.get_num_threads())
    assert report["behind_best"] >= 1.0
    assert linear_layout(fresh_model._parts.network.talker) == report["layout"]
    voice = fresh_model.create_voice_clone_prompt(speech, x_vector_only_mode=True)
    take = fresh_model.generate_takes("After warm-up.", voice_clone_prompt=voice, seed=1, max_new_tokens=6)[0]
    assert take.frames == 5


def test_calibration_decodes_every_batch_size_under_each_thread_count(fresh_model):
    """Each candidate (layout, thread count) must reach the real decode loop at both batch sizes."""
    from engine.generation.cpu_tuning import CALIBRATION_BATCHES

    talker = fresh_model._parts.network.talker
    seen = set()

    def observe(_module, args):  # the talker stack runs in every decode frame (args[0]: (b, 1, H))
        seen.add((linear_layout(talker), args[0].shape[0], torch.get_num_threads()))

    hook = talker.model.register_forward_pre_hook(observe)
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        report = fresh_model._tuning.calibrate(talker, fresh_model._renderer.decoder.frame_seconds)
    finally:
        torch.set_num_threads(before)
        hook.remove()
    layouts = [x for x in LAYOUTS if not x.startswith("packed") or onednn_available()]
    assert seen == {(x, b, n) for x in layouts for b in CALIBRATION_BATCHES for n in (1, 2)}
    assert linear_layout(talker) == report["layout"]


def test_calibration_keeps_the_layout_least_behind_at_its_worse_batch_size(fresh_model):
    """Fastest for one row but far behind for eight loses to a layout close at both."""
    from engine.generation.cpu_tuning import CpuTuning

    talker = fresh_model._parts.network.talker
    ms = {  # layout -> (one row, eight rows): the Intel Xeon's shape of the problem
        "row": (85, 244),
        "k_major": (90, 290),
        "packed": (117, 144),
        "packed_b1": (93, 179),
    }
    tuning = CpuTuning(torch.device("cpu"))
    report = tuning.calibrate(talker, lambda batch: ms[linear_layout(talker)][batch > 1] / 1000)
    assert report["layout"] == linear_layout(talker) == "packed_b1"  # 1.09x and 1.24x behind
    assert report["behind_best"] == round(179 / 144, 3)
