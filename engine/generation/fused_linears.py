"""Join the projections that read the same input into one matrix, and split them back.

Decoding one row on the CPU runs ~750 matrix-vector products a frame, each with a fixed cost
besides streaming its weights. An attention's q, k and v projections, and an MLP's gate and up
projections, read the same input, so one product over the stacked weights gives the same numbers
(each output is the same dot product) in fewer calls. The layers use the joined matrix when it is
set (``Attention.qkv_proj``, ``GatedMLP.gate_up_proj``); splitting restores the checkpoint's own
modules, so the other layouts and ``state_dict`` see the published parameter names.
"""

from __future__ import annotations

import torch
from torch import nn

from ..qwen3tts.layers import Attention, GatedMLP

_QKV = ("q_proj", "k_proj", "v_proj")
_GATE_UP = ("gate_proj", "up_proj")


def fuse_projections(module: nn.Module) -> None:
    """Give every attention and MLP under ``module`` its joined projection (idempotent)."""
    for layer in module.modules():
        if isinstance(layer, Attention) and layer.qkv_proj is None:
            layer.qkv_proj = _join(layer, _QKV)
            if layer.q_norm is not None:
                # One norm over the query and key heads together: (nh + nkv, hd) weights.
                layer.qk_norm_weight = torch.cat(
                    (
                        layer.q_norm.weight.detach().expand(layer.num_heads, -1),
                        layer.k_norm.weight.detach().expand(layer.num_kv_heads, -1),
                    )
                )
        elif isinstance(layer, GatedMLP) and layer.gate_up_proj is None:
            layer.gate_up_proj = _join(layer, _GATE_UP)


def split_projections(module: nn.Module) -> None:
    """Undo :func:`fuse_projections`: the separate projections come back with their weights."""
    for layer in module.modules():
        if isinstance(layer, Attention) and layer.qkv_proj is not None:
            _split(layer, "qkv_proj", _QKV, [layer.num_heads, layer.num_kv_heads, layer.num_kv_heads])
            layer.qk_norm_weight = None
        elif isinstance(layer, GatedMLP) and layer.gate_up_proj is not None:
            _split(layer, "gate_up_proj", _GATE_UP, [1, 1])


def _dense(linear: nn.Module) -> nn.Linear:
    unpack = getattr(linear, "unpack", None)  # a PackedLinear from an earlier layout
    return unpack() if unpack is not None else linear


def _join(owner: nn.Module, names: tuple[str, ...]) -> nn.Linear:
    parts = [_dense(getattr(owner, name)) for name in names]
    weight = torch.cat([p.weight.detach().contiguous() for p in parts])  # (sum of outs, in)
    has_bias = parts[0].bias is not None
    joined = nn.Linear(weight.shape[1], weight.shape[0], bias=has_bias, device="meta")
    joined.weight = nn.Parameter(weight, requires_grad=False)
    if has_bias:
        joined.bias = nn.Parameter(torch.cat([p.bias.detach() for p in parts]), requires_grad=False)
    for name in names:
        delattr(owner, name)  # the joined copy replaces them: no weight is held twice
    return joined


def _split(owner: nn.Module, joined_name: str, names: tuple[str, ...], shares: list[int]) -> None:
    joined = _dense(getattr(owner, joined_name))
    sizes = [joined.out_features * s // sum(shares) for s in shares]
    weights = joined.weight.detach().split(sizes)
    biases = joined.bias.detach().split(sizes) if joined.bias is not None else [None] * len(sizes)
    for name, weight, bias in zip(names, weights, biases):
        linear = nn.Linear(weight.shape[1], weight.shape[0], bias=bias is not None, device="meta")
        linear.weight = nn.Parameter(weight.contiguous(), requires_grad=False)
        if bias is not None:
            linear.bias = nn.Parameter(bias.contiguous(), requires_grad=False)
        setattr(owner, name, linear)
    setattr(owner, joined_name, None)
