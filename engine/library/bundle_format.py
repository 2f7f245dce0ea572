"""The ``.timbre`` bundle format: a zip holding ``manifest.json`` and one folder per voice.

::

    manifest.json                 {"format": "timbre.bundle", "schema_version": 1, "voices": [...]}
    voices/1/reference.flac       the reference audio (absent for prompt-only voices)
    voices/1/transcript.txt       what it says
    voices/1/prompt-*.safetensors one prompt per model signature
    voices/2/...

Each manifest voice carries its metadata and, for every file, its size and SHA-256; for every
prompt also its model signature and tensor dtypes and shapes, so import can check a prompt's
safetensors header against what the manifest promises before reading any tensor. This module
parses and checks a manifest (no zip, no audio); :mod:`.bundle_import` does the rest.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from ..errors import InputError
from ..prompt import ModelSignature
from .errors import BundleError, VoiceInputError
from .fields import (
    clean_language,
    clean_mode,
    clean_name,
    clean_notes,
    clean_tags,
    clean_transcript,
)
from .voice_files import from_iso

BUNDLE_FORMAT = "timbre.bundle"
SCHEMA_VERSION = 1
MANIFEST = "manifest.json"
BUNDLE_SUFFIX = ".timbre"
ENTRY_RE = re.compile(
    r"^voices/([1-9][0-9]{0,5})/(reference\.flac|transcript\.txt|prompt-[a-z0-9-]{1,60}\.safetensors)$"
)
_SHA256_RE = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True)
class BundleLimits:
    """What import accepts; anything beyond is refused before it is read (defaults are generous)."""

    max_bundle_bytes: int = 2 * 1024**3
    max_total_bytes: int = 1024**3  # all entries, uncompressed
    max_entries: int = 10_001
    max_voices: int = 1_000
    max_prompts_per_voice: int = 8
    max_manifest_bytes: int = 8 * 1024**2
    max_prompt_bytes: int = 16 * 1024**2  # a 10-minute ICL prompt is about 1 MB
    max_reference_bytes: int = 128 * 1024**2
    max_transcript_bytes: int = 64 * 1024
    max_reference_s: float = 900.0

    def entry_limit(self, name: str) -> int:
        if name == MANIFEST:
            return self.max_manifest_bytes
        if name.endswith(".flac"):
            return self.max_reference_bytes
        if name.endswith(".txt"):
            return self.max_transcript_bytes
        return self.max_prompt_bytes


@dataclass(frozen=True)
class FileRef:
    file: str
    size: int
    sha256: str


@dataclass(frozen=True)
class PromptRef(FileRef):
    signature: ModelSignature | None = None
    speaker_dim: int = 0
    tensors: tuple[tuple[str, str, tuple[int, ...]], ...] = ()  # (name, dtype, shape), sorted


@dataclass(frozen=True)
class ManifestVoice:
    index: int  # 1-based position in the bundle, for messages
    row: dict[str, Any]  # fields of an index row (id and times are set on import)
    reference: FileRef | None
    transcript_file: FileRef
    prompts: tuple[PromptRef, ...]


def human_size(n: float) -> str:
    """A byte count for people: "850 bytes", "12 KB", "3.4 MB", "1.2 GB"."""
    for unit, scale in (("GB", 1024**3), ("MB", 1024**2), ("KB", 1024)):
        if n >= scale:
            value = n / scale
            return f"{value:.1f} {unit}" if value < 10 else f"{value:.0f} {unit}"
    return f"{int(n)} bytes"


def bad(message: str, hint: str | None = None) -> BundleError:
    return BundleError(message, hint or "Ask for the bundle again, or export it again from Timbre.")


def _obj(value: Any, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise bad(f"The bundle's manifest is damaged: {what} is not an object.")
    return value


def _file_ref(value: Any, folder: str, what: str, cls: type = FileRef, **extra: Any) -> FileRef:
    ref = _obj(value, what)
    file, size, digest = ref.get("file"), ref.get("bytes"), ref.get("sha256")
    if not isinstance(file, str) or not file.startswith(folder + "/") or not ENTRY_RE.match(file):
        raise bad(f"The bundle's manifest names an invalid file for {what}.")
    if not isinstance(size, int) or isinstance(size, bool) or size < 0:
        raise bad(f"The bundle's manifest gives an invalid size for {file}.")
    if not isinstance(digest, str) or not _SHA256_RE.match(digest):
        raise bad(f"The bundle's manifest gives an invalid checksum for {file}.")
    return cls(file=file, size=size, sha256=digest, **extra)


def _prompt_ref(value: Any, folder: str, what: str) -> PromptRef:
    spec = _obj(value, what)
    sig = spec.get("signature")
    try:
        signature = None if sig is None else ModelSignature.from_dict(_obj(sig, f"the model of {what}"))
    except InputError:
        raise bad(f"The bundle's manifest gives an incomplete model for {what}.") from None
    dim = spec.get("speaker_dim")
    if not isinstance(dim, int) or isinstance(dim, bool) or dim <= 0:
        raise bad(f"The bundle's manifest gives no speaker size for {what}.")
    tensors = []
    for name, t in _obj(spec.get("tensors"), f"the tensors of {what}").items():
        t = _obj(t, f"tensor {name} of {what}")
        shape = t.get("shape")
        if (
            not isinstance(t.get("dtype"), str)
            or not isinstance(shape, list)
            or not all(isinstance(d, int) and not isinstance(d, bool) for d in shape)
        ):
            raise bad(f"The bundle's manifest describes tensor {name} of {what} badly.")
        tensors.append((name, t["dtype"], tuple(shape)))
    return _file_ref(
        spec, folder, what, PromptRef, signature=signature, speaker_dim=dim, tensors=tuple(sorted(tensors))
    )


def parse_manifest(data: bytes, limits: BundleLimits) -> list[ManifestVoice]:
    """Check a manifest and return its voices (raises :class:`BundleError`)."""
    try:
        doc = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise bad("The bundle's manifest is not valid JSON.") from None
    doc = _obj(doc, "the manifest")
    if doc.get("format") != BUNDLE_FORMAT:
        raise bad("This file is not a Timbre voice bundle.", "Choose a .timbre file exported by Timbre.")
    version = doc.get("schema_version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise bad("The bundle's manifest has no valid schema version.")
    if version > SCHEMA_VERSION:
        raise bad(
            f"This bundle was made by a newer Timbre (bundle schema {version}).",
            "Update Timbre to import it.",
        )
    voices = doc.get("voices")
    if not isinstance(voices, list) or not voices:
        raise bad("The bundle holds no voices.")
    if len(voices) > limits.max_voices:
        raise bad(
            f"The bundle holds {len(voices)} voices; at most {limits.max_voices} can be imported at once."
        )
    return [_manifest_voice(v, i + 1, limits) for i, v in enumerate(voices)]


def _manifest_voice(value: Any, index: int, limits: BundleLimits) -> ManifestVoice:
    v = _obj(value, f"voice {index}")
    folder = f"voices/{index}"
    if v.get("folder") != folder:
        raise bad(f"The bundle's manifest puts voice {index} in the wrong folder.")
    try:
        mode = clean_mode(v.get("mode"))
        duration = v.get("duration_s")
        if duration is not None and (
            isinstance(duration, bool) or not isinstance(duration, (int, float)) or not duration > 0
        ):
            raise bad(f"Voice {index} in the bundle has an invalid duration.")
        row = {
            "name": clean_name(v.get("name")),
            "tags": clean_tags(v.get("tags", [])),
            "language": clean_language(v.get("language")),
            "mode": mode,
            "notes": clean_notes(v.get("notes", "")),
            "transcript": clean_transcript(v.get("transcript", ""), mode),
            "favorite": v.get("favorite", False) is True,
            "created": from_iso(v.get("created")),
            "duration_s": None if duration is None else float(duration),
        }
    except VoiceInputError as e:
        raise bad(f"Voice {index} in the bundle: {e.message}") from None
    except (ValueError, TypeError, OverflowError):
        raise bad(f"Voice {index} in the bundle has an invalid creation time.") from None
    reference = v.get("reference")
    ref = None if reference is None else _file_ref(reference, folder, f"the reference of voice {index}")
    if (ref is None) != (row["duration_s"] is None):
        raise bad(f"Voice {index} in the bundle: its duration and its reference audio disagree.")
    transcript_file = _file_ref(v.get("transcript_file"), folder, f"the transcript of voice {index}")
    prompts = v.get("prompts")
    if not isinstance(prompts, list) or len(prompts) > limits.max_prompts_per_voice:
        raise bad(f"Voice {index} in the bundle lists its prompts badly.")
    refs = tuple(_prompt_ref(p, folder, f"prompt {j + 1} of voice {index}") for j, p in enumerate(prompts))
    if not refs and ref is None:
        raise bad(f"Voice {index} in the bundle has neither a prompt nor reference audio.")
    keys = [(p.signature, p.speaker_dim if p.signature is None else 0) for p in refs]
    if len(set(keys)) != len(keys):
        raise bad(f"Voice {index} in the bundle has two prompts for the same model.")
    return ManifestVoice(index=index, row=row, reference=ref, transcript_file=transcript_file, prompts=refs)


def manifest_entry(
    index: int,
    voice: Any,
    reference: FileRef | None,
    transcript: FileRef,
    prompts: list[tuple[FileRef, ModelSignature | None, int, dict[str, Any]]],
) -> dict[str, Any]:
    """The manifest record of one exported voice (``voice`` is a :class:`~engine.library.Voice`)."""

    def ref(r: FileRef) -> dict[str, Any]:
        return {"file": r.file, "bytes": r.size, "sha256": r.sha256}

    return {
        "folder": f"voices/{index}",
        "name": voice.name,
        "tags": list(voice.tags),
        "language": voice.language,
        "mode": voice.mode,
        "notes": voice.notes,
        "transcript": voice.transcript,
        "favorite": voice.favorite,
        "created": voice.created.isoformat(),
        "duration_s": voice.duration_s,
        "reference": None if reference is None else ref(reference),
        "transcript_file": ref(transcript),
        "prompts": [
            {
                **ref(r),
                "signature": None if sig is None else sig.to_dict(),
                "speaker_dim": dim,
                "tensors": tensors,
            }
            for r, sig, dim, tensors in prompts
        ],
    }
