"""``timbre-cli render``: every line of a script to its own file, resumable, failures listed.

The order of work: parse the script and plan every line (no model); skip lines whose file
already holds the same take, copy takes that only moved to another line; then load the model
and render what is left in batches of chunks, saving each line the moment its last chunk is
done. A line that fails is reported and the others go on; a batch that fails as a whole is
retried line by line so one bad line cannot sink its neighbours.
"""

from __future__ import annotations

import argparse
import dataclasses
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import InputError, TimbreError
from ..text import Chunk, parse_script, plan_text
from . import exit_codes
from .audio_files import OutputError, remove_partials, stage_copy, write_audio
from .crash import describe_internal
from .manifest import LOCK_NAME, RenderManifest, TakeRecord
from .progress import RenderProgress, estimate_frames
from .render_jobs import TIMELINE_STEM, LineJob, plan_jobs
from .session import Session

SKIPPED, REUSED, RENDERED, FAILED = "skipped", "reused", "rendered", "failed"


@dataclass
class Outcome:
    """What happened to one line."""

    job: LineJob
    status: str = ""
    record: TakeRecord | None = None
    error: tuple[str, str | None] | None = None  # (message, hint)

    def as_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"line": self.job.number, "file": self.job.file_name, "status": self.status}
        if self.record is not None:
            r = self.record
            data.update(voice=r.voice, seed=r.seed, duration_s=round(r.duration_s, 3), complete=r.complete)
        if self.error is not None:
            data["error"] = {"message": self.error[0], "hint": self.error[1]}
        return data


@dataclass
class RenderRun:
    """State of one render: the folder, its manifest, and every line's outcome."""

    session: Session
    out: Path
    manifest: RenderManifest
    outcomes: list[Outcome]
    progress: RenderProgress | None = None
    sample_rate: int | None = None
    started: float = field(default_factory=time.monotonic)

    def fail(self, outcome: Outcome, error: BaseException) -> None:
        if isinstance(error, TimbreError):
            outcome.error = (error.message, error.hint)
        else:
            outcome.error = describe_internal(error)
        outcome.status = FAILED
        if self.progress is not None:
            self.progress.line_done(failed=True)

    def save(self, outcome: Outcome, audio, sample_rate: int, seed: int, complete: bool) -> None:
        """Write one line's take and record it (file first, so a record always has its file)."""
        job = outcome.job
        size, digest = write_audio(self.out / job.file_name, audio, sample_rate)
        rec = TakeRecord(
            key=job.key,
            line=job.number,
            text=job.line.text,
            voice=job.voice.name,
            voice_id=job.voice.id,
            language=job.language,
            seed=seed,
            duration_s=len(audio) / sample_rate,
            complete=complete,
            bytes=size,
            sha256=digest,
        )
        self.manifest.record(job.file_name, rec)
        outcome.record, outcome.status = rec, RENDERED
        if self.progress is not None:
            self.progress.line_done()


def run_render(args: argparse.Namespace, session: Session) -> int:
    """Render a script into a folder; -> 0, or 1 when some lines failed (they are listed)."""
    script = Path(args.script)
    lines = parse_script(script, args.script_format)
    if args.timeline and any(ln.start_s is None for ln in lines):
        raise InputError(
            "--timeline places takes at their cue times, and only SRT scripts have them.",
            "Use an .srt script, or leave out --timeline.",
        )
    out = Path(args.out)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise OutputError(f"The output folder {out} cannot be created ({e.strerror or e}).") from None
    default_voice = session.library.find(args.voice) if args.voice else None

    from filelock import FileLock, Timeout

    lock = FileLock(str(out / LOCK_NAME))
    try:
        lock.acquire(timeout=0)
    except Timeout:
        raise TimbreError(
            f"Another render is writing into {out} right now.",
            "Wait for it to finish, or render into another folder.",
        ) from None
    try:
        return _render_locked(args, session, script, lines, out, default_voice)
    finally:
        lock.release()


def _render_locked(args, session: Session, script: Path, lines, out: Path, default_voice) -> int:
    console = session.console
    remove_partials(out)  # we hold the folder: leftovers are from a render that was killed
    manifest = RenderManifest(out)
    if manifest.damaged_note:
        console.warn(manifest.damaged_note)
    manifest.forget_missing()
    extension = "." + args.format
    settings = {
        "sampling": session.sampling(),
        "max_chars": args.max_chars,
        "model": session.model_ref,
        "device": args.device,
        "dtype": args.dtype,
    }
    jobs = plan_jobs(
        lines,
        session.library,
        source=script.name,
        extension=extension,
        default_voice=default_voice,
        language=args.language,
        seed=args.seed,
        settings=settings,
    )
    run = RenderRun(session, out, manifest, [Outcome(job) for job in jobs])
    pending = _settle_existing(run)
    try:
        if pending:
            _render_pending(run, pending, args)
    except KeyboardInterrupt:
        if run.progress is not None:
            run.progress.close(finished=False)
        saved = sum(o.status in (SKIPPED, REUSED, RENDERED) for o in run.outcomes)
        console.warn(
            f"Stopped: {saved} of {len(jobs)} lines are saved in {out}. "
            "Run the same command again to render the rest."
        )
        raise
    timeline = _write_timeline(run, lines, extension) if args.timeline else None
    _report(run, script, timeline)
    return exit_codes.LINES_FAILED if any(o.status == FAILED for o in run.outcomes) else exit_codes.OK


def _settle_existing(run: RenderRun) -> list[Outcome]:
    """Mark lines already rendered, copy takes that moved, fail lines planned as failed; -> the rest."""
    pending, moves = [], []
    for o in run.outcomes:
        job = o.job
        if job.error is not None:
            run.fail(o, job.error)
        elif run.manifest.intact(job.file_name, job.key):
            o.status, o.record = SKIPPED, run.manifest.takes[job.file_name]
        elif (source := run.manifest.find(job.key)) is not None:
            moves.append((o, source))
        else:
            pending.append(o)
    # Copy every moved take before writing any: a source may be another line's target, so its
    # file and its record are both taken before the first copy lands.
    staged = []
    for o, source in moves:
        staged.append(
            (o, run.manifest.takes[source], stage_copy(run.out / source, run.out / o.job.file_name))
        )
    for o, old, tmp in staged:
        tmp.replace(run.out / o.job.file_name)
        job = o.job
        rec = dataclasses.replace(old, line=job.number, text=job.line.text, voice=job.voice.name)
        run.manifest.record(job.file_name, rec)
        o.status, o.record = REUSED, rec
    done = len(run.outcomes) - len(pending)
    if done and pending:
        run.session.console.note(
            f"{done} of {len(run.outcomes)} lines are already rendered; rendering the other {len(pending)}."
        )
    return pending


def _render_pending(run: RenderRun, pending: list[Outcome], args: argparse.Namespace) -> None:
    """Load the model, fetch each voice once, and render the pending lines batch by batch."""
    session = run.session
    model = session.model
    run.sample_rate = model.sample_rate
    supported = set(model.get_supported_languages())
    if args.language and args.language.strip().casefold() not in supported:
        raise InputError(
            f"The model does not speak {args.language!r}.", f"Supported: {', '.join(sorted(supported))}."
        )
    prompts: dict[str, Any] = {}
    ready = []
    for o in pending:
        job = o.job
        if job.language not in supported:
            run.fail(
                o,
                InputError(
                    f"The model does not speak {job.language!r}.",
                    f"Supported: {', '.join(sorted(supported))}.",
                ),
            )
            continue
        if job.voice.id not in prompts:
            try:
                prompts[job.voice.id] = session.library.prompt_for(job.voice, model)[0]
            except TimbreError as e:  # e.g. a voice that cannot be used with this model
                prompts[job.voice.id] = e
        if isinstance(prompts[job.voice.id], TimbreError):
            run.fail(o, prompts[job.voice.id])
            continue
        job.chunks = [c.text for c in plan_text(job.line.text, args.max_chars) if isinstance(c, Chunk)]
        ready.append(o)
    if not ready:
        return
    batch_size = args.batch_size or (16 if model.device.type == "cuda" else 4)
    sampling = session.sampling()
    limit = sampling.get("max_new_tokens")
    estimates = {id(o): [estimate_frames(text, limit) for text in o.job.chunks] for o in ready}
    total = sum(sum(e) for e in estimates.values())
    run.progress = RenderProgress(session.console, total, len(ready))
    try:
        for group in _groups(ready, batch_size):
            _render_group(run, group, prompts, estimates, batch_size, args.max_chars, sampling)
    except BaseException:
        run.progress.close(finished=False)
        run.progress = None
        raise
    run.progress.close(finished=True)
    run.progress = None


def _groups(outcomes: list[Outcome], batch_size: int) -> list[list[Outcome]]:
    """Consecutive lines whose chunks fit one batch (a line longer than a batch goes alone)."""
    groups: list[list[Outcome]] = []
    size = batch_size
    for o in outcomes:
        n = len(o.job.chunks)
        if groups and size + n <= batch_size:
            groups[-1].append(o)
            size += n
        else:
            groups.append([o])
            size = n
    return groups


def _render_group(
    run: RenderRun,
    group: list[Outcome],
    prompts: dict[str, Any],
    estimates: dict[int, list[float]],
    batch_size: int,
    max_chars: int | None,
    sampling: dict[str, Any],
) -> None:
    from ..text import render_texts

    progress = run.progress
    assert progress is not None
    progress.start_batch([e for o in group for e in estimates[id(o)]])

    def on_text(t: int, render) -> None:
        try:
            run.save(group[t], render.audio, render.sample_rate, render.seed, render.complete)
        except TimbreError as e:  # e.g. the file cannot be written: this line fails, the rest go on
            run.fail(group[t], e)

    try:
        render_texts(
            run.session.model,
            [o.job.line.text for o in group],
            [prompts[o.job.voice.id] for o in group],
            language=[o.job.language for o in group],
            seed=[o.job.seed for o in group],
            max_chars=max_chars,
            batch_size=batch_size,
            on_chunk=lambda t, c, take: progress.chunk_done(estimates[id(group[t])][c], take.frames),
            on_text=on_text,
            on_progress=lambda rows, _frames: progress.frame(len(rows)),
            **sampling,
        )
    except Exception as e:  # noqa: BLE001  (any failure is confined to this batch's lines)
        left = [o for o in group if not o.status]
        if len(group) > 1:
            for o in left:  # find the line at fault: each one alone
                _render_group(run, [o], prompts, estimates, batch_size, max_chars, sampling)
        else:
            for o in left:
                run.fail(o, e)


def _write_timeline(run: RenderRun, lines, extension: str):
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


def _report(run: RenderRun, script: Path, timeline) -> None:
    console = run.session.console
    by = {s: [o for o in run.outcomes if o.status == s] for s in (RENDERED, SKIPPED, REUSED, FAILED)}
    elapsed = time.monotonic() - run.started
    audio_s = sum(o.record.duration_s for o in run.outcomes if o.record is not None)
    cut = [o.job.number for o in run.outcomes if o.status == RENDERED and o.record and not o.record.complete]
    data: dict[str, Any] = {
        "script": str(script),
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
            "Listen to these; rendering them with another seed may help."
        )
    if timeline is not None:
        path, tl = timeline
        data["timeline"] = {"file": str(path), "duration_s": round(tl.duration_s, 3), "warnings": tl.warnings}
        text.append(f"Timeline: {path} ({tl.duration_s:.1f} s).")
        for w in tl.warnings:
            console.warn(f"timeline: {w}")
    console.result(data, "\n".join(text))
