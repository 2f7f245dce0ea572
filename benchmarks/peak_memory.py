"""Peak resident memory of this process, measured so that a parent's peak does not leak in.

``getrusage``'s ``ru_maxrss`` survives ``fork`` + ``exec`` on Linux: a child started by a 9 GB
benchmark reports at least 9 GB whatever it uses itself. The kernel's per-address-space high
water mark (``VmHWM``) starts afresh with each ``exec`` and can be reset, so both benchmark
processes read that where it exists.
"""

from __future__ import annotations

import resource
from pathlib import Path

_STATUS = Path("/proc/self/status")


def reset_peak() -> None:
    """Start the high water mark from the current size (Linux; elsewhere nothing happens)."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        pass


def peak_rss_mb() -> float:
    """The most resident memory this process has held (since ``exec`` or the last reset), in MB."""
    try:
        for line in _STATUS.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024  # kB
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
