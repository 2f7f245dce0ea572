"""Changes to the voice library that need the engine thread, and imports of any kind.

Keeping a new voice writes its prompt with safetensors' torch API, and an official ``.pt`` voice
file is read with ``torch.load``: both run as engine-host jobs, so torch stays off the GUI
thread. A ``.timbre`` bundle needs no torch and imports at once. Whatever the route, the call
returns a :class:`LibraryJob` whose ``added(voices)`` or ``failed(message, hint)`` follows, after
the library model has been refreshed, so a listener can select the new voices straight away.
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


class LibraryJob(QObject):
    """One add or import: ``added(voices)`` once the library model has them, or ``failed(message, hint)``."""

    added = Signal(object)  # list[engine.library.Voice]
    failed = Signal(str, str)


class LibraryJobs(QObject):
    """Adds and imports voices, each as a :class:`LibraryJob` of its own.

    ``added(voices)`` also fires for every job's voices, for views that select whatever
    arrives (the voices list); who started a job follows the job itself.
    """

    added = Signal(object)  # list[engine.library.Voice], from any job
    failed = Signal(str, str)  # message, hint, from any job

    def __init__(self, host: EngineHost, model: LibraryModel, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._host, self._model = host, model
        self._running: list[LibraryJob] = []

    @property
    def busy(self) -> bool:
        return bool(self._running)

    def add_voice(self, voice: NewVoice) -> LibraryJob:
        """Keep a voice from the editor (its prompt item and the audio it came from)."""
        request = AddVoiceRequest(
            self._model.library,
            voice.prompt_items[0],
            voice.name,
            voice.reference_audio,
            voice.sample_rate,
            voice.language,
            voice.tags,
        )
        return self._on_engine(request, f"Saving “{voice.name}”")

    def import_file(self, path: str | Path) -> LibraryJob:
        """Import a ``.timbre`` bundle (now) or an official ``.pt`` file (on the engine thread)."""
        path = Path(path)
        if file_kind(path) == "official":
            return self._on_engine(
                ImportVoicesRequest(self._model.library, str(path)), f"Importing {path.name}"
            )
        job = self._track(LibraryJob(self))
        try:
            voices = self._model.library.import_bundle(path)
        except TimbreError as e:
            message, hint = e.message, e.hint or ""
            QTimer.singleShot(0, job, lambda: self._failed(job, message, hint))
        else:
            QTimer.singleShot(0, job, lambda: self._added(job, voices))
        return job

    def _on_engine(self, request: AddVoiceRequest | ImportVoicesRequest, what: str) -> LibraryJob:
        job = self._track(LibraryJob(self))
        engine_job = self._host.submit(request)
        engine_job.voices_added.connect(lambda voices: self._added(job, voices))
        engine_job.failed.connect(lambda message, hint: self._failed(job, message, hint))
        # Ended without voices: cancelled, e.g. at shutdown.
        engine_job.finished.connect(
            lambda _cancelled: self._failed(job, f"{what} was interrupted.", "Try again.")
        )
        return job

    def _track(self, job: LibraryJob) -> LibraryJob:
        self._running.append(job)
        return job

    def _added(self, job: LibraryJob, voices: list) -> None:
        if job in self._running:
            self._running.remove(job)
            self._model.refresh()
            job.added.emit(list(voices))
            self.added.emit(list(voices))

    def _failed(self, job: LibraryJob, message: str, hint: str) -> None:
        if job in self._running:
            self._running.remove(job)
            job.failed.emit(message, hint)
            self.failed.emit(message, hint)
