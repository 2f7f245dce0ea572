"""``timbre-cli render --project``: a studio project's script as the lines to render.

The studio keeps each script's lines in the project store (:mod:`engine.projects`) with
stable ids, each with its own voice and language where the creator chose one. Rendering one
from the command line reads those lines (nothing from the editor's text is re-guessed), and
every take saved to the output folder is also added to the project under its line, so the
studio lists it with the takes it rendered itself.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

import numpy as np

from ..errors import InputError
from ..projects import ProjectStore, Script, StoredLine, TakeRecord, new_id, now_iso
from ..text import ScriptLine, parse_script_lines


@dataclass
class ProjectScript:
    """One stored script, ready to plan: its lines in order, with the line ids their takes join."""

    store: ProjectStore
    script: Script
    source: str  # "Night Tales / Chapter 2": how messages name the script
    lines: list[ScriptLine]
    line_ids: list[str]  # line_ids[i] is the stored line of lines[i]

    def add_take(self, index: int, audio: np.ndarray, sample_rate: int, fields: dict) -> None:
        """Store a saved take of ``lines[index]`` in the project, as the studio does."""
        record = TakeRecord(
            id=new_id(), line_id=self.line_ids[index], created_at=now_iso(), sample_rate=sample_rate, **fields
        )
        self.store.add_take(record, audio)


def open_project_script(store: ProjectStore, project_name: str, script_name: str) -> ProjectScript:
    """The script ``script_name`` of the project ``project_name`` (names in any case).

    Raises :class:`InputError` naming the projects or scripts there are (with a guess for a
    misspelt name), or listing every line the studio would also refuse to render.
    """
    script = store.find_script(project_name, script_name)
    if script is None:
        raise _not_found(store, project_name, script_name)
    project = store.project(script.project_id)
    source = f"{project.name} / {script.name}" if project else script.name
    stored = store.lines(script.id)
    parsed = parse_script_lines("\n".join(_as_text_line(ln) for ln in stored), "text", source)
    parsed.raise_errors()
    lines, ids = [], []
    for result in parsed.results:
        line = stored[result.number - 1]
        lines.append(ScriptLine(result.line.text, result.number, voice=line.voice_id, language=line.language))
        ids.append(line.id)
    if not lines:
        raise InputError(f"{source} has no line to render.", "Write its lines in the studio first.")
    return ProjectScript(store, script, source, lines, ids)


def _as_text_line(line: StoredLine) -> str:
    # One stored line is one line of the plain-text format; a spoken '#' must not read as a comment.
    # The text stays as stored (inner spaces too): a take whose text differs would show as stale.
    text = line.text.replace("\n", " ")
    return "\\" + text if text.startswith("#") else text


def _not_found(store: ProjectStore, project_name: str, script_name: str) -> InputError:
    projects = store.projects()
    project = next((p for p in projects if p.name.casefold() == project_name.strip().casefold()), None)
    if project is None:
        return InputError(
            f"There is no project called {project_name!r}{_guess(project_name, [p.name for p in projects])}.",
            _listing("Projects", [p.name for p in projects]) or "Create one in the studio first.",
        )
    names = [s.name for s in store.scripts(project.id)]
    return InputError(
        f"{project.name} has no script called {script_name!r}{_guess(script_name, names)}.",
        _listing("Its scripts", names) or "It has no scripts yet: write one in the studio.",
    )


def _guess(name: str, known: list[str]) -> str:
    match = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    return f" (did you mean {match[0]!r}?)" if match else ""


def _listing(what: str, names: list[str]) -> str:
    return f"{what}: {', '.join(repr(n) for n in names)}." if names else ""
