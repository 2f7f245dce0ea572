"""Timbre's engine: Qwen3-TTS 12 Hz Base voice cloning, drop-in for the official ``qwen_tts`` API.

``import engine`` is cheap: torch is imported only when a model is built, so a GUI can show its
window first. Public names: ``Qwen3TTSModel``, ``VoiceClonePromptItem``, ``ModelSignature``,
``Take`` and the error classes in :mod:`engine.errors`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .errors import (  # noqa: F401  (re-exported)
    AudioInputError,
    AudioTypeError,
    CheckpointError,
    DeviceUnavailableError,
    GenerationCancelled,
    InputError,
    ModelNotAvailableError,
    ModelNotFoundError,
    PromptMismatchError,
    TimbreError,
    UnsupportedModelError,
)

if TYPE_CHECKING:
    from .model import Qwen3TTSModel
    from .prompt import ModelSignature, VoiceClonePromptItem
    from .take import Take

_LAZY = {
    "Qwen3TTSModel": "engine.model",
    "VoiceClonePromptItem": "engine.prompt",
    "ModelSignature": "engine.prompt",
    "Take": "engine.take",
}

__all__ = ["Qwen3TTSModel", "VoiceClonePromptItem", "ModelSignature", "Take", "TimbreError"]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'engine' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)
