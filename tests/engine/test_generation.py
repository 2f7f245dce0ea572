"""generate_voice_clone / generate_takes on the real engine (tiny random checkpoint).

Random weights rarely end a line by themselves (EOS is one id in ~2000), so lengths here come
from max_new_tokens or the runaway guard; every test that counts frames fixes its seeds so a
chance EOS cannot move them. The audio is noise, but its length, reproducibility and routing are real.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from engine.errors import GenerationCancelled, InputError, PromptMismatchError
from engine.generation.runaway import frame_cap
from engine.prompt import ModelSignature, VoiceClonePromptItem
from tests.conftest import SPEECH_TEXT

FAST = dict(max_new_tokens=12)


@pytest.fixture(scope="module")
def voices(tiny_model, speech):
    icl = tiny_model.create_voice_clone_prompt(speech, ref_text=SPEECH_TEXT)[0]
    xvec = tiny_model.create_voice_clone_prompt(speech, x_vector_only_mode=True)[0]
    return icl, xvec


def test_returns_waveforms_and_rate(tiny_model, voices):
    wavs, sr = tiny_model.generate_voice_clone("Hello.", voice_clone_prompt=voices[0], seed=1, **FAST)
    assert sr == 24000 and len(wavs) == 1
    assert wavs[0].dtype == np.float32 and wavs[0].shape == (11 * 1920,)  # N-1 frames, as the reference
    assert np.isfinite(wavs[0]).all() and np.abs(wavs[0]).max() > 0.01


def test_one_voice_broadcast_over_many_texts(tiny_model, voices):
    takes = tiny_model.generate_takes(
        ["One.", "Two.", "Three."], voice_clone_prompt=[voices[1]], seed=3, **FAST
    )
    assert [t.text for t in takes] == ["One.", "Two.", "Three."]
    assert len({t.seed for t in takes}) == 3  # one seed, but each line its own randomness
    assert not np.array_equal(takes[0].codes, takes[1].codes)


def test_mixed_voices_modes_and_languages_in_one_batch(tiny_model, voices):
    takes = tiny_model.generate_takes(
        ["Hello there.", "你好，世界。", "Bonjour."],
        language=["ENGLISH", "chinese", None],
        voice_clone_prompt=[voices[0], voices[1], voices[0]],
        seed=[1, 2, 3],
        **FAST,
    )
    assert [t.language for t in takes] == ["english", "chinese", "auto"]
    assert all(t.frames == 11 and t.audio.shape == (11 * 1920,) for t in takes)


def test_voice_per_text_count_must_match(tiny_model, voices):
    with pytest.raises(ValueError, match="Batch size mismatch"):
        tiny_model.generate_voice_clone(["a", "b", "c"], voice_clone_prompt=[voices[0], voices[1]], **FAST)


def test_unsupported_language_lists_the_supported_ones(tiny_model, voices):
    with pytest.raises(ValueError, match="Unsupported language 'Klingon'. Supported: auto, chinese, english"):
        tiny_model.generate_voice_clone("Hi.", language="Klingon", voice_clone_prompt=voices[0], **FAST)
    assert "english" in tiny_model.get_supported_languages()


def test_empty_text_and_missing_voice_are_clear_errors(tiny_model, voices):
    with pytest.raises(InputError, match="Text 2 is empty"):
        tiny_model.generate_voice_clone(["Hi.", "   "], voice_clone_prompt=voices[0], **FAST)
    with pytest.raises(ValueError, match="voice_clone_prompt or ref_audio"):
        tiny_model.generate_voice_clone("Hi.", **FAST)


def test_ref_audio_directly(tiny_model, speech):
    wavs, _ = tiny_model.generate_voice_clone(
        ["A.", "B."], ref_audio=speech, ref_text=SPEECH_TEXT, seed=[1, 2], **FAST
    )
    assert len(wavs) == 2


def test_official_dict_prompt_form(tiny_model, voices):
    icl = voices[0]
    as_dict = dict(
        ref_code=[icl.ref_code],
        ref_spk_embedding=[icl.ref_spk_embedding],
        x_vector_only_mode=[False],
        icl_mode=[True],
        ref_text=[icl.ref_text],
    )
    a = tiny_model.generate_takes("Same.", voice_clone_prompt=as_dict, seed=5, **FAST)[0]
    b = tiny_model.generate_takes("Same.", voice_clone_prompt=icl, seed=5, **FAST)[0]
    assert np.array_equal(a.codes, b.codes)


def test_seed_reproduces_a_take_whatever_else_is_in_the_batch(tiny_model, voices):
    alone = tiny_model.generate_takes("Reproduce me.", voice_clone_prompt=voices[0], seed=42, **FAST)[0]
    again = tiny_model.generate_takes("Reproduce me.", voice_clone_prompt=voices[0], seed=42, **FAST)[0]
    batch = tiny_model.generate_takes(
        ["Something much longer in front of it.", "Reproduce me."],
        voice_clone_prompt=[voices[1], voices[0]],
        seed=[7, 42],
        **FAST,
    )
    assert np.array_equal(alone.codes, again.codes) and np.array_equal(alone.audio, again.audio)
    assert np.array_equal(alone.codes, batch[1].codes)
    other = tiny_model.generate_takes("Reproduce me.", voice_clone_prompt=voices[0], seed=43, **FAST)[0]
    assert not np.array_equal(alone.codes, other.codes)


def test_greedy_is_deterministic_without_a_seed(tiny_model, voices):
    opts = dict(do_sample=False, subtalker_dosample=False, **FAST)
    a = tiny_model.generate_takes("Greedy.", voice_clone_prompt=voices[1], **opts)[0]
    b = tiny_model.generate_takes("Greedy.", voice_clone_prompt=voices[1], **opts)[0]
    assert np.array_equal(a.codes, b.codes)


def test_sampling_options_are_checked(tiny_model, voices):
    with pytest.raises(InputError, match="Unknown generation option"):
        tiny_model.generate_voice_clone("Hi.", voice_clone_prompt=voices[0], top_q=0.5)
    with pytest.raises(InputError, match="temperature must be greater than 0"):
        tiny_model.generate_voice_clone("Hi.", voice_clone_prompt=voices[0], temperature=0)
    takes = tiny_model.generate_takes(
        "Hi.",
        voice_clone_prompt=voices[0],
        temperature=0.7,
        top_k=5,
        top_p=0.8,
        repetition_penalty=1.2,
        subtalker_temperature=0.5,
        subtalker_top_k=3,
        subtalker_top_p=0.9,
        **FAST,
    )
    assert takes[0].frames == 11


def test_max_new_tokens_can_be_one_per_text(tiny_model, voices):
    texts = ["One.", "Two words.", "Three."]
    takes = tiny_model.generate_takes(
        texts, voice_clone_prompt=voices[1], seed=[1, 2, 3], max_new_tokens=[5, 9, None]
    )
    default = tiny_model.generate_takes("Three.", voice_clone_prompt=voices[1], seed=3)[0]
    assert [t.frames for t in takes] == [4, 8, default.frames]  # None: the default limit
    assert [t.finish_reason for t in takes[:2]] == ["max_frames", "max_frames"]  # the caller's own limits
    alone = tiny_model.generate_takes("Two words.", voice_clone_prompt=voices[1], seed=2, max_new_tokens=9)[0]
    assert np.array_equal(alone.codes, takes[1].codes)
    with pytest.raises(InputError, match="max_new_tokens must be at least 2"):
        tiny_model.generate_takes(texts, voice_clone_prompt=voices[1], max_new_tokens=[5, 1, 5])
    with pytest.raises(InputError, match="max_new_tokens has 2 entries for 3 items"):
        tiny_model.generate_takes(texts, voice_clone_prompt=voices[1], max_new_tokens=[5, 5])


def test_runaway_guard_stops_a_line_that_never_ends(tiny_model, voices):
    take = tiny_model.generate_takes("Hi.", voice_clone_prompt=voices[1], seed=1)[0]  # max_new_tokens 8192
    tokens = len(tiny_model._parts.tokenizer.target_ids("Hi."))
    assert take.frames == frame_cap(tokens)
    assert take.finish_reason == "runaway" and not take.complete
    capped = tiny_model.generate_takes("Hi.", voice_clone_prompt=voices[1], seed=1, **FAST)[0]
    assert capped.finish_reason == "max_frames"


def test_takes_are_handed_out_as_their_lines_end(tiny_model, voices):
    order = []
    tiny_model.generate_takes(
        ["A much longer line that the runaway guard allows more frames for.", "Hi."],
        voice_clone_prompt=voices[1],
        on_take=lambda t: order.append(t.index),
        max_new_tokens=400,
    )
    assert order == [1, 0]


def test_cancel_keeps_finished_takes_and_stops_within_a_frame(tiny_model, voices):
    done, frames_seen = [], []

    def progress(rows, frames):
        frames_seen.append(frames)

    with pytest.raises(GenerationCancelled):
        tiny_model.generate_takes(
            ["A much longer line that keeps going for a good while.", "Hi."],
            voice_clone_prompt=voices[1],
            max_new_tokens=400,
            on_take=done.append,
            on_progress=progress,
            should_stop=lambda: len(done) > 0,
        )
    assert [t.index for t in done] == [1]
    # the frame in flight when the take ended is the last one: nothing is computed after the request
    assert max(frames_seen) == done[0].frames + 1


@pytest.mark.parametrize("dtype", ["bfloat16", "float16"])
def test_half_precision_runs(tiny_checkpoint, speech, dtype):
    from engine import Qwen3TTSModel

    model = Qwen3TTSModel.from_pretrained(tiny_checkpoint, device="cpu", dtype=dtype)
    assert model.dtype == getattr(torch, dtype)
    voice = model.create_voice_clone_prompt(speech, ref_text=SPEECH_TEXT)
    wavs, _ = model.generate_voice_clone(
        "Half precision.", voice_clone_prompt=voice, max_new_tokens=6, seed=2
    )
    assert wavs[0].shape == (5 * 1920,) and np.isfinite(wavs[0]).all()


def test_prompt_save_load_round_trip(tiny_model, voices, tmp_path):
    for item in voices:
        path = tmp_path / "voice.safetensors"
        item.save(path)
        back = VoiceClonePromptItem.load(path)
        assert back.x_vector_only_mode == item.x_vector_only_mode and back.icl_mode == item.icl_mode
        assert back.ref_text == item.ref_text and back.signature == item.signature
        assert torch.equal(back.ref_spk_embedding, item.ref_spk_embedding)
        assert (back.ref_code is None and item.ref_code is None) or torch.equal(back.ref_code, item.ref_code)
        a = tiny_model.generate_takes("Same voice.", voice_clone_prompt=item, seed=9, **FAST)[0]
        b = tiny_model.generate_takes("Same voice.", voice_clone_prompt=back, seed=9, **FAST)[0]
        assert np.array_equal(a.codes, b.codes)


def test_prompt_load_rejects_what_is_not_a_prompt(tmp_path):
    import pickle

    fake = tmp_path / "evil.safetensors"
    fake.write_bytes(pickle.dumps({"ref_code": [1, 2, 3]}))
    with pytest.raises(InputError, match="not a Timbre voice prompt"):
        VoiceClonePromptItem.load(fake)
    with pytest.raises(InputError, match="does not exist"):
        VoiceClonePromptItem.load(tmp_path / "missing.safetensors")
    from safetensors.torch import save_file

    plain = tmp_path / "plain.safetensors"
    save_file({"ref_spk_embedding": torch.zeros(32)}, str(plain))
    with pytest.raises(InputError, match="no readable Timbre metadata"):
        VoiceClonePromptItem.load(plain)


def test_a_voice_from_another_model_is_refused(tiny_model, voices):
    other = ModelSignature(size="1b7", speaker_dim=2048, codec="qwen3_tts_tokenizer_12hz")
    foreign = VoiceClonePromptItem(
        ref_code=None,
        ref_spk_embedding=torch.zeros(2048),
        x_vector_only_mode=True,
        icl_mode=False,
        signature=other,
    )
    with pytest.raises(PromptMismatchError, match="extracted by Qwen3-TTS 1.7B") as info:
        tiny_model.generate_voice_clone("Hi.", voice_clone_prompt=foreign, **FAST)
    assert "Extract the voice again" in info.value.hint


def test_generate_signatures_name_every_sampling_option():
    import inspect
    from dataclasses import fields

    from engine.generation.sampling import SamplingParams
    from engine.model import Qwen3TTSModel

    names = {f.name for f in fields(SamplingParams)}
    for method in (Qwen3TTSModel.generate_takes, Qwen3TTSModel.generate_voice_clone_stream):
        params = inspect.signature(method).parameters
        assert names <= {n for n, p in params.items() if p.kind is p.KEYWORD_ONLY}, method.__name__
