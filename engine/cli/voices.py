"""``timbre-cli voices ...``: the voice library from the command line.

Only ``add`` loads the model (extraction needs it) and only ``import`` of official ``.pt`` files
imports torch (to read them safely); everything else is the library's plain-Python side.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from ..audio import check_reference, load_audio
from ..audio_quality import Severity, analyze, transcript_advice
from ..errors import AudioInputError, InputError
from ..library import NameTakenError, Voice, VoiceLibrary, VoiceNotFoundError
from ..library.fields import (
    clean_language,
    clean_mode,
    clean_name,
    clean_notes,
    clean_tags,
    clean_transcript,
    fold,
)
from . import exit_codes
from .console import table
from .session import Session


def voice_json(v: Voice) -> dict[str, Any]:
    """A voice as plain JSON (times in ISO 8601, UTC)."""

    def when(t):
        return t.isoformat() if t is not None else None

    return {
        "id": v.id,
        "name": v.name,
        "tags": list(v.tags),
        "language": v.language,
        "mode": v.mode,
        "transcript": v.transcript,
        "notes": v.notes,
        "favorite": v.favorite,
        "duration_s": v.duration_s,
        "has_reference": v.has_reference,
        "models": sorted({p.describe() for p in v.prompts}),
        "created": when(v.created),
        "updated": when(v.updated),
        "last_used": when(v.last_used),
        "trashed_at": when(v.trashed_at),
    }


def _mode(v: Voice) -> str:
    return "x-vector" if v.x_vector_only else "icl"


def _seconds(v: Voice) -> str:
    return f"{v.duration_s:.1f}s" if v.duration_s is not None else "-"


def describe(v: Voice) -> str:
    """Everything about a voice, one field a line."""
    rows = [
        ("name", v.name),
        ("id", v.id),
        ("mode", _mode(v) + (" (reference audio + transcript)" if not v.x_vector_only else " (audio only)")),
        ("language", v.language),
        ("tags", ", ".join(v.tags) or "-"),
        ("reference", _seconds(v) if v.has_reference else "none (works only with the model it came from)"),
        ("transcript", v.transcript or "-"),
        ("models", v.made_with()),
        ("notes", v.notes or "-"),
        ("created", v.created.astimezone().strftime("%Y-%m-%d %H:%M")),
        ("last used", v.last_used.astimezone().strftime("%Y-%m-%d %H:%M") if v.last_used else "never"),
    ]
    if v.trashed_at is not None:
        rows.append(("in trash since", v.trashed_at.astimezone().strftime("%Y-%m-%d %H:%M")))
    width = max(len(k) for k, _ in rows)
    return "\n".join(f"{k.ljust(width)}  {val}" for k, val in rows)


def in_trash(library: VoiceLibrary, ref: str) -> Voice:
    """A voice in the trash by exact name (any case), id or id prefix (4+ characters)."""
    ref = ref.strip()
    trashed = library.trash()
    hits = [v for v in trashed if fold(v.name) == fold(ref)]
    if not hits and len(ref) >= 4:
        hits = [v for v in trashed if v.id.startswith(ref.lower())]
    if len(hits) == 1:
        return hits[0]
    if hits:
        ids = ", ".join(v.id for v in hits)
        raise VoiceNotFoundError(
            f"{len(hits)} voices in the trash match {ref!r}: {ids}.", "Give the id instead."
        )
    raise VoiceNotFoundError(
        f"No voice in the trash is called or has the id {ref!r}.", "See them with 'voices list --trash'."
    )


def run_voices(args: argparse.Namespace, session: Session) -> int:
    handler = {
        "list": _list,
        "show": _show,
        "add": _add,
        "rename": _rename,
        "tag": _tag,
        "rm": _rm,
        "restore": _restore,
        "empty-trash": _empty_trash,
        "export": _export,
        "import": _import,
    }[args.voices_command]
    return handler(args, session)


def _list(args, session: Session) -> int:
    lib = session.library
    voices = lib.list(query=args.search, sort=args.sort, tag=args.tag, trashed=args.trash)
    rows = [(v.name, v.id[:8], _mode(v), v.language, _seconds(v), ", ".join(v.tags)) for v in voices]
    where = "in the trash" if args.trash else "in the library"
    text = table(rows, ("NAME", "ID", "MODE", "LANGUAGE", "REF", "TAGS")) if voices else f"No voices {where}."
    session.console.result({"voices": [voice_json(v) for v in voices]}, text)
    return exit_codes.OK


def _show(args, session: Session) -> int:
    lib = session.library
    try:
        v = lib.find(args.voice)
    except VoiceNotFoundError:
        v = in_trash(lib, args.voice) if lib.trash() else None
        if v is None:
            raise
    session.console.result(voice_json(v), describe(v))
    return exit_codes.OK


def _add(args, session: Session) -> int:
    lib = session.library
    audio_path = Path(args.audio)
    if not audio_path.is_file():
        what = "is a folder, not an audio file" if audio_path.is_dir() else "does not exist"
        raise InputError(f"The audio file {audio_path} {what}.", "Check the path.")
    name, transcript = _checked_fields(args, lib, audio_path.stem)
    audio, rate = load_audio(audio_path)
    check_reference(audio, rate, name=audio_path.name)
    _judge_reference(session, audio_path.name, audio, rate, transcript, args.force)
    voice = lib.add(
        (audio, rate),  # the samples just judged: the file is not read twice
        transcript,
        model=session.model,
        name=name,
        mode="x_vector" if args.x_vector else "icl",
        tags=args.tags,
        language=args.voice_language,
        notes=args.notes,
    )
    session.console.result({"voice": voice_json(voice)}, f"Added {voice.name} ({voice.id}).")
    return exit_codes.OK


def _checked_fields(args, lib: VoiceLibrary, default_name: str) -> tuple[str, str | None]:
    """-> (name, transcript or None), every field checked as the library will check it, so a
    mistake is found before the model loads (4-5 s each)."""
    name = clean_name(args.name or default_name)
    clean_tags(args.tags)
    clean_language(args.voice_language)
    clean_notes(args.notes)
    mode = clean_mode("x_vector" if args.x_vector else "icl")
    transcript = clean_transcript(None if args.x_vector else _transcript(args), mode)
    taken = [v.name for v in lib.list() if fold(v.name) == fold(name)]
    if taken:  # the library checks again when it adds
        raise NameTakenError(
            f"There is already a voice called '{taken[0]}'.", "Choose another name with --name."
        )
    return name, transcript or None


def _transcript(args) -> str | None:
    if not args.text_file:
        return args.text
    try:
        return Path(args.text_file).read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError(f"The transcript file {args.text_file} does not exist.", "Check the path.") from None
    except UnicodeDecodeError:
        raise InputError(
            f"The transcript file {args.text_file} is not UTF-8 text.", "Save it as UTF-8 and try again."
        ) from None
    except OSError as e:
        raise InputError(
            f"The transcript file {args.text_file} could not be read ({e.strerror or e})."
        ) from None


def _judge_reference(
    session: Session, name: str, audio, rate: int, transcript: str | None, force: bool
) -> None:
    """Refuse a silent reference (unless --force); warn about everything else worth fixing."""
    report = analyze(audio, rate)
    if report.silent and not force:
        raise AudioInputError(
            f"{name} is almost silent (its loudest moment is at {report.peak_dbfs:.0f} dBFS): "
            "there is no voice in it to copy.",
            "Check that it is the right file and that the recording level was up; "
            "add --force to keep it anyway.",
        )
    advice = list(report.advice)
    if transcript is not None:
        advice.append(transcript_advice(transcript, report.duration_s))
    for a in advice:
        if a.severity is not Severity.GOOD:
            session.console.warn(f"{name}: {a.text}")


def _rename(args, session: Session) -> int:
    lib = session.library
    old = lib.find(args.voice)
    voice = lib.rename(old, args.new_name)
    session.console.result({"voice": voice_json(voice)}, f"Renamed {old.name} to {voice.name}.")
    return exit_codes.OK


def _tag(args, session: Session) -> int:
    lib = session.library
    voice = lib.find(args.voice)
    if args.set is not None:
        voice = lib.update(voice, tags=args.set)
    if args.add or args.remove:
        voice = lib.tag(voice, add=args.add, remove=args.remove)
    tags = ", ".join(voice.tags) or "none"
    session.console.result({"voice": voice_json(voice)}, f"{voice.name}: tags {tags}.")
    return exit_codes.OK


def _rm(args, session: Session) -> int:
    lib = session.library
    chosen = [lib.find(ref) for ref in args.voices]  # all found before any is moved
    moved = [lib.delete(v) for v in chosen]
    names = ", ".join(v.name for v in moved)
    session.console.result(
        {"trashed": [voice_json(v) for v in moved]},
        f"Moved to the trash: {names}.\nUndo with: timbre-cli voices restore {_quoted(moved)}",
    )
    return exit_codes.OK


def _restore(args, session: Session) -> int:
    lib = session.library
    chosen = [in_trash(lib, ref) for ref in args.voices]
    restored = [lib.restore(v) for v in chosen]
    names = ", ".join(v.name for v in restored)
    session.console.result({"restored": [voice_json(v) for v in restored]}, f"Restored: {names}.")
    return exit_codes.OK


def _empty_trash(args, session: Session) -> int:
    lib = session.library
    chosen = [in_trash(lib, ref) for ref in args.voices] if args.voices else lib.trash()
    if not chosen:
        session.console.result({"deleted": 0}, "The trash is empty.")
        return exit_codes.OK
    if not args.yes:
        raise InputError(
            f"This deletes {len(chosen)} voice(s) for good: {', '.join(v.name for v in chosen)}.",
            "Add --yes to do it.",
        )
    count = lib.empty_trash(chosen)
    session.console.result({"deleted": count}, f"Deleted {count} voice(s) for good.")
    return exit_codes.OK


def _export(args, session: Session) -> int:
    lib = session.library
    if args.all == bool(args.voices):
        raise InputError("Name the voices to export, or give --all (not both).")
    chosen = lib.list() if args.all else [lib.find(ref) for ref in args.voices]
    path = lib.export(chosen, args.output)
    names = ", ".join(v.name for v in chosen)
    session.console.result(
        {"bundle": str(path), "voices": [voice_json(v) for v in chosen]},
        f"Exported {len(chosen)} voice(s) to {path}: {names}.",
    )
    return exit_codes.OK


def _import(args, session: Session) -> int:
    lib = session.library
    for f in args.files:  # every file checked for existence before any is imported
        if not Path(f).is_file():
            raise InputError(f"{f} does not exist.", "Check the path.")
    added: list[Voice] = []
    for f in args.files:
        added += lib.import_file(f)
    names = ", ".join(v.name for v in added)
    session.console.result(
        {"voices": [voice_json(v) for v in added]}, f"Imported {len(added)} voice(s): {names}."
    )
    return exit_codes.OK


def _quoted(voices: list[Voice]) -> str:
    import shlex

    return " ".join(shlex.quote(v.name) for v in voices)
