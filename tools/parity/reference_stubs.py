"""Placeholder modules so the official ``qwen_tts`` imports without torchaudio, sox or onnxruntime.

Only its 25 Hz tokenizer uses them, at import time; the 12 Hz Base path never does. Any real
use raises at once, so a harness cannot silently depend on a stub.
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
import sys
import types


class _Placeholder(types.ModuleType):
    def __getattr__(self, name: str):
        if name.startswith("__"):
            raise AttributeError(name)
        raise RuntimeError(f"placeholder module {self.__name__!r} was used (.{name})")


def install() -> None:
    for name in ("torchaudio", "torchaudio.compliance", "torchaudio.compliance.kaldi", "sox", "onnxruntime"):
        if name in sys.modules:
            continue
        top = name.split(".")[0]
        if name == top and importlib.util.find_spec(top) is not None:
            continue  # the real package is installed: leave it alone
        module = _Placeholder(name)
        module.__spec__ = importlib.machinery.ModuleSpec(name, None)
        module.__path__ = []
        sys.modules[name] = module
        parent, _, child = name.rpartition(".")
        if parent:
            object.__setattr__(sys.modules[parent], child, module)
