"""Transformer building blocks shared by the talker, the code predictor and the codec decoder.

Parameter names follow the published checkpoints (``input_layernorm``, ``o_proj``...), except
that the projections reading the same input are one matrix: an attention's ``qkv_proj`` (q, k
and v rows in that order) and an MLP's ``gate_up_proj`` (gate, then up). One product over the
stacked weights gives each output the same dot product in fewer calls (decoding one row on the
CPU pays a fixed cost per call). ``load_state_dict`` takes the published names and joins them;
:func:`published_state_dict` gives them back for writing checkpoints.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from ..config import DecoderStackConfig


class RMSNorm(nn.Module):
    def __init__(self, hidden_size: int, eps: float = 1e-6) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.ones(hidden_size))
        self.variance_epsilon = eps

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return rms_norm(x, self.weight, self.variance_epsilon)


def rms_norm(x: torch.Tensor, weight: torch.Tensor, eps: float) -> torch.Tensor:
    """RMS norm over the last dimension of ``x``; ``weight`` (..., D) broadcasts against ``x``."""
    if x.dtype == torch.float32 and x.device.type == "cpu":
        # One call instead of eight small ones (decoding runs ~400 norms a frame); on the CPU in
        # float32 it computes exactly the expression below.
        if weight.dim() == 1:
            return torch.rms_norm(x, weight.shape, weight, eps)
        return torch.rms_norm(x, x.shape[-1:], None, eps) * weight
    # Normalise in float32 and scale in the input dtype, as the checkpoints were trained.
    x32 = x.float()
    x32 = x32 * torch.rsqrt(x32.pow(2).mean(-1, keepdim=True) + eps)
    return weight * x32.to(x.dtype)


class GatedMLP(nn.Module):
    """SwiGLU feed-forward: ``down(silu(gate(x)) * up(x))``."""

    def __init__(self, hidden_size: int, intermediate_size: int) -> None:
        super().__init__()
        self.intermediate_size = intermediate_size
        self.gate_up_proj = nn.Linear(hidden_size, 2 * intermediate_size, bias=False)
        self.down_proj = nn.Linear(intermediate_size, hidden_size, bias=False)
        self.register_load_state_dict_pre_hook(_join_published)

    def published_parts(self) -> dict[str, dict[str, int]]:
        """The joined projection -> the published ones it holds and their output rows."""
        n = self.intermediate_size
        return {"gate_up_proj": {"gate_proj": n, "up_proj": n}}

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        gate, up = self.gate_up_proj(x).chunk(2, dim=-1)  # (..., I) each
        return self.down_proj(F.silu(gate) * up)


class RotaryEmbedding:
    """Rotary position tables for one head size and base; owns its inverse frequencies."""

    def __init__(self, head_dim: int, theta: float) -> None:
        self.head_dim = head_dim
        self.theta = float(theta)
        self._inv_freq: torch.Tensor | None = None

    def inv_freq(self, device: torch.device) -> torch.Tensor:
        if self._inv_freq is None or self._inv_freq.device != device:
            exponents = torch.arange(0, self.head_dim, 2, dtype=torch.int64, device=device).float()
            self._inv_freq = 1.0 / (self.theta ** (exponents / self.head_dim))  # (hd/2,)
        return self._inv_freq

    def __call__(self, positions: torch.Tensor, dtype: torch.dtype) -> tuple[torch.Tensor, torch.Tensor]:
        """``positions`` (B, T) -> cos, signed sin each (B, 1, T, hd) in ``dtype`` (computed in float32).

        The sine's first half is negated, for :func:`apply_rotary`.
        """
        freqs = positions.float()[..., None] * self.inv_freq(positions.device)  # (B, T, hd/2)
        sin = freqs.sin()
        cos = torch.cat((freqs, freqs), dim=-1).cos()  # (B, T, hd)
        return cos.to(dtype)[:, None], torch.cat((-sin, sin), dim=-1).to(dtype)[:, None]


def apply_rotary(x: torch.Tensor, cos: torch.Tensor, signed_sin: torch.Tensor) -> torch.Tensor:
    """Rotate ``x`` (..., hd) by the tables of :class:`RotaryEmbedding`.

    The usual ``x * cos + cat(-x2, x1) * sin``: rolling ``x`` by half and negating the sine's first
    half gives the same numbers bit for bit in three operations instead of six.
    """
    return x * cos + x.roll(x.shape[-1] // 2, dims=-1) * signed_sin


class KVSlot:
    """One layer's view of a static KV cache: buffers (B, n_kv, S, hd) and where to write."""

    __slots__ = ("k", "v", "write_at", "read_len")

    def __init__(self, k: torch.Tensor, v: torch.Tensor, write_at: torch.Tensor, read_len: int) -> None:
        self.k, self.v, self.write_at, self.read_len = k, v, write_at, read_len


class Attention(nn.Module):
    """Grouped-query attention with optional per-head RMS norm on queries and keys."""

    def __init__(
        self,
        hidden_size: int,
        num_heads: int,
        num_kv_heads: int,
        head_dim: int,
        *,
        bias: bool = False,
        qk_norm_eps: float | None = None,
    ) -> None:
        super().__init__()
        self.num_heads, self.num_kv_heads, self.head_dim = num_heads, num_kv_heads, head_dim
        self.qkv_proj = nn.Linear(hidden_size, (num_heads + 2 * num_kv_heads) * head_dim, bias=bias)
        self.o_proj = nn.Linear(num_heads * head_dim, hidden_size, bias=bias)
        if qk_norm_eps is not None:
            self.q_norm = RMSNorm(head_dim, qk_norm_eps)
            self.k_norm = RMSNorm(head_dim, qk_norm_eps)
        else:
            self.q_norm = self.k_norm = None
        self.register_load_state_dict_pre_hook(_join_published)

    def published_parts(self) -> dict[str, dict[str, int]]:
        """The joined projection -> the published ones it holds and their output rows."""
        q, kv = self.num_heads * self.head_dim, self.num_kv_heads * self.head_dim
        return {"qkv_proj": {"q_proj": q, "k_proj": kv, "v_proj": kv}}

    def forward(
        self,
        x: torch.Tensor,
        cos: torch.Tensor,
        sin: torch.Tensor,
        mask: torch.Tensor | None,
        kv: KVSlot | None = None,
    ) -> torch.Tensor:
        """``x`` (B, T, H); ``mask`` bool (B, 1, T, S) with True = may attend; returns (B, T, H)."""
        b, t, _ = x.shape
        nh, nkv = self.num_heads, self.num_kv_heads
        qkv = self.qkv_proj(x).view(b, t, nh + 2 * nkv, self.head_dim)
        q, k, v = qkv.split((nh, nkv, nkv), dim=2)  # (B, T, n, hd) each
        if self.q_norm is not None:
            q, k = self.q_norm(q), self.k_norm(k)
        q = apply_rotary(q.transpose(1, 2), cos, sin)  # (B, nh, T, hd)
        k = apply_rotary(k.transpose(1, 2), cos, sin)  # (B, nkv, T, hd)
        return self._attend(q, k, v.transpose(1, 2), mask, kv)

    def _attend(self, q, k, v, mask, kv: KVSlot | None) -> torch.Tensor:
        """q (B, nh, T, hd), k and v (B, nkv, T, hd) -> the output projection (B, T, H)."""
        b, _, t, _ = q.shape
        if kv is not None:
            kv.k.index_copy_(2, kv.write_at, k)
            kv.v.index_copy_(2, kv.write_at, v)
            k, v = kv.k[:, :, : kv.read_len], kv.v[:, :, : kv.read_len]
        out = F.scaled_dot_product_attention(
            q, k, v, attn_mask=mask, enable_gqa=self.num_heads != self.num_kv_heads
        )  # (B, nh, T, hd)
        return self.o_proj(out.transpose(1, 2).reshape(b, t, -1))


def _join_published(module, state_dict: dict, prefix: str, *_args) -> None:
    """Load pre-hook: the published projections' weights (and biases) -> the joined matrix.

    A group with a part missing is left as it is, for the strict load to report.
    """
    for joined, parts in module.published_parts().items():
        for leaf in ("weight", "bias"):
            keys = [f"{prefix}{name}.{leaf}" for name in parts]
            if all(key in state_dict for key in keys):
                state_dict[f"{prefix}{joined}.{leaf}"] = torch.cat([state_dict.pop(key) for key in keys])


def published_state_dict(module: nn.Module, state: dict | None = None) -> dict[str, torch.Tensor]:
    """``module.state_dict()`` (or ``state``, keyed the same way) under the published names.

    Each joined projection comes back as the projections it was loaded from, as row slices:
    views that share the joined weight's storage (writing into them writes the module's weight).
    """
    state = dict(module.state_dict() if state is None else state)
    for path, layer in module.named_modules():
        if not isinstance(layer, (Attention, GatedMLP)):
            continue
        prefix = f"{path}." if path else ""
        for joined, parts in layer.published_parts().items():
            for leaf in ("weight", "bias"):
                tensor = state.pop(f"{prefix}{joined}.{leaf}", None)
                if tensor is not None:
                    for name, piece in zip(parts, tensor.split(list(parts.values()))):
                        state[f"{prefix}{name}.{leaf}"] = piece
    return state


class DecoderLayer(nn.Module):
    """Pre-norm transformer block of the talker and the code predictor."""

    def __init__(self, cfg: DecoderStackConfig) -> None:
        super().__init__()
        self.self_attn = Attention(
            cfg.hidden_size,
            cfg.num_attention_heads,
            cfg.num_key_value_heads,
            cfg.head_dim,
            bias=cfg.attention_bias,
            qk_norm_eps=cfg.rms_norm_eps,
        )
        self.mlp = GatedMLP(cfg.hidden_size, cfg.intermediate_size)
        self.input_layernorm = RMSNorm(cfg.hidden_size, cfg.rms_norm_eps)
        self.post_attention_layernorm = RMSNorm(cfg.hidden_size, cfg.rms_norm_eps)

    def forward(self, x, cos, sin, mask, kv: KVSlot | None = None) -> torch.Tensor:
        x = x + self.self_attn(self.input_layernorm(x), cos, sin, mask, kv)
        return x + self.mlp(self.post_attention_layernorm(x))


class DecoderStack(nn.Module):
    """Layers + final norm; subclasses add the embeddings under their checkpoint names."""

    def __init__(self, cfg: DecoderStackConfig) -> None:
        super().__init__()
        self.layers = nn.ModuleList(DecoderLayer(cfg) for _ in range(cfg.num_hidden_layers))
        self.norm = RMSNorm(cfg.hidden_size, cfg.rms_norm_eps)
        self.rotary = RotaryEmbedding(cfg.head_dim, cfg.rope_theta)

    def forward(
        self,
        x: torch.Tensor,
        positions: torch.Tensor,
        mask: torch.Tensor | None,
        cache: StaticKVCache | None = None,
        write_at: torch.Tensor | None = None,
        read_len: int | None = None,
    ) -> torch.Tensor:
        """``x`` (B, T, H), ``positions`` (B, T) -> normed hidden states (B, T, H).

        With a ``cache``, keys and values are written at slots ``write_at`` (T,) and attention
        reads slots ``[0, read_len)``; ``mask`` is then (B, 1, T, read_len).
        """
        cos, sin = self.rotary(positions, x.dtype)
        for i, layer in enumerate(self.layers):
            kv = None
            if cache is not None:
                kv = KVSlot(cache.k[i], cache.v[i], write_at, read_len)
            x = layer(x, cos, sin, mask, kv)
        return self.norm(x)


class StaticKVCache:
    """Preallocated keys and values for every layer of a stack: (L, B, n_kv, S, hd) each."""

    def __init__(
        self,
        num_layers: int,
        batch_size: int,
        num_kv_heads: int,
        max_len: int,
        head_dim: int,
        *,
        device: torch.device,
        dtype: torch.dtype,
    ) -> None:
        shape = (num_layers, batch_size, num_kv_heads, max_len, head_dim)
        self.k = torch.zeros(shape, device=device, dtype=dtype)
        self.v = torch.zeros(shape, device=device, dtype=dtype)
        self.max_len = max_len

    @classmethod
    def wrap(cls, k: torch.Tensor, v: torch.Tensor) -> StaticKVCache:
        """A cache over existing (L, B, n_kv, S, hd) key and value tensors."""
        cache = cls.__new__(cls)
        cache.k, cache.v, cache.max_len = k, v, k.shape[3]
        return cache

    @classmethod
    def for_stack(cls, cfg: DecoderStackConfig, batch_size: int, max_len: int, *, device, dtype):
        return cls(
            cfg.num_hidden_layers,
            batch_size,
            cfg.num_key_value_heads,
            max_len,
            cfg.head_dim,
            device=device,
            dtype=dtype,
        )
