"""``timbre-cli say``: one text in one voice, to a file and/or the speakers.

Without ``--play`` the text goes through :func:`~engine.text.render_long_text`. With ``--play``
the same chunks, with the same seeds, go through the engine's streaming API in one batch, and
:class:`~engine.cli.playback.LiveJoin` plays them in order as they arrive; the file gets the
joined audio that was played. ``say --seed N`` gives the same take with or without ``--play``
(the same codec frames; the streaming decoder's audio matches the one-shot decoder's to float
rounding).
"""

from __future__ import annotations

import argparse
import secrets
import sys
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..text import Chunk, check_markup, chunk_seeds, join_takes, part_token_limits, plan_joins, plan_text
from . import exit_codes
from .audio_files import check_output_file, write_audio
from .progress import RenderProgress, estimate_frames
from .session import Session


def run_say(args: argparse.Namespace, session: Session) -> int:
    """Speak the text; -> 0. Every mistake in what was asked is found before the model loads."""
    text = sys.stdin.read() if args.text == "-" else args.text
    out = Path(args.output) if args.output else None
    if out is None and not args.play:
        raise InputError(
            "Nothing to do with the take.", "Give -o FILE to save it, --play to hear it, or both."
        )
    if out is not None:
        check_output_file(out)  # writable now, or the take would be lost after rendering
    check_markup(text)  # every bad markup at once, with line and column
    plan = plan_text(text, args.max_chars)
    chunks = [item for item in plan if isinstance(item, Chunk)]
    if not chunks:
        raise InputError("There is nothing to speak in this text.", "Write some words, not only markup.")
    voice = session.library.find(args.voice)
    session.check_language(args.language)
    if args.play:
        from .playback import check_output

        check_output(args.play_device)

    model = session.model
    [item] = session.library.prompt_for(voice, model)
    seed = args.seed if args.seed is not None else secrets.randbits(63)
    sampling = session.sampling()
    limits = part_token_limits(sampling.get("max_new_tokens"), [c.text for c in chunks])
    estimates = [estimate_frames(c.text, limit) for c, limit in zip(chunks, limits)]
    progress = RenderProgress(session.console, sum(estimates), len(chunks), what="chunks")
    progress.start_batch(estimates)
    finished = False
    try:
        if args.play:
            chunk_sampling = (
                {**sampling, "max_new_tokens": limits} if "max_new_tokens" in sampling else sampling
            )
            audio, takes, underruns = _stream(
                args, model, plan, chunks, item, seed, chunk_sampling, progress, estimates
            )
        else:
            audio, takes, underruns = _render(args, model, text, item, seed, sampling, progress, estimates)
        finished = True
    finally:
        progress.close(finished=finished)

    if out is not None:
        write_audio(out, audio, model.sample_rate)
    duration = len(audio) / model.sample_rate
    complete = all(t.complete for t in takes)
    if not complete:
        session.console.warn(
            "The model did not end the take by itself (cut at the length limit); "
            "listen to it, and try another --seed if it sounds cut off."
        )
    if underruns:
        session.console.warn(
            "Playback had gaps: this device generates slower than real time. "
            "Save with -o and play the file for smooth sound."
        )
    data: dict[str, Any] = {
        "file": str(out) if out else None,
        "voice": voice.name,
        "seed": seed,
        "duration_s": round(duration, 3),
        "sample_rate": model.sample_rate,
        "chunks": len(chunks),
        "complete": complete,
        "played": bool(args.play),
    }
    did = f"Saved {out}" if out else "Played"
    if out and args.play:
        did += " (and played it)"
    session.console.result(data, f"{did}: {duration:.1f} s in {voice.name}'s voice, seed {seed}.")
    return exit_codes.OK


def _render(args, model, text, item, seed, sampling, progress, estimates):
    from ..text import render_long_text

    result = render_long_text(
        model,
        text,
        item,
        language=args.language,
        seed=seed,
        max_chars=args.max_chars,
        on_take=lambda take: _chunk_done(progress, estimates, take),
        on_progress=lambda rows, _frames: progress.frame(len(rows)),
        **sampling,
    )
    return result.audio, [c.take for c in result.chunks], 0


def _chunk_done(progress: RenderProgress, estimates: list[float], take) -> None:
    progress.chunk_done(estimates[take.index], take.frames)
    progress.line_done()


def _stream(args, model, plan, chunks, item, seed, sampling, progress, estimates):
    """All chunks as one streamed batch, played in order while they are generated.

    ``sampling`` holds each chunk's share of the length limit, as render_long_text gives them.
    """
    from .playback import LiveJoin, StreamPlayer

    joins = plan_joins(plan)
    live = LiveJoin(joins, len(chunks), model.sample_rate)
    player = StreamPlayer(model.sample_rate, args.play_device)  # opened first: no device, no render
    takes: list[Any] = [None] * len(chunks)
    try:
        for piece in model.generate_voice_clone_stream(
            [c.text for c in chunks],
            language=args.language,
            voice_clone_prompt=item,
            seed=chunk_seeds(seed, len(chunks)),  # the seeds render_long_text gives the chunks
            on_progress=lambda rows, _frames: progress.frame(len(rows)),
            **sampling,
        ):
            if piece.final:
                takes[piece.index] = piece.take
                _chunk_done(progress, estimates, piece.take)
            player.push(live.add(piece.index, piece.audio, piece.final))
    except BaseException:
        player.abort()
        raise
    progress.close()
    player.finish()
    audio = join_takes(
        takes, joins.joins, leading_s=joins.leading_s, trailing_s=joins.trailing_s
    ).audio  # equals what was played, sample for sample
    return audio, takes, player.underruns
