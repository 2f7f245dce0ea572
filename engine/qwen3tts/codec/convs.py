"""Causal convolutions and activations of the 12 Hz codec decoder (names as in the checkpoint)."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn


class CausalConv(nn.Module):
    """Conv1d padded on the left so output ``t`` sees inputs ``<= t`` only."""

    def __init__(self, cin: int, cout: int, kernel: int, dilation: int = 1, stride: int = 1, groups: int = 1):
        super().__init__()
        self.conv = nn.Conv1d(cin, cout, kernel, stride=stride, dilation=dilation, groups=groups)
        self.stride = stride
        self.span = (kernel - 1) * dilation + 1
        self.left_pad = self.span - stride

    def _right_pad(self, length: int) -> int:
        frames = (length - self.span + self.left_pad) / self.stride + 1
        ideal = (math.ceil(frames) - 1) * self.stride + (self.span - self.left_pad)
        return ideal - length

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.pad(x, (self.left_pad, self._right_pad(x.shape[-1])))
        return self.conv(x)


class CausalTransConv(nn.Module):
    """ConvTranspose1d whose tail (kernel - stride samples) is cut so it stays causal."""

    def __init__(self, cin: int, cout: int, kernel: int, stride: int):
        super().__init__()
        self.conv = nn.ConvTranspose1d(cin, cout, kernel, stride=stride)
        self.stride = stride
        self.trim = kernel - stride

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.conv(x)
        return y[..., : y.shape[-1] - self.trim] if self.trim > 0 else y


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


class ConvNeXtBlock(nn.Module):
    def __init__(self, dim: int):
        super().__init__()
        self.dwconv = CausalConv(dim, dim, 7, groups=dim)
        self.norm = nn.LayerNorm(dim, eps=1e-6)
        self.pwconv1 = nn.Linear(dim, 4 * dim)
        self.pwconv2 = nn.Linear(4 * dim, dim)
        self.gamma = nn.Parameter(1e-6 * torch.ones(dim))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.dwconv(x).permute(0, 2, 1)
        h = self.pwconv2(F.gelu(self.pwconv1(self.norm(h))))
        return x + (self.gamma * h).permute(0, 2, 1)


class ResidualUnit(nn.Module):
    def __init__(self, dim: int, dilation: int):
        super().__init__()
        self.act1 = SnakeBeta(dim)
        self.conv1 = CausalConv(dim, dim, 7, dilation=dilation)
        self.act2 = SnakeBeta(dim)
        self.conv2 = CausalConv(dim, dim, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.conv2(self.act2(self.conv1(self.act1(x))))


class UpsampleBlock(nn.Module):
    """Snake, transposed conv by ``rate``, then three dilated residual units."""

    def __init__(self, cin: int, cout: int, rate: int):
        super().__init__()
        self.block = nn.ModuleList(
            [SnakeBeta(cin), CausalTransConv(cin, cout, 2 * rate, rate)]
            + [ResidualUnit(cout, d) for d in (1, 3, 9)]
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for layer in self.block:
            x = layer(x)
        return x
