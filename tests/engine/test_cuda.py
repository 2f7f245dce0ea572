"""CUDA: greedy takes are identical with and without CUDA graphs (runs wherever a GPU exists)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from tests.conftest import SPEECH_TEXT

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")


def _greedy(checkpoint, speech, monkeypatch, graphs: bool, dtype: str):
    from engine import Qwen3TTSModel

    monkeypatch.setenv("TIMBRE_NO_CUDA_GRAPHS", "0" if graphs else "1")
    model = Qwen3TTSModel.from_pretrained(checkpoint, device="cuda", dtype=dtype)
    icl = model.create_voice_clone_prompt(speech, ref_text=SPEECH_TEXT)[0]
    xvec = model.create_voice_clone_prompt(speech, x_vector_only_mode=True)[0]
    return model.generate_takes(
        ["First line on the GPU.", "Second, a little longer than the first one.", "Third."],
        voice_clone_prompt=[icl, xvec, icl],
        do_sample=False,
        subtalker_dosample=False,
        max_new_tokens=300,
    )


@pytest.mark.parametrize("dtype", ["float32", "bfloat16"])
def test_greedy_identical_with_and_without_graphs(tiny_checkpoint, speech, monkeypatch, dtype):
    with_graphs = _greedy(tiny_checkpoint, speech, monkeypatch, True, dtype)
    without = _greedy(tiny_checkpoint, speech, monkeypatch, False, dtype)
    for a, b in zip(with_graphs, without):
        assert np.array_equal(a.codes, b.codes)
        assert np.abs(a.audio - b.audio).max() < 1e-3


def test_sampled_takes_reproduce_with_graphs(tiny_checkpoint, speech, monkeypatch):
    from engine import Qwen3TTSModel

    monkeypatch.setenv("TIMBRE_NO_CUDA_GRAPHS", "0")
    model = Qwen3TTSModel.from_pretrained(tiny_checkpoint, device="cuda")
    model.warm_up()
    voice = model.create_voice_clone_prompt(speech, x_vector_only_mode=True)
    a = model.generate_takes(["One.", "Two."], voice_clone_prompt=voice, seed=[5, 6], max_new_tokens=40)
    b = model.generate_takes(["One.", "Two."], voice_clone_prompt=voice, seed=[5, 6], max_new_tokens=40)
    assert all(np.array_equal(x.codes, y.codes) for x, y in zip(a, b))


def test_apps_gpu_loading_and_seeding(tiny_checkpoint, speech_file):
    """voicebox's GPU path (device_map="cuda", torch_dtype=bfloat16, torch.manual_seed) and the
    official demo's (device_map="cuda:0", dtype=..., attn_implementation=...) on our engine."""
    from engine import Qwen3TTSModel

    tts = Qwen3TTSModel.from_pretrained(str(tiny_checkpoint), device_map="cuda", torch_dtype=torch.bfloat16)
    assert tts.device.type == "cuda" and tts.dtype == torch.bfloat16
    prompt = tts.create_voice_clone_prompt(ref_audio=str(speech_file), ref_text=SPEECH_TEXT)
    assert prompt[0].ref_spk_embedding.device.type == "cuda"
    assert prompt[0].ref_spk_embedding.dtype == torch.bfloat16

    def take(seed):
        torch.manual_seed(seed)
        torch.cuda.manual_seed(seed)
        wavs, _ = tts.generate_voice_clone(text="On the GPU.", voice_clone_prompt=prompt, max_new_tokens=20)
        return wavs[0]

    assert np.array_equal(take(3), take(3)) and not np.array_equal(take(3), take(4))
    demo = Qwen3TTSModel.from_pretrained(
        str(tiny_checkpoint),
        device_map="cuda:0",
        dtype=torch.bfloat16,
        attn_implementation="flash_attention_2",
    )
    assert demo.model.tts_model_type == "base" and demo.model.device.type == "cuda"
    wavs, sr = demo.model.speech_tokenizer.decode({"audio_codes": prompt[0].ref_code})
    assert sr == 24000 and len(wavs[0]) == prompt[0].ref_code.shape[0] * 1920
