"""Errors a creator can read.

Every error the engine raises on purpose is a :class:`TimbreError`: a message that says what
went wrong in the creator's words, plus a ``hint`` saying what to do about it. Errors about
bad input also derive from :class:`ValueError`, so code written for the official ``qwen_tts``
package (which raises ``ValueError``) keeps working.
"""

from __future__ import annotations


class TimbreError(Exception):
    """Base class for errors shown to creators: ``str(err)`` is the message, ``err.hint`` the fix."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        if self.hint:
            return f"{self.message}\nHint: {self.hint}"
        return self.message


class InputError(TimbreError, ValueError):
    """A request the engine cannot honour as given (bad text, language, sizes, options)."""


class AudioInputError(InputError):
    """Reference audio that is missing, undecodable, empty or too short."""


class AudioTypeError(AudioInputError, TypeError):
    """Reference audio given as a type no reader accepts (the official package raises ``TypeError``)."""


class CheckpointError(TimbreError, ValueError):
    """A model folder with missing or malformed files."""


class UnsupportedModelError(CheckpointError):
    """A checkpoint that is not a Qwen3-TTS 12 Hz Base model (CustomVoice, VoiceDesign, 25 Hz)."""


class DeviceUnavailableError(InputError):
    """A device that exists in name but not on this machine (CUDA without a GPU, GPU 3 of 2)."""


class ModelNotAvailableError(TimbreError, OSError):
    """A hub model that is neither cached nor downloadable right now (offline, no such repo).

    ``reason`` says why, for front ends that word their own hint: "offline" (downloads are
    off), "unreachable" (no connection to the hub), "refused" (the hub answered with an
    error), "disk" (no room for it), "not_found" (:class:`ModelNotFoundError`).
    """

    def __init__(self, message: str, hint: str | None = None, reason: str = "unreachable") -> None:
        super().__init__(message, hint)
        self.reason = reason


class ModelNotFoundError(ModelNotAvailableError):
    """A hub model that no connection would bring: no such repo or revision, or no access to it."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message, hint, reason="not_found")


class PromptMismatchError(InputError):
    """A voice prompt extracted by another model than the one asked to use it."""


class GenerationCancelled(TimbreError):
    """Raised inside generation when the caller's ``should_stop`` asked to stop."""
