"""Reading a prompt file's safetensors header in plain Python, without torch and without trusting it.

Used where a prompt must be judged before anything loads it: bundle import (every byte of a
bundle is untrusted) and the consistency check (runs on the GUI thread, must not import torch).
The layout is: 8-byte little-endian header length, a JSON header naming each tensor's dtype,
shape and byte range, then the tensor bytes, back to back.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

from ..errors import InputError
from ..prompt import NUM_CODE_GROUPS, PROMPT_FORMAT, PROMPT_FORMAT_VERSION, ModelSignature

DTYPE_BYTES = {
    "F64": 8,
    "F32": 4,
    "F16": 2,
    "BF16": 2,
    "I64": 8,
    "I32": 4,
    "I16": 2,
    "I8": 1,
    "U8": 1,
    "BOOL": 1,
}
MAX_HEADER_BYTES = 64 * 1024  # a prompt header is a few hundred bytes
MAX_SPEAKER_DIM = 8192
MAX_REF_FRAMES = 12_000  # 16 minutes at 12.5 frames a second: far beyond any sensible reference
CODEBOOK_SIZE = 2048


@dataclass(frozen=True)
class TensorInfo:
    dtype: str
    shape: tuple[int, ...]
    start: int  # byte offsets into the data section
    end: int


@dataclass(frozen=True)
class SafetensorsHeader:
    tensors: dict[str, TensorInfo]
    metadata: dict[str, str]
    data_start: int  # offset of the data section in the file


@dataclass(frozen=True)
class PromptFacts:
    """What a prompt file says about itself, checked for consistency."""

    x_vector_only_mode: bool
    ref_text: str | None
    signature: ModelSignature | None
    speaker_dim: int
    frames: int | None  # ICL reference frames; None in x-vector mode


def parse_header(head: bytes, file_size: int) -> SafetensorsHeader:
    """Parse and check the header at the start of a file of ``file_size`` bytes (ValueError if bad)."""
    if file_size < 8 or len(head) < 8:
        raise ValueError("too short to be a safetensors file")
    n = int.from_bytes(head[:8], "little")
    if n < 2 or n > MAX_HEADER_BYTES or 8 + n > file_size:
        raise ValueError("not a safetensors file (its header length is impossible)")
    if len(head) < 8 + n:
        raise ValueError("the header is cut short")
    try:
        raw = json.loads(head[8 : 8 + n].decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise ValueError("its header is not valid JSON") from None
    if not isinstance(raw, dict):
        raise ValueError("its header is not a JSON object")
    metadata = raw.pop("__metadata__", {})
    if not isinstance(metadata, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in metadata.items()
    ):
        raise ValueError("its metadata is not a map of text to text")
    tensors: dict[str, TensorInfo] = {}
    for name, spec in raw.items():
        tensors[name] = _tensor_info(name, spec)
    data_size = file_size - 8 - n
    pos = 0
    for info in sorted(tensors.values(), key=lambda t: t.start):
        if info.start != pos:
            raise ValueError("its tensors overlap or leave gaps")
        pos = info.end
    if pos != data_size:
        raise ValueError("its size does not match its header")
    return SafetensorsHeader(tensors=tensors, metadata=metadata, data_start=8 + n)


def _tensor_info(name: str, spec: object) -> TensorInfo:
    if not isinstance(spec, dict):
        raise ValueError(f"tensor {name!r} is described badly")
    dtype, shape, offsets = spec.get("dtype"), spec.get("shape"), spec.get("data_offsets")
    if dtype not in DTYPE_BYTES:
        raise ValueError(f"tensor {name!r} has an unknown dtype {dtype!r}")
    if (
        not isinstance(shape, list)
        or len(shape) > 8
        or not all(isinstance(d, int) and not isinstance(d, bool) and 0 <= d < 2**31 for d in shape)
    ):
        raise ValueError(f"tensor {name!r} has an invalid shape")
    if (
        not isinstance(offsets, list)
        or len(offsets) != 2
        or not all(isinstance(o, int) and not isinstance(o, bool) and o >= 0 for o in offsets)
    ):
        raise ValueError(f"tensor {name!r} has invalid byte offsets")
    start, end = offsets
    if end - start != math.prod(shape) * DTYPE_BYTES[dtype]:
        raise ValueError(f"tensor {name!r} does not fit its byte range")
    return TensorInfo(dtype=dtype, shape=tuple(shape), start=start, end=end)


def read_header_file(path: Path) -> SafetensorsHeader:
    """Parse the header of a file on disk (reads only the header bytes)."""
    size = path.stat().st_size
    with open(path, "rb") as f:
        first = f.read(8)
        n = int.from_bytes(first, "little") if len(first) == 8 else 0
        rest = f.read(min(n, MAX_HEADER_BYTES))
    return parse_header(first + rest, size)


def prompt_facts(header: SafetensorsHeader) -> PromptFacts:
    """Check that the header is a well-formed Timbre voice prompt and say what it holds (ValueError if not)."""
    try:
        meta = json.loads(header.metadata.get("timbre", ""))
    except ValueError:
        raise ValueError("it is not a Timbre voice prompt (no Timbre metadata)") from None
    if not isinstance(meta, dict) or meta.get("format") != PROMPT_FORMAT:
        raise ValueError("it is not a Timbre voice prompt")
    version = meta.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise ValueError("its prompt format version is missing")
    if version > PROMPT_FORMAT_VERSION:
        raise ValueError(f"it was written by a newer Timbre (prompt format {version})")
    xvec = meta.get("x_vector_only_mode")
    if not isinstance(xvec, bool):
        raise ValueError("it does not say whether it is an x-vector prompt")
    ref_text = meta.get("ref_text")
    if ref_text is not None and not isinstance(ref_text, str):
        raise ValueError("its transcript is not text")

    spk = header.tensors.get("ref_spk_embedding")
    if spk is None or spk.dtype != "F32" or len(spk.shape) != 1 or not 1 <= spk.shape[0] <= MAX_SPEAKER_DIM:
        raise ValueError("its speaker embedding is not a float32 vector of a sensible size")
    expected = {"ref_spk_embedding"} if xvec else {"ref_spk_embedding", "ref_code"}
    if set(header.tensors) != expected:
        raise ValueError(f"it holds the tensors {sorted(header.tensors)}, expected {sorted(expected)}")
    frames = None
    if not xvec:
        code = header.tensors["ref_code"]
        if code.dtype != "I64" or len(code.shape) != 2 or code.shape[1] != NUM_CODE_GROUPS:
            raise ValueError(f"its reference codes are not int64 (frames, {NUM_CODE_GROUPS})")
        if not 1 <= code.shape[0] <= MAX_REF_FRAMES:
            raise ValueError(f"its reference has {code.shape[0]} frames, outside 1..{MAX_REF_FRAMES}")
        if not (ref_text or "").strip():
            raise ValueError("it is an ICL prompt without its transcript")
        frames = code.shape[0]

    sig = meta.get("signature")
    signature = None
    if sig is not None:
        if not isinstance(sig, dict):
            raise ValueError("its model signature is malformed")
        try:
            signature = ModelSignature.from_dict(sig)
        except InputError:
            raise ValueError("its model signature is incomplete") from None
        if signature.speaker_dim != spk.shape[0]:
            raise ValueError("its speaker embedding does not match the model it names")
    return PromptFacts(
        x_vector_only_mode=xvec,
        ref_text=ref_text,
        signature=signature,
        speaker_dim=spk.shape[0],
        frames=frames,
    )


def check_prompt_values(data: bytes, header: SafetensorsHeader) -> None:
    """Check the tensor values of a prompt held in memory: finite embedding, codes in the codebook."""
    import numpy as np

    body = memoryview(data)[header.data_start :]
    spk = header.tensors["ref_spk_embedding"]
    emb = np.frombuffer(body[spk.start : spk.end], dtype="<f4")
    if not np.isfinite(emb).all():
        raise ValueError("its speaker embedding holds invalid numbers")
    code = header.tensors.get("ref_code")
    if code is not None:
        codes = np.frombuffer(body[code.start : code.end], dtype="<i8")
        if codes.size and (codes.min() < 0 or codes.max() >= CODEBOOK_SIZE):
            raise ValueError(f"its reference codes fall outside 0..{CODEBOOK_SIZE - 1}")
