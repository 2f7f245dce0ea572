"""Errors the voice library raises on purpose, each with a message a creator understands.

All derive from :class:`LibraryError` (a :class:`~engine.errors.TimbreError`): ``str(err)`` is
the message, ``err.hint`` what to do about it. Errors about bad input also derive from
``ValueError`` (through :class:`~engine.errors.InputError`), like the rest of the engine.
"""

from __future__ import annotations

from ..errors import InputError, PromptMismatchError, TimbreError


class LibraryError(TimbreError):
    """The library could not do what was asked (busy, disk full, damaged files)."""


class VoiceNotFoundError(LibraryError, LookupError):
    """No voice has the id (or name) asked for, or it is in the trash when that matters."""


class VoiceInputError(LibraryError, InputError):
    """A name, tag, language, transcript or mode the library cannot store as given."""


class NameTakenError(VoiceInputError):
    """Another voice in the library already has this name."""


class BundleError(LibraryError, InputError):
    """A ``.timbre`` bundle or an official ``.pt`` voice file that cannot be imported safely."""


class NeedsModelError(LibraryError, PromptMismatchError):
    """The voice cannot be used with the loaded model and cannot be extracted again for it."""


class LibraryBusyError(LibraryError):
    """Another program kept the library locked for too long."""


def disk_error(e: OSError) -> LibraryError:
    """A creator's message for a failed write (disk full, read-only folder, ...)."""
    return LibraryError(
        f"The voice library could not write its files ({e.strerror or e}).",
        "Check that the disk has free space and the folder is writable.",
    )
