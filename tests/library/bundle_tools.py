"""Taking ``.timbre`` bundles apart and putting them back together, for tests that damage them."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from pathlib import Path


def read_entries(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


def write_zip(path: Path, entries: dict[str, bytes] | list[tuple[str, bytes]]) -> Path:
    items = entries.items() if isinstance(entries, dict) else entries
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in items:
            zf.writestr(name, data)
    return path


def manifest(entries: dict[str, bytes]) -> dict:
    return json.loads(entries["manifest.json"])


def with_manifest(entries: dict[str, bytes], doc: dict, *, rehash: bool = True) -> dict[str, bytes]:
    """``entries`` with ``doc`` as manifest; ``rehash`` makes every listed size and checksum true again,
    so a test reaches the check it means to test instead of stopping at the checksum."""
    out = dict(entries)
    if rehash:
        for voice in doc.get("voices", []):
            for ref in [voice.get("reference"), voice.get("transcript_file"), *voice.get("prompts", [])]:
                if isinstance(ref, dict) and ref.get("file") in out:
                    data = out[ref["file"]]
                    ref["bytes"], ref["sha256"] = len(data), hashlib.sha256(data).hexdigest()
    out["manifest.json"] = json.dumps(doc).encode()
    return out


def replace_file(entries: dict[str, bytes], name: str, data: bytes) -> dict[str, bytes]:
    """Swap one file's content and fix the manifest's size and checksum for it."""
    out = dict(entries)
    out[name] = data
    return with_manifest(out, manifest(out))


def prompt_entry(entries: dict[str, bytes]) -> str:
    return next(n for n in entries if n.endswith(".safetensors"))


def zip_bytes(entries: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
    return buf.getvalue()
