"""The codec's encoder: transformers' ``MimiModel``, as the official package runs it, on 4.57 and 5.x.

This module is the one place that knows how transformers versions differ here:

- Names. The published checkpoints (and every checkpoint Timbre writes) store the encoder in
  the flat layout of transformers 4.x: ``encoder.layers.*`` (SEANet), ``encoder_transformer.*``,
  ``downsample.*``, ``quantizer.*``. transformers 5.21 split ``MimiModel`` into an encoder and a
  decoder half and moved the first three under it (``encoder.encoder_seanet.*``,
  ``encoder.encoder_transformer.*``, ``encoder.downsample.*``); the tensors are the same. Loading
  renames the file's names to the installed module's; writing renames them back.
- Attention span. The official package (which pins transformers 4.57) lets every step of the
  encoder transformer see all earlier steps: 4.57 builds a plain causal mask for Mimi and 5.0-5.2
  skip the mask, whatever ``sliding_window`` (250) says. From 5.3 the window is applied, which
  changes the codes of audio longer than 10 s. The encoder is built with a window longer than
  any input, so every version computes what the reference does.
"""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext

from torch import nn

# Where transformers >= 5.21 keeps what the published layout stores at the top level.
# Prefix rewrites of the module's own names; none of them matches a name of the flat layout.
_SPLIT_PREFIXES = (
    ("encoder.encoder_seanet.", "encoder."),
    ("encoder.encoder_transformer.", "encoder_transformer."),
    ("encoder.downsample.", "downsample."),
)
# In encoder steps (25 a second): a window no audio fills, so attention is plain causal, as in the reference.
_REFERENCE_ATTENTION_WINDOW = 2**31 - 1
# The decoding half of the flat layout, and of the split one (``upsample`` and
# ``decoder_transformer`` are then read-only views into ``decoder``).
_DECODING_PARTS = ("upsample", "decoder_transformer", "decoder")


def build_mimi_encoder(encoder_config: dict) -> nn.Module:
    """transformers' ``MimiModel`` with its decoding half removed, attending as the reference does."""
    from transformers import MimiConfig, MimiModel

    config = MimiConfig(**dict(encoder_config, sliding_window=_REFERENCE_ATTENTION_WINDOW))
    model = MimiModel(config)
    children = dict(model.named_children())
    for name in _DECODING_PARTS:
        if name in children:
            setattr(model, name, None)
    return model


def published_mimi_name(name: str) -> str:
    """The published checkpoint's name for ``name``, a state-dict key of the installed ``MimiModel``.

    Identity on transformers < 5.21, whose layout is the published one.
    """
    for installed, published in _SPLIT_PREFIXES:
        if name.startswith(installed):
            return published + name[len(installed) :]
    return name


def mimi_tensors_as_installed(tensors: dict, encoder: nn.Module, prefix: str) -> dict:
    """The encoder's tensors of a checkpoint, keyed ``prefix`` + the installed module's names.

    ``tensors`` holds the published names under ``prefix``. Weights the file lacks are left out,
    so loading reports them as missing.
    """
    renamed = {}
    for name in encoder.state_dict(keep_vars=True):
        published = prefix + published_mimi_name(name)
        if published in tensors:
            renamed[prefix + name] = tensors[published]
    return renamed


def published_mimi_state(encoder: nn.Module) -> dict:
    """The encoder's state dict under the published names, for writing checkpoints."""
    return {published_mimi_name(name): t for name, t in encoder.state_dict().items()}


def skip_weight_init() -> AbstractContextManager:
    """A context in which transformers builds modules without random init (the weights follow).

    transformers moved ``no_init_weights`` from ``modeling_utils`` to ``initialization`` in 5.0;
    without either, the module is initialised for nothing, which is only slower.
    """
    try:
        from transformers.initialization import no_init_weights
    except ImportError:
        try:
            from transformers.modeling_utils import no_init_weights
        except ImportError:
            return nullcontext()
    return no_init_weights()
