"""Listening while the script renders: a generation's lines played in order as their audio arrives.

The engine streams every line of the batch at once (the job's ``chunk``); this plays line 1 from
its first piece (80 ms frames, the first after about half a second of audio), keeps appending its
pieces to the player's stream, and when line 1 has ended (its ``take``) goes on with line 2,
whose audio has usually arrived meanwhile, with a short breath between lines. Lines that fail or
are cancelled are skipped. Playing anything else (a take, a reference) ends the preview; the
render itself goes on.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QObject, Signal

from .audio_io import AudioDeviceError
from .audio_player import Player
from .engine_host import EngineJob
from .settings import Settings

GAP_S = 0.4  # between lines, as a narrator breathes


class RenderPreview(QObject):
    """Follows at most one generation job at a time (see :meth:`follow`)."""

    failed = Signal(str, str)  # message, hint: the preview could not play (the render goes on)
    line_changed = Signal(int)  # the line now being heard (index in the job), -1 when over

    def __init__(self, player: Player, settings: Settings, parent: QObject | None = None):
        super().__init__(parent)
        self._player, self._settings = player, settings
        self._job: EngineJob | None = None
        self._connections: list[tuple[object, object]] = []  # (signal, slot) on the followed job
        self._lines = 0
        self._rate = 0
        self._pieces: dict[int, list[np.ndarray]] = {}
        self._done: set[int] = set()
        self._current = 0
        self._begun: set[int] = set()  # lines heard so far: a later line begins with a gap
        self._started = False

    @property
    def job(self) -> EngineJob | None:
        """The job being listened to, or None."""
        return self._job

    @property
    def current_line(self) -> int:
        return self._current if self._job is not None else -1

    def follow(self, job: EngineJob, lines: int, sample_rate: int) -> None:
        """Listen to ``job`` (a generation of ``lines`` lines asked with ``preview``)."""
        self.stop()
        self._job, self._lines, self._rate = job, lines, sample_rate
        self._pieces, self._done, self._current = {}, set(), 0
        self._begun, self._started = set(), False
        self._connections = [
            (job.chunk, self._on_chunk),
            (job.take, lambda line, _take: self._line_ended(line)),
            (job.line_failed, lambda line, *_: self._line_ended(line)),
            (job.finished, lambda _cancelled: self._job_ended()),
            (job.failed, lambda *_: self._job_ended()),
        ]
        for signal, slot in self._connections:
            signal.connect(slot)

    def stop(self) -> None:
        """Stop listening (and playing, if the preview is what plays)."""
        if self._started and self._player.owner is self:
            self._player.stop()
        self._end()

    def _end(self) -> None:
        for signal, slot in self._connections:
            signal.disconnect(slot)
        self._connections = []
        if self._job is not None:
            self._job = None
            self.line_changed.emit(-1)

    def _on_chunk(self, line: int, audio: np.ndarray) -> None:
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

    def _line_ended(self, line: int) -> None:
        self._done.add(line)
        self._pump()

    def _job_ended(self) -> None:
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
