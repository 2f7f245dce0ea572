"""``main()``: parse the command line, run the command, turn every ending into an exit code.

Errors the engine raises on purpose (:class:`~engine.errors.TimbreError`) are shown as their
message and hint; anything else is a bug, logged with its traceback to a file (see
:mod:`engine.cli.crash`) and shown as one line. Ctrl+C and SIGTERM end with code 130.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Sequence

from ..errors import TimbreError
from . import exit_codes
from .console import Console
from .crash import describe_internal
from .parser import UsageError, build_parser


def _run_command(args, session) -> int:
    # Imported per command, so `voices list` never imports what `say` needs.
    if args.command == "voices":
        from .voices import run_voices

        return run_voices(args, session)
    if args.command == "say":
        from .say import run_say

        return run_say(args, session)
    if args.command == "projects":
        from .projects import run_projects

        return run_projects(args, session)
    from .render import run_render

    return run_render(args, session)


def _terminate(_signum, _frame) -> None:
    raise KeyboardInterrupt  # SIGTERM ends like Ctrl+C: saved work is kept, the rest is said


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``timbre-cli`` with ``argv`` (default: the process's arguments); -> the exit code."""
    from .session import Session

    argv = list(sys.argv[1:] if argv is None else argv)
    console = Console(json_mode="--json" in argv)
    try:
        args = build_parser().parse_args(argv)
    except UsageError as e:
        console.error(str(e), hint=f"See '{e.prog} --help'.", code=exit_codes.USAGE)
        return exit_codes.USAGE
    except SystemExit as e:  # --help printed its text
        return int(e.code or 0)
    console = Console(json_mode=args.json, quiet=args.quiet, progress=args.progress)

    on_main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _terminate) if on_main_thread else None
    try:
        with Session(args, console) as session:
            return _run_command(args, session)
    except KeyboardInterrupt:
        console.error("Interrupted.", code=exit_codes.INTERRUPTED)
        return exit_codes.INTERRUPTED
    except TimbreError as e:
        code = exit_codes.code_for(e)
        console.error(e, code=code)
        return code
    except BrokenPipeError:
        _silence_stdout()  # `timbre-cli voices list | head`: the reader left, nothing is wrong
        return exit_codes.OK
    except Exception as e:  # a bug: one line on screen, the traceback in the log
        message, hint = describe_internal(e)
        console.error(message, hint, code=exit_codes.INTERNAL)
        return exit_codes.INTERNAL
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _silence_stdout() -> None:
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass
