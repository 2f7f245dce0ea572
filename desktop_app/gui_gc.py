"""Python's garbage collection, run on the GUI thread only while the studio is open.

Automatic collection runs on whichever thread happens to allocate when a threshold is crossed:
often the engine thread, which allocates a lot while loading a model or rendering. A collection
there can delete cyclic garbage holding Qt objects made on the GUI thread, or walk PySide
objects while the GUI thread changes them (a restyle, say); either can crash the process. So
while a window is open, automatic collection is off and a timer on the GUI thread collects
instead, generation by generation, with Python's own thresholds. The last window to close
turns automatic collection back on.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer

INTERVAL_MS = 500  # young-generation collections are cheap; twice a second keeps memory flat


class GuiGarbageCollector(QObject):
    """Collects garbage on the GUI thread while windows hold it; one per QApplication.

    ``for_app`` finds it among the application's children (or makes it there), so the state
    lives with the application rather than in this module.
    """

    OBJECT_NAME = "timbre-gui-garbage-collector"

    def __init__(self, parent: QObject) -> None:
        super().__init__(parent)
        self.setObjectName(self.OBJECT_NAME)
        self._holders = 0
        self._was_enabled = True
        self._timer = QTimer(self)
        self._timer.setInterval(INTERVAL_MS)
        self._timer.timeout.connect(collect_due)

    @classmethod
    def for_app(cls, app: QObject) -> GuiGarbageCollector:
        for child in app.findChildren(QObject, cls.OBJECT_NAME):
            if isinstance(child, cls):
                return child
        return cls(app)

    def acquire(self) -> None:
        """A window opens: collect on the GUI thread from now on (call it on that thread)."""
        if self._holders == 0:
            self._was_enabled = gc.isenabled()
            gc.disable()
            self._timer.start()
        self._holders += 1

    def release(self) -> None:
        """A window closed: when it was the last, collect now and let Python collect on its own."""
        if self._holders == 0:
            return
        self._holders -= 1
        if self._holders == 0:
            self._timer.stop()
            gc.collect()
            if self._was_enabled:
                gc.enable()


def collect_due() -> None:
    """Collect the generations whose counts have passed Python's thresholds (as it would)."""
    limits, counts = gc.get_threshold(), gc.get_count()
    if counts[0] > limits[0]:
        gc.collect(0)
        if counts[1] > limits[1]:
            gc.collect(1)
            if counts[2] > limits[2]:
                gc.collect(2)
