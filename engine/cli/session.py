"""What a command needs from the engine, opened on first use: the voice library and the model.

Commands that never ask for the model never import torch (``voices list`` stays instant).
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .console import Console

if TYPE_CHECKING:
    from ..library import VoiceLibrary
    from ..model import Qwen3TTSModel


class Session:
    """One command's engine objects. Close it (or use ``with``) to release the library."""

    def __init__(self, args: argparse.Namespace, console: Console) -> None:
        self.args = args
        self.console = console
        self._library: VoiceLibrary | None = None
        self._model: Qwen3TTSModel | None = None

    def __enter__(self) -> Session:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._library is not None:
            self._library.close()
            self._library = None

    @property
    def library(self) -> VoiceLibrary:
        """The shared voice library (``VoiceLibrary()``'s default place, as the studio uses)."""
        if self._library is None:
            from ..library import VoiceLibrary

            self._library = VoiceLibrary()
            report = self._library.last_check
            for action in report.actions:  # repairs of a crash's leftovers: say what was done
                self.console.note(f"library: {action}")
        return self._library

    @property
    def model_ref(self) -> str:
        """The model as given: a folder as an absolute path (so renders key on it), else the repo id."""
        ref = str(self.args.model)
        path = Path(os.path.expanduser(ref))
        return str(path.resolve()) if path.is_dir() else ref

    @property
    def model_loaded(self) -> bool:
        return self._model is not None

    @property
    def model(self) -> Qwen3TTSModel:
        """The model, loaded on first use (downloaded first when it is a hub id not yet cached)."""
        if self._model is None:
            self._model = self._load_model()
        return self._model

    def _load_model(self) -> Qwen3TTSModel:
        from ..errors import ModelNotAvailableError
        from ..model import Qwen3TTSModel
        from .progress import DownloadBar

        self.console.note(f"Loading the model {self.model_ref} ...")
        try:
            with DownloadBar(self.console) as bar:
                model = Qwen3TTSModel.from_pretrained(
                    self.model_ref,
                    device=None if self.args.device == "auto" else self.args.device,
                    dtype=None if self.args.dtype == "auto" else self.args.dtype,
                    progress=bar.update,
                )
        except ModelNotAvailableError as e:  # the engine's hint points at the studio's settings
            raise ModelNotAvailableError(
                e.message,
                "Connect to the internet so Timbre can download it once, or download it elsewhere "
                "and pass its folder with --model (or set TIMBRE_MODEL).",
            ) from None
        self.console.note(f"Model ready on {model.device} ({str(model.dtype).replace('torch.', '')}).")
        return model

    def sampling(self) -> dict[str, Any]:
        """The sampling options given on the command line (the model's defaults for the rest)."""
        names = ("max_new_tokens", "temperature", "top_k", "top_p", "repetition_penalty")
        return {n: getattr(self.args, n) for n in names if getattr(self.args, n, None) is not None}
