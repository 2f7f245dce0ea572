"""The command line of ``timbre-cli voices ...`` (kept apart from the commands themselves)."""

from __future__ import annotations

import argparse

from ..library import SORT_KEYS
from .parser import _Parser, add_globals_to, subcommand, word_list


def add_voices_parser(commands) -> None:
    voices = commands.add_parser(
        "voices",
        **subcommand(
            "manage the voice library (shared with the studio)",
            "List, add, edit, delete, export and import the voices in the library. The studio\n"
            "uses the same library, so a voice added here appears there and back.",
            "examples:\n"
            "  timbre-cli voices list --tag narrator\n"
            '  timbre-cli voices add --audio alice.wav --text "What Alice says." --name Alice --tags calm\n'
            "  timbre-cli voices rm Alice && timbre-cli voices restore Alice\n"
            "  timbre-cli voices export Alice Bob -o cast.timbre",
        ),
    )
    add_globals_to(voices)
    sub = voices.add_subparsers(dest="voices_command", metavar="ACTION", parser_class=_Parser)
    sub.required = True

    def action(name: str, help: str, description: str, epilog: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, **subcommand(help, description, "examples:\n" + epilog))
        add_globals_to(p)
        return p

    p = action(
        "list",
        "list voices",
        "List the voices in the library (or in the trash), with their ids, modes and tags.",
        "  timbre-cli voices list\n  timbre-cli voices list --search calm --sort last_used\n"
        "  timbre-cli voices list --trash",
    )
    p.add_argument("--search", default="", metavar="WORDS", help="words in the name, tags or transcript")
    p.add_argument("--tag", help="only voices with this tag")
    p.add_argument("--sort", choices=SORT_KEYS, default="name", help="order (default: name)")
    p.add_argument("--trash", action="store_true", help="list the voices in the trash instead")

    p = action(
        "show",
        "show one voice in full",
        "Show everything about a voice: transcript, tags, notes, dates, the models it fits.",
        "  timbre-cli voices show Alice\n  timbre-cli voices show 3f9a --json",
    )
    p.add_argument("voice", metavar="VOICE", help="name, id or id prefix (4+ characters)")

    p = action(
        "add",
        "extract a voice from reference audio and keep it",
        "Extract a voice from 3 to 10 seconds of clean speech (loads the model). The closest\n"
        "likeness needs the exact words spoken (--text); --x-vector needs the audio only.\n\n"
        "The recording is checked first: a silent one is refused (--force keeps it), and\n"
        "clipping, noise, an odd length or a transcript that cannot fit the audio are warned of.",
        '  timbre-cli voices add --audio alice.wav --text "Exactly what Alice says." --name Alice\n'
        "  timbre-cli voices add --audio bob.flac --x-vector --name Bob --tags deep,narrator\n"
        "  timbre-cli voices add --audio carla.wav --text-file carla.txt --language Italian",
    )
    p.add_argument("--audio", required=True, metavar="FILE", help="reference audio (wav, flac, ogg, mp3)")
    how = p.add_mutually_exclusive_group(required=True)
    how.add_argument("--text", help="exact transcript of the reference audio")
    how.add_argument("--text-file", metavar="FILE", help="read the transcript from a UTF-8 file")
    how.add_argument("--x-vector", action="store_true", help="audio only: no transcript, weaker likeness")
    p.add_argument("--name", metavar="NAME", help="voice name (default: the audio file's name)")
    p.add_argument(
        "--tags", type=word_list, action="extend", default=[], metavar="TAGS", help="comma-separated tags"
    )
    p.add_argument("--language", dest="voice_language", metavar="LANG", help="the language the voice speaks")
    p.add_argument("--notes", default="", metavar="TEXT", help="free notes")
    p.add_argument("--force", action="store_true", help="keep a reference even if it sounds silent")

    p = action(
        "rename",
        "rename a voice",
        "Give a voice a new name.",
        '  timbre-cli voices rename Alice "Alice (calm)"',
    )
    p.add_argument("voice", metavar="VOICE")
    p.add_argument("new_name", metavar="NEW_NAME")

    p = action(
        "tag",
        "add, remove or set a voice's tags",
        "Change a voice's tags. Options take comma-separated lists and can be repeated.",
        "  timbre-cli voices tag Alice --add warm,calm --remove draft\n  timbre-cli voices tag Alice --set narrator",
    )
    p.add_argument("voice", metavar="VOICE")
    p.add_argument("--add", type=word_list, action="extend", default=[], metavar="TAGS")
    p.add_argument("--remove", type=word_list, action="extend", default=[], metavar="TAGS")
    p.add_argument("--set", type=word_list, action="extend", default=None, metavar="TAGS", help="replace all")

    p = action(
        "rm",
        "move voices to the trash",
        "Move voices to the trash. Nothing is lost: 'voices restore' brings them back;\n"
        "'voices empty-trash' deletes them for good.",
        "  timbre-cli voices rm Alice Bob",
    )
    p.add_argument("voices", metavar="VOICE", nargs="+")

    p = action(
        "restore",
        "take voices out of the trash",
        "Take voices out of the trash (renamed 'Name (2)' if the name was taken meanwhile).",
        "  timbre-cli voices restore Alice",
    )
    p.add_argument("voices", metavar="VOICE", nargs="+", help="name or id of a voice in the trash")

    p = action(
        "empty-trash",
        "delete voices in the trash for good",
        "Delete voices in the trash for good: all of them, or those named.",
        "  timbre-cli voices empty-trash --yes\n  timbre-cli voices empty-trash Alice --yes",
    )
    p.add_argument("voices", metavar="VOICE", nargs="*")
    p.add_argument("--yes", action="store_true", help="do it (required: this cannot be undone)")

    p = action(
        "export",
        "write voices to a .timbre bundle",
        "Write voices (reference audio, transcript, prompts) to one .timbre bundle to share.",
        "  timbre-cli voices export Alice Bob -o cast.timbre\n  timbre-cli voices export --all -o backup.timbre",
    )
    p.add_argument("voices", metavar="VOICE", nargs="*")
    p.add_argument("--all", action="store_true", help="every voice outside the trash")
    p.add_argument("-o", "--output", required=True, metavar="FILE", help="the bundle to write (.timbre)")

    p = action(
        "import",
        "add voices from .timbre bundles or official .pt voice files",
        "Add the voices in .timbre bundles, or in voice files saved by the official Qwen3-TTS\n"
        "demo (.pt; read without unpickling code). Names that clash become 'Name (2)'.",
        "  timbre-cli voices import cast.timbre\n  timbre-cli voices import alice.pt bob.pt",
    )
    p.add_argument("files", metavar="FILE", nargs="+")
