"""The Mimi encoder on whichever transformers is installed (4.57 or 5.x) reads and writes the published layout.

transformers 5.21 renamed the encoder's weights and 5.3 started to apply its attention window;
`make test` runs these on the newest 5.x, `make test-transformers4` on 4.57.
"""

from __future__ import annotations

import json

import pytest
import torch
from safetensors import safe_open

from engine.loading import load_components
from engine.qwen3tts.codec.mimi import build_mimi_encoder, published_mimi_name
from tests.conftest import REFERENCE_DIR

CODEC_DIR = REFERENCE_DIR / "checkpoint" / "speech_tokenizer"
PREFIX = "encoder."


def _file_shapes(path) -> dict[str, tuple[int, ...]]:
    with safe_open(str(path), framework="pt") as f:
        return {k: tuple(f.get_slice(k).get_shape()) for k in f.keys()}


def _encoder_config() -> dict:
    return json.loads((CODEC_DIR / "config.json").read_text(encoding="utf-8"))["encoder_config"]


@pytest.fixture(scope="module")
def reference_codec():
    return load_components(REFERENCE_DIR / "checkpoint", torch.device("cpu"), torch.float32).codec


def test_the_installed_encoder_has_a_published_name_for_every_weight():
    """One to one: every published encoder weight is one of the module's, and nothing is left over."""
    installed = build_mimi_encoder(_encoder_config()).state_dict()
    published = {
        k[len(PREFIX) :] for k in _file_shapes(CODEC_DIR / "model.safetensors") if k.startswith(PREFIX)
    }
    names = [published_mimi_name(k) for k in installed]
    assert len(set(names)) == len(names)
    assert set(names) == published


def test_every_weight_of_the_reference_checkpoint_reaches_the_encoder(reference_codec):
    encoder = reference_codec.encoder.state_dict()
    with safe_open(str(CODEC_DIR / "model.safetensors"), framework="pt") as f:
        published = {k for k in f.keys() if k.startswith(PREFIX)}
        assert len(encoder) == len(published)
        for name, tensor in encoder.items():
            stored = f.get_tensor(PREFIX + published_mimi_name(name))
            assert torch.equal(tensor, stored.to(tensor.dtype)), name


def test_a_written_checkpoint_has_the_published_codec_layout(tiny_checkpoint):
    """Our writer saves the names and shapes the official package saved, whatever transformers is installed."""
    written = _file_shapes(tiny_checkpoint / "speech_tokenizer" / "model.safetensors")
    assert written == _file_shapes(CODEC_DIR / "model.safetensors")


def test_a_written_checkpoint_loads_back_unchanged(tiny_checkpoint):
    codec = load_components(tiny_checkpoint, torch.device("cpu"), torch.float32).codec
    state = codec.published_state_dict()
    with safe_open(str(tiny_checkpoint / "speech_tokenizer" / "model.safetensors"), framework="pt") as f:
        assert set(state) == set(f.keys())
        for name in state:
            assert torch.equal(state[name], f.get_tensor(name)), name


def test_the_encoder_attends_to_every_earlier_step(reference_codec):
    """As in the reference: the last step of 14 s of audio still sees its first second.

    The config's 250-step window (10 s) would hide it; the convolutions reach back far less.
    """
    gen = torch.Generator().manual_seed(0)
    wave = torch.randn(1, 1, 14 * 24000, generator=gen) * 0.1
    other = wave.clone()
    other[..., :24000] = torch.randn(1, 1, 24000, generator=gen) * 0.1
    last = [_last_transformer_step(reference_codec.encoder, w) for w in (wave, other)]
    assert (last[0] - last[1]).abs().max() > 1e-5


def _last_transformer_step(encoder, wave: torch.Tensor) -> torch.Tensor:
    """The encoder transformer's output at its last step (found by class: its place differs by version)."""
    transformer = next(m for m in encoder.modules() if type(m).__name__ == "MimiTransformerModel")
    seen = []
    handle = transformer.register_forward_hook(lambda _m, _a, out: seen.append(out.last_hidden_state))
    try:
        with torch.inference_mode():
            encoder.encode(wave, num_quantizers=16)
    finally:
        handle.remove()
    return seen[0][0, -1]
