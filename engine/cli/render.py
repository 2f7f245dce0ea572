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
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import InputError, TimbreError
from ..take import FINISH_EOS
from ..text import Chunk, parse_script, part_token_limits, plan_text
from . import exit_codes
from .audio_files import prepare_output_folder, remove_partials, stage_copy
from .manifest import LOCK_NAME, RenderManifest
from .progress import RenderProgress, estimate_frames
from .project_script import ProjectScript, open_project_script
from .render_jobs import plan_jobs
from .render_state import FAILED, RENDERED, REUSED, SKIPPED, Outcome, RenderRun
from .render_summary import report, write_timeline_file
from .session import Session


def run_render(args: argparse.Namespace, session: Session) -> int:
    """Render a script into a folder; -> 0, or 1 when some lines failed (they are listed).

    The script is a file, or with ``--project`` a studio project's script by name (its takes
    then also join the project). The script (every problem at once), the output folder, the
    default voice and the language are checked before the model loads.
    """
    project = None
    if args.project is not None:
        project = _project_script(args)
        lines, source = project.lines, project.source
    else:
        lines, source = parse_script(Path(args.script), args.script_format), args.script
    if args.timeline and any(ln.start_s is None for ln in lines):
        raise InputError(
            "--timeline places takes at their cue times, and only SRT scripts have them.",
            "Use an .srt script, or leave out --timeline.",
        )
    out = Path(args.out)
    default_voice = _default_voice(args, session, project)
    language = args.language or (project.script.default_language if project else None)
    session.check_language(language)
    prepare_output_folder(out)
    try:
        with _holding(out):
            return _render_locked(
                args, session, _Target(source, lines, project, language), out, default_voice
            )
    finally:
        if project is not None:
            project.store.close()


@dataclass
class _Target:
    """What is rendered: the script's name for messages, its lines, and the project it is from."""

    source: str
    lines: list
    project: ProjectScript | None
    language: str | None


def _project_script(args: argparse.Namespace) -> ProjectScript:
    from ..paths import data_dir
    from ..projects import ProjectStore

    if args.script_format is not None:
        raise InputError(
            "--script-format is for script files; a project's script is read from the project.",
            "Leave out --script-format.",
        )
    return open_project_script(ProjectStore(data_dir()), args.project, args.script)


def _default_voice(args: argparse.Namespace, session: Session, project: ProjectScript | None):
    if args.voice:
        return session.library.find(args.voice)
    voice_id = project.script.default_voice_id if project else None
    if voice_id is None:
        return None
    try:
        return session.library.find(voice_id)
    except TimbreError:
        raise InputError(
            f"The default voice of {project.source} is no longer in the library.",
            "Choose another with --voice, or pick one for the script in the studio.",
        ) from None


@contextmanager
def _holding(out: Path) -> Iterator[None]:
    """Hold the output folder's lock while a render writes into it; no lock file stays behind.

    The lock file is removed while still held, then released: a render that opened the old
    file meanwhile finds it unlinked and does not count it as held (filelock checks that),
    so two renders never write into one folder at once.
    """
    from filelock import FileLock, Timeout

    path = out / LOCK_NAME
    lock = FileLock(str(path))
    try:
        lock.acquire(timeout=0)
    except Timeout:
        raise TimbreError(
            f"Another render is writing into {out} right now.",
            "Wait for it to finish, or render into another folder.",
        ) from None
    try:
        yield
    finally:
        try:
            path.unlink()
        except OSError:  # e.g. Windows, where filelock removes it on release itself
            pass
        lock.release()


def _render_locked(args, session: Session, target: _Target, out: Path, default_voice) -> int:
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
    lines = target.lines
    jobs = plan_jobs(
        lines,
        session.library,
        source=Path(target.source).name if target.project is None else target.source,
        extension=extension,
        default_voice=default_voice,
        language=target.language,
        seed=args.seed,
        settings=settings,
    )
    supported = session.supported_languages()  # None: known once the model is downloaded
    for job in jobs:
        if supported is not None and job.error is None and job.language not in supported:
            job.error = _unsupported(job.language, supported)
    run = RenderRun(session, out, manifest, [Outcome(job) for job in jobs], project=target.project)
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
    timeline = write_timeline_file(run, lines, extension) if args.timeline else None
    report(run, target.source, timeline)
    return exit_codes.LINES_FAILED if any(o.status == FAILED for o in run.outcomes) else exit_codes.OK


def _unsupported(language: str, supported) -> InputError:
    return InputError(
        f"The model does not speak {language!r}.", f"Supported: {', '.join(sorted(supported))}."
    )


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
    done = sum(o.status in (SKIPPED, REUSED) for o in run.outcomes)
    if done and pending:
        run.session.console.note(
            f"{done} of {len(run.outcomes)} lines are already rendered; {len(pending)} to render."
        )
    return pending


def _render_pending(run: RenderRun, pending: list[Outcome], args: argparse.Namespace) -> None:
    """Load the model, fetch each voice once, and render the pending lines batch by batch."""
    session = run.session
    model = session.model
    run.sample_rate = model.sample_rate
    session.check_language(args.language)  # again: a hub model's languages are known only now
    supported = set(model.get_supported_languages())
    prompts: dict[str, Any] = {}
    ready = []
    for o in pending:
        job = o.job
        if job.language not in supported:
            run.fail(o, _unsupported(job.language, supported))
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
    estimates = {
        id(o): [estimate_frames(t, n) for t, n in zip(o.job.chunks, part_token_limits(limit, o.job.chunks))]
        for o in ready
    }
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
            unfinished = [c.take.finish_reason for c in render.incomplete_chunks]
            finish = unfinished[0] if unfinished else FINISH_EOS
            run.save(group[t], render.audio, render.sample_rate, render.seed, finish)
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
