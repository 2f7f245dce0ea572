"""Packaged resources of the studio: SVG icons, qss themes and read-aloud sentences.

Plain files next to this module, so they ship inside the wheel (see pyproject's package-data).
"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent


def resource_path(*parts: str) -> Path:
    """Absolute path of a packaged resource, e.g. ``resource_path("icons", "play.svg")``."""
    return ROOT.joinpath(*parts)
