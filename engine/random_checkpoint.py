"""Write random-weight checkpoints in the official Qwen3-TTS 12 Hz Base layout, at any size.

``tiny`` is for tests (a few MB, runs in seconds on a CPU); ``0.6b`` and ``1.7b`` have the
published dimensions, for benchmarks. Structural constants stay real at every size: 16
codebooks of 2048 entries, a 3072-id codec vocabulary with control ids 2148-2157, the real
language ids, 24 kHz audio and 1920 samples a frame. The same loading code reads these and the
published checkpoints.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .tiny_tokenizer import write_tokenizer_files

LANGUAGE_IDS = {
    "chinese": 2055,
    "english": 2050,
    "german": 2053,
    "italian": 2070,
    "portuguese": 2071,
    "spanish": 2054,
    "japanese": 2058,
    "korean": 2064,
    "french": 2061,
    "russian": 2069,
}
CODEC_IDS = dict(
    codec_pad_id=2148,
    codec_bos_id=2149,
    codec_eos_token_id=2150,
    codec_think_id=2154,
    codec_nothink_id=2155,
    codec_think_bos_id=2156,
    codec_think_eos_id=2157,
)
SIZES = ("tiny", "0.6b", "1.7b")

# Per size: talker, code predictor, speaker encoder, codec decoder and Mimi encoder widths.
_DIMS: dict[str, dict[str, Any]] = {
    "tiny": dict(
        model_size="tiny",
        talker=dict(
            hidden_size=32,
            intermediate_size=64,
            num_hidden_layers=2,
            num_attention_heads=2,
            num_key_value_heads=1,
            head_dim=16,
            text_hidden_size=32,
        ),
        code_predictor=dict(
            hidden_size=16,
            intermediate_size=32,
            num_hidden_layers=1,
            num_attention_heads=2,
            num_key_value_heads=1,
            head_dim=8,
        ),
        speaker=dict(
            enc_dim=32,
            enc_channels=[32, 32, 32, 32, 96],
            enc_attention_channels=16,
            enc_res2net_scale=4,
            enc_se_channels=16,
        ),
        decoder=dict(
            codebook_dim=32,
            hidden_size=32,
            latent_dim=32,
            num_attention_heads=2,
            num_key_value_heads=2,
            head_dim=16,
            intermediate_size=64,
            num_hidden_layers=1,
            decoder_dim=64,
        ),
        encoder=dict(
            hidden_size=32,
            num_filters=4,
            num_hidden_layers=1,
            num_attention_heads=2,
            num_key_value_heads=2,
            head_dim=16,
            intermediate_size=64,
            codebook_dim=16,
            num_quantizers=16,
            vector_quantization_hidden_dimension=16,
            upsample_groups=32,
        ),
    ),
    "0.6b": dict(
        model_size="0b6",
        talker=dict(
            hidden_size=1024,
            intermediate_size=3072,
            num_hidden_layers=28,
            num_attention_heads=16,
            num_key_value_heads=8,
            head_dim=128,
            text_hidden_size=2048,
        ),
        code_predictor=dict(
            hidden_size=1024,
            intermediate_size=3072,
            num_hidden_layers=5,
            num_attention_heads=16,
            num_key_value_heads=8,
            head_dim=128,
        ),
        speaker=dict(enc_dim=1024),
    ),
    "1.7b": dict(
        model_size="1b7",
        talker=dict(
            hidden_size=2048,
            intermediate_size=6144,
            num_hidden_layers=28,
            num_attention_heads=16,
            num_key_value_heads=8,
            head_dim=128,
            text_hidden_size=2048,
        ),
        code_predictor=dict(
            hidden_size=1024,
            intermediate_size=3072,
            num_hidden_layers=5,
            num_attention_heads=16,
            num_key_value_heads=8,
            head_dim=128,
        ),
        speaker=dict(enc_dim=2048),
    ),
}
_REAL_DECODER = dict(
    codebook_dim=512,
    codebook_size=2048,
    hidden_size=512,
    latent_dim=1024,
    num_attention_heads=16,
    num_key_value_heads=16,
    head_dim=64,
    intermediate_size=1024,
    num_hidden_layers=8,
    decoder_dim=1536,
)
_REAL_ENCODER = dict(
    hidden_size=512,
    num_filters=64,
    num_hidden_layers=8,
    num_attention_heads=8,
    num_key_value_heads=8,
    head_dim=64,
    intermediate_size=2048,
    codebook_dim=256,
    num_quantizers=32,
    vector_quantization_hidden_dimension=256,
    upsample_groups=512,
)


def _check_size(size: str) -> dict[str, Any]:
    if size not in _DIMS:
        raise ValueError(f"Unknown checkpoint size {size!r}; choose one of {', '.join(SIZES)}.")
    return _DIMS[size]


def model_config(size: str, special_ids: dict[str, int]) -> dict[str, Any]:
    """``config.json`` for a Base model of ``size``; ``special_ids`` from the text tokenizer."""
    dims = _check_size(size)
    head_dim = dims["talker"]["head_dim"]
    half = head_dim // 2
    # The published split for head_dim 128; any split summing to head_dim / 2 is valid.
    mrope = [24, 20, 20] if head_dim == 128 else [half - 2 * (half // 3), half // 3, half // 3]
    talker = dict(
        dims["talker"],
        vocab_size=3072,
        text_vocab_size=special_ids["text_vocab_size"],
        num_code_groups=16,
        hidden_act="silu",
        rms_norm_eps=1e-6,
        rope_theta=1000000,
        max_position_embeddings=32768,
        rope_scaling={"interleaved": True, "mrope_section": mrope, "rope_type": "default", "type": "default"},
        attention_bias=False,
        use_sliding_window=False,
        sliding_window=None,
        model_type="qwen3_tts_talker",
        codec_language_id=dict(LANGUAGE_IDS),
        spk_id={},
        spk_is_dialect={},
        pad_token_id=2148,
        code_predictor_config=dict(
            dims["code_predictor"],
            vocab_size=2048,
            num_code_groups=16,
            hidden_act="silu",
            rms_norm_eps=1e-6,
            rope_theta=1000000,
            max_position_embeddings=65536,
            attention_bias=False,
            use_sliding_window=False,
            model_type="qwen3_tts_talker_code_predictor",
            layer_types=["full_attention"] * dims["code_predictor"]["num_hidden_layers"],
        ),
        **CODEC_IDS,
    )
    return {
        "architectures": ["Qwen3TTSForConditionalGeneration"],
        "model_type": "qwen3_tts",
        "tokenizer_type": "qwen3_tts_tokenizer_12hz",
        "tts_model_size": dims["model_size"],
        "tts_model_type": "base",
        "im_start_token_id": special_ids["im_start"],
        "im_end_token_id": special_ids["im_end"],
        "tts_pad_token_id": special_ids["tts_pad"],
        "tts_bos_token_id": special_ids["tts_bos"],
        "tts_eos_token_id": special_ids["tts_eos"],
        "talker_config": talker,
        "speaker_encoder_config": dict(dims["speaker"], sample_rate=24000),
        "transformers_version": "4.57.3",
    }


def codec_config(size: str) -> dict[str, Any]:
    """``speech_tokenizer/config.json``: the codec is shared by both published sizes."""
    dims = _check_size(size)
    decoder = dict(
        dims.get("decoder", _REAL_DECODER),
        codebook_size=2048,
        num_quantizers=16,
        max_position_embeddings=8000,
        rope_theta=10000,
        sliding_window=72,
        rms_norm_eps=1e-5,
        layer_scale_initial_scale=0.01,
        hidden_act="silu",
        attention_bias=False,
        attention_dropout=0.0,
        upsample_rates=[8, 5, 4, 3],
        upsampling_ratios=[2, 2],
    )
    encoder = dict(
        dims.get("encoder", _REAL_ENCODER),
        _frame_rate=12.5,
        sampling_rate=24000,
        audio_channels=1,
        codebook_size=2048,
        compress=2,
        dilation_growth_rate=2,
        kernel_size=7,
        last_kernel_size=3,
        residual_kernel_size=3,
        num_residual_layers=1,
        num_semantic_quantizers=1,
        pad_mode="constant",
        use_causal_conv=True,
        upsampling_ratios=[8, 6, 5, 4],
        sliding_window=250,
        max_position_embeddings=8000,
        rope_theta=10000.0,
        norm_eps=1e-5,
        hidden_act="gelu",
        use_cache=False,
        use_conv_shortcut=False,
        trim_right_ratio=1.0,
        layer_scale_initial_scale=0.01,
        normalize=False,
    )
    return {
        "architectures": ["Qwen3TTSTokenizerV2Model"],
        "model_type": "qwen3_tts_tokenizer_12hz",
        "encoder_valid_num_quantizers": 16,
        "input_sample_rate": 24000,
        "output_sample_rate": 24000,
        "decode_upsample_rate": 1920,
        "encode_downsample_rate": 1920,
        "encoder_config": encoder,
        "decoder_config": decoder,
    }


GENERATION_CONFIG = {
    "do_sample": True,
    "repetition_penalty": 1.05,
    "temperature": 0.9,
    "top_p": 1.0,
    "top_k": 50,
    "subtalker_dosample": True,
    "subtalker_temperature": 0.9,
    "subtalker_top_p": 1.0,
    "subtalker_top_k": 50,
    "max_new_tokens": 8192,
}
CODEC_PREPROCESSOR = {
    "feature_extractor_type": "EncodecFeatureExtractor",
    "feature_size": 1,
    "sampling_rate": 24000,
    "padding_side": "right",
    "padding_value": 0.0,
    "return_attention_mask": True,
    "chunk_length_s": None,
    "overlap": None,
}


def _dump(path: Path, data: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def write_layout(folder: str | Path, size: str = "tiny") -> Path:
    """Write every file of a checkpoint except the weights (configs and tokenizer)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    special = write_tokenizer_files(folder, full_vocab=size != "tiny")
    _dump(folder / "config.json", model_config(size, special))
    _dump(folder / "generation_config.json", GENERATION_CONFIG)
    _dump(folder / "preprocessor_config.json", {"processor_class": "Qwen3TTSProcessor"})
    _dump(folder / "speech_tokenizer" / "config.json", codec_config(size))
    _dump(folder / "speech_tokenizer" / "preprocessor_config.json", CODEC_PREPROCESSOR)
    return folder


def write_random_checkpoint(
    folder: str | Path, size: str = "tiny", *, seed: int = 0, dtype: str = "float32"
) -> Path:
    """Write a complete random-weight checkpoint; returns the folder."""
    import torch
    from safetensors.torch import save_file

    from .config import parse_codec_config, parse_tts_config
    from .random_init import randomize_codec_, randomize_network_

    folder = write_layout(folder, size)
    cfg = parse_tts_config(json.loads((folder / "config.json").read_text()))
    ccfg = parse_codec_config(json.loads((folder / "speech_tokenizer" / "config.json").read_text()))
    torch_dtype = {"float32": torch.float32, "bfloat16": torch.bfloat16, "float16": torch.float16}[dtype]

    from .qwen3tts import Qwen3TTSNetwork
    from .qwen3tts.codec import SpeechCodec
    from .qwen3tts.layers import published_state_dict

    gen = torch.Generator().manual_seed(seed)
    network = Qwen3TTSNetwork(cfg)
    randomize_network_(network, gen)
    save_file(
        _cast(published_state_dict(network), torch_dtype),
        str(folder / "model.safetensors"),
        metadata={"format": "pt"},
    )
    del network
    codec = SpeechCodec(ccfg)
    randomize_codec_(codec, gen)
    save_file(
        _cast(codec.published_state_dict(), torch_dtype),
        str(folder / "speech_tokenizer" / "model.safetensors"),
        metadata={"format": "pt"},
    )
    return folder


def _cast(state: dict, dtype) -> dict:
    return {k: _owning(v.detach().to(dtype)) for k, v in state.items()}


def _owning(t):
    """``t``, copied if it is a slice of a larger tensor (the published projections are slices
    of one joined matrix, and safetensors refuses to save tensors that share storage)."""
    shared = t.untyped_storage().nbytes() != t.numel() * t.element_size()
    return t.clone().contiguous() if shared else t.contiguous()
