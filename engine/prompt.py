"""Voice-clone prompts: what a voice is once extracted, and how it is stored.

A prompt item is the official ``VoiceClonePromptItem`` (same fields, same meaning), plus the
signature of the model that extracted it. It is saved as safetensors (tensors) with JSON in
the header (everything else); loading never unpickles anything. Importing this module does not
import torch.
"""

from __future__ import annotations

import json
import os
from dataclasses import InitVar, asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import InputError, PromptMismatchError

if TYPE_CHECKING:
    import torch

PROMPT_FORMAT = "timbre.voice_prompt"
PROMPT_FORMAT_VERSION = 1
NUM_CODE_GROUPS = 16


@dataclass(frozen=True)
class ModelSignature:
    """What a prompt must agree with to be used by a model.

    ``size`` is the checkpoint's ``tts_model_size`` ("0b6", "1b7"); ``speaker_dim`` the x-vector
    width (it differs between sizes); ``codec`` the speech tokenizer type.
    """

    size: str
    speaker_dim: int
    codec: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ModelSignature:
        try:
            return cls(size=str(data["size"]), speaker_dim=int(data["speaker_dim"]), codec=str(data["codec"]))
        except (KeyError, TypeError, ValueError) as e:
            raise InputError(f"The model signature {data!r} is incomplete: {e}.") from None

    def describe(self) -> str:
        size = {"0b6": "0.6B", "1b7": "1.7B"}.get(self.size, self.size)
        return f"Qwen3-TTS {size} ({self.speaker_dim}-dim voices)"


@dataclass
class VoiceClonePromptItem:
    """One extracted voice, ready to condition generation.

    ``ref_code`` int64 (T, 16) holds the reference audio's codec frames (ICL mode) or is None
    (x-vector mode); ``ref_spk_embedding`` (D,) is the speaker x-vector; ``icl_mode`` is always
    ``not x_vector_only_mode``; ``ref_text`` is the reference transcript (ICL mode).

    The fields are exactly the official ones, so ``VoiceClonePromptItem(**asdict(item))`` and
    ``torch.save({"items": [asdict(item)]})`` work both ways between this package and the
    official one. ``signature`` (the :class:`ModelSignature` of the model that extracted the
    voice, or its dict form) is an init-only argument kept as a plain attribute: it is not a
    dataclass field, so ``asdict`` leaves it out and the official class can read what we write.
    """

    ref_code: torch.Tensor | None
    ref_spk_embedding: torch.Tensor
    x_vector_only_mode: bool
    icl_mode: bool
    ref_text: str | None = None
    signature: InitVar[ModelSignature | dict | None] = None

    def __post_init__(self, signature: ModelSignature | dict | None) -> None:
        if isinstance(signature, dict):
            signature = ModelSignature.from_dict(signature)
        elif signature is not None and not isinstance(signature, ModelSignature):
            raise InputError(
                f"signature must be a ModelSignature or its dict form, not {type(signature).__name__}."
            )
        self.signature: ModelSignature | None = signature
        self.x_vector_only_mode = bool(self.x_vector_only_mode)
        self.icl_mode = not self.x_vector_only_mode
        if self.icl_mode and self.ref_code is None:
            raise InputError("An ICL voice prompt needs ref_code; use x_vector_only_mode=True without it.")

    def check_compatible(self, signature: ModelSignature) -> None:
        """Raise :class:`PromptMismatchError` unless this prompt fits a model with ``signature``."""
        dim = int(self.ref_spk_embedding.shape[-1])
        if dim != signature.speaker_dim or (self.signature and self.signature != signature):
            mine = self.signature.describe() if self.signature else f"a model with {dim}-dim voices"
            raise PromptMismatchError(
                f"This voice was extracted by {mine}; the loaded model is {signature.describe()}.",
                "Extract the voice again from its reference audio with the loaded model, or load the model it needs.",
            )

    def save(self, path: str | os.PathLike) -> None:
        """Write the prompt to ``path`` (safetensors), atomically."""
        from safetensors.torch import save_file

        tensors = {"ref_spk_embedding": self.ref_spk_embedding.detach().float().cpu().contiguous()}
        if self.ref_code is not None:
            tensors["ref_code"] = self.ref_code.detach().to("cpu").long().contiguous()
        meta = {
            "format": PROMPT_FORMAT,
            "version": PROMPT_FORMAT_VERSION,
            "x_vector_only_mode": self.x_vector_only_mode,
            "ref_text": self.ref_text,
            "signature": self.signature.to_dict() if self.signature else None,
        }
        path = Path(path)
        tmp = path.with_name(f".{path.name}.tmp")
        save_file(tensors, str(tmp), metadata={"timbre": json.dumps(meta, ensure_ascii=False)})
        with open(tmp, "rb") as f:
            os.fsync(f.fileno())
        os.replace(tmp, path)

    @classmethod
    def load(cls, path: str | os.PathLike) -> VoiceClonePromptItem:
        """Read a prompt written by :meth:`save`, validating every field."""
        from safetensors import SafetensorError
        from safetensors.torch import load as load_bytes

        path = Path(path)
        try:
            data = path.read_bytes()  # read whole: mapped tensors would break if the file changed
            tensors = load_bytes(data)
            size = int.from_bytes(data[:8], "little")
            header = json.loads(data[8 : 8 + size]).get("__metadata__") or {}
        except FileNotFoundError:
            raise InputError(f"The voice prompt file {path} does not exist.") from None
        except (SafetensorError, OSError, ValueError, RuntimeError, AttributeError) as e:
            raise InputError(f"{path.name} is not a Timbre voice prompt ({e}).") from None
        return cls.from_parts(tensors, header.get("timbre"), source=path.name)

    @classmethod
    def from_parts(cls, tensors: dict[str, Any], meta_json: str | None, source: str) -> VoiceClonePromptItem:
        """Build and validate an item from safetensors contents (shared with bundle import)."""
        import torch

        try:
            meta = json.loads(meta_json or "")
        except ValueError:
            raise InputError(f"{source} has no readable Timbre metadata.") from None
        if not isinstance(meta, dict) or meta.get("format") != PROMPT_FORMAT:
            raise InputError(f"{source} is not a Timbre voice prompt.")
        if int(meta.get("version", 0)) > PROMPT_FORMAT_VERSION:
            raise InputError(
                f"{source} was written by a newer Timbre (prompt format {meta.get('version')}).",
                "Update Timbre to use this voice.",
            )
        spk = tensors.get("ref_spk_embedding")
        if (
            not isinstance(spk, torch.Tensor)
            or spk.ndim != 1
            or not spk.is_floating_point()
            or spk.numel() == 0
        ):
            raise InputError(f"{source}: ref_spk_embedding must be a 1-D float tensor.")
        if not torch.isfinite(spk).all():
            raise InputError(f"{source}: ref_spk_embedding holds invalid numbers.")
        xvec = bool(meta.get("x_vector_only_mode"))
        code = tensors.get("ref_code")
        if xvec:
            code = None
        else:
            if not isinstance(code, torch.Tensor) or code.dtype != torch.int64 or code.ndim != 2:
                raise InputError(f"{source}: an ICL prompt needs ref_code, an int64 (frames, 16) tensor.")
            if code.shape[1] != NUM_CODE_GROUPS or code.shape[0] == 0:
                raise InputError(f"{source}: ref_code has shape {tuple(code.shape)}, expected (frames, 16).")
            if int(code.min()) < 0 or int(code.max()) >= 2048:
                raise InputError(f"{source}: ref_code holds codes outside 0..2047.")
        ref_text = meta.get("ref_text")
        if ref_text is not None and not isinstance(ref_text, str):
            raise InputError(f"{source}: ref_text must be text.")
        if not xvec and not (ref_text or "").strip():
            raise InputError(f"{source}: an ICL prompt needs its reference transcript.")
        sig = meta.get("signature")
        signature = ModelSignature.from_dict(sig) if isinstance(sig, dict) else None
        if signature and signature.speaker_dim != spk.shape[0]:
            raise InputError(f"{source}: the speaker embedding does not match its recorded model.")
        return cls(
            ref_code=code,
            ref_spk_embedding=spk.float(),
            x_vector_only_mode=xvec,
            icl_mode=not xvec,
            ref_text=ref_text,
            signature=signature,
        )
