"""From the studio's one script to projects: the old script and its takes become a first project.

Before projects, the studio kept one script in ``settings.json`` and its takes in
``takes/index.json`` + ``takes/audio/<id>.flac``. :func:`first_script` moves both into the
projects store once: the script's lines get ids (keeping their voices and languages), each take
joins the line it was rendered from (same place and text, else same text, else a removed line
with its text), its audio stays where it is, and the old index is renamed ``index.json.migrated``
so nothing is lost and nothing is migrated twice. Qt-free.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

from engine.projects import ProjectStore, Script, TakeRecord, new_id

from .script_lines import parse_lines
from .settings import ScriptState

log = logging.getLogger(__name__)

LEGACY_INDEX = Path("takes") / "index.json"
FIRST_PROJECT = "My project"


def first_script(store: ProjectStore, data: Path, legacy: ScriptState) -> Script:
    """The script to open when the store has none yet: the migrated old script, or a new one."""
    project = store.create_project(FIRST_PROJECT, "other")
    script = store.scripts(project.id)[0]
    parsed = parse_lines(legacy.text)
    lines = [
        (new_id(), p.text, *_choice(legacy, row)) for row, p in enumerate(parsed)
    ]  # (id, text, voice, language)
    store.save_script(script.id, legacy.text, lines, legacy.default_voice_id, legacy.default_language)
    index = data / LEGACY_INDEX
    if index.is_file():
        _adopt_takes(store, script.id, lines, index)
    return store.script(script.id)  # type: ignore[return-value]


def _choice(legacy: ScriptState, row: int) -> tuple[str | None, str | None]:
    if row < len(legacy.lines):
        return legacy.lines[row].voice_id, legacy.lines[row].language
    return None, None


def _adopt_takes(store: ProjectStore, script_id: str, lines: list[tuple], index: Path) -> None:
    try:
        entries = json.loads(index.read_text(encoding="utf-8")).get("takes", [])
    except (OSError, ValueError, AttributeError) as e:
        log.warning("The old takes index %s is unreadable (%s); it is left as it is", index, e)
        return
    removed: dict[str, str] = {}  # text -> id of a removed line holding takes of it
    adopted = 0
    for entry in entries if isinstance(entries, list) else []:
        try:
            line_id = _line_for(entry, lines, removed, store, script_id)
            record = TakeRecord(
                id=str(entry["id"]),
                line_id=line_id,
                text=str(entry["text"]),
                voice_id=str(entry.get("voice_id", "")),
                voice_name=str(entry.get("voice_name", "")),
                language=str(entry.get("language", "auto")),
                seed=int(entry.get("seed", 0)),
                settings=dict(entry.get("settings") or {}),
                created_at=str(entry.get("created_at", "")),
                duration_s=float(entry.get("duration_s", 0.0)),
                sample_rate=int(entry.get("sample_rate", 24000)),
                finish_reason=str(entry.get("finish_reason", "eos")),
                favorite=bool(entry.get("favorite", False)),
            )
            store.add_take(record, None)  # its FLAC is already in takes/audio
            adopted += 1
        except Exception as e:  # noqa: BLE001 - one bad entry (or a lost file) must not stop the rest
            log.warning("An old take could not be moved into the project (%s): %r", e, entry)
    os.replace(index, index.with_name(index.name + ".migrated"))
    log.info("Moved %d take(s) of the old script into the project %r", adopted, FIRST_PROJECT)


def _line_for(entry: dict, lines: list[tuple], removed: dict[str, str], store, script_id: str) -> str:
    text, row = str(entry["text"]), int(entry.get("line_number", 0)) - 1
    if 0 <= row < len(lines) and lines[row][1] == text:
        return lines[row][0]
    same = next((ln for ln in lines if ln[1] == text), None)
    if same is not None:
        return same[0]
    if text not in removed:
        removed[text] = store.add_removed_line(script_id, text)
    return removed[text]
