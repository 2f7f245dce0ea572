"""Random weights that behave like a trained model's where tests need it.

Unit-variance activations (so logits have a real spread and greedy choices are not near-ties),
varied codebooks (so every frame is not the same code), and a codec whose random codes decode
to audible noise at a sane level (so meters, playback and export have something to measure).
"""

from __future__ import annotations

import math

import torch
from torch import nn

from .qwen3tts.layers import published_state_dict

TARGET_CODEC_RMS = 0.1


@torch.no_grad()
def _randomize_(module: nn.Module, gen: torch.Generator) -> None:
    # Drawn in the order of the published parameter names, so the official classes (tools/parity)
    # and ours, whose joined projections hold several published ones, get the same numbers.
    params = published_state_dict(module, dict(module.named_parameters()))
    transposed = {path for path, m in module.named_modules() if isinstance(m, nn.ConvTranspose1d)}
    for name, param in sorted(params.items(), key=lambda kv: kv[0]):
        owner, _, leaf = name.rpartition(".")
        if param.ndim >= 2:
            fan_in = param[0].numel() if owner not in transposed else param.shape[0] * param[0, 0].numel()
            std = 1.0 if "embedding" in name or leaf == "embedding_sum" else 1.0 / math.sqrt(max(1, fan_in))
            param.copy_(torch.randn(param.shape, generator=gen) * std)
        elif leaf == "bias":
            param.zero_()


def randomize_network_(network: nn.Module, gen: torch.Generator) -> None:
    """Talker, code predictor and speaker encoder: unit-variance random weights.

    The EOS row of the first-codebook head is zeroed: its logit sits at the median, outside the
    top-k, so a random model never ends a line by itself and test lengths do not hinge on chance.
    """
    _randomize_(network, gen)
    talker = network.talker
    eos = getattr(talker.config, "codec_eos_token_id", None)
    with torch.no_grad():
        talker.codec_head.weight[eos].zero_()


@torch.no_grad()
def randomize_codec_(codec: nn.Module, gen: torch.Generator) -> None:
    """Random codec: varied codebooks on both sides, output scaled to ~0.1 RMS."""
    _randomize_(codec, gen)
    for name, buf in sorted(codec.encoder.named_buffers(), key=lambda kv: kv[0]):
        if name.endswith("embed_sum"):
            buf.copy_(torch.randn(buf.shape, generator=gen))
        elif name.endswith("cluster_usage"):
            buf.fill_(1.0)
    for name, param in codec.decoder.named_parameters():
        if name.endswith("cluster_usage"):
            param.fill_(1.0)
    codes = torch.randint(0, 2048, (1, 16, 24), generator=gen)
    last = codec.decoder.decoder[-1].conv
    for _ in range(3):  # the clamp makes the level not quite linear in the scale; settle it
        level = codec.decoder(codes).pow(2).mean().sqrt().item()
        if level <= 0:
            break
        last.weight.mul_(TARGET_CODEC_RMS / level)
        last.bias.mul_(TARGET_CODEC_RMS / level)
