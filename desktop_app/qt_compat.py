"""Work around a PySide6 6.12.0 reference-counting bug on Python 3.10 and 3.11.

In PySide6 6.12.0, ``SignalInstance.emit`` returns ``True`` without taking a reference for
the caller, so every emit from Python drops one reference to ``True``. On Python 3.12 and later
``True`` and ``False`` are immortal and nothing happens; on 3.10/3.11 the interpreter aborts
("bool_dealloc: deallocating True or False") after a few hundred emits. PySide6 6.11 does not
have the bug, and pyproject excludes 6.12.0; this guard keeps an already-installed 6.12.0 safe.

The fix does what CPython 3.12 does: it makes the two bools practically immortal by adding
2**40 to their reference counts, once, at import. Nothing else is touched.
"""

from __future__ import annotations

import ctypes
import sys

BUGGY_PYSIDE = ("6.12.0",)
_HEADROOM = 1 << 40


def needs_bool_guard(pyside_version: str, python: tuple[int, int] = sys.version_info[:2]) -> bool:
    return python < (3, 12) and pyside_version in BUGGY_PYSIDE


def guard_bools() -> bool:
    """Apply the guard when this PySide6 needs it; True when applied (idempotent)."""
    import PySide6

    if not needs_bool_guard(PySide6.__version__):
        return False
    for value in (True, False):
        refcount = ctypes.c_ssize_t.from_address(id(value))
        if refcount.value < _HEADROOM:
            refcount.value += _HEADROOM
    return True
