"""The ``timbre-cli`` command line: every command, option and help text (argparse).

Global options (``--model``, ``--device``, ``--dtype``, ``--json``, ``--quiet``, ``--progress``)
are accepted before or after the command (``timbre-cli --json voices list`` and ``timbre-cli
voices list --json`` mean the same). Building the parser imports neither torch nor the engine.
"""

from __future__ import annotations

import argparse
import math
import os

from ..checkpoint import DEFAULT_REPO_ID
from .exit_codes import HELP_TEXT

MODEL_ENV = "TIMBRE_MODEL"


class UsageError(Exception):
    """A command line argparse refused; ``prog`` is the (sub)command, for the help pointer."""

    def __init__(self, message: str, prog: str) -> None:
        super().__init__(message)
        self.prog = prog


class _Parser(argparse.ArgumentParser):
    """Raises :class:`UsageError` instead of printing and exiting, so ``main`` decides the output."""

    def error(self, message: str):  # type: ignore[override]
        raise UsageError(message, self.prog)


def _formatter(prog: str) -> argparse.HelpFormatter:
    return argparse.RawDescriptionHelpFormatter(prog, max_help_position=32)


def _global_options(parser: argparse.ArgumentParser, *, with_defaults: bool) -> None:
    """Add the global options; on subcommands (``with_defaults=False``) they only override."""

    def default(value):
        return value if with_defaults else argparse.SUPPRESS

    g = parser.add_argument_group("global options")
    g.add_argument(
        "--model",
        metavar="ID|FOLDER",
        default=default(os.environ.get(MODEL_ENV) or DEFAULT_REPO_ID),
        help=f"hub repo id or model folder (default: ${MODEL_ENV}, else {DEFAULT_REPO_ID})",
    )
    g.add_argument("--device", default=default("auto"), help="auto, cpu, cuda or cuda:N (default: auto)")
    g.add_argument(
        "--dtype", default=default("auto"), help="auto, float32, bfloat16 or float16 (default: auto)"
    )
    g.add_argument(
        "--json", action="store_true", default=default(False), help="print one JSON document on stdout"
    )
    g.add_argument(
        "-q", "--quiet", action="store_true", default=default(False), help="no notes or progress bars"
    )
    g.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=default(None),
        help="draw progress bars on stderr (default: only when it is a terminal)",
    )


def _generation_options(parser: argparse.ArgumentParser) -> None:
    g = parser.add_argument_group("generation options")
    g.add_argument("--language", metavar="LANG", help="language of the text, e.g. English (default: auto)")
    g.add_argument(
        "--seed", type=_seed, metavar="N", help="seed for a reproducible take (default: random, reported)"
    )
    g.add_argument(
        "--max-chars", type=_positive_int, metavar="N", help="longest chunk of text rendered at once"
    )
    g.add_argument(
        "--max-new-tokens",
        type=_frame_limit,
        metavar="N",
        help="length limit of each take in frames (12.5 a second), shared by the parts of a long line",
    )
    g.add_argument("--temperature", type=_above_zero, metavar="T", help="sampling temperature (more than 0)")
    g.add_argument("--top-k", type=_positive_int, metavar="K", help="sample among the k likeliest codes")
    g.add_argument(
        "--top-p", type=_fraction, metavar="P", help="nucleus sampling threshold (more than 0, at most 1)"
    )
    g.add_argument(
        "--repetition-penalty", type=_above_zero, metavar="X", help="penalty for repeated codes (more than 0)"
    )


def _seed(text: str) -> int:
    if not text.isdigit() or int(text) >= 1 << 63:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number from 0 to 2**63 - 1")
    return int(text)


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of 1 or more")
    return value


def _frame_limit(text: str) -> int:
    value = _positive_int(text)
    if value < 2:  # the engine renders one frame fewer than this: 1 would render nothing
        raise argparse.ArgumentTypeError(f"{text!r} is too small: a take needs at least 2")
    return value


def _number(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"{text!r} is not a number")
    return value


def _above_zero(text: str) -> float:
    value = _number(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not more than 0")
    return value


def _fraction(text: str) -> float:
    value = _number(text)
    if not 0 < value <= 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not more than 0 and at most 1")
    return value


def word_list(text: str) -> list[str]:
    """``--tags calm,narrator`` -> ["calm", "narrator"] (repeatable options add up)."""
    return [w.strip() for w in text.split(",") if w.strip()]


MAIN_EPILOG = f"""\
examples:
  timbre-cli voices add --audio alice.wav --text "What Alice says in it." --name Alice
  timbre-cli say "Hello there." --voice Alice -o hello.wav --play
  timbre-cli render episode.srt --out takes/ --voice Alice --timeline
  timbre-cli render "Chapter 2" --project "Night Tales" --out chapter2/
  timbre-cli --json voices list

environment:
  {MODEL_ENV}     the model to use when --model is not given
  TIMBRE_HOME      where Timbre keeps its data (the voice library is shared with the studio)
  HF_HUB_OFFLINE   set to 1 to never download models

{HELP_TEXT}
"""


def build_parser() -> argparse.ArgumentParser:
    """The whole command line. Defaults that depend on the environment are read now, not cached."""
    parser = _Parser(
        prog="timbre-cli",
        description="Timbre on the command line: manage cloned voices, speak text, render scripts.",
        epilog=MAIN_EPILOG,
        formatter_class=_formatter,
    )
    _global_options(parser, with_defaults=True)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    commands.required = True

    from .voices_parser import add_voices_parser

    add_voices_parser(commands)
    _add_say(commands)
    _add_render(commands)
    commands.add_parser(
        "projects",
        **subcommand(
            "list the studio's projects and their scripts",
            "List the studio's projects, each with its scripts in order: how many lines and\n"
            "takes each has. Render one by name with 'timbre-cli render SCRIPT --project NAME'.",
            "example:\n  timbre-cli projects",
        ),
    )
    add_globals_to(commands.choices["projects"])
    return parser


def subcommand(help: str, description: str, epilog: str) -> dict:
    return {"help": help, "description": description, "epilog": epilog, "formatter_class": _formatter}


def add_globals_to(parser: argparse.ArgumentParser) -> None:
    """Let a subcommand accept the global options after its name too."""
    _global_options(parser, with_defaults=False)


def _add_say(commands) -> None:
    p = commands.add_parser(
        "say",
        **subcommand(
            "speak a text in a voice (to a file and/or the speakers)",
            "Speak TEXT in a voice from the library. Long text is cut at sentences, rendered as\n"
            "one batch and joined with natural pauses; [pause 0.8s] inserts exact silence.\n\n"
            "--play streams to the default sound output as audio is generated: playback starts\n"
            "after the first half second of speech is ready (all chunks of a long text render\n"
            "side by side; later chunks play from what is already done). The file written with\n"
            "-o holds exactly what was played.",
            "examples:\n"
            '  timbre-cli say "Welcome back to the show." --voice Alice -o welcome.wav\n'
            '  timbre-cli say "Guten Morgen." --voice Alice --language German --seed 7 --play\n'
            "  timbre-cli say - --voice Bob -o chapter1.flac < chapter1.txt\n\n"
            "The seed printed at the end renders the same take again (same text, voice, options).",
        ),
    )
    p.add_argument("text", metavar="TEXT", help="the text to speak ('-' reads it from stdin)")
    p.add_argument("--voice", required=True, metavar="VOICE", help="voice name or id in the library")
    p.add_argument("-o", "--output", metavar="FILE", help="write the take here (.wav, .flac or .ogg)")
    p.add_argument("--play", action="store_true", help="play it while it is generated")
    p.add_argument("--play-device", metavar="NAME|INDEX", help="sound output for --play (default: system's)")
    _generation_options(p)
    add_globals_to(p)


def _add_render(commands) -> None:
    p = commands.add_parser(
        "render",
        **subcommand(
            "render every line of a script to audio files",
            "Render a script: plain text (one take per line, # comments), CSV/TSV with a header\n"
            "(text, and optionally voice, language, seed, file) or SRT (one take per cue).\n"
            "Each line becomes one file in --out (001.wav, 002.wav, ... or the CSV's file name);\n"
            "timbre-render.json there records what each file holds.\n\n"
            "Rerunning skips lines already rendered with the same text, voice and settings, so an\n"
            "interrupted render resumes where it stopped, and after editing a script only the\n"
            "changed lines are rendered again. A line that fails does not stop the others: they\n"
            "are listed at the end and the exit code is 1.",
            "examples:\n"
            "  timbre-cli render chapter.txt --out chapter/ --voice Alice --seed 7\n"
            "  timbre-cli render dialogue.csv --out takes/ --voice Narrator --format flac\n"
            "  timbre-cli render episode.srt --out episode/ --voice Alice --timeline\n"
            '  timbre-cli render "Chapter 2" --project "Night Tales" --out chapter2/\n\n'
            "--project renders a studio project's script by name: each line with the voice and\n"
            "language chosen for it in the studio (the script's voice for the others, or --voice),\n"
            "and every take is also added to the project under its line. 'timbre-cli projects'\n"
            "lists them.\n\n"
            "--timeline (SRT only) also writes timeline.wav: each take placed at its cue's start,\n"
            "with a warning for every take that runs past its cue.",
        ),
    )
    p.add_argument(
        "script",
        metavar="SCRIPT",
        help="the script file (.txt, .csv, .tsv, .srt), or a script's name with --project",
    )
    p.add_argument("--project", metavar="NAME", help="render the studio project NAME's script called SCRIPT")
    p.add_argument("-o", "--out", required=True, metavar="DIR", help="folder for the takes (created)")
    p.add_argument("--voice", metavar="VOICE", help="voice for lines that do not name one")
    p.add_argument("--format", choices=("wav", "flac"), default="wav", help="audio format (default: wav)")
    p.add_argument(
        "--script-format", choices=("text", "csv", "tsv", "srt"), help="script type (default: by extension)"
    )
    p.add_argument("--timeline", action="store_true", help="SRT: also write one timeline file of all cues")
    p.add_argument(
        "--batch-size",
        type=_positive_int,
        metavar="N",
        help="chunks rendered side by side (default: 16 on GPU, 4 on CPU)",
    )
    _generation_options(p)
    add_globals_to(p)
