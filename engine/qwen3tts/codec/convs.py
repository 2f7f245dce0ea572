"""Causal convolutions and activations of the 12 Hz codec decoder (names as in the checkpoint).

Every layer here but the activation has one ``forward(x, state=None)``. Without a state, ``x``
is a whole run that starts from silence (the one-shot decode). With a state from
``new_state(batch)``, ``x`` continues the inputs that state has seen, the state is updated in
place, and the outputs of all the pieces joined equal the one-shot outputs of the joined inputs.
States hold fixed-shape tensors written with ``copy_``, so a streaming step keeps the same
buffers from call to call (CUDA graphs).
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn


class Past:
    """The last ``n`` inputs (B, C, n) a causal layer needs again; zeros while fresh (= silence)."""

    __slots__ = ("samples",)

    def __init__(self, samples: torch.Tensor) -> None:
        self.samples = samples  # (B, C, n)

    def before(self, x: torch.Tensor) -> torch.Tensor:
        """``x`` (B, C, T) preceded by the kept inputs, (B, C, n + T); keeps the last ``n`` of that."""
        full = torch.cat([self.samples, x], dim=-1)  # (B, C, n + T)
        self.samples.copy_(full[..., x.shape[-1] :])
        return full


LayerState = Past | list | None  # a layer's state: its Past, its sublayers' states, or nothing kept


class StreamingLayer(nn.Module):
    """A causal layer that also runs piece by piece: ``forward(x, state=None)``, ``new_state``."""

    def new_state(self, batch: int) -> LayerState:
        """A fresh state for ``batch`` rows (as if silence came before), or None if none is needed."""
        raise NotImplementedError


def layer_states(layers: Sequence[nn.Module], batch: int) -> list[LayerState]:
    """Fresh states for ``layers`` run in order, one per layer (None for stateless ones)."""
    return [layer.new_state(batch) if isinstance(layer, StreamingLayer) else None for layer in layers]


def run_layers(layers: Sequence[nn.Module], x: torch.Tensor, states: list[LayerState] | None) -> torch.Tensor:
    """``x`` through ``layers`` in order; ``states`` from :func:`layer_states`, or None for one shot."""
    for i, layer in enumerate(layers):
        state = None if states is None else states[i]
        x = layer(x) if state is None else layer(x, state)
    return x


class CausalConv(StreamingLayer):
    """Conv1d padded on the left so output ``t`` sees inputs ``<= t`` only (stride 1)."""

    def __init__(self, cin: int, cout: int, kernel: int, dilation: int = 1, groups: int = 1):
        super().__init__()
        self.conv = nn.Conv1d(cin, cout, kernel, dilation=dilation, groups=groups)
        self.left_pad = (kernel - 1) * dilation

    def new_state(self, batch: int) -> Past | None:
        if self.left_pad == 0:
            return None
        return Past(self.conv.weight.new_zeros((batch, self.conv.in_channels, self.left_pad)))  # (B, C, n)

    def forward(self, x: torch.Tensor, state: Past | None = None) -> torch.Tensor:
        """``x`` (B, Cin, T) -> (B, Cout, T); the state's inputs stand in for the zero padding."""
        if self.left_pad:
            x = F.pad(x, (self.left_pad, 0)) if state is None else state.before(x)
        return self.conv(x)


class CausalTransConv(StreamingLayer):
    """ConvTranspose1d whose tail (kernel - stride samples) is cut so it stays causal."""

    def __init__(self, cin: int, cout: int, kernel: int, stride: int):
        super().__init__()
        self.conv = nn.ConvTranspose1d(cin, cout, kernel, stride=stride)
        self.stride = stride
        # Earlier input frames whose outputs still overlap a frame's own stride of samples.
        self.context = (kernel - 1) // stride

    def new_state(self, batch: int) -> Past | None:
        if self.context == 0:
            return None
        return Past(self.conv.weight.new_zeros((batch, self.conv.in_channels, self.context)))  # (B, C, n)

    def forward(self, x: torch.Tensor, state: Past | None = None) -> torch.Tensor:
        """``x`` (B, Cin, T) -> (B, Cout, T * stride).

        Zero inputs add nothing to a transposed convolution, so one shot needs no padding; a
        stream re-reads its kept frames and drops the samples they alone produced.
        """
        t = x.shape[-1]
        past = 0
        if state is not None:
            past = self.context
            x = state.before(x)
        y = self.conv(x)  # (B, Cout, (past + T - 1) * stride + kernel)
        return y[..., past * self.stride : (past + t) * self.stride]


class SnakeBeta(nn.Module):
    """``x + 1/exp(beta) * sin(x * exp(alpha))^2`` per channel, on (B, C, T)."""

    def __init__(self, channels: int):
        super().__init__()
        self.alpha = nn.Parameter(torch.zeros(channels))
        self.beta = nn.Parameter(torch.zeros(channels))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # Two passes over the (B, C, T) signal instead of five: at 24 kHz the activation is a
        # third of the decoder's CPU time, and the convolutions are already compute-bound.
        alpha = torch.exp(self.alpha)[:, None]  # (C, 1)
        inv_beta = (1.0 / (torch.exp(self.beta) + 1e-9))[:, None]  # (C, 1)
        s = torch.sin(x * alpha)
        s.mul_(s)
        return torch.addcmul(x, s, inv_beta)


class ConvNeXtBlock(StreamingLayer):
    """Depthwise causal conv, then a per-sample MLP; its state is the depthwise conv's."""

    def __init__(self, dim: int):
        super().__init__()
        self.dwconv = CausalConv(dim, dim, 7, groups=dim)
        self.norm = nn.LayerNorm(dim, eps=1e-6)
        self.pwconv1 = nn.Linear(dim, 4 * dim)
        self.pwconv2 = nn.Linear(4 * dim, dim)
        self.gamma = nn.Parameter(1e-6 * torch.ones(dim))

    def new_state(self, batch: int) -> Past | None:
        return self.dwconv.new_state(batch)

    def forward(self, x: torch.Tensor, state: Past | None = None) -> torch.Tensor:
        """``x`` (B, C, T) -> (B, C, T)."""
        h = self.dwconv(x, state).permute(0, 2, 1)  # (B, T, C)
        h = self.pwconv2(F.gelu(self.pwconv1(self.norm(h))))
        return x + (self.gamma * h).permute(0, 2, 1)


class ResidualUnit(StreamingLayer):
    """Snake, dilated causal conv, snake, 1x1 conv, plus the input; its state is the dilated conv's."""

    def __init__(self, dim: int, dilation: int):
        super().__init__()
        self.act1 = SnakeBeta(dim)
        self.conv1 = CausalConv(dim, dim, 7, dilation=dilation)
        self.act2 = SnakeBeta(dim)
        self.conv2 = CausalConv(dim, dim, 1)  # kernel 1: nothing to keep

    def new_state(self, batch: int) -> Past | None:
        return self.conv1.new_state(batch)

    def forward(self, x: torch.Tensor, state: Past | None = None) -> torch.Tensor:
        """``x`` (B, C, T) -> (B, C, T)."""
        return x + self.conv2(self.act2(self.conv1(self.act1(x), state)))


class UpsampleBlock(StreamingLayer):
    """Snake, transposed conv by ``rate``, then three dilated residual units."""

    def __init__(self, cin: int, cout: int, rate: int):
        super().__init__()
        self.block = nn.ModuleList(
            [SnakeBeta(cin), CausalTransConv(cin, cout, 2 * rate, rate)]
            + [ResidualUnit(cout, d) for d in (1, 3, 9)]
        )

    def new_state(self, batch: int) -> list[LayerState]:
        return layer_states(self.block, batch)

    def forward(self, x: torch.Tensor, state: list[LayerState] | None = None) -> torch.Tensor:
        """``x`` (B, Cin, T) -> (B, Cout, T * rate)."""
        return run_layers(self.block, x, state)
