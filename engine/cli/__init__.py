"""``timbre-cli``: the voice library, ``say`` and script ``render`` on the command line.

``main(argv)`` runs one command and returns its exit code (see :mod:`engine.cli.exit_codes`).
Importing this package is cheap: commands import the engine parts they need when they run,
and commands that need no model never import torch.

Modules: ``main`` (dispatch, errors -> exit codes), ``parser`` / ``voices_parser`` (argparse),
``console`` (stdout/stderr/JSON), ``session`` (library and model, opened on first use),
``voices``, ``say``, ``render`` (the commands), ``render_jobs`` (lines -> files and keys),
``render_state`` / ``render_summary`` (each line's outcome; timeline and summary),
``manifest`` (what a render folder holds), ``audio_files`` (atomic writes), ``progress`` (tqdm
bars), ``playback`` (streaming to the sound device), ``crash`` (internal errors to a log).
"""

from __future__ import annotations

from .main import main

__all__ = ["main"]
