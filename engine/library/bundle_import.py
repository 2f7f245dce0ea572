"""Reading a ``.timbre`` bundle: validate everything, then stage its voices.

:func:`read_bundle` looks at every entry before the library is touched: the zip's size and
entry count, each entry's name (no ``..``, no absolute paths, no links, only the names the
format allows), declared and real sizes, checksums, the manifest, each prompt's safetensors
header against what the manifest promises (and the tensor values, read as plain numbers), and
that each reference decodes as audio of a sensible length. Only then does
:meth:`ValidatedBundle.extract` copy the entries into a scratch folder, checking each checksum
again in case the file changed in between. Nothing is ever unpickled.
"""

from __future__ import annotations

import hashlib
import struct
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

from ..audio import MIN_REFERENCE_S
from .bundle_format import (
    MANIFEST,
    BundleLimits,
    FileRef,
    ManifestVoice,
    PromptRef,
    bad,
    human_size,
    parse_manifest,
)
from .errors import BundleError
from .layout import REFERENCE_FILE, WorkArea, prompt_file_name, write_file
from .safetensors_header import check_prompt_values, parse_header, prompt_facts
from .voice import MODE_XVECTOR, StoredPrompt
from .voice_files import decode_reference
from .writing import StagedVoice, new_row, stage_folder

# Everything zipfile (and zlib under it) raises on a damaged archive.
_ZIP_ERRORS = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    zlib.error,
    EOFError,
    OSError,
    ValueError,
    NotImplementedError,
    RuntimeError,
    struct.error,
    KeyError,
    IndexError,
    OverflowError,
)


@dataclass(frozen=True)
class ValidatedBundle:
    path: Path
    voices: list[ManifestVoice]
    limits: BundleLimits

    def extract(self, area: WorkArea) -> list[StagedVoice]:
        """Stage every voice in ``area`` (checksums verified again while copying).

        Errors reading the bundle become :class:`BundleError`; errors writing the scratch
        folder stay ``OSError`` (a disk problem, not a bad bundle).
        """
        staged = []
        with _opened(self.path) as zf:
            for v in self.voices:
                flac = _read_again(zf, v.reference, self.limits) if v.reference else None
                row = new_row(
                    **{
                        k: v.row[k]
                        for k in (
                            "name",
                            "mode",
                            "transcript",
                            "tags",
                            "language",
                            "notes",
                            "favorite",
                            "duration_s",
                            "created",
                        )
                    }
                )
                s = stage_folder(area, row, flac)
                for p in v.prompts:
                    name = prompt_file_name(p.signature, p.speaker_dim)
                    write_file(s.folder / name, _read_again(zf, p, self.limits))
                    s.prompts.append(
                        StoredPrompt(signature=p.signature, speaker_dim=p.speaker_dim, file=name)
                    )
                staged.append(s)
        return staged


def _opened(path: Path) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(path)
    except _ZIP_ERRORS as e:
        raise bad(f"The bundle changed or became unreadable while importing ({e}).") from None


def _read_again(zf: zipfile.ZipFile, ref: FileRef, limits: BundleLimits) -> bytes:
    try:
        return _read(zf, ref, limits)
    except BundleError:
        raise bad("The bundle changed while it was being imported.", "Import it again.") from None
    except _ZIP_ERRORS as e:
        raise bad(f"The bundle changed or became unreadable while importing ({e}).") from None


def read_bundle(path: Path, limits: BundleLimits | None = None) -> ValidatedBundle:
    """Validate the bundle at ``path`` completely; raises :class:`BundleError` if anything is wrong."""
    limits = limits or BundleLimits()
    name = path.name
    try:
        size = path.stat().st_size
    except OSError:
        raise BundleError(f"The bundle {path} cannot be read.", "Check the file name and location.") from None
    if not path.is_file():
        raise BundleError(f"{name} is not a file.")
    if size > limits.max_bundle_bytes:
        raise bad(
            f"{name} is {human_size(size)}; bundles up to {human_size(limits.max_bundle_bytes)} are accepted."
        )
    try:
        with zipfile.ZipFile(path) as zf:
            _check_entries(zf, limits)
            voices = parse_manifest(_read_entry(zf, MANIFEST, limits), limits)
            _check_listing(zf, voices)
            for v in voices:
                _check_voice(zf, v, limits)
    except BundleError:
        raise
    except _ZIP_ERRORS as e:
        raise bad(
            f"{name} is not a readable Timbre bundle: the file is damaged or is not a zip ({e})."
        ) from None
    return ValidatedBundle(path=path, voices=voices, limits=limits)


def _check_entries(zf: zipfile.ZipFile, limits: BundleLimits) -> None:
    infos = zf.infolist()
    if len(infos) > limits.max_entries:
        raise bad(f"The bundle has {len(infos)} files; at most {limits.max_entries} are accepted.")
    seen: set[str] = set()
    total = 0
    for info in infos:
        n = info.filename
        if n.startswith(("/", "\\")) or "\\" in n or ".." in n.split("/") or ":" in n or "\x00" in n:
            raise bad(
                f"The bundle contains an unsafe path ({n!r}).",
                "Do not import this file; it may be malicious.",
            )
        if n in seen:
            raise bad(f"The bundle contains {n!r} twice.")
        seen.add(n)
        if info.flag_bits & 0x1:
            raise bad("The bundle is encrypted.", "Export it again without a password.")
        if (info.external_attr >> 16) & 0o170000 == 0o120000:
            raise bad(f"The bundle contains a link ({n!r}).", "Do not import this file; it may be malicious.")
        if n != MANIFEST and not _entry_name_ok(n):
            raise bad(f"The bundle contains an unexpected file ({n!r}).")
        if info.file_size > limits.entry_limit(n):
            raise bad(
                f"{n} in the bundle is {human_size(info.file_size)}; at most {human_size(limits.entry_limit(n))} are accepted."
            )
        total += info.file_size
    if total > limits.max_total_bytes:
        raise bad(
            f"The bundle unpacks to {human_size(total)}; at most {human_size(limits.max_total_bytes)} are accepted."
        )
    if MANIFEST not in seen:
        raise bad(
            "This file is not a Timbre voice bundle (it has no manifest.json).",
            "Choose a .timbre file exported by Timbre.",
        )


def _entry_name_ok(name: str) -> bool:
    from .bundle_format import ENTRY_RE

    return bool(ENTRY_RE.match(name))


def _read_entry(zf: zipfile.ZipFile, name: str, limits: BundleLimits) -> bytes:
    """An entry's bytes, never more than its limit even if its declared size lies."""
    limit = limits.entry_limit(name)
    with zf.open(name) as f:
        data = f.read(limit + 1)
    if len(data) > limit:
        raise bad(f"{name} in the bundle is larger than the {human_size(limit)} accepted.")
    return data


def _read(zf: zipfile.ZipFile, ref: FileRef, limits: BundleLimits) -> bytes:
    data = _read_entry(zf, ref.file, limits)
    if len(data) != ref.size or hashlib.sha256(data).hexdigest() != ref.sha256:
        raise bad(f"{ref.file} in the bundle does not match its checksum: the bundle is damaged.")
    return data


def _check_listing(zf: zipfile.ZipFile, voices: list[ManifestVoice]) -> None:
    listed = {MANIFEST}
    for v in voices:
        refs = [v.transcript_file, *v.prompts] + ([v.reference] if v.reference else [])
        for r in refs:
            if r.file in listed:
                raise bad(f"The bundle's manifest lists {r.file} twice.")
            listed.add(r.file)
        if v.reference and not v.reference.file.endswith("/" + REFERENCE_FILE):
            raise bad(f"Voice {v.index} in the bundle names a reference that is not FLAC.")
        if not v.transcript_file.file.endswith("/transcript.txt"):
            raise bad(f"Voice {v.index} in the bundle names a transcript that is not text.")
        if any(not p.file.endswith(".safetensors") for p in v.prompts):
            raise bad(f"Voice {v.index} in the bundle names a prompt that is not a safetensors file.")
    present = set(zf.namelist())
    if present - listed:
        raise bad(f"The bundle holds files its manifest does not list ({sorted(present - listed)[0]}).")
    if listed - present:
        raise bad(f"The bundle lacks {sorted(listed - present)[0]}, which its manifest lists.")


def _check_voice(zf: zipfile.ZipFile, v: ManifestVoice, limits: BundleLimits) -> None:
    row = v.row
    text = _read(zf, v.transcript_file, limits)
    try:
        transcript = text.decode("utf-8")
    except UnicodeDecodeError:
        raise bad(f"The transcript of voice {v.index} in the bundle is not UTF-8 text.") from None
    if " ".join(transcript.split()) != row["transcript"]:
        raise bad(f"The transcript file of voice {v.index} disagrees with the bundle's manifest.")
    for p in v.prompts:
        _check_prompt(_read(zf, p, limits), p, v)
    if v.reference:
        try:
            audio, sr = decode_reference(_read(zf, v.reference, limits))
        except ValueError as e:
            raise bad(f"The reference audio of voice {v.index} in the bundle cannot be used: {e}.") from None
        duration = audio.size / sr
        if not MIN_REFERENCE_S <= duration <= limits.max_reference_s:
            raise bad(
                f"The reference audio of voice {v.index} is {duration:.1f} s long, outside "
                f"{MIN_REFERENCE_S}..{limits.max_reference_s:.0f} s."
            )
        if abs(duration - row["duration_s"]) > 0.01:
            raise bad(f"The reference audio of voice {v.index} is not as long as the manifest says.")


def _check_prompt(data: bytes, ref: PromptRef, v: ManifestVoice) -> None:
    where = f"{ref.file} in the bundle"
    try:
        header = parse_header(data, len(data))
        facts = prompt_facts(header)
        check_prompt_values(data, header)
    except ValueError as e:
        raise bad(f"{where} is not a usable voice prompt: {e}.") from None
    described = tuple(sorted((n, t.dtype, t.shape) for n, t in header.tensors.items()))
    if described != ref.tensors:
        raise bad(
            f"{where} does not hold the tensors its manifest describes (names, dtypes or shapes differ)."
        )
    if facts.signature != ref.signature or facts.speaker_dim != ref.speaker_dim:
        raise bad(f"{where} was made by another model than its manifest says.")
    if facts.x_vector_only_mode != (v.row["mode"] == MODE_XVECTOR):
        raise bad(f"{where} is in another voice mode than its manifest says.")
    if not facts.x_vector_only_mode and " ".join((facts.ref_text or "").split()) != v.row["transcript"]:
        raise bad(f"{where} was extracted with another transcript than its manifest says.")
