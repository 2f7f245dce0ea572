"""The painted widgets: trim handles follow the mouse, the clip light lights on full scale; and
garbage collection kept on the GUI thread."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPoint, Qt

from desktop_app.widgets.banner import Banner
from desktop_app.widgets.level_meter import LevelMeter
from desktop_app.widgets.waveform import WaveformView


def test_trim_handles_drag(qtbot):
    view = WaveformView(trim=True)
    qtbot.addWidget(view)
    view.resize(602, 136)
    view.show()
    qtbot.waitExposed(view)
    view.set_audio(np.sin(np.arange(24000 * 6) / 10).astype(np.float32), 24000)  # 6 s
    assert view.selection() == (0.0, 6.0)
    y = 60
    seen = []
    view.selection_changed.connect(lambda a, b: seen.append((a, b)))
    # Start handle at x=1: drag it to the middle (3 s at x=301).
    qtbot.mousePress(view, Qt.MouseButton.LeftButton, pos=QPoint(2, y))
    qtbot.mouseMove(view, QPoint(301, y))
    qtbot.mouseRelease(view, Qt.MouseButton.LeftButton, pos=QPoint(301, y))
    start, end = view.selection()
    assert abs(start - 3.0) < 0.05 and end == 6.0 and seen
    # A click away from the handles asks to play from there instead.
    with qtbot.waitSignal(view.seek_requested) as seek:
        qtbot.mouseClick(view, Qt.MouseButton.LeftButton, pos=QPoint(451, y))
    assert abs(seek.args[0] - 4.5) < 0.05
    grab = view.grab()  # paints without error, handles and ruler included
    assert not grab.isNull()


def test_level_meter_clip_light(qtbot):
    meter = LevelMeter()
    qtbot.addWidget(meter)
    meter.set_level(0.1, 0.3)
    assert not meter.clipping
    meter.set_level(0.4, 1.0)
    assert meter.clipping
    meter.reset()
    assert not meter.clipping


def test_garbage_is_collected_on_the_gui_thread_while_a_window_is_open(qtbot):
    import gc
    import weakref

    from PySide6.QtWidgets import QApplication

    from desktop_app.gui_gc import GuiGarbageCollector

    class Node:
        pass

    assert gc.isenabled()
    collector = GuiGarbageCollector.for_app(QApplication.instance())
    assert GuiGarbageCollector.for_app(QApplication.instance()) is collector  # one per application
    collector.acquire()
    try:
        assert not gc.isenabled()  # no collection on whichever thread allocates
        a, b = Node(), Node()
        a.other, b.other = b, a  # a cycle: only the collector can free it
        gone = weakref.ref(a)
        del a, b
        kept = [Node() for _ in range(gc.get_threshold()[0] + 10)]  # enough to make gen 0 due
        qtbot.waitUntil(lambda: gone() is None, timeout=10_000)  # the GUI thread's timer did it
        del kept
    finally:
        collector.release()
    assert gc.isenabled()


def test_a_banner_in_a_narrow_panel_gives_its_words_the_width(qtbot):
    banner = Banner()
    qtbot.addWidget(banner)
    banner.resize(260, 200)
    banner.show_message(
        "info", "Moved 'Maya (host)' to the trash.", "Empty it from the ... menu.", ("Undo", lambda: None)
    )
    banner.show()
    qtbot.waitExposed(banner)
    # The Undo button sits under the words, so they wrap at the panel's width, not at a third of it.
    assert banner.message.width() >= banner.width() - 100
    assert banner.action.isVisible() and banner.action.y() > banner.hint.y()
