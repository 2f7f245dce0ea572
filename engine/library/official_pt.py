"""Reading the official Qwen3-TTS demo's ``.pt`` voice files (``{"items": [asdict(item), ...]}``).

Only ever through ``torch.load(weights_only=True)``, which refuses anything but tensors and
plain containers, so a malicious file cannot run code. Every item is then checked like any
prompt (:meth:`VoiceClonePromptItem.from_parts`). The files do not say which model made them;
the speaker-embedding width tells the published sizes apart (1024: 0.6B, 2048: 1.7B); other
widths are kept as "a model with N-dim voices".
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..config import CODEC_12HZ
from ..errors import InputError
from ..prompt import PROMPT_FORMAT, PROMPT_FORMAT_VERSION, ModelSignature
from .errors import BundleError
from .fields import MAX_TRANSCRIPT_CHARS

if TYPE_CHECKING:
    from ..prompt import VoiceClonePromptItem

MAX_PT_BYTES = 64 * 1024**2
MAX_ITEMS = 16
PUBLISHED_SIZES = {1024: "0b6", 2048: "1b7"}  # speaker_dim -> tts_model_size of the published Base models


def _refuse(path: Path, why: str) -> BundleError:
    return BundleError(
        f"{path.name} is not an official Qwen3-TTS voice file Timbre can import ({why}).",
        "Use a .pt file saved by the official demo's 'Save Voice', or a .timbre bundle.",
    )


def read_official_voice_file(path: Path) -> list[VoiceClonePromptItem]:
    """The prompt items in an official ``.pt`` voice file; raises :class:`BundleError` if unusable."""
    try:
        size = path.stat().st_size
    except OSError:
        raise BundleError(
            f"The voice file {path} cannot be read.", "Check the file name and location."
        ) from None
    if not path.is_file():
        raise _refuse(path, "it is not a file")
    if size > MAX_PT_BYTES:
        raise _refuse(path, f"it is {size / 1024**2:.0f} MB; voice files are far smaller")
    import torch

    try:
        payload = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as e:  # noqa: BLE001 - untrusted input: torch.load fails in many ways, all mean "no"
        raise _refuse(path, f"it could not be read safely: {type(e).__name__}") from None
    if not isinstance(payload, dict) or not isinstance(payload.get("items"), list):
        raise _refuse(path, "it has no list of voice items")
    raw_items = payload["items"]
    if not 1 <= len(raw_items) <= MAX_ITEMS:
        raise _refuse(path, f"it holds {len(raw_items)} voice items")
    return [_item(path, d, i) for i, d in enumerate(raw_items)]


def _item(path: Path, d: Any, index: int) -> VoiceClonePromptItem:
    import torch

    from ..prompt import VoiceClonePromptItem

    if not isinstance(d, dict):
        raise _refuse(path, f"item {index + 1} is not a voice")
    xvec = bool(d.get("x_vector_only_mode", False))
    spk = _tensor(d.get("ref_spk_embedding"))
    if spk is None or not spk.is_floating_point():
        raise _refuse(path, f"item {index + 1} has no speaker embedding")
    tensors: dict[str, Any] = {
        "ref_spk_embedding": spk.float().reshape(-1) if spk.ndim == 2 and spk.shape[0] == 1 else spk.float()
    }
    if not xvec:
        code = _tensor(d.get("ref_code"))
        if code is None or code.is_floating_point() or code.is_complex() or code.dtype == torch.bool:
            raise _refuse(path, f"item {index + 1} has no reference codes")
        tensors["ref_code"] = code.long()
    ref_text = d.get("ref_text")
    if ref_text is not None and (not isinstance(ref_text, str) or len(ref_text) > MAX_TRANSCRIPT_CHARS):
        raise _refuse(path, f"the transcript of item {index + 1} is not usable text")
    dim = int(tensors["ref_spk_embedding"].shape[-1])
    size = PUBLISHED_SIZES.get(dim)
    signature = ModelSignature(size=size, speaker_dim=dim, codec=CODEC_12HZ) if size else None
    meta = {
        "format": PROMPT_FORMAT,
        "version": PROMPT_FORMAT_VERSION,
        "x_vector_only_mode": xvec,
        "ref_text": ref_text,
        "signature": signature.to_dict() if signature else None,
    }
    try:
        return VoiceClonePromptItem.from_parts(
            tensors, json.dumps(meta), source=f"{path.name} item {index + 1}"
        )
    except InputError as e:
        raise _refuse(path, e.message) from None


def _tensor(value: Any):
    import torch

    if value is None:
        return None
    if isinstance(value, torch.Tensor):
        return value.detach().cpu()
    try:
        return torch.tensor(value)
    except (TypeError, ValueError, RuntimeError):
        return None
