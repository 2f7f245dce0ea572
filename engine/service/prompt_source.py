"""Where the service's worker gets each line's voice prompt (see :class:`~.requests.PromptRef`).

Library voices come from ``VoiceLibrary.prompt_for``: cached there, and extracted again from
the stored reference when the loaded model is not the one that made the voice. Items and
prompt files are checked against the model, so a mismatch is a clear error for that line
rather than a failure deep inside generation. Worker thread only (it may import torch).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..errors import InputError
from .requests import PromptRef


class PromptSource:
    """Turns a :class:`PromptRef` into a prompt item for a model; keeps prompt files loaded."""

    def __init__(self) -> None:
        self._files: dict[tuple[str, int], Any] = {}  # (path, mtime_ns) -> prompt item

    def clear(self) -> None:
        """Forget loaded files (the model is going away)."""
        self._files.clear()

    def item(self, ref: PromptRef, name: str, model: Any) -> Any:
        """The prompt item of ``ref`` for ``model``; raises a TimbreError saying what is wrong."""
        if ref.library is not None:
            [item] = ref.library.prompt_for(ref.voice_id, model)
            return item
        if ref.item is not None:
            ref.item.check_compatible(model.signature)
            return ref.item
        if ref.path:
            from engine.prompt import VoiceClonePromptItem

            path = Path(ref.path)
            try:
                key = (str(path), path.stat().st_mtime_ns)
            except OSError:
                raise InputError(f"The voice {name!r} has lost its prompt file ({path}).") from None
            if key not in self._files:
                self._files[key] = VoiceClonePromptItem.load(path)
            self._files[key].check_compatible(model.signature)
            return self._files[key]
        raise InputError(f"The voice {name!r} is not available.", "Pick another voice for this line.")
