"""The end of a render: the timeline file (SRT) and the summary, for people or as JSON."""

from __future__ import annotations

import time
from typing import Any

from ..errors import InputError
from .audio_files import write_audio
from .render_jobs import TIMELINE_STEM
from .render_state import FAILED, RENDERED, REUSED, SKIPPED, RenderRun


def write_timeline_file(run: RenderRun, lines, extension: str):
    """One file with every take at its cue start (failed lines stay silent and are listed)."""
    import soundfile as sf

    from ..text import build_timeline

    takes, rate = [], run.sample_rate
    for o in run.outcomes:
        if o.status == FAILED:
            takes.append(None)
            continue
        audio, file_rate = sf.read(run.out / o.job.file_name, dtype="float32", always_2d=False)
        if rate is not None and file_rate != rate:
            raise InputError(
                f"{o.job.file_name} is at {file_rate} Hz but other takes are at {rate} Hz.",
                "Render the script again into an empty folder.",
            )
        rate = file_rate
        takes.append(audio.reshape(-1) if audio.ndim == 1 else audio.mean(axis=1))
    if rate is None:
        run.session.console.warn("No line was rendered, so no timeline was written.")
        return None
    timeline = build_timeline(lines, takes, sample_rate=rate)
    path = run.out / f"{TIMELINE_STEM}{extension}"
    write_audio(path, timeline.audio, rate)
    return path, timeline


def _lines_text(numbers: list[int]) -> str:
    return ("line " if len(numbers) == 1 else "lines ") + ", ".join(map(str, numbers))


def report(run: RenderRun, script: str, timeline) -> None:
    console = run.session.console
    by = {s: [o for o in run.outcomes if o.status == s] for s in (RENDERED, SKIPPED, REUSED, FAILED)}
    elapsed = time.monotonic() - run.started
    audio_s = sum(o.record.duration_s for o in run.outcomes if o.record is not None)
    cut = [o.job.number for o in run.outcomes if o.status == RENDERED and o.record and not o.record.complete]
    data: dict[str, Any] = {
        "script": script,
        "out": str(run.out),
        "rendered": len(by[RENDERED]),
        "skipped": len(by[SKIPPED]) + len(by[REUSED]),
        "failed": len(by[FAILED]),
        "audio_s": round(audio_s, 3),
        "elapsed_s": round(elapsed, 3),
        "lines": [o.as_json() for o in run.outcomes],
        "timeline": None,
    }
    parts = [f"rendered {len(by[RENDERED])}"]
    if by[SKIPPED] or by[REUSED]:
        reused = f" ({len(by[REUSED])} copied from lines that moved)" if by[REUSED] else ""
        parts.append(f"skipped {len(by[SKIPPED]) + len(by[REUSED])} already rendered{reused}")
    if by[FAILED]:
        parts.append(f"{len(by[FAILED])} failed")
    text = [
        f"{len(run.outcomes)} lines: {', '.join(parts)}. "
        f"{audio_s:.1f} s of audio in {run.out}, took {elapsed:.1f} s."
    ]
    if by[FAILED]:
        text.append("Failed lines:")
        for o in by[FAILED]:
            message, hint = o.error or ("failed", None)
            text.append(f"  line {o.job.number}: {message}" + (f" ({hint})" if hint else ""))
    if cut:
        console.warn(
            f"{_lines_text(cut)}: the model did not end the take by itself (cut at the length limit). "
            "Listen, and render again with another seed where it sounds cut off."
        )
    if timeline is not None:
        path, tl = timeline
        data["timeline"] = {"file": str(path), "duration_s": round(tl.duration_s, 3), "warnings": tl.warnings}
        text.append(f"Timeline: {path} ({tl.duration_s:.1f} s).")
        for w in tl.warnings:
            console.warn(f"timeline: {w}")
    console.result(data, "\n".join(text))
