"""Random weights that behave like a trained model's where tests need it.

Unit-variance activations (so logits have a real spread and greedy choices are not near-ties),
varied codebooks (so every frame is not the same code), and a codec whose random codes decode
to audible noise at a sane level (so meters, playback and export have something to measure).
"""

from __future__ import annotations

import math

import torch
from torch import nn

TARGET_CODEC_RMS = 0.1


def _randomize_(module: nn.Module, gen: torch.Generator) -> None:
    for name, param in sorted(module.named_parameters(), key=lambda kv: kv[0]):
        leaf = name.rsplit(".", 1)[-1]
        with torch.no_grad():
            if param.ndim >= 2:
                fan_in = (
                    param[0].numel()
                    if not _is_transposed(module, name)
                    else param.shape[0] * param[0, 0].numel()
                )
                std = (
                    1.0 if "embedding" in name or leaf == "embedding_sum" else 1.0 / math.sqrt(max(1, fan_in))
                )
                param.copy_(torch.randn(param.shape, generator=gen) * std)
            elif leaf == "bias":
                param.zero_()


def _is_transposed(root: nn.Module, param_name: str) -> bool:
    owner = root.get_submodule(param_name.rsplit(".", 1)[0]) if "." in param_name else root
    return isinstance(owner, nn.ConvTranspose1d)


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
