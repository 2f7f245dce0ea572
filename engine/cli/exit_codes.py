"""``timbre-cli`` exit codes, and which code an error earns.

Scripts that drive the CLI branch on these, so they are part of its interface: never renumber.
"""

from __future__ import annotations

from ..errors import (
    CheckpointError,
    DeviceUnavailableError,
    GenerationCancelled,
    InputError,
    ModelNotAvailableError,
    TimbreError,
)

OK = 0
LINES_FAILED = 1  # render: some lines failed; the others were rendered and saved
USAGE = 2  # the command line itself is wrong (unknown option, missing argument)
BAD_INPUT = 3  # what was asked cannot be done as given: unknown voice, bad script, bad audio or bundle
MODEL = 4  # the model cannot be found, downloaded or loaded (also: on the device asked for)
ENVIRONMENT = 5  # the machine got in the way: library busy, disk full, no sound device
INTERNAL = 70  # a bug in Timbre (EX_SOFTWARE); details go to a crash log, not the screen
INTERRUPTED = 130  # Ctrl+C (128 + SIGINT), or SIGTERM

HELP_TEXT = f"""\
exit codes:
  {OK:<4} success
  {LINES_FAILED:<4} render: some lines failed (the others were saved; the failures are listed)
  {USAGE:<4} bad command line (unknown option, missing argument)
  {BAD_INPUT:<4} bad input: unknown voice, malformed script or markup, unreadable audio or bundle
  {MODEL:<4} the model could not be found, downloaded or loaded (or there is no GPU for --device)
  {ENVIRONMENT:<4} the machine got in the way: library busy, disk full, no sound output device
  {INTERNAL:<4} internal error in Timbre (a crash log is written; please report it)
  {INTERRUPTED:<4} interrupted (Ctrl+C); rerun the same render to resume it"""


def code_for(error: BaseException) -> int:
    """The exit code for an error that ends a command."""
    if isinstance(error, (KeyboardInterrupt, GenerationCancelled)):
        return INTERRUPTED
    if isinstance(error, (CheckpointError, ModelNotAvailableError, DeviceUnavailableError)):
        return MODEL
    if isinstance(error, (InputError, LookupError)) and isinstance(error, TimbreError):
        return BAD_INPUT
    if isinstance(error, TimbreError):
        return ENVIRONMENT
    return INTERNAL
