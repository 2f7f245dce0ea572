"""Typed views of the published Qwen3-TTS configuration files.

Defaults are those of the official configuration classes, so a checkpoint that omits a field
(the published Base configs omit most of ``speaker_encoder_config``) reads the same here as
there. Nothing in this module imports torch.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from .config_fields import as_object, describe, missing_fields, type_problems
from .errors import CheckpointError, UnsupportedModelError

CODEC_12HZ = "qwen3_tts_tokenizer_12hz"


def read_json(path: Path) -> dict[str, Any]:
    """Read a JSON object, raising :class:`CheckpointError` naming the file when it is bad."""
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    except FileNotFoundError:
        raise CheckpointError(
            f"The model folder has no {path.name} ({path}).",
            "Point Timbre at a complete Qwen3-TTS model folder, or download the model again.",
        ) from None
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise CheckpointError(
            f"{path.name} in the model folder is not valid JSON ({path}): {e}.",
            "The file is damaged; download the model again.",
        ) from None
    if not isinstance(data, dict):
        raise CheckpointError(f"{path.name} must hold a JSON object ({path}).")
    return data


def _pick(cls: type, data: dict[str, Any], **overrides: Any) -> Any:
    """Build dataclass ``cls`` from the keys of ``data`` it knows, ignoring the rest."""
    names = {f.name for f in fields(cls)}
    kwargs = {k: v for k, v in data.items() if k in names}
    kwargs.update(overrides)
    return cls(**kwargs)


@dataclass(frozen=True)
class DecoderStackConfig:
    """A Qwen3-style decoder-only transformer stack (talker, code predictor)."""

    hidden_size: int
    intermediate_size: int
    num_hidden_layers: int
    num_attention_heads: int
    num_key_value_heads: int
    head_dim: int
    rms_norm_eps: float = 1e-6
    rope_theta: float = 10000.0
    hidden_act: str = "silu"
    attention_bias: bool = False


@dataclass(frozen=True)
class CodePredictorConfig(DecoderStackConfig):
    vocab_size: int = 2048
    num_code_groups: int = 32


@dataclass(frozen=True)
class TalkerConfig(DecoderStackConfig):
    code_predictor: CodePredictorConfig = None  # type: ignore[assignment]
    vocab_size: int = 3072
    text_vocab_size: int = 151936
    text_hidden_size: int = 2048
    num_code_groups: int = 32
    codec_eos_token_id: int = 4198
    codec_think_id: int = 4202
    codec_nothink_id: int = 4203
    codec_think_bos_id: int = 4204
    codec_think_eos_id: int = 4205
    codec_pad_id: int = 4196
    codec_bos_id: int = 4197
    codec_language_id: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class SpeakerEncoderConfig:
    mel_dim: int = 128
    enc_dim: int = 1024
    enc_channels: tuple[int, ...] = (512, 512, 512, 512, 1536)
    enc_kernel_sizes: tuple[int, ...] = (5, 3, 3, 3, 1)
    enc_dilations: tuple[int, ...] = (1, 2, 3, 4, 1)
    enc_attention_channels: int = 128
    enc_res2net_scale: int = 8
    enc_se_channels: int = 128
    sample_rate: int = 24000


@dataclass(frozen=True)
class TTSConfig:
    """``config.json`` of a Qwen3-TTS model."""

    talker: TalkerConfig
    speaker_encoder: SpeakerEncoderConfig
    tokenizer_type: str | None
    tts_model_size: str | None
    tts_model_type: str | None
    im_start_token_id: int = 151644
    im_end_token_id: int = 151645
    tts_pad_token_id: int = 151671
    tts_bos_token_id: int = 151672
    tts_eos_token_id: int = 151673

    @property
    def talker_config(self) -> TalkerConfig:
        """The official name of :attr:`talker` (``config.json``'s key), read by apps."""
        return self.talker

    @property
    def speaker_encoder_config(self) -> SpeakerEncoderConfig:
        """The official name of :attr:`speaker_encoder`."""
        return self.speaker_encoder

    @property
    def supported_languages(self) -> list[str]:
        """Languages the model accepts, lower case, ``auto`` first (dialects are speaker-bound)."""
        names = [n.lower() for n in self.talker.codec_language_id if "dialect" not in n]
        return ["auto"] + names


def _stack_fields(data: dict[str, Any], defaults: dict[str, Any]) -> dict[str, Any]:
    merged = dict(defaults)
    merged.update({k: v for k, v in data.items() if v is not None})
    if merged.get("head_dim") is None:
        # The talker's config class has no head_dim argument; its attention falls back to this.
        merged["head_dim"] = merged["hidden_size"] // merged["num_attention_heads"]
    return merged


_CODE_PREDICTOR_DEFAULTS = dict(
    vocab_size=2048,
    hidden_size=1024,
    intermediate_size=3072,
    num_hidden_layers=5,
    num_attention_heads=16,
    num_key_value_heads=8,
    head_dim=128,
    rms_norm_eps=1e-6,
    rope_theta=10000.0,
    num_code_groups=32,
)
_TALKER_DEFAULTS = dict(
    vocab_size=3072,
    hidden_size=1024,
    intermediate_size=2048,
    num_hidden_layers=20,
    num_attention_heads=16,
    num_key_value_heads=2,
    rms_norm_eps=1e-6,
    rope_theta=10000.0,
    num_code_groups=32,
    text_hidden_size=2048,
)


_CONFIG_HINT = "Use the config.json that came with the model (download the model again)."


def _tts_config_problems(data: dict[str, Any]) -> str:
    """What keeps ``data`` from being a Qwen3-TTS ``config.json``, in words ("" if nothing)."""
    talker, speaker = data.get("talker_config"), data.get("speaker_encoder_config")
    problems = as_object(talker, "talker_config") + as_object(speaker, "speaker_encoder_config")
    if problems:
        return describe([], problems)
    talker, speaker = talker or {}, speaker or {}
    predictor = talker.get("code_predictor_config")
    problems = as_object(predictor, "talker_config.code_predictor_config")
    problems += type_problems(TalkerConfig, talker, "talker_config.")
    if not problems:  # a section that is no object has no fields to look at
        problems += type_problems(
            CodePredictorConfig, predictor or {}, "talker_config.code_predictor_config."
        )
    languages = talker.get("codec_language_id")
    if isinstance(languages, dict):
        problems += [
            f"talker_config.codec_language_id.{name} is {value!r}, not a whole number"
            for name, value in languages.items()
            if isinstance(value, bool) or not isinstance(value, int)
        ]
    problems += type_problems(SpeakerEncoderConfig, speaker, "speaker_encoder_config.")
    problems += type_problems(TTSConfig, data)
    missing = missing_fields(TTSConfig, data, besides=("talker", "speaker_encoder"))
    return describe(missing, problems)


def parse_tts_config(data: dict[str, Any], source: str = "config.json") -> TTSConfig:
    """Turn the JSON of ``config.json`` into a :class:`TTSConfig`.

    A missing or mistyped field is a :class:`CheckpointError` naming it, as the file does.
    """
    problems = _tts_config_problems(data)
    if problems:
        raise CheckpointError(f"{source} does not describe a Qwen3-TTS model: {problems}.", _CONFIG_HINT)
    try:
        talker_data = dict(data.get("talker_config") or {})
        cp_data = _stack_fields(
            talker_data.pop("code_predictor_config", None) or {}, _CODE_PREDICTOR_DEFAULTS
        )
        code_predictor = _pick(CodePredictorConfig, cp_data)
        talker_fields = _stack_fields(talker_data, _TALKER_DEFAULTS)
        talker_fields["codec_language_id"] = {
            str(k).lower(): int(v) for k, v in (talker_data.get("codec_language_id") or {}).items()
        }
        talker = _pick(TalkerConfig, talker_fields, code_predictor=code_predictor)
        spk_data = {
            k: tuple(v) if isinstance(v, list) else v
            for k, v in (data.get("speaker_encoder_config") or {}).items()
        }
        speaker = _pick(SpeakerEncoderConfig, spk_data)
        top = {k: v for k, v in data.items() if k not in ("talker_config", "speaker_encoder_config")}
        return _pick(TTSConfig, top, talker=talker, speaker_encoder=speaker)
    except (TypeError, ValueError, ZeroDivisionError) as e:  # values the checks above let through
        raise CheckpointError(
            f"{source} does not describe a Qwen3-TTS model: some of its values do not fit together "
            f"({type(e).__name__}).",
            _CONFIG_HINT,
        ) from None


def require_base_12hz(config: TTSConfig, source: str) -> None:
    """Refuse checkpoints that are not 12 Hz Base models, naming what they are instead."""
    kind = (config.tts_model_type or "unknown").lower()
    if kind != "base":
        pretty = {"custom_voice": "CustomVoice", "voice_design": "VoiceDesign"}.get(kind, kind)
        raise UnsupportedModelError(
            f"{source} is a Qwen3-TTS {pretty} model; voice cloning needs a Base model.",
            "Use Qwen/Qwen3-TTS-12Hz-1.7B-Base or Qwen/Qwen3-TTS-12Hz-0.6B-Base.",
        )
    if config.tokenizer_type != CODEC_12HZ:
        raise UnsupportedModelError(
            f"{source} uses the speech codec {config.tokenizer_type!r}; Timbre supports the 12 Hz codec only.",
            "Use a Qwen3-TTS-12Hz Base model.",
        )


@dataclass(frozen=True)
class CodecDecoderConfig:
    """``decoder_config`` of the 12 Hz speech tokenizer."""

    codebook_size: int = 2048
    codebook_dim: int = 512
    hidden_size: int = 1024
    latent_dim: int = 1024
    num_attention_heads: int = 16
    num_key_value_heads: int = 16
    head_dim: int | None = None
    intermediate_size: int = 3072
    num_hidden_layers: int = 8
    rms_norm_eps: float = 1e-5
    rope_theta: float = 10000.0
    sliding_window: int = 72
    layer_scale_initial_scale: float = 0.01
    num_quantizers: int = 16
    upsample_rates: tuple[int, ...] = (8, 5, 4, 3)
    upsampling_ratios: tuple[int, ...] = (2, 2)
    decoder_dim: int = 1536
    hidden_act: str = "silu"
    attention_bias: bool = False

    @property
    def attn_head_dim(self) -> int:
        return self.head_dim or self.hidden_size // self.num_attention_heads


@dataclass(frozen=True)
class CodecConfig:
    """``speech_tokenizer/config.json``: Mimi encoder settings (kept as a dict) + our decoder."""

    encoder: dict[str, Any]
    decoder: CodecDecoderConfig
    model_type: str = CODEC_12HZ
    encoder_valid_num_quantizers: int = 16
    input_sample_rate: int = 24000
    output_sample_rate: int = 24000
    decode_upsample_rate: int = 1920
    encode_downsample_rate: int = 1920


def parse_codec_config(data: dict[str, Any], source: str = "speech_tokenizer/config.json") -> CodecConfig:
    """Turn the JSON of ``speech_tokenizer/config.json`` into a :class:`CodecConfig`."""
    if data.get("model_type", CODEC_12HZ) != CODEC_12HZ:
        raise UnsupportedModelError(
            f"{source} describes the speech codec {data.get('model_type')!r}, not the 12 Hz one.",
            "Use a Qwen3-TTS-12Hz Base model.",
        )
    decoder = data.get("decoder_config")
    problems = as_object(data.get("encoder_config"), "encoder_config") + as_object(decoder, "decoder_config")
    if not problems:
        problems = type_problems(CodecDecoderConfig, decoder or {}, "decoder_config.")
        problems += type_problems(CodecConfig, data)
    if problems:
        raise CheckpointError(
            f"{source} does not describe the 12 Hz speech codec: {describe([], problems)}.", _CONFIG_HINT
        )
    dec = {k: tuple(v) if isinstance(v, list) else v for k, v in (decoder or {}).items()}
    top = {k: v for k, v in data.items() if k not in ("encoder_config", "decoder_config")}
    return _pick(
        CodecConfig,
        top,
        encoder=dict(data.get("encoder_config") or {}),
        decoder=_pick(CodecDecoderConfig, dec),
    )


def config_to_dict(obj: Any) -> dict[str, Any]:
    """Plain-JSON form of any config dataclass (tuples become lists)."""
    return json.loads(json.dumps(asdict(obj)))
