"""Each codec decoder layer decodes in pieces with a state exactly as in one shot."""

from __future__ import annotations

import copy
import dataclasses
import math

import pytest
import torch

from engine.config import CodecDecoderConfig
from engine.qwen3tts.codec.convs import (
    CausalConv,
    CausalTransConv,
    ConvNeXtBlock,
    ResidualUnit,
    UpsampleBlock,
)
from engine.qwen3tts.codec.decoder import CodecDecoder
from engine.qwen3tts.codec.transformer import CodecTransformer

# Small widths, the real structure; a short window and GQA so the transformer tests slide and group.
CFG = CodecDecoderConfig(
    codebook_dim=16,
    hidden_size=32,
    latent_dim=24,
    num_attention_heads=4,
    num_key_value_heads=2,
    head_dim=8,
    intermediate_size=48,
    num_hidden_layers=2,
    sliding_window=8,
    decoder_dim=32,
)
PIECES = [1, 2, 5, 1, 13, 3, 9]  # shorter and longer than every layer's past; sum 34 > 4 windows
TOL = 1e-10  # float64: the pieces compute the same sums as the whole


@pytest.fixture(autouse=True)
def _seeded():
    # Inference mode as the engine decodes; states are updated in place.
    torch.manual_seed(0)
    with torch.inference_mode():
        yield


def _random(module: torch.nn.Module) -> torch.nn.Module:
    """Weights of unit gain (default init leaves layer scales and codebooks near zero), in float64."""
    for name, p in module.named_parameters():
        if name.endswith("cluster_usage"):
            p.data.fill_(1.0)
        elif p.ndim >= 2:
            p.data.normal_(0, 1 / math.sqrt(p[0].numel()))
        elif name.endswith(("alpha", "beta", "bias")):
            p.data.normal_(0, 0.3)
        else:  # norms and layer scales
            p.data.fill_(1.0)
    return module.double().eval()


def _in_pieces(layer, x: torch.Tensor, dim: int, sizes=PIECES, batch: int | None = None) -> torch.Tensor:
    """``layer`` over ``x`` cut along ``dim`` into ``sizes``, one state carried through."""
    state = layer.new_state(x.shape[0] if batch is None else batch)
    outs = [layer(piece, state) for piece in x.split(sizes, dim=dim)]
    return torch.cat(outs, dim=dim)


def _assert_same(streamed: torch.Tensor, whole: torch.Tensor) -> None:
    assert streamed.shape == whole.shape
    assert (streamed - whole).abs().max() < TOL * max(1.0, whole.abs().max().item())


@pytest.mark.parametrize(("kernel", "dilation", "groups"), [(7, 1, 1), (7, 9, 1), (3, 1, 1), (7, 1, 6)])
def test_causal_conv_in_pieces_equals_one_shot(kernel, dilation, groups):
    conv = _random(CausalConv(6, 4 if groups == 1 else 6, kernel, dilation=dilation, groups=groups))
    x = torch.randn(2, 6, sum(PIECES), dtype=torch.float64)  # (B, C, T)
    _assert_same(_in_pieces(conv, x, -1), conv(x))


def test_a_pointwise_conv_keeps_no_state():
    assert CausalConv(4, 4, 1).new_state(1) is None


@pytest.mark.parametrize(("kernel", "stride"), [(4, 2), (16, 8), (2, 2), (7, 3)])
def test_transposed_conv_in_pieces_equals_one_shot(kernel, stride):
    conv = _random(CausalTransConv(6, 4, kernel, stride))
    x = torch.randn(2, 6, sum(PIECES), dtype=torch.float64)  # (B, C, T)
    whole = conv(x)
    assert whole.shape[-1] == x.shape[-1] * stride
    if kernel == stride:
        assert conv.new_state(2) is None
        _assert_same(torch.cat([conv(p) for p in x.split(PIECES, -1)], -1), whole)
    else:
        _assert_same(_in_pieces(conv, x, -1), whole)


@pytest.mark.parametrize(
    "make", [lambda: ConvNeXtBlock(8), lambda: ResidualUnit(8, 3)], ids=["convnext", "residual"]
)
def test_blocks_in_pieces_equal_one_shot(make):
    block = _random(make())
    x = torch.randn(2, 8, sum(PIECES), dtype=torch.float64)  # (B, C, T)
    _assert_same(_in_pieces(block, x, -1), block(x))


def test_upsample_block_in_pieces_equals_one_shot():
    block = _random(UpsampleBlock(8, 4, 3))
    x = torch.randn(2, 8, sum(PIECES), dtype=torch.float64)  # (B, C, T)
    _assert_same(_in_pieces(block, x, -1), block(x))


def test_codec_transformer_in_pieces_equals_one_shot_past_its_window():
    transformer = _random(CodecTransformer(CFG))
    x = torch.randn(2, sum(PIECES), CFG.latent_dim, dtype=torch.float64)  # (B, T, latent)
    state = transformer.new_state(2)
    streamed = torch.cat([transformer(p, state) for p in x.split(PIECES, 1)], 1)
    _assert_same(streamed, transformer(x))
    assert int(state.position) == sum(PIECES)


def test_codec_transformer_frame_by_frame_equals_one_shot():
    transformer = _random(CodecTransformer(CFG))
    x = torch.randn(1, 3 * CFG.sliding_window, CFG.latent_dim, dtype=torch.float64)  # (B, T, latent)
    _assert_same(_in_pieces(transformer, x, 1, sizes=[1] * x.shape[1]), transformer(x))


def test_decoder_in_pieces_equals_one_shot():
    decoder = _random(CodecDecoder(CFG))
    codes = torch.randint(0, CFG.codebook_size, (2, 16, sum(PIECES)))  # (B, 16, T)
    whole = decoder(codes)
    assert whole.shape == (2, 1, sum(PIECES) * 1920)
    assert 0.01 < whole.abs().mean() < 0.99  # neither silent nor all clamped: the test means something
    _assert_same(_in_pieces(decoder, codes, -1), whole)


def test_a_state_carries_on_from_where_it_was_copied():
    decoder = _random(CodecDecoder(dataclasses.replace(CFG, num_hidden_layers=1)))
    codes = torch.randint(0, CFG.codebook_size, (1, 16, 12))  # (B, 16, T)
    state = decoder.new_state(1)
    decoder(codes[..., :7], state)
    twin = copy.deepcopy(state)
    first = decoder(codes[..., 7:], state)
    _assert_same(decoder(codes[..., 7:], twin), first)
    _assert_same(first, decoder(codes)[..., 7 * 1920 :])
