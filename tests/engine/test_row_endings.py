"""Rows end independently: on EOS, on their frame budget, or when they loop.

Two doctored copies of the tiny checkpoint make the model say EOS often (its head reads one
hidden dimension, with a big EOS weight on it) or never move (a zero head: every frame the same).
"""

from __future__ import annotations

import shutil

import numpy as np
import pytest
import torch
from safetensors.torch import load_file, save_file

from engine import Qwen3TTSModel
from engine.generation.runaway import LOOP_MIN_SPAN, LoopDetector
from tests.conftest import SPEECH_TEXT

EOS = 2150


def _doctored(src, dst, change):
    folder = shutil.copytree(src, dst)
    tensors = load_file(str(folder / "model.safetensors"))
    change(tensors)
    save_file(tensors, str(folder / "model.safetensors"))
    return Qwen3TTSModel.from_pretrained(folder, device="cpu")


@pytest.fixture(scope="module")
def eager_model(tiny_checkpoint, tmp_path_factory):
    def change(t):
        norm = t["talker.model.norm.weight"]
        norm.zero_()
        norm[0] = 1.0
        t["talker.codec_head.weight"][EOS, 0] = 25.0  # EOS wins whenever hidden[0] > 0

    return _doctored(tiny_checkpoint, tmp_path_factory.mktemp("eos") / "m", change)


@pytest.fixture(scope="module")
def stuck_model(tiny_checkpoint, tmp_path_factory):
    return _doctored(
        tiny_checkpoint,
        tmp_path_factory.mktemp("stuck") / "m",
        lambda t: t["talker.codec_head.weight"].zero_(),
    )


def test_rows_finish_on_eos_independently(eager_model, speech):
    voice = eager_model.create_voice_clone_prompt(speech, ref_text=SPEECH_TEXT)
    texts = ["First line here.", "A second, different line.", "Third.", "And the fourth one."]
    order = []
    takes = eager_model.generate_takes(
        texts,
        voice_clone_prompt=voice,
        seed=[1, 2, 3, 4],
        max_new_tokens=200,
        on_take=lambda t: order.append((t.index, t.frames)),
    )
    assert all(t.finish_reason == "eos" and t.complete for t in takes)
    frames = [t.frames for t in takes]
    assert min(frames) >= 2 and len(set(frames)) > 1  # EOS is barred for two tokens, then rows differ
    assert [f for _, f in order] == sorted(f for _, f in order)  # handed out as they end
    for t in takes:
        assert t.audio.shape == (t.frames * 1920,) and t.codes.shape == (t.frames, 16)
    # each row alone gives the same take: finished rows leaving the batch changes nothing
    for i, t in enumerate(takes):
        alone = eager_model.generate_takes(
            texts[i], voice_clone_prompt=voice, seed=i + 1, max_new_tokens=200
        )[0]
        assert np.array_equal(alone.codes, t.codes)


def test_a_looping_row_is_stopped_and_cut_where_the_loop_began(stuck_model, speech):
    voice = stuck_model.create_voice_clone_prompt(speech, x_vector_only_mode=True)
    opts = dict(voice_clone_prompt=voice, do_sample=False, max_new_tokens=300)
    take = stuck_model.generate_takes("This line gets stuck.", **opts)[0]
    assert take.finish_reason == "loop" and not take.complete
    assert take.frames == 0 and take.audio.size == 0  # the very first frame already repeated
    free = stuck_model.generate_takes("This line gets stuck.", runaway_guard=False, **opts)[0]
    assert free.finish_reason == "max_frames" and free.frames == 299
    assert (free.codes[:, 0] == free.codes[0, 0]).all()


def test_loop_detector_spots_repeats_and_spares_varied_sequences():
    rng = np.random.default_rng(0)
    d = LoopDetector()
    assert all(d.push(0, int(c)) is None for c in rng.integers(0, 2048, 500))
    d = LoopDetector()
    seq = [int(c) for c in rng.integers(0, 2048, 30)] + [7, 8, 9, 10, 11] * 20
    found = [(i, d.push(1, c)) for i, c in enumerate(seq)]
    i, began = next((i, b) for i, b in found if b is not None)
    assert began == 30 and i == 30 + LOOP_MIN_SPAN - 1


def test_a_cancelled_generation_leaves_the_model_usable(tiny_model, speech):
    from engine.errors import GenerationCancelled

    voice = tiny_model.create_voice_clone_prompt(speech, x_vector_only_mode=True)
    with pytest.raises(GenerationCancelled):
        tiny_model.generate_takes("Cancel me.", voice_clone_prompt=voice, should_stop=lambda: True, seed=1)
    take = tiny_model.generate_takes("Then this.", voice_clone_prompt=voice, seed=1, max_new_tokens=5)[0]
    assert take.frames == 4 and torch.is_inference_mode_enabled() is False


def test_bucketed_static_state_path_gives_the_same_takes(eager_model, speech):
    """The CUDA-graph runner's bookkeeping (padding to batch buckets, ended rows left in place,
    one gather into a smaller bucket, bucketed cache reads) run eagerly on the CPU: the same
    takes as exact sizes, also with a sampling setting that graphs no longer key on."""
    from engine.generation.cuda_graphs import GraphRunner

    voice = eager_model.create_voice_clone_prompt(speech, ref_text=SPEECH_TEXT)
    texts = ["One line.", "Two lines here.", "Three.", "Four, the last.", "Five."]  # 5 rows: bucket 8
    decoder = eager_model._renderer.decoder
    exact = decoder.runner
    bucketed = GraphRunner(decoder.talker, capture=False, buckets=True)
    results, kept = {}, []  # kept: the bucketed runner's static states after each setting
    for name, runner in (("exact", exact), ("bucketed", bucketed)):
        decoder.runner = runner
        results[name] = []
        try:
            for opts in (dict(do_sample=False), dict(do_sample=False, subtalker_temperature=0.5)):
                results[name].append(
                    eager_model.generate_takes(
                        texts, voice_clone_prompt=voice, seed=[1, 2, 3, 4, 5], max_new_tokens=200, **opts
                    )
                )
                kept.append(dict(runner._kept))
        finally:
            decoder.runner = exact
    assert len({t.frames for t in results["exact"][0]}) > 1  # rows really did leave at different frames
    for a, b in zip(results["exact"], results["bucketed"]):
        assert all(np.array_equal(x.codes, y.codes) for x, y in zip(a, b))
    # A new temperature reuses the static states (and so the graphs) of the old one.
    first, second = kept[2:]
    assert first.keys() & second.keys()
    assert all(first[k] is second[k] for k in first.keys() & second.keys())
