"""Apps written for the official ``qwen_tts`` package, run on our engine.

Each test calls the engine the way one app does (read from its code: the official Gradio demo
and its voice-clone / streaming services, voicebox's PyTorch backend, Quqooo's WebUI provider)
and asserts what that app relies on. None of their code is copied; the call shapes are theirs.
"""

from __future__ import annotations

import contextlib
import logging
from dataclasses import asdict, dataclass, fields

import numpy as np
import pytest
import torch

from engine import Qwen3TTSModel, VoiceClonePromptItem
from engine.errors import InputError
from engine.library.official_pt import read_official_voice_file
from tests.conftest import SPEECH_TEXT

GEN = dict(max_new_tokens=10)


@dataclass
class OfficialItem:
    """The official ``VoiceClonePromptItem``'s fields, exactly: its constructor refuses any other key."""

    ref_code: torch.Tensor | None
    ref_spk_embedding: torch.Tensor
    x_vector_only_mode: bool
    icl_mode: bool
    ref_text: str | None = None


@pytest.fixture(scope="module")
def icl_items(tiny_model, speech):
    return tiny_model.create_voice_clone_prompt(
        ref_audio=speech, ref_text=SPEECH_TEXT, x_vector_only_mode=False
    )


# ----- the official demo (qwen-tts-demo) ---------------------------------------------------------
def test_demo_detects_a_base_model_and_lists_languages(tiny_checkpoint):
    tts = Qwen3TTSModel.from_pretrained(
        str(tiny_checkpoint), device_map="cpu", dtype=torch.float32, attn_implementation="flash_attention_2"
    )
    assert getattr(tts.model, "tts_model_type", None) == "base"
    assert callable(getattr(tts.model, "get_supported_languages", None))
    langs = tts.model.get_supported_languages()
    assert langs[0] == "auto" and "english" in langs and "chinese" in langs
    assert list(tts.model.get_supported_speakers() or []) == []  # Base: no built-in speakers
    assert tts.model.tts_model_size == tts.config.tts_model_size
    assert tts.model.tokenizer_type == "qwen3_tts_tokenizer_12hz"


def test_demo_save_voice_file_and_generate_from_it(tiny_model, speech, tmp_path):
    items = tiny_model.create_voice_clone_prompt(
        ref_audio=speech, ref_text=SPEECH_TEXT, x_vector_only_mode=False
    )
    path = tmp_path / "voice_clone_prompt.pt"
    torch.save({"items": [asdict(it) for it in items]}, path)

    payload = torch.load(path, map_location="cpu", weights_only=True)  # as the demo loads it
    rebuilt = []
    for d in payload["items"]:
        OfficialItem(**d)  # the official class accepts what we wrote: no extra keys
        rebuilt.append(
            VoiceClonePromptItem(
                ref_code=d["ref_code"],
                ref_spk_embedding=d["ref_spk_embedding"],
                x_vector_only_mode=bool(d.get("x_vector_only_mode", False)),
                icl_mode=bool(d.get("icl_mode", True)),
                ref_text=d.get("ref_text"),
            )
        )
    torch.manual_seed(5)
    wavs, sr = tiny_model.generate_voice_clone(
        text="From a saved voice.", language="English", voice_clone_prompt=rebuilt, **GEN
    )
    torch.manual_seed(5)
    direct, _ = tiny_model.generate_voice_clone(
        text="From a saved voice.", language="English", voice_clone_prompt=items, **GEN
    )
    assert sr == 24000 and wavs[0].dtype == np.float32 and np.array_equal(wavs[0], direct[0])
    # Timbre's own library imports the same file.
    imported = read_official_voice_file(path)
    assert torch.equal(imported[0].ref_code, items[0].ref_code.cpu())


def test_asdict_round_trip_both_ways(tiny_model, icl_items):
    item = icl_items[0]
    assert [f.name for f in fields(item)] == [f.name for f in fields(OfficialItem)]
    again = VoiceClonePromptItem(**asdict(item))  # >= 10 public projects reload voices like this
    a = tiny_model.generate_takes("Round trip.", voice_clone_prompt=item, seed=3, **GEN)[0]
    b = tiny_model.generate_takes("Round trip.", voice_clone_prompt=again, seed=3, **GEN)[0]
    assert np.array_equal(a.audio, b.audio)
    # An official item's dict reads as ours, and a dict holding the signature (older Timbre
    # dicts did) has it parsed back instead of breaking generation.
    official = asdict(OfficialItem(**asdict(item)))
    assert VoiceClonePromptItem(**official).signature is None
    with_sig = dict(asdict(item), signature=item.signature.to_dict())
    assert VoiceClonePromptItem(**with_sig).signature == tiny_model.signature
    tiny_model.generate_voice_clone("Still fine.", voice_clone_prompt=VoiceClonePromptItem(**with_sig), **GEN)


# ----- the official voice-clone and streaming services -------------------------------------------
def test_services_validate_prompts_against_the_talker_config(tiny_model, icl_items):
    tts = tiny_model
    assert getattr(tts.model, "tts_model_type", None) == "base"
    cfg = tts.model.talker.config
    vocab, groups, hidden = int(cfg.vocab_size), int(cfg.num_code_groups), int(cfg.hidden_size)
    code, spk = icl_items[0].ref_code, icl_items[0].ref_spk_embedding
    assert code.dim() == 2 and code.shape[1] == groups == 16
    assert 0 <= int(code.min()) and int(code.max()) < vocab
    assert spk.dim() == 1 and int(spk.shape[0]) == hidden
    assert tts.model.config.talker_config is cfg
    assert int(tts.model.speech_tokenizer.get_output_sample_rate()) == 24000


def test_streaming_service_call_shape(tiny_model, icl_items):
    kwargs = dict(text="Streamed like the service.", language="Auto", voice_clone_prompt=icl_items)
    torch.manual_seed(11)
    chunks = []
    for wav_chunk, sr in tiny_model.generate_voice_clone_stream(
        **kwargs, chunk_size=4, left_context_size=25, max_new_tokens=14
    ):
        assert sr == 24000 and isinstance(wav_chunk, np.ndarray) and wav_chunk.dtype == np.float32
        chunks.append(wav_chunk)
    assert len(chunks) >= 3  # 13 frames in chunks of 4
    torch.manual_seed(11)
    whole, _ = tiny_model.generate_voice_clone(**kwargs, max_new_tokens=14)
    # The same take; chunked decoding rounds differently in the last float bits only.
    np.testing.assert_allclose(np.concatenate(chunks), whole[0], atol=1e-5)
    pcm16 = (np.clip(chunks[0], -1.0, 1.0) * 32767.0).astype(np.int16)  # what the service sends
    assert pcm16.size == chunks[0].size


def test_stopping_a_stream_ends_it_quietly(tiny_model, icl_items):
    stream = tiny_model.generate_voice_clone_stream(
        "A listener hangs up.", voice_clone_prompt=icl_items, chunk_size=2, seed=4, max_new_tokens=30
    )
    next(stream)
    stream.close()  # the client went away: no error, nothing left running
    a = tiny_model.generate_takes("After the stop.", voice_clone_prompt=icl_items, seed=9, **GEN)[0]
    b = tiny_model.generate_takes("After the stop.", voice_clone_prompt=icl_items, seed=9, **GEN)[0]
    assert np.array_equal(a.audio, b.audio)


def test_stream_rejects_bad_official_chunk_options(tiny_model, icl_items):
    with pytest.raises(ValueError, match="chunk_size"):
        next(tiny_model.generate_voice_clone_stream("x", voice_clone_prompt=icl_items, chunk_size=0))
    with pytest.raises(ValueError, match="left_context_size"):
        next(tiny_model.generate_voice_clone_stream("x", voice_clone_prompt=icl_items, left_context_size=-1))


# ----- voicebox ------------------------------------------------------------------------------
def test_voicebox_cpu_load_and_seeded_takes(tiny_checkpoint, speech_file, tmp_path):
    tts = Qwen3TTSModel.from_pretrained(
        str(tiny_checkpoint),
        cache_dir=str(tmp_path / "hf"),
        torch_dtype=torch.float32,
        low_cpu_mem_usage=False,
    )
    assert tts.device.type == "cpu" and tts.dtype == torch.float32
    prompt = tts.create_voice_clone_prompt(
        ref_audio=str(speech_file), ref_text=SPEECH_TEXT, x_vector_only_mode=False
    )

    def generate(seed):
        torch.manual_seed(seed)  # voicebox seeds the global generator, then calls without seed=
        wavs, sr = tts.generate_voice_clone(
            text="Seeded the voicebox way.",
            voice_clone_prompt=prompt,
            language="english",
            instruct=None,
            **GEN,
        )
        return wavs[0]

    first, again, other = generate(42), generate(42), generate(43)
    assert np.array_equal(first, again)
    assert not np.array_equal(first, other)


def test_dict_device_map_names_one_device(tiny_checkpoint):
    tts = Qwen3TTSModel.from_pretrained(str(tiny_checkpoint), device_map={"": "cpu"})
    assert tts.device.type == "cpu"
    with pytest.raises(ValueError, match="one device"):
        Qwen3TTSModel.from_pretrained(
            str(tiny_checkpoint), device_map={"talker": "cpu", "speaker_encoder": 0}
        )
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="no CUDA GPU"):
            Qwen3TTSModel.from_pretrained(str(tiny_checkpoint), device_map=0)


# ----- Quqooo's Qwen3-TTS WebUI --------------------------------------------------------------
@contextlib.contextmanager
def scoped_torch_seed(seed):
    """Seed the global generator for one request and restore it afterwards, as the WebUI does."""
    state = torch.get_rng_state()
    torch.manual_seed(seed)
    try:
        yield
    finally:
        torch.set_rng_state(state)


def test_webui_options_generation_params_and_preview(tiny_checkpoint, speech):
    tts = Qwen3TTSModel.from_pretrained(
        str(tiny_checkpoint),
        device_map="cpu",
        dtype=torch.float32,
        attn_implementation="sdpa",
        local_files_only=True,
    )
    getter = getattr(tts.model, "get_supported_languages", None)
    languages = [str(v) for v in (getter() or [])]
    assert "english" in languages and "japanese" in languages

    items = tts.create_voice_clone_prompt(ref_audio=speech, ref_text=SPEECH_TEXT, x_vector_only_mode=False)
    # The WebUI serialises items to plain dicts and back.
    serial = [
        {
            "ref_code": it.ref_code.cpu().tolist(),
            "ref_spk_embedding": it.ref_spk_embedding.float().cpu().tolist(),
            "x_vector_only_mode": it.x_vector_only_mode,
            "icl_mode": it.icl_mode,
            "ref_text": it.ref_text,
        }
        for it in items
    ]
    restored = [
        VoiceClonePromptItem(
            ref_code=torch.as_tensor(d["ref_code"]),
            ref_spk_embedding=torch.as_tensor(d["ref_spk_embedding"]),
            x_vector_only_mode=d["x_vector_only_mode"],
            icl_mode=d["icl_mode"],
            ref_text=d["ref_text"],
        )
        for d in serial
    ]
    params = dict(temperature=0.8, top_k=30, min_new_tokens=2, max_new_tokens=10, non_streaming_mode=False)
    with scoped_torch_seed(123):
        a, sr = tts.generate_voice_clone(
            text="WebUI line.", language="Auto", voice_clone_prompt=restored, **params
        )
    with scoped_torch_seed(123):
        b, _ = tts.generate_voice_clone(
            text="WebUI line.", language="Auto", voice_clone_prompt=items, **params
        )
    assert np.array_equal(a[0], b[0])

    code = torch.as_tensor(serial[0]["ref_code"])  # the voice preview button
    wavs, rate = tts.model.speech_tokenizer.decode({"audio_codes": code.to(tts.device)})
    assert rate == 24000 and wavs[0].dtype == np.float32
    assert len(wavs[0]) == code.shape[0] * tts.model.speech_tokenizer.get_decode_upsample_rate()
    assert np.abs(wavs[0]).max() > 0


def test_speech_tokenizer_encode_matches_extraction(tiny_model, speech, icl_items):
    wav, sr = speech
    enc = tiny_model.model.speech_tokenizer.encode(wav, sr=sr)
    assert torch.equal(enc.audio_codes[0].cpu(), icl_items[0].ref_code.cpu())
    padded = torch.full((2, enc.audio_codes[0].shape[0] + 5, 16), -1, dtype=torch.long)
    padded[0, :-5] = enc.audio_codes[0]
    padded[1] = torch.randint(0, 2048, (padded.shape[1], 16))
    wavs, _ = tiny_model.model.speech_tokenizer.decode({"audio_codes": padded})  # a -1 padded batch
    alone, _ = tiny_model.model.speech_tokenizer.decode({"audio_codes": enc.audio_codes[0]})
    np.testing.assert_allclose(wavs[0], alone[0], atol=1e-5)  # batched decoding: float rounding only
    assert len(wavs[0]) == len(alone[0]) and len(wavs[1]) == padded.shape[1] * 1920
    with pytest.raises(ValueError, match="sr"):
        tiny_model.model.speech_tokenizer.encode(wav)


# ----- options the official package accepts -------------------------------------------------
def test_official_load_options_are_accepted_and_typos_are_not(tiny_checkpoint, caplog):
    with caplog.at_level(logging.WARNING, logger="engine"):
        tts = Qwen3TTSModel.from_pretrained(
            str(tiny_checkpoint),
            low_cpu_mem_usage=True,
            trust_remote_code=True,
            quantization_config={"load_in_8bit": True},
            device_map={"": "cpu"},
        )
    assert tts.device.type == "cpu"
    warned = [r.getMessage() for r in caplog.records if "ignoring" in r.getMessage().lower()]
    assert len(warned) == 1 and "quantization_config" in warned[0] and "trust_remote_code" in warned[0]
    with pytest.raises(InputError, match=r"device_mapp \(did you mean device_map\?\)"):
        Qwen3TTSModel.from_pretrained(str(tiny_checkpoint), device_mapp="cpu")


def test_official_generate_options_are_accepted_and_typos_are_not(tiny_model, icl_items, caplog):
    with caplog.at_level(logging.WARNING, logger="engine"):
        tiny_model.generate_voice_clone(
            "Extras.",
            voice_clone_prompt=icl_items,
            instruct="speak softly",
            speaker="ryan",
            eos_token_id=2150,
            output_hidden_states=True,
            **GEN,
        )
    warned = " ".join(r.getMessage() for r in caplog.records)
    assert "instruct" in warned and "output_hidden_states" in warned
    with pytest.raises(InputError, match=r"temprature \(did you mean temperature\?\)"):
        tiny_model.generate_voice_clone("Typo.", voice_clone_prompt=icl_items, temprature=0.5)


def test_min_new_tokens_is_honoured(tiny_checkpoint, icl_items):
    # A talker that always wants to stop: EOS wins as soon as it is allowed.
    tts = Qwen3TTSModel.from_pretrained(str(tiny_checkpoint), device="cpu")
    talker = tts._parts.network.talker
    head = torch.nn.Linear(talker.codec_head.in_features, talker.codec_head.out_features, bias=True)
    torch.nn.init.zeros_(head.weight)
    with torch.no_grad():
        head.bias.fill_(-10.0)
        head.bias[talker.config.codec_eos_token_id] = 10.0
    talker.codec_head = head.requires_grad_(False)
    for minimum in (2, 5):
        take = tts.generate_takes(
            "Stop early.", voice_clone_prompt=icl_items, min_new_tokens=minimum, max_new_tokens=20, seed=1
        )[0]
        assert take.finish_reason == "eos" and take.frames == minimum
    with pytest.raises(InputError, match="min_new_tokens"):
        tts.generate_takes("x", voice_clone_prompt=icl_items, min_new_tokens=30, max_new_tokens=20)


# ----- smaller differences -------------------------------------------------------------------
def test_unsupported_audio_type_is_a_type_error(tiny_model):
    with pytest.raises(TypeError, match="unsupported type"):
        tiny_model.create_voice_clone_prompt(12345, x_vector_only_mode=True)
    with pytest.raises(ValueError):  # still one of our input errors, with a hint
        tiny_model.create_voice_clone_prompt(12345, x_vector_only_mode=True)


def test_speaker_embedding_has_the_model_dtype_and_device(tiny_checkpoint, speech):
    tts = Qwen3TTSModel.from_pretrained(str(tiny_checkpoint), device="cpu", dtype=torch.bfloat16)
    item = tts.create_voice_clone_prompt(speech, x_vector_only_mode=True)[0]
    assert item.ref_spk_embedding.dtype == torch.bfloat16 and item.ref_spk_embedding.device == tts.device
