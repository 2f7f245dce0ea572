"""Helpers shared by the library tests: snapshots of a library, and checks that a voice is whole."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path


def snapshot(root: Path) -> tuple:
    """Everything a user could notice about a library: its index rows and every file's content."""
    conn = sqlite3.connect(root / "library.sqlite")
    try:
        voices = conn.execute("SELECT * FROM voices ORDER BY id").fetchall()
        prompts = conn.execute("SELECT * FROM prompts ORDER BY voice_id, file").fetchall()
    finally:
        conn.close()
    files = {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file() and not p.name.startswith("library.sqlite")
    }
    return voices, prompts, files


def whole_voice_problems(lib, voice) -> list[str]:
    """Why ``voice`` is not whole on disk (empty when every file is there and readable)."""
    from engine import VoiceClonePromptItem
    from engine.library.voice_files import parse_meta, read_reference

    folder = lib.root / "voices" / voice.id
    problems = []
    try:
        meta = parse_meta((folder / "meta.json").read_bytes())
        if meta["id"] != voice.id or meta["mode"] != voice.mode:
            problems.append("meta.json disagrees with the index")
    except (OSError, ValueError) as e:
        problems.append(f"meta.json: {e}")
    if not (folder / "transcript.txt").is_file():
        problems.append("no transcript.txt")
    if voice.has_reference:
        try:
            read_reference(folder / "reference.flac")
        except (OSError, ValueError) as e:
            problems.append(f"reference: {e}")
    if not voice.prompts and not voice.has_reference:
        problems.append("neither prompt nor reference")
    for p in voice.prompts:
        try:
            item = VoiceClonePromptItem.load(folder / p.file)
            if item.signature != p.signature:
                problems.append(f"{p.file} names another model")
        except Exception as e:  # noqa: BLE001 - collecting every problem for the assertion message
            problems.append(f"{p.file}: {e}")
    return problems
