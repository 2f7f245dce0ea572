"""``timbre-cli projects``: the studio's projects and their scripts, to render by name."""

from __future__ import annotations

import argparse

from . import exit_codes
from .console import table
from .session import Session


def run_projects(args: argparse.Namespace, session: Session) -> int:
    """List every project with its scripts in order (how many lines, how many takes)."""
    from ..paths import data_dir
    from ..projects import ProjectStore

    store = ProjectStore(data_dir())
    try:
        data, rows = [], []
        for project in store.projects():
            scripts = []
            for script in store.scripts(project.id):
                lines, takes = len(store.lines(script.id)), len(store.takes(script.id))
                scripts.append({"name": script.name, "lines": lines, "takes": takes})
                rows.append((project.name, script.name, str(lines), str(takes)))
            if not scripts:
                rows.append((project.name, "(no scripts)", "", ""))
            data.append({"name": project.name, "kind": project.kind, "scripts": scripts})
    finally:
        store.close()
    text = (
        table(rows, ("PROJECT", "SCRIPT", "LINES", "TAKES"))
        if rows
        else "No projects yet: make one in the studio's project panel."
    )
    session.console.result({"projects": data}, text)
    return exit_codes.OK
