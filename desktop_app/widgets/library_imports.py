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

from ..library_jobs import LibraryJobs, file_kind
from .banner import Banner


@dataclass
class _ImportBatch:
    """The files of one drop (or one Import…) and how their imports ended."""

    pending: set[int] = field(default_factory=set)
    voices: list[Voice] = field(default_factory=list)
    errors: list[tuple[str, str, str]] = field(default_factory=list)  # (file, message, hint)
    skipped: list[str] = field(default_factory=list)  # neither audio nor voices


class LibraryImports(QObject):
    """Runs the imports of the panel's drops and reports each drop in the panel's banner."""

    def __init__(self, jobs: LibraryJobs, banner: Banner, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._jobs, self._banner = jobs, banner
        self._names: dict[int, str] = {}  # import job -> file name
        self._batches: list[_ImportBatch] = []  # drops still importing
        jobs.added.connect(self._on_added)
        jobs.failed.connect(self._on_failed)

    def import_files(self, paths: list[str]) -> list[str]:
        """Import the bundles and .pt files among ``paths``; returns the audio files among them."""
        audio = [p for p in paths if file_kind(p) == "audio"]
        batch = _ImportBatch(skipped=[Path(p).name for p in paths if not file_kind(p)])
        for path in paths:
            if file_kind(path) in ("bundle", "official"):
                job = self._jobs.import_file(path)
                self._names[job] = Path(path).name
                batch.pending.add(job)
        if batch.pending:
            self._batches.append(batch)
            waiting = [self._names[j] for j in batch.pending if j > 0]  # .pt files: engine-thread jobs
            if waiting:
                self._banner.show_message(
                    "info",
                    f"Importing {', '.join(waiting)}…",
                    "Official .pt files are read on the model's thread, after a render in progress.",
                )
        elif batch.skipped:
            self._report(batch)
        return audio

    def _batch_of(self, job: int) -> _ImportBatch | None:
        batch = next((b for b in self._batches if job in b.pending), None)
        if batch is not None:
            batch.pending.discard(job)
        return batch

    def _finish(self, batch: _ImportBatch) -> None:
        if not batch.pending:
            self._batches.remove(batch)
            self._report(batch)

    def _on_added(self, job: int, voices: list) -> None:
        self._names.pop(job, None)
        batch = self._batch_of(job)
        if batch is not None:
            batch.voices += voices
            self._finish(batch)

    def _on_failed(self, job: int, message: str, hint: str) -> None:
        name = self._names.pop(job, "")
        batch = self._batch_of(job)
        if batch is not None:
            batch.errors.append((name, message, hint))
            self._finish(batch)

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
