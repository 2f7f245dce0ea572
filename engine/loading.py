"""Build the network, codec and tokenizer of a model folder on a device, in a dtype."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from .checkpoint import SPEECH_TOKENIZER_DIR, load_into, read_state_dict, weight_files
from .config import CodecConfig, TTSConfig, parse_codec_config, parse_tts_config, read_json, require_base_12hz
from .errors import DeviceUnavailableError, InputError
from .qwen3tts import Qwen3TTSNetwork
from .qwen3tts.codec import CodecDecoder, SpeechCodec
from .qwen3tts.codec.mimi import build_mimi_encoder, mimi_tensors_as_installed, skip_weight_init
from .text_tokenizer import TextTokenizer

log = logging.getLogger(__name__)

_DTYPES = {
    "float32": torch.float32,
    "fp32": torch.float32,
    "float": torch.float32,
    "bfloat16": torch.bfloat16,
    "bf16": torch.bfloat16,
    "float16": torch.float16,
    "fp16": torch.float16,
    "half": torch.float16,
}


def pick_device(device: Any = None) -> torch.device:
    """``None``/"auto" -> the first CUDA device if there is one, else the CPU."""
    if device is None or device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        dev = torch.device(device)
    except (RuntimeError, TypeError):
        raise InputError(f"Unknown device {device!r}.", "Use 'cpu', 'cuda' or 'cuda:N'.") from None
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise DeviceUnavailableError(
            f"Device {device!r} was asked for, but no CUDA GPU is available.", "Use device='cpu'."
        )
    if dev.type == "cuda" and dev.index is not None and dev.index >= torch.cuda.device_count():
        raise DeviceUnavailableError(
            f"There is no GPU {dev}; this machine has {torch.cuda.device_count()}.",
            "Use device='cuda:0', or device='cpu'.",
        )
    return dev


def pick_dtype(dtype: Any, device: torch.device) -> torch.dtype:
    """``None`` -> bfloat16 on CUDA, float32 on the CPU (bf16 is many times slower on most CPUs)."""
    if dtype is None or dtype == "auto":
        return torch.bfloat16 if device.type == "cuda" else torch.float32
    if isinstance(dtype, torch.dtype):
        if dtype not in (torch.float32, torch.bfloat16, torch.float16):
            raise InputError(f"Unsupported dtype {dtype}.", "Use float32, bfloat16 or float16.")
        return dtype
    try:
        return _DTYPES[str(dtype).lower().replace("torch.", "")]
    except KeyError:
        raise InputError(f"Unknown dtype {dtype!r}.", "Use float32, bfloat16 or float16.") from None


@dataclass
class Components:
    folder: Path
    config: TTSConfig
    codec_config: CodecConfig
    generation_defaults: dict[str, Any]
    network: Qwen3TTSNetwork
    codec: SpeechCodec
    tokenizer: TextTokenizer


def read_configs(folder: Path) -> tuple[TTSConfig, CodecConfig, dict[str, Any]]:
    """Read and check the three JSON files; cheap, so callers can validate before loading weights."""
    config = parse_tts_config(read_json(folder / "config.json"))
    require_base_12hz(config, f"The model in {folder}")
    gen_path = folder / "generation_config.json"
    generation = read_json(gen_path) if gen_path.exists() else {}
    codec_config = parse_codec_config(read_json(folder / SPEECH_TOKENIZER_DIR / "config.json"))
    return config, codec_config, generation


def load_components(folder: Path, device: torch.device, dtype: torch.dtype) -> Components:
    config, codec_config, generation = read_configs(folder)
    tokenizer = TextTokenizer(folder)

    with torch.device("meta"):
        network = Qwen3TTSNetwork(config)
    tensors = read_state_dict(weight_files(folder), device=device, dtype=dtype)
    extra = load_into(network, tensors, label="model.safetensors")
    if extra:
        log.info("model.safetensors holds %d tensors Timbre does not use (e.g. %s)", len(extra), extra[0])
    del tensors

    codec = _load_codec(folder, codec_config, device, dtype)
    network.eval().requires_grad_(False)
    codec.eval().requires_grad_(False)
    return Components(folder, config, codec_config, generation, network, codec, tokenizer)


def _load_codec(folder: Path, cfg: CodecConfig, device: torch.device, dtype: torch.dtype) -> SpeechCodec:
    label = SPEECH_TOKENIZER_DIR
    tensors = read_state_dict(weight_files(folder / label, label), device=device, dtype=dtype)
    # The Mimi encoder is transformers' module (it has non-persistent buffers), so it is built
    # for real, without random init; our decoder is built on the meta device and then receives
    # the weights directly.
    with skip_weight_init():
        encoder = build_mimi_encoder(cfg.encoder)
    with torch.device("meta"):
        decoder = CodecDecoder(cfg.decoder)
    codec = SpeechCodec(cfg, encoder=encoder, decoder=decoder)
    load_into(codec.decoder, tensors, label=f"{label}/model.safetensors", prefix="decoder.")
    # The file keeps the published Mimi names; the installed transformers may use others.
    encoder_tensors = mimi_tensors_as_installed(tensors, codec.encoder, prefix="encoder.")
    load_into(codec.encoder, encoder_tensors, label=f"{label}/model.safetensors", prefix="encoder.")
    codec.encoder.to(device=device, dtype=dtype)
    return codec
