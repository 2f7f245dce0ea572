"""One WAV for a whole subtitle track: each take placed at its cue's start time.

Pure numpy (soundfile only to write). A take placed at ``start_s`` begins at sample
``round(start_s * sample_rate)`` exactly. Takes that run past their cue's end are kept whole
and reported, so a creator can shorten the line, speed it up in an editor, or move the cue.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from ..errors import InputError
from .join import HasAudio, as_audio
from .script import ScriptLine


def format_time(seconds: float) -> str:
    """``75.5`` -> ``"00:01:15,500"``, as SRT writes times."""
    ms = round(seconds * 1000)
    h, rest = divmod(ms, 3_600_000)
    m, rest = divmod(rest, 60_000)
    s, ms = divmod(rest, 1000)
    return f"{h:02d}:{m:02d}:{s:02d},{ms:03d}"


@dataclass(frozen=True)
class Overrun:
    """A take that ends after its cue does. ``next_line`` is set when it also runs into the next cue."""

    line: int
    cue_end_s: float
    take_end_s: float
    next_line: int | None = None

    @property
    def by_s(self) -> float:
        return self.take_end_s - self.cue_end_s

    def __str__(self) -> str:
        text = (
            f"line {self.line}: the take runs {self.by_s:.2f} s past its cue's end "
            f"({format_time(self.cue_end_s)})"
        )
        if self.next_line is not None:
            text += f" and overlaps the next cue (line {self.next_line})"
        return text


@dataclass
class Timeline:
    """The placed audio, where each take starts (samples; None for a missing take), and warnings."""

    audio: np.ndarray  # (N,) float32
    sample_rate: int
    offsets: list[int | None]
    overruns: list[Overrun] = field(default_factory=list)
    missing_lines: list[int] = field(default_factory=list)

    @property
    def duration_s(self) -> float:
        return len(self.audio) / self.sample_rate

    @property
    def warnings(self) -> list[str]:
        """What a creator should check, one sentence each."""
        out = [str(o) for o in self.overruns]
        out += [f"line {n}: no take to place; the timeline is silent there" for n in self.missing_lines]
        return out


def build_timeline(
    lines: Sequence[ScriptLine],
    takes: Sequence[HasAudio | np.ndarray | None],
    sample_rate: int | None = None,
) -> Timeline:
    """Place each take at its line's cue start (``lines`` from an SRT script, one take per line).

    A take is a :class:`~engine.take.Take`, a :class:`~engine.text.render.LongTextRender` (a
    cue rendered with :func:`~engine.text.render.render_texts`), or a mono float32 array (then
    ``sample_rate`` is needed). A take of None (a line that failed to render) leaves silence and is listed in
    ``missing_lines``. Takes that overlap are mixed. The timeline lasts until the last cue or
    the last take ends, whichever is later.
    """
    if len(lines) != len(takes):
        raise InputError(f"{len(lines)} script lines but {len(takes)} takes; give one take per line.")
    untimed = [ln.line for ln in lines if ln.start_s is None or ln.end_s is None]
    if untimed:
        raise InputError(
            f"A timeline needs start and end times, and these lines have none: {', '.join(map(str, untimed))}.",
            "Timelines are made from SRT subtitle scripts.",
        )
    audios: list[np.ndarray | None] = []
    for take in takes:
        if take is None:
            audios.append(None)
        else:
            audio, sample_rate = as_audio(take, sample_rate)
            audios.append(audio)
    if sample_rate is None:
        raise InputError("build_timeline needs sample_rate= when every take is a plain array.")

    offsets: list[int | None] = []
    end = max(round(ln.end_s * sample_rate) for ln in lines) if lines else 0
    for ln, audio in zip(lines, audios):
        offset = None if audio is None else round(ln.start_s * sample_rate)
        offsets.append(offset)
        if audio is not None:
            end = max(end, offset + len(audio))
    out = np.zeros(end, dtype=np.float32)
    overruns, missing = [], []
    by_start = sorted(range(len(lines)), key=lambda i: lines[i].start_s)
    for rank, i in enumerate(by_start):
        ln, audio, offset = lines[i], audios[i], offsets[i]
        if audio is None:
            missing.append(ln.line)
            continue
        out[offset : offset + len(audio)] += audio
        take_end = offset + len(audio)  # compared in samples, so a take that just fits is no overrun
        if take_end > round(ln.end_s * sample_rate):
            following = lines[by_start[rank + 1]] if rank + 1 < len(by_start) else None
            overlaps = following is not None and take_end > round(following.start_s * sample_rate)
            next_line = following.line if overlaps else None
            overruns.append(Overrun(ln.line, ln.end_s, take_end / sample_rate, next_line))
    overruns.sort(key=lambda o: o.line)
    missing.sort()
    return Timeline(out, sample_rate, offsets, overruns, missing)


def write_timeline(path: str | os.PathLike, timeline: Timeline, subtype: str = "PCM_16") -> None:
    """Write the timeline as WAV (or FLAC, by the file's extension) at its sample rate.

    Mixed overlaps can exceed full scale; samples are clipped to [-1, 1] rather than wrapped.
    """
    import soundfile as sf

    sf.write(os.fspath(path), np.clip(timeline.audio, -1.0, 1.0), timeline.sample_rate, subtype=subtype)
