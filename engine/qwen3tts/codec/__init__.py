"""The 12 Hz speech codec: Mimi encoder (from transformers) + our decoder."""

from __future__ import annotations

import math

import numpy as np
import torch
from torch import nn

from ...config import CodecConfig
from ..layers import published_state_dict
from .decoder import CodecDecoder
from .mimi import build_mimi_encoder, published_mimi_state


class SpeechCodec(nn.Module):
    """``speech_tokenizer``: waveform <-> 16 codebooks at 12.5 frames a second."""

    def __init__(
        self, cfg: CodecConfig, encoder: nn.Module | None = None, decoder: CodecDecoder | None = None
    ):
        super().__init__()
        self.config = cfg
        self.encoder = encoder if encoder is not None else build_mimi_encoder(cfg.encoder)
        self.decoder = decoder if decoder is not None else CodecDecoder(cfg.decoder)

    def published_state_dict(self) -> dict:
        """``state_dict()`` under the published checkpoint's names, whatever transformers is installed."""
        state = {f"encoder.{k}": t for k, t in published_mimi_state(self.encoder).items()}
        state.update({f"decoder.{k}": t for k, t in published_state_dict(self.decoder).items()})
        return state

    @property
    def sample_rate(self) -> int:
        return self.config.output_sample_rate

    @property
    def samples_per_frame(self) -> int:
        return self.config.decode_upsample_rate

    @torch.inference_mode()
    def encode(self, wavs: list[np.ndarray]) -> list[torch.Tensor]:
        """24 kHz mono float32 waves -> codes, each (frames, 16) int64 on the codec's device.

        Each wave is encoded on its own. In a padded batch the last, partly filled frame of a
        shorter wave would see the layers' outputs over the padding instead of each layer's own
        end padding, so its codes (and every ICL take made from them) would depend on what
        else was extracted with it.
        """
        param = next(self.decoder.parameters())
        n_q = self.config.encoder_valid_num_quantizers
        out = []
        for w in wavs:
            x = torch.from_numpy(np.ascontiguousarray(w, dtype=np.float32))  # (N,)
            x = x.to(device=param.device, dtype=param.dtype)[None, None]  # (1, 1, N)
            codes = self.encoder.encode(x, num_quantizers=n_q, return_dict=True).audio_codes[0, :n_q]
            frames = math.ceil(len(w) / self.config.encode_downsample_rate)
            out.append(codes[:, :frames].transpose(0, 1).contiguous())  # (frames, 16)
        return out

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
