"""Our 12 Hz codec decoder: 16 codebooks per 80 ms frame -> 24 kHz waveform (1920 samples a frame).

Codebook lookup, a sliding-window transformer, then causal upsampling convolutions. Every
layer is causal, which is what lets :mod:`engine.generation.streaming` decode incrementally.
Names mirror ``decoder.*`` in ``speech_tokenizer/model.safetensors``.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from ...config import CodecDecoderConfig
from ..layers import Attention, GatedMLP, RMSNorm, RotaryEmbedding
from .convs import CausalConv, CausalTransConv, ConvNeXtBlock, SnakeBeta, UpsampleBlock

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


class LayerScale(nn.Module):
    def __init__(self, channels: int, init: float):
        super().__init__()
        self.scale = nn.Parameter(torch.full((channels,), init))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.scale * x


class CodecTransformerLayer(nn.Module):
    def __init__(self, cfg: CodecDecoderConfig):
        super().__init__()
        self.self_attn = Attention(
            cfg.hidden_size,
            cfg.num_attention_heads,
            cfg.num_key_value_heads,
            cfg.attn_head_dim,
            bias=cfg.attention_bias,
        )
        self.mlp = GatedMLP(cfg.hidden_size, cfg.intermediate_size)
        self.input_layernorm = RMSNorm(cfg.hidden_size, cfg.rms_norm_eps)
        self.post_attention_layernorm = RMSNorm(cfg.hidden_size, cfg.rms_norm_eps)
        self.self_attn_layer_scale = LayerScale(cfg.hidden_size, cfg.layer_scale_initial_scale)
        self.mlp_layer_scale = LayerScale(cfg.hidden_size, cfg.layer_scale_initial_scale)

    def forward(self, x, cos, sin, mask, kv=None) -> torch.Tensor:
        x = x + self.self_attn_layer_scale(self.self_attn(self.input_layernorm(x), cos, sin, mask, kv))
        return x + self.mlp_layer_scale(self.mlp(self.post_attention_layernorm(x)))


def sliding_causal_mask(q_pos: torch.Tensor, k_pos: torch.Tensor, window: int) -> torch.Tensor:
    """True where query position may see key position: ``q - window < k <= q``. (Tq, Tk)."""
    diff = q_pos[:, None] - k_pos[None, :]
    return (diff >= 0) & (diff < window)


class CodecTransformer(nn.Module):
    """``pre_transformer``: projections around a causal sliding-window transformer."""

    def __init__(self, cfg: CodecDecoderConfig):
        super().__init__()
        self.window = cfg.sliding_window
        self.layers = nn.ModuleList(CodecTransformerLayer(cfg) for _ in range(cfg.num_hidden_layers))
        self.norm = RMSNorm(cfg.hidden_size, cfg.rms_norm_eps)
        self.input_proj = nn.Linear(cfg.latent_dim, cfg.hidden_size)
        self.output_proj = nn.Linear(cfg.hidden_size, cfg.latent_dim)
        self.rotary = RotaryEmbedding(cfg.attn_head_dim, cfg.rope_theta)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``x`` (B, T, latent) -> (B, T, latent), positions counted from 0."""
        x = self.input_proj(x)
        pos = torch.arange(x.shape[1], device=x.device)
        cos, sin = self.rotary(pos[None], x.dtype)
        mask = sliding_causal_mask(pos, pos, self.window)[None, None]
        for layer in self.layers:
            x = layer(x, cos, sin, mask)
        return self.output_proj(self.norm(x))


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

    def forward(self, codes: torch.Tensor) -> torch.Tensor:
        if codes.shape[1] != self.config.num_quantizers:
            raise ValueError(f"expected {self.config.num_quantizers} codebooks, got {codes.shape[1]}")
        h = self.pre_conv(self.quantizer.decode(codes)).transpose(1, 2)  # (B, T, latent)
        h = self.pre_transformer(h).permute(0, 2, 1)  # (B, latent, T)
        for stage in self.upsample:
            for layer in stage:
                h = layer(h)
        for layer in self.decoder:
            h = layer(h)
        return h.clamp(min=-1, max=1)

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
