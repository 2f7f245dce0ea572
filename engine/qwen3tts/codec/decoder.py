"""Our 12 Hz codec decoder: 16 codebooks per 80 ms frame -> 24 kHz waveform (1920 samples a frame).

Codebook lookup, a sliding-window transformer, then causal upsampling convolutions. Every
layer is causal and takes an optional streaming state, so the same ``forward`` decodes a whole
run or, piece by piece, the frames of a stream (:mod:`.streaming`) with the same samples.
Names mirror ``decoder.*`` in ``speech_tokenizer/model.safetensors``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from ...config import CodecDecoderConfig
from .convs import (
    CausalConv,
    CausalTransConv,
    ConvNeXtBlock,
    LayerState,
    Past,
    SnakeBeta,
    UpsampleBlock,
    layer_states,
    run_layers,
)
from .transformer import CodecTransformer, TransformerState

CHUNK_FRAMES = 300  # the reference decodes long takes in chunks of this many frames
CHUNK_LEFT_CONTEXT = 25  # ... each re-reading this many frames before it


class Codebook(nn.Module):
    """``_codebook``: entries stored as running sums and usage counts."""

    def __init__(self, dim: int, size: int, eps: float = 1e-5):
        super().__init__()
        self.eps = eps
        self.cluster_usage = nn.Parameter(torch.ones(size))
        self.embedding_sum = nn.Parameter(torch.zeros(size, dim))

    def table(self) -> torch.Tensor:
        return self.embedding_sum / self.cluster_usage.clamp(min=self.eps)[:, None]  # (size, dim)


class _VQ(nn.Module):
    def __init__(self, dim: int, size: int):
        super().__init__()
        self._codebook = Codebook(dim, size)


class _VQStack(nn.Module):
    def __init__(self, n: int, dim: int, size: int):
        super().__init__()
        self.layers = nn.ModuleList(_VQ(dim, size) for _ in range(n))


class ResidualCodebooks(nn.Module):
    """``rvq_first`` / ``rvq_rest``: sum of codebook entries, projected to the codec width."""

    def __init__(self, n: int, dim: int, size: int, width: int):
        super().__init__()
        self.input_proj = nn.Conv1d(width, dim, 1, bias=False)  # encoder side; unused when decoding
        self.output_proj = nn.Conv1d(dim, width, 1, bias=False)
        self.vq = _VQStack(n, dim, size)

    def decode(self, codes: torch.Tensor) -> torch.Tensor:
        """``codes`` (B, n, T) -> (B, width, T)."""
        total = torch.zeros((), device=codes.device)
        for i, layer in enumerate(self.vq.layers):
            total = total + nn.functional.embedding(codes[:, i], layer._codebook.table()).transpose(1, 2)
        return self.output_proj(total)


class SplitQuantizer(nn.Module):
    """First (semantic) codebook and the 15 acoustic ones, each with its own projection."""

    def __init__(self, cfg: CodecDecoderConfig):
        super().__init__()
        dim = cfg.codebook_dim // 2
        self.rvq_first = ResidualCodebooks(1, dim, cfg.codebook_size, cfg.codebook_dim)
        self.rvq_rest = ResidualCodebooks(cfg.num_quantizers - 1, dim, cfg.codebook_size, cfg.codebook_dim)

    def decode(self, codes: torch.Tensor) -> torch.Tensor:
        """``codes`` (B, 16, T) -> latent (B, codebook_dim, T)."""
        return self.rvq_first.decode(codes[:, :1]) + self.rvq_rest.decode(codes[:, 1:])


@dataclass
class DecoderState:
    """A stream's place in every layer of :class:`CodecDecoder` (from ``new_state``)."""

    pre_conv: Past
    transformer: TransformerState
    layers: list[LayerState]  # the upsampling stages' layers, then the waveform decoder's


class CodecDecoder(nn.Module):
    """``decoder``: codes (B, 16, T) -> waveform (B, 1, T * 1920) in [-1, 1]."""

    def __init__(self, cfg: CodecDecoderConfig):
        super().__init__()
        self.config = cfg
        self.total_upsample = int(np.prod(cfg.upsample_rates + cfg.upsampling_ratios))
        self.pre_transformer = CodecTransformer(cfg)
        self.quantizer = SplitQuantizer(cfg)
        self.pre_conv = CausalConv(cfg.codebook_dim, cfg.latent_dim, 3)
        self.upsample = nn.ModuleList(
            nn.ModuleList(
                [CausalTransConv(cfg.latent_dim, cfg.latent_dim, r, r), ConvNeXtBlock(cfg.latent_dim)]
            )
            for r in cfg.upsampling_ratios
        )
        widths = [cfg.decoder_dim // 2**i for i in range(len(cfg.upsample_rates) + 1)]
        self.decoder = nn.ModuleList(
            [CausalConv(cfg.latent_dim, cfg.decoder_dim, 7)]
            + [UpsampleBlock(widths[i], widths[i + 1], r) for i, r in enumerate(cfg.upsample_rates)]
            + [SnakeBeta(widths[-1]), CausalConv(widths[-1], 1, 7)]
        )

    def _upsampling_layers(self) -> list[nn.Module]:
        """Every layer after the transformer, in order: the stages' layers, then the decoder's."""
        return [layer for stage in self.upsample for layer in stage] + list(self.decoder)

    def new_state(self, batch: int) -> DecoderState:
        """A fresh stream for ``batch`` rows, as if silence came before its first frame."""
        return DecoderState(
            self.pre_conv.new_state(batch),
            self.pre_transformer.new_state(batch),
            layer_states(self._upsampling_layers(), batch),
        )

    def forward(self, codes: torch.Tensor, state: DecoderState | None = None) -> torch.Tensor:
        """``codes`` (B, 16, T) -> waveform (B, 1, T * 1920), clamped to [-1, 1].

        Without a state the T frames are a whole run. With one they follow the frames it has
        seen, the samples equal those of decoding all of them at once, and the state advances.
        """
        if codes.shape[1] != self.config.num_quantizers:
            raise ValueError(f"expected {self.config.num_quantizers} codebooks, got {codes.shape[1]}")
        fresh = state is None
        h = self.quantizer.decode(codes)  # (B, codebook_dim, T)
        h = self.pre_conv(h, None if fresh else state.pre_conv).transpose(1, 2)  # (B, T, latent)
        h = self.pre_transformer(h, None if fresh else state.transformer)  # (B, T, latent)
        h = run_layers(self._upsampling_layers(), h.permute(0, 2, 1), None if fresh else state.layers)
        return h.clamp(min=-1, max=1)  # (B, 1, T * 1920)

    def chunked(self, codes: torch.Tensor) -> torch.Tensor:
        """Decode long code runs as the reference does: 300-frame chunks, 25 frames of context."""
        pieces = []
        start, total = 0, codes.shape[-1]
        while start < total:
            end = min(start + CHUNK_FRAMES, total)
            context = CHUNK_LEFT_CONTEXT if start - CHUNK_LEFT_CONTEXT > 0 else start
            wav = self(codes[..., start - context : end])
            pieces.append(wav[..., context * self.total_upsample :])
            start = end
        return torch.cat(pieces, dim=-1)
