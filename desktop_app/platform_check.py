"""Before Qt starts: can this machine show a window? Say what is missing instead of letting Qt abort.

On Linux, Qt's xcb platform plugin needs a set of X11 libraries that desktop installs have and
minimal or server installs lack; without them Qt prints a cryptic message and aborts. Checked
here by loading each library by its soname (what the plugin does), so the answer is the real one.
"""

from __future__ import annotations

import ctypes
import os
import sys

# soname -> the Debian/Ubuntu package that provides it (Qt 6's xcb plugin needs all of these).
XCB_LIBRARIES = {
    "libxcb-cursor.so.0": "libxcb-cursor0",
    "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-image.so.0": "libxcb-image0",
    "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxcb-randr.so.0": "libxcb-randr0",
    "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-shape.so.0": "libxcb-shape0",
    "libxcb-xkb.so.1": "libxcb-xkb1",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
    "libEGL.so.1": "libegl1",
    "libfontconfig.so.1": "libfontconfig1",
}


def _loads(soname: str) -> bool:
    try:
        ctypes.CDLL(soname)
    except OSError:
        return False
    return True


def window_problem() -> str | None:
    """Why no window can open, in words with the fix; None when it can (or it is not our call)."""
    if not sys.platform.startswith("linux"):
        return None
    platform = os.environ.get("QT_QPA_PLATFORM", "")
    if platform and not platform.startswith("xcb"):
        return None  # offscreen, wayland, vnc...: Qt's own business
    if not platform and os.environ.get("WAYLAND_DISPLAY"):
        return None  # Qt uses Wayland there
    if not os.environ.get("DISPLAY"):
        return (
            "Timbre's studio needs a screen, and this session has none (DISPLAY is not set).\n"
            "Run it from a desktop session, or use timbre-cli, which needs no screen."
        )
    missing = [pkg for soname, pkg in XCB_LIBRARIES.items() if not _loads(soname)]
    if missing:
        return (
            "Timbre's window needs system libraries this machine lacks:\n"
            f"  sudo apt-get install {' '.join(missing)}\n"
            "(package names for Debian and Ubuntu; other systems have the same libraries under similar names)."
        )
    return None
