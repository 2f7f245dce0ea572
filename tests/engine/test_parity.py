"""Equality with the official qwen-tts 0.1.1: the same checkpoint, the same inputs, the same results.

The goldens under tests/reference were produced by the official package (tools/parity); the
checkpoint there was saved from its own classes. This is how we know real weights will work.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
import soundfile as sf
import torch
from safetensors.torch import load_file

from tests.conftest import REFERENCE_DIR

SPK_TOL = 1e-4
LOGIT_TOL = 1e-3
WAV_TOL = 1e-3


@pytest.fixture(scope="module")
def golden():
    return load_file(str(REFERENCE_DIR / "goldens.safetensors"))


@pytest.fixture(scope="module")
def meta():
    return json.loads((REFERENCE_DIR / "goldens.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def ref_model():
    from engine import Qwen3TTSModel

    return Qwen3TTSModel.from_pretrained(REFERENCE_DIR / "checkpoint", device="cpu", dtype="float32")


def _audio(name: str):
    data, sr = sf.read(REFERENCE_DIR / "audio" / name, dtype="float32")
    return data, sr


@pytest.fixture(scope="module")
def prompts(ref_model, meta):
    refs = [
        _audio("ref_16k.flac"),
        _audio("ref_24k.flac"),
        str(REFERENCE_DIR / "audio" / "ref_44k_stereo.flac"),
    ]
    icl = ref_model.create_voice_clone_prompt(refs, ref_text=meta["ref_texts"])
    xvec = ref_model.create_voice_clone_prompt(refs, x_vector_only_mode=True)
    voices = {f"icl{i}": p for i, p in enumerate(icl)}
    voices.update({f"xvec{i}": p for i, p in enumerate(xvec)})
    return voices


@pytest.mark.parametrize("i", [0, 1, 2])
def test_icl_prompt_codes_and_embedding_match(prompts, golden, i):
    item = prompts[f"icl{i}"]
    assert item.icl_mode and not item.x_vector_only_mode
    assert item.ref_code.dtype == torch.int64
    assert torch.equal(item.ref_code, golden[f"icl{i}.ref_code"])
    assert (item.ref_spk_embedding - golden[f"icl{i}.spk"]).abs().max() < SPK_TOL


@pytest.mark.parametrize("i", [0, 1, 2])
def test_xvector_prompt_matches(prompts, golden, i):
    item = prompts[f"xvec{i}"]
    assert item.ref_code is None and item.x_vector_only_mode and not item.icl_mode
    assert (item.ref_spk_embedding - golden[f"xvec{i}.spk"]).abs().max() < SPK_TOL


def test_batched_encode_with_a_twelve_second_signal_matches(ref_model, golden, meta):
    audio = [_audio(p.split("/")[-1]) for p in meta["batch24"]["audio"]]
    assert len(audio[1][0]) / audio[1][1] > 11.0  # the long one really is ~12 s
    items = ref_model.create_voice_clone_prompt(audio, ref_text=meta["batch24"]["ref_text"])
    assert torch.equal(items[0].ref_code, golden["batch24.ref_code0"])
    assert torch.equal(items[1].ref_code, golden["batch24.ref_code1"])


@pytest.mark.parametrize("longer_first", [False, True])
def test_extraction_does_not_depend_on_the_batch(ref_model, golden, meta, longer_first):
    """A 24 kHz voice extracted beside a longer 44.1 kHz one gets its codes from extracting it alone."""
    short24, rate = _audio("ref_24k.flac")
    long44 = str(REFERENCE_DIR / "audio" / "ref_44k_stereo.flac")
    cut = (_audio("long_24k.flac")[0][: int(3.5 * 24000)], 24000)  # ends inside a frame
    for voice, golden_key in (((short24, rate), "icl1.ref_code"), (cut, None)):
        alone = ref_model.create_voice_clone_prompt(voice, ref_text="alone")[0].ref_code
        batch = [long44, voice] if longer_first else [voice, long44]
        items = ref_model.create_voice_clone_prompt(batch, ref_text=["other", "beside"])
        assert torch.equal(items[1 if longer_first else 0].ref_code, alone)
        if golden_key:
            assert torch.equal(alone, golden[golden_key])


def _generate(ref_model, prompts, spec):
    return ref_model.generate_takes(
        spec["texts"],
        language=spec.get("languages", spec.get("language")),
        voice_clone_prompt=[prompts[v] for v in spec["voices"]],
        do_sample=False,
        subtalker_dosample=False,
        max_new_tokens=spec["max_new_tokens"],
        non_streaming_mode=spec.get("non_streaming_mode", False),
    )


@pytest.fixture(scope="module")
def greedy(ref_model, prompts, meta):
    """The greedy takes, and the talker's logits (b, V) at every frame, read by a forward hook.

    On the CPU no CUDA graph replays the frames, so the hook sees each call of the codec head.
    """
    capture: list[torch.Tensor] = []
    head = ref_model._parts.network.talker.codec_head
    hook = head.register_forward_hook(lambda _module, _inputs, out: capture.append(out.float().cpu()))
    try:
        takes = _generate(ref_model, prompts, meta["gen"])
    finally:
        hook.remove()
    return takes, capture


def test_greedy_batch_codes_match_exactly(greedy, golden):
    takes, _ = greedy
    assert [t.language for t in takes] == ["english", "chinese", "auto"]
    for i, take in enumerate(takes):
        want = golden[f"gen{i}.codes"].numpy()
        assert take.codes.shape == want.shape
        assert np.array_equal(take.codes, want)


def test_greedy_talker_logits_match_every_step(greedy, golden):
    _, capture = greedy
    ours = torch.stack(capture, dim=1)  # (B, steps, V)
    want = golden["gen.logits"]
    assert ours.shape == want.shape
    assert (ours - want).abs().max() < LOGIT_TOL


def test_greedy_waveforms_match(greedy, golden):
    takes, _ = greedy
    for i, take in enumerate(takes):
        want = golden[f"gen{i}.wav"].numpy()
        assert take.audio.shape == want.shape
        assert np.abs(take.audio - want).max() < WAV_TOL


def test_non_streaming_text_mode_matches(ref_model, prompts, golden, meta):
    takes = _generate(ref_model, prompts, meta["ns"])
    for i, take in enumerate(takes):
        want = golden[f"ns{i}.wav"].numpy()
        assert np.array_equal(take.codes, golden[f"ns{i}.codes"].numpy())
        assert take.audio.shape == want.shape
        assert np.abs(take.audio - want).max() < WAV_TOL


def test_long_decode_takes_the_chunked_path_and_matches(ref_model, golden, meta):
    codes = golden["decode.codes"]
    assert codes.shape[0] > 300  # the reference decodes in 300-frame chunks past this
    wav = ref_model._parts.codec.decode([codes])[0].numpy()
    want = golden["decode.wav"].float().numpy()
    assert wav.shape == want.shape
    assert np.abs(wav - want).max() < WAV_TOL
