"""Listening while the script renders: a generation's lines played in order as their audio arrives.

The engine streams every line of the batch at once (``chunk_ready``); this plays line 1 from its
first piece (80 ms frames, the first after about half a second of audio), keeps appending its
pieces to the player's stream, and when line 1 has ended (its ``take_ready``) goes on with line 2,
whose audio has usually arrived meanwhile, with a short breath between lines. Lines that fail or
are cancelled are skipped. Playing anything else (a take, a reference) ends the preview; the
render itself goes on.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QObject, Signal

from .audio_io import AudioDeviceError
from .audio_player import Player
from .engine_host import EngineHost
from .settings import Settings

GAP_S = 0.4  # between lines, as a narrator breathes


class RenderPreview(QObject):
    """Follows at most one generation job at a time (see :meth:`follow`)."""

    failed = Signal(str, str)  # message, hint: the preview could not play (the render goes on)
    line_changed = Signal(int)  # the line now being heard (index in the job), -1 when over

    def __init__(self, host: EngineHost, player: Player, settings: Settings, parent: QObject | None = None):
        super().__init__(parent)
        self._host, self._player, self._settings = host, player, settings
        self._job: int | None = None
        self._lines = 0
        self._rate = 0
        self._pieces: dict[int, list[np.ndarray]] = {}
        self._done: set[int] = set()
        self._current = 0
        self._begun: set[int] = set()  # lines heard so far: a later line begins with a gap
        self._started = False
        host.chunk_ready.connect(self._on_chunk)
        host.take_ready.connect(lambda job, line, _take: self._line_ended(job, line))
        host.line_failed.connect(lambda job, line, *_: self._line_ended(job, line))
        host.job_finished.connect(lambda job, _cancelled: self._job_ended(job))
        host.job_failed.connect(lambda job, *_: self._job_ended(job))

    @property
    def job(self) -> int | None:
        """The job being listened to, or None."""
        return self._job

    @property
    def current_line(self) -> int:
        return self._current if self._job is not None else -1

    def follow(self, job: int, lines: int, sample_rate: int) -> None:
        """Listen to ``job`` (a generation of ``lines`` lines asked with ``preview``)."""
        self.stop()
        self._job, self._lines, self._rate = job, lines, sample_rate
        self._pieces, self._done, self._current = {}, set(), 0
        self._begun, self._started = set(), False

    def stop(self) -> None:
        """Stop listening (and playing, if the preview is what plays)."""
        if self._started and self._player.owner is self:
            self._player.stop()
        self._end()

    def _end(self) -> None:
        if self._job is not None:
            self._job = None
            self.line_changed.emit(-1)

    def _on_chunk(self, job: int, line: int, audio: np.ndarray) -> None:
        if job != self._job:
            return
        self._pieces.setdefault(line, []).append(audio)
        if not self._started:
            try:
                self._player.start_stream(self._rate, device_name=self._settings.output_device, owner=self)
            except AudioDeviceError as e:
                self._end()
                self.failed.emit(e.message, e.hint or "")
                return
            self._started = True
            self.line_changed.emit(self._current)
        self._pump()

    def _line_ended(self, job: int, line: int) -> None:
        if job == self._job:
            self._done.add(line)
            self._pump()

    def _job_ended(self, job: int) -> None:
        if job == self._job:
            self._done.update(range(self._lines))
            if self._started:
                self._pump()
            else:
                self._end()

    def _pump(self) -> None:
        """Append what can be played next, in line order; end the stream after the last line."""
        if not self._started:
            return
        if self._player.owner is not self or not self._player.streaming:
            self._end()  # something else took the output: leave it be
            return
        while self._current < self._lines:
            pieces = self._pieces.pop(self._current, [])
            if pieces and self._current not in self._begun:
                if self._begun:
                    self._player.append(np.zeros(round(GAP_S * self._rate), np.float32))
                self._begun.add(self._current)
            for piece in pieces:
                self._player.append(piece)
            if self._current not in self._done:
                return
            self._current += 1
            if self._current < self._lines:
                self.line_changed.emit(self._current)
        self._player.end_stream()
        self._end()
