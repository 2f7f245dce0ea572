"""The codec decoder's causal sliding-window transformer (``decoder.pre_transformer``).

One ``forward(x, state=None)`` decodes a whole run from position 0, or, with a state, the frames
after those the state has seen: each attention layer keeps its last ``window - 1`` keys and
values, which is all a new frame can see.
"""

from __future__ import annotations

import torch
from torch import nn

from ...config import CodecDecoderConfig
from ..layers import Attention, GatedMLP, KVSlot, RMSNorm, RotaryEmbedding


class AttentionPast:
    """One attention layer's last ``keep`` keys and values, (B, n_kv, keep, hd) each; zeros while fresh.

    Slots not yet written are never attended to: the mask refuses keys at negative positions.
    """

    __slots__ = ("k", "v")

    def __init__(self, k: torch.Tensor, v: torch.Tensor) -> None:
        self.k, self.v = k, v

    def slot(self, t: int) -> KVSlot:
        """A cache of the kept keys and values followed by room for ``t`` new ones."""
        b, h, keep, d = self.k.shape
        k = torch.cat([self.k, self.k.new_empty((b, h, t, d))], dim=2)  # (B, n_kv, keep + t, hd)
        v = torch.cat([self.v, self.v.new_empty((b, h, t, d))], dim=2)  # (B, n_kv, keep + t, hd)
        return KVSlot(k, v, torch.arange(keep, keep + t, device=k.device), keep + t)

    def keep_last(self, slot: KVSlot) -> None:
        """Keep the last ``keep`` keys and values of a slot that attention has written."""
        self.k.copy_(slot.k[:, :, slot.read_len - self.k.shape[2] :])
        self.v.copy_(slot.v[:, :, slot.read_len - self.v.shape[2] :])


class TransformerState:
    """Where a stream is (the next frame's position, a 0-d int64 tensor) and each layer's past."""

    __slots__ = ("position", "layers")

    def __init__(self, position: torch.Tensor, layers: list[AttentionPast]) -> None:
        self.position, self.layers = position, layers


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

    def forward(self, x, cos, sin, mask, past: AttentionPast | None = None) -> torch.Tensor:
        """``x`` (B, T, H); ``mask`` (1, 1, T, keys) over the past's keys (if any), then x's."""
        slot = None if past is None else past.slot(x.shape[1])
        x = x + self.self_attn_layer_scale(self.self_attn(self.input_layernorm(x), cos, sin, mask, slot))
        if past is not None:
            past.keep_last(slot)
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

    def new_state(self, batch: int) -> TransformerState:
        """A fresh stream for ``batch`` rows: position 0, nothing to attend to before it."""
        weight = self.norm.weight  # device and dtype; a norm's weight stays whatever layout linears get
        pasts = []
        for layer in self.layers:
            attn = layer.self_attn
            shape = (batch, attn.num_kv_heads, self.window - 1, attn.head_dim)
            pasts.append(AttentionPast(weight.new_zeros(shape), weight.new_zeros(shape)))
        return TransformerState(torch.zeros((), dtype=torch.long, device=weight.device), pasts)

    def forward(self, x: torch.Tensor, state: TransformerState | None = None) -> torch.Tensor:
        """``x`` (B, T, latent) -> (B, T, latent); positions from 0, or from the state's on."""
        h = self.input_proj(x)
        t = h.shape[1]
        # Positions stay on the device (no host read), so a streaming step can be graphed.
        first = h.new_zeros((), dtype=torch.long) if state is None else state.position
        keep = 0 if state is None else self.window - 1
        q_pos = first + torch.arange(t, device=h.device)  # (T,)
        k_pos = first - keep + torch.arange(keep + t, device=h.device)  # (keep + T,)
        mask = (sliding_causal_mask(q_pos, k_pos, self.window) & (k_pos >= 0))[None, None]
        cos, sin = self.rotary(q_pos[None], h.dtype)
        for i, layer in enumerate(self.layers):
            h = layer(h, cos, sin, mask, None if state is None else state.layers[i])
        if state is not None:
            state.position.add_(t)
        return self.output_proj(self.norm(h))
