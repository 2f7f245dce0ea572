"""``tts.model``: what apps written for the official package read from the loaded network.

The official ``Qwen3TTSModel`` wraps a transformers ``Qwen3TTSForConditionalGeneration`` as
``.model``, and apps reach into it: the official demo and services check ``tts_model_type``
and list ``get_supported_languages()``; services validate prompts against
``talker.config.{vocab_size, num_code_groups, hidden_size}``; WebUIs preview a voice with
``speech_tokenizer.decode({"audio_codes": codes})``. :class:`ModelView` offers those names over
our own modules (no second copy of anything), and :class:`SpeechTokenizerView` the official
tokenizer's ``encode`` / ``decode`` over our codec.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from .audio import load_audio, resample
from .errors import InputError

if TYPE_CHECKING:
    from .loading import Components
    from .qwen3tts.codec import SpeechCodec


@dataclass
class EncodedAudio:
    """The official 12 Hz tokenizer's encode output: ``audio_codes``, each (frames, 16) int64."""

    audio_codes: list[torch.Tensor]


class SpeechTokenizerView:
    """The official ``speech_tokenizer`` API (12 Hz) over our :class:`SpeechCodec`."""

    def __init__(self, codec: SpeechCodec) -> None:
        self.codec = codec
        self.config = codec.config

    @property
    def device(self) -> torch.device:
        return next(self.codec.decoder.parameters()).device

    def get_model_type(self) -> str:
        return self.config.model_type

    def get_input_sample_rate(self) -> int:
        return int(self.config.input_sample_rate)

    def get_output_sample_rate(self) -> int:
        return int(self.config.output_sample_rate)

    def get_encode_downsample_rate(self) -> int:
        return int(self.config.encode_downsample_rate)

    def get_decode_upsample_rate(self) -> int:
        return int(self.config.decode_upsample_rate)

    def encode(self, audios: Any, sr: int | None = None, return_dict: bool = True) -> EncodedAudio:
        """Audio -> codes: a path, URL or base64 string, or numpy waveform(s) at ``sr`` (a list of any).

        Each waveform is resampled to 24 kHz and encoded on its own, so its codes do not depend
        on what else is in the list. ``return_dict`` is accepted for the official signature.
        """
        items = audios if isinstance(audios, list) else [audios]
        waves = []
        for i, item in enumerate(items):
            if isinstance(item, np.ndarray):
                if sr is None:
                    raise InputError(
                        "For numpy waveform input, give sr (the waveform's sample rate).",
                        "Call encode(wave, sr=24000), or pass a file path.",
                    )
                item = (item, sr)
            wav, rate = load_audio(item, i)
            waves.append(resample(wav, rate, self.get_input_sample_rate()))
        return EncodedAudio(audio_codes=self.codec.encode(waves))

    def decode(self, encoded: Any) -> tuple[list[np.ndarray], int]:
        """Codes -> (float32 waveforms, sample rate), from an :class:`EncodedAudio`, a dict with
        ``audio_codes`` (a (frames, 16) tensor, a (B, frames, 16) batch or a list), or a list of such dicts.
        """
        if hasattr(encoded, "audio_codes"):
            codes = encoded.audio_codes
        elif isinstance(encoded, dict) and "audio_codes" in encoded:
            codes = encoded["audio_codes"]
        elif isinstance(encoded, list) and all(isinstance(e, dict) and "audio_codes" in e for e in encoded):
            codes = [e["audio_codes"] for e in encoded]
        else:
            raise TypeError(
                "decode() takes an encode() output, a dict with 'audio_codes', or a list of those."
            )
        dec = self.config.decoder
        rows = [_code_rows(c, dec.num_quantizers, dec.codebook_size) for c in _batch_items(codes)]
        wavs = self.codec.decode(rows)
        return [w.float().cpu().numpy() for w in wavs], self.get_output_sample_rate()


def _batch_items(codes: Any) -> list[Any]:
    if isinstance(codes, (list, tuple)):
        return list(codes)
    t = torch.as_tensor(codes)
    return list(t) if t.dim() == 3 else [t]  # (B, frames, 16) -> B items


def _code_rows(codes: Any, groups: int, codebook: int) -> torch.Tensor:
    """One item's codes -> (frames, groups) int64; the official -1 padding of a batch is cut off."""
    t = torch.as_tensor(codes)
    if t.is_floating_point() or t.is_complex() or t.dtype == torch.bool:
        raise InputError(f"audio_codes must hold integers, not {t.dtype}.")
    if t.dim() != 2 or t.shape[1] != groups:
        raise InputError(f"audio_codes must be (frames, {groups}), got {tuple(t.shape)}.")
    t = t.long()
    t = t[: int((t >= 0).all(dim=1).sum())]  # padded frames (all -1) come last
    if t.numel() and (int(t.min()) < 0 or int(t.max()) >= codebook):
        raise InputError(f"audio_codes hold values outside 0..{codebook - 1} (not codec codes).")
    return t


class ModelView:
    """The official ``Qwen3TTSForConditionalGeneration`` attributes, over our loaded parts."""

    def __init__(self, parts: Components, generate_config: dict[str, Any]) -> None:
        network = parts.network
        self.config = parts.config
        self.talker = network.talker  # .config: vocab_size, num_code_groups, hidden_size, ...
        self.speaker_encoder = network.speaker_encoder
        self.speech_tokenizer = SpeechTokenizerView(parts.codec)
        self.generate_config = generate_config
        self.tts_model_type = parts.config.tts_model_type
        self.tts_model_size = parts.config.tts_model_size
        self.tokenizer_type = parts.config.tokenizer_type
        self.speaker_encoder_sample_rate = parts.config.speaker_encoder.sample_rate
        self._network = network

    @property
    def device(self) -> torch.device:
        return self._network.device

    @property
    def dtype(self) -> torch.dtype:
        return self._network.dtype

    def get_supported_languages(self) -> list[str]:
        """Lower-case language names, ``auto`` first, in the checkpoint's order (as the official)."""
        return list(self.config.supported_languages)

    def get_supported_speakers(self) -> list[str]:
        """Base models clone voices: they have no built-in speakers."""
        return []

    def parameters(self, recurse: bool = True):
        """The network's parameters (some apps find the device or count weights this way)."""
        return self._network.parameters(recurse)
