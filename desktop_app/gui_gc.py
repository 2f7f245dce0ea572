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


class _Collector(QObject):
    def __init__(self) -> None:
        super().__init__()
        self.timer = QTimer(self)
        self.timer.setInterval(INTERVAL_MS)
        self.timer.timeout.connect(collect_due)


_collector: _Collector | None = None
_holders = 0
_was_enabled = True


def acquire() -> None:
    """A window opens: collect on the GUI thread from now on (must be called on that thread)."""
    global _collector, _holders, _was_enabled
    if _holders == 0:
        _was_enabled = gc.isenabled()
        gc.disable()
        if _collector is None:
            _collector = _Collector()
        _collector.timer.start()
    _holders += 1


def release() -> None:
    """A window closed: when it was the last, collect now and let Python collect on its own again."""
    global _holders
    if _holders == 0:
        return
    _holders -= 1
    if _holders == 0 and _collector is not None:
        _collector.timer.stop()
        gc.collect()
        if _was_enabled:
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
