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


_TO_FOLDER = "or download it elsewhere and pass its folder with --model (or set TIMBRE_MODEL)."
_MODEL_HINTS = {  # by ModelNotAvailableError.reason; the others keep the engine's hint
    "offline": f"Unset HF_HUB_OFFLINE so Timbre can download it once, {_TO_FOLDER}",
    "unreachable": f"Connect to the internet so Timbre can download it once, {_TO_FOLDER}",
    "refused": f"Try again later, {_TO_FOLDER}",
}


class Session:
    """One command's engine objects. Close it (or use ``with``) to release the library."""

    def __init__(self, args: argparse.Namespace, console: Console) -> None:
        self.args = args
        self.console = console
        self._library: VoiceLibrary | None = None
        self._model: Qwen3TTSModel | None = None
        self._languages: list[str] | None = None  # read from config.json, before the model loads

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

        device, dtype = self._device_and_dtype()  # before any loading: a typo costs nothing
        self.console.note(f"Loading the model {self.model_ref} ...")
        try:
            with DownloadBar(self.console) as bar:
                model = Qwen3TTSModel.from_pretrained(
                    self.model_ref, device=device, dtype=dtype, progress=bar.update
                )
        except ModelNotAvailableError as e:  # the engine's hints point at the studio's settings
            hint = _MODEL_HINTS.get(e.reason, e.hint)
            raise ModelNotAvailableError(e.message, hint, e.reason) from None
        self.console.note(f"Model ready on {model.device} ({str(model.dtype).replace('torch.', '')}).")
        return model

    def _device_and_dtype(self) -> tuple[Any, Any]:
        """``--device`` and ``--dtype`` checked on this machine, with hints in command-line words."""
        from ..errors import DeviceUnavailableError, InputError
        from ..loading import pick_device, pick_dtype

        try:
            device = pick_device(None if self.args.device == "auto" else self.args.device)
        except DeviceUnavailableError as e:
            raise DeviceUnavailableError(
                e.message,
                "Run with --device cpu (slower), or leave --device out to use a GPU when there is one.",
            ) from None
        except InputError as e:
            raise InputError(e.message, "Use --device auto, cpu, cuda or cuda:N.") from None
        try:
            dtype = pick_dtype(None if self.args.dtype == "auto" else self.args.dtype, device)
        except InputError as e:
            raise InputError(e.message, "Use --dtype auto, float32, bfloat16 or float16.") from None
        return device, dtype

    def supported_languages(self) -> list[str] | None:
        """The model's languages, read from its config.json without loading it; None when that
        cannot be read yet (a hub id not downloaded, a broken folder: loading says why)."""
        if self._model is not None:
            return list(self._model.get_supported_languages())
        if self._languages is None:
            from ..checkpoint import resolve_model_dir
            from ..config import parse_tts_config, read_json
            from ..errors import CheckpointError, ModelNotAvailableError

            try:
                folder = resolve_model_dir(self.model_ref, local_files_only=True)
                config = parse_tts_config(read_json(folder / "config.json"))  # no torch: cheap
            except (ModelNotAvailableError, CheckpointError):
                return None
            self._languages = config.supported_languages
        return self._languages

    def check_language(self, language: str | None) -> None:
        """Refuse a ``--language`` the model does not speak, before the model loads where it can."""
        from ..errors import InputError

        supported = self.supported_languages()
        if language is None or supported is None or language.strip().casefold() in supported:
            return
        raise InputError(
            f"The model does not speak {language!r} (--language).",
            f"Use one of: {', '.join(sorted(supported))}.",
        )

    def sampling(self) -> dict[str, Any]:
        """The sampling options given on the command line (the model's defaults for the rest)."""
        names = ("max_new_tokens", "temperature", "top_k", "top_p", "repetition_penalty")
        return {n: getattr(self.args, n) for n in names if getattr(self.args, n, None) is not None}
