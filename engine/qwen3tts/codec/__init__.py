"""The 12 Hz speech codec: Mimi encoder (from transformers) + our decoder."""

from __future__ import annotations

import math

import numpy as np
import torch
from torch import nn

from ...config import CodecConfig
from .decoder import CodecDecoder


def build_mimi_encoder(encoder_config: dict) -> nn.Module:
    """transformers' ``MimiModel`` with its decoding half removed, as the checkpoint stores it."""
    from transformers import MimiConfig, MimiModel

    cfg = MimiConfig(**encoder_config)
    model = MimiModel(cfg)
    model.upsample = None
    model.decoder_transformer = None
    model.decoder = None
    return model


class SpeechCodec(nn.Module):
    """``speech_tokenizer``: waveform <-> 16 codebooks at 12.5 frames a second."""

    def __init__(
        self, cfg: CodecConfig, encoder: nn.Module | None = None, decoder: CodecDecoder | None = None
    ):
        super().__init__()
        self.config = cfg
        self.encoder = encoder if encoder is not None else build_mimi_encoder(cfg.encoder)
        self.decoder = decoder if decoder is not None else CodecDecoder(cfg.decoder)

    @property
    def sample_rate(self) -> int:
        return self.config.output_sample_rate

    @property
    def samples_per_frame(self) -> int:
        return self.config.decode_upsample_rate

    @torch.inference_mode()
    def encode(self, wavs: list[np.ndarray]) -> list[torch.Tensor]:
        """24 kHz mono float32 waves -> codes, each (frames, 16) int64 on the codec's device.

        One right-zero-padded batch: every encoder layer is causal, so padding does not change
        the frames of shorter waves.
        """
        param = next(self.decoder.parameters())
        lengths = [len(w) for w in wavs]
        batch = torch.zeros((len(wavs), max(lengths)), dtype=torch.float32)  # (B, N)
        for i, w in enumerate(wavs):
            batch[i, : len(w)] = torch.from_numpy(np.ascontiguousarray(w, dtype=np.float32))
        batch = batch.to(device=param.device, dtype=param.dtype)
        n_q = self.config.encoder_valid_num_quantizers
        codes = self.encoder.encode(batch.unsqueeze(1), num_quantizers=n_q, return_dict=True).audio_codes
        codes = codes[:, :n_q]  # (B, 16, frames)
        frames = [math.ceil(n / self.config.encode_downsample_rate) for n in lengths]
        return [codes[i, :, :f].transpose(0, 1).contiguous() for i, f in enumerate(frames)]

    @torch.inference_mode()
    def decode(self, codes: list[torch.Tensor]) -> list[torch.Tensor]:
        """Codes, each (frames, 16), -> waveforms, each (frames * 1920,) float32 on the device."""
        if not codes:
            return []
        device = next(self.decoder.parameters()).device
        longest = max(c.shape[0] for c in codes)
        batch = torch.zeros((len(codes), longest, codes[0].shape[1]), dtype=torch.long, device=device)
        for i, c in enumerate(codes):
            batch[i, : c.shape[0]] = c.to(device)
        wav = self.decoder.chunked(batch.transpose(1, 2)).squeeze(1)  # (B, N)
        return [wav[i, : c.shape[0] * self.samples_per_frame].float() for i, c in enumerate(codes)]
