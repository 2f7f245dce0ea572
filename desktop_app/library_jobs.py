"""Changes to the voice library that need the engine thread, and imports of any kind.

Keeping a new voice writes its prompt with safetensors' torch API, and an official ``.pt`` voice
file is read with ``torch.load``: both run as engine-host jobs, so torch stays off the GUI
thread. A ``.timbre`` bundle needs no torch and imports at once. Whatever the route, results
arrive as ``added(job, voices)`` or ``failed(job, message, hint)``, after the call returned the
job's id and after the library model has been refreshed, so a listener can select the new
voices straight away.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal

from engine.errors import TimbreError
from engine.library import BUNDLE_SUFFIX

from .engine_host import AddVoiceRequest, EngineHost, ImportVoicesRequest
from .models.library_model import LibraryModel
from .voices import NewVoice

AUDIO_SUFFIXES = (".wav", ".flac", ".ogg", ".mp3", ".aiff", ".aif", ".opus", ".m4a")
OFFICIAL_SUFFIX = ".pt"
IMPORT_FILTER = f"Voices (*{BUNDLE_SUFFIX} *{OFFICIAL_SUFFIX});;All files (*)"


def file_kind(path: str | Path) -> str:
    """ "audio", "bundle", "official" or "" for a dropped or chosen file, by its extension."""
    suffix = Path(path).suffix.lower()
    if suffix == BUNDLE_SUFFIX:
        return "bundle"
    if suffix == OFFICIAL_SUFFIX:
        return "official"
    return "audio" if suffix in AUDIO_SUFFIXES else ""


class LibraryJobs(QObject):
    """Adds and imports voices; bundle imports are numbered like host jobs (negative ids)."""

    added = Signal(int, object)  # job, list[engine.library.Voice]
    failed = Signal(int, str, str)  # job, message, hint

    def __init__(self, host: EngineHost, model: LibraryModel, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._host, self._model = host, model
        self._jobs: dict[int, str] = {}  # job -> what it does, for messages
        self._local_ids = 0
        host.voices_added.connect(self._on_added)
        host.job_failed.connect(self._on_failed)
        host.job_finished.connect(self._on_finished)

    @property
    def busy(self) -> bool:
        return bool(self._jobs)

    def add_voice(self, voice: NewVoice) -> int:
        """Keep a voice from the editor (its prompt item and the audio it came from)."""
        job = self._host.add_voice(
            AddVoiceRequest(
                self._model.library,
                voice.prompt_items[0],
                voice.name,
                voice.reference_audio,
                voice.sample_rate,
                voice.language,
                voice.tags,
            )
        )
        self._jobs[job] = f"Saving “{voice.name}”"
        return job

    def import_file(self, path: str | Path) -> int:
        """Import a ``.timbre`` bundle (now) or an official ``.pt`` file (on the engine thread)."""
        path = Path(path)
        if file_kind(path) == "official":
            job = self._host.import_voices(ImportVoicesRequest(self._model.library, str(path)))
            self._jobs[job] = f"Importing {path.name}"
            return job
        self._local_ids -= 1
        job = self._local_ids
        try:
            voices = self._model.library.import_bundle(path)
        except TimbreError as e:
            message, hint = e.message, e.hint or ""
            QTimer.singleShot(0, self, lambda: self.failed.emit(job, message, hint))
        else:
            self._model.refresh()
            QTimer.singleShot(0, self, lambda: self.added.emit(job, voices))
        return job

    def _on_added(self, job: int, voices: list) -> None:
        if self._jobs.pop(job, None) is not None:
            self._model.refresh()
            self.added.emit(job, list(voices))

    def _on_failed(self, job: int, message: str, hint: str) -> None:
        if self._jobs.pop(job, None) is not None:
            self.failed.emit(job, message, hint)

    def _on_finished(self, job: int, cancelled: bool) -> None:
        what = self._jobs.pop(job, None)  # still here: it ended without a result (cancelled)
        if what is not None:
            self.failed.emit(job, f"{what} was interrupted.", "Try again.")
