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
    weights = {k: v.clone() for k, v in talker.state_dict().items()}
    voice = fresh_model.create_voice_clone_prompt(speech, x_vector_only_mode=True)
    greedy, sampled = _greedy(fresh_model, voice), _sampled(fresh_model, voice)
    layouts = [x for x in LAYOUTS if x != "packed" or onednn_available()]
    assert "packed" in layouts  # the CPU torch wheel ships oneDNN
    for layout in layouts + ["row"]:  # ... and back again
        set_linear_layout(talker, layout)
        assert linear_layout(talker) == layout
        assert any(isinstance(m, PackedLinear) for m in talker.modules()) == (layout == "packed")
        # The packed layout also joins q/k/v and gate/up into one matrix each.
        assert (talker.model.layers[0].self_attn.qkv_proj is not None) == (layout == "packed")
        assert (talker.code_predictor.model.layers[0].mlp.gate_up_proj is not None) == (layout == "packed")
        for a, b in zip(greedy + sampled, _greedy(fresh_model, voice) + _sampled(fresh_model, voice)):
            assert np.array_equal(a.codes, b.codes)
            assert np.abs(a.audio - b.audio).max() < 1e-4
    # Back in the checkpoint's layout, every published parameter is there, unchanged.
    after = talker.state_dict()
    assert after.keys() == weights.keys()
    assert all(torch.equal(after[k], weights[k]) for k in weights)


def test_warm_up_calibrates_and_keeps_working(fresh_model, speech):
    report = fresh_model.warm_up()
    assert report["layout"] in LAYOUTS
    assert report["decode_threads"] in (1, torch.get_num_threads())
    assert linear_layout(fresh_model._parts.network.talker) == report["layout"]
    voice = fresh_model.create_voice_clone_prompt(speech, x_vector_only_mode=True)
    take = fresh_model.generate_takes("After warm-up.", voice_clone_prompt=voice, seed=1, max_new_tokens=6)[0]
    assert take.frames == 5
