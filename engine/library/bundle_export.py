"""Writing voices to a ``.timbre`` bundle (format in :mod:`.bundle_format`).

The zip is written to a temp file beside the destination, flushed, then renamed over it: a
crash or a full disk never leaves a half bundle under the chosen name.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import zipfile
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from .bundle_format import BUNDLE_FORMAT, MANIFEST, SCHEMA_VERSION, FileRef, manifest_entry
from .layout import REFERENCE_FILE, fsync_dir
from .safetensors_header import parse_header
from .voice import Voice
from .voice_files import transcript_document


def _add(zf: zipfile.ZipFile, name: str, data: bytes, compress: bool) -> FileRef:
    info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))  # fixed: same voices, same bytes
    info.compress_type = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
    info.external_attr = 0o644 << 16
    zf.writestr(info, data)
    return FileRef(file=name, size=len(data), sha256=hashlib.sha256(data).hexdigest())


def write_bundle(path: Path, voices: list[tuple[Voice, Path]]) -> Path:
    """Write ``(voice, its folder)`` pairs into one bundle at ``path``; returns ``path``."""
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    try:
        with zipfile.ZipFile(tmp, "w") as zf:
            entries = [_add_voice(zf, i, voice, folder) for i, (voice, folder) in enumerate(voices, start=1)]
            manifest = {
                "format": BUNDLE_FORMAT,
                "schema_version": SCHEMA_VERSION,
                "generator": "Timbre",
                "created": datetime.now(timezone.utc).isoformat(),
                "voices": entries,
            }
            _add(zf, MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=2).encode("utf-8"), True)
        with open(tmp, "rb") as f:
            os.fsync(f.fileno())
        os.replace(tmp, path)
        fsync_dir(path.parent)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def _add_voice(zf: zipfile.ZipFile, index: int, voice: Voice, folder: Path) -> dict[str, Any]:
    base = f"voices/{index}"
    reference = None
    if voice.has_reference:
        # FLAC is compressed already; storing it as is keeps export fast.
        reference = _add(zf, f"{base}/{REFERENCE_FILE}", (folder / REFERENCE_FILE).read_bytes(), False)
    transcript = _add(zf, f"{base}/transcript.txt", transcript_document(voice.transcript), True)
    prompts = []
    for p in voice.prompts:
        data = (folder / p.file).read_bytes()
        header = parse_header(data, len(data))
        tensors = {n: {"dtype": t.dtype, "shape": list(t.shape)} for n, t in sorted(header.tensors.items())}
        ref = _add(zf, f"{base}/{p.file}", data, True)  # small codes in int64 deflate well
        prompts.append((ref, p.signature, p.speaker_dim, tensors))
    return manifest_entry(index, voice, reference, transcript, prompts)
