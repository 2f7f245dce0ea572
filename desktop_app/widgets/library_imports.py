"""Imports in the library panel: bundles and official voice files, dropped or chosen, many at once.

Each file is imported on its own (a bad one changes nothing and does not stop the others); when
every import of a drop has ended, one banner says what came in, what could not and why, and
which files were neither audio nor voices.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtCore import QObject

from engine.library import Voice

from ..library_jobs import LibraryJob, LibraryJobs, file_kind
from .banner import Banner


@dataclass
class _ImportBatch:
    """The files of one drop (or one Import…) and how their imports ended."""

    pending: list[LibraryJob] = field(default_factory=list)
    voices: list[Voice] = field(default_factory=list)
    errors: list[tuple[str, str, str]] = field(default_factory=list)  # (file, message, hint)
    skipped: list[str] = field(default_factory=list)  # neither audio nor voices


class LibraryImports(QObject):
    """Runs the imports of the panel's drops and reports each drop in the panel's banner."""

    def __init__(self, jobs: LibraryJobs, banner: Banner, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._jobs, self._banner = jobs, banner
        self._batches: list[_ImportBatch] = []  # drops still importing

    def import_files(self, paths: list[str]) -> list[str]:
        """Import the bundles and .pt files among ``paths``; returns the audio files among them."""
        audio = [p for p in paths if file_kind(p) == "audio"]
        batch = _ImportBatch(skipped=[Path(p).name for p in paths if not file_kind(p)])
        for path in paths:
            if file_kind(path) in ("bundle", "official"):
                name = Path(path).name
                job = self._jobs.import_file(path)
                job.added.connect(lambda voices, b=batch, j=job: self._on_added(b, j, voices))
                job.failed.connect(lambda m, h, b=batch, j=job, n=name: self._on_failed(b, j, n, m, h))
                batch.pending.append(job)
        if batch.pending:
            self._batches.append(batch)
            # .pt files are engine-thread jobs: they wait for a render in progress.
            waiting = [Path(p).name for p in paths if file_kind(p) == "official"]
            if waiting:
                self._banner.show_message(
                    "info",
                    f"Importing {', '.join(waiting)}…",
                    "Official .pt files are read on the model's thread, after a render in progress.",
                )
        elif batch.skipped:
            self._report(batch)
        return audio

    def _finish(self, batch: _ImportBatch, job: LibraryJob) -> None:
        if job in batch.pending:
            batch.pending.remove(job)
        if not batch.pending and batch in self._batches:
            self._batches.remove(batch)
            self._report(batch)

    def _on_added(self, batch: _ImportBatch, job: LibraryJob, voices: list) -> None:
        batch.voices += voices
        self._finish(batch, job)

    def _on_failed(self, batch: _ImportBatch, job: LibraryJob, name: str, message: str, hint: str) -> None:
        batch.errors.append((name, message, hint))
        self._finish(batch, job)

    def _report(self, batch: _ImportBatch) -> None:
        notes = [f"{name}: {message}" for name, message, _ in batch.errors]
        if batch.skipped:
            notes.append(
                f"Skipped {', '.join(batch.skipped)}: Timbre makes voices from audio files (WAV, "
                "FLAC, OGG, MP3…) and imports .timbre bundles and official .pt voice files."
            )
        if batch.voices:
            n = len(batch.voices)
            names = ", ".join(f"“{v.name}”" for v in batch.voices[:4]) + (" …" if n > 4 else "")
            self._banner.show_message(
                "success", f"Imported {n} voice{'s' if n != 1 else ''}: {names}.", " ".join(notes)
            )
        elif len(batch.errors) == 1 and not batch.skipped:
            name, message, hint = batch.errors[0]
            self._banner.show_message("error", f"{name} could not be imported: {message}", hint)
        elif batch.errors:
            self._banner.show_message("error", "Nothing could be imported.", " ".join(notes))
        else:
            self._banner.show_message("error", f"Timbre cannot use {', '.join(batch.skipped)}.", notes[-1])
