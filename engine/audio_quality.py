"""Plain-words advice about a reference recording: length, clipping, level, silence, noise.

Numpy only (no torch, no Qt), so the studio runs it on the GUI thread in a few milliseconds
and ``timbre-cli voices add`` runs it before the model loads. The thresholds follow what the
voice-clone models like: 3 to 10 s of clean, steady speech (:data:`GOOD_LENGTH`), peaks well
below full scale, little background noise. :func:`transcript_advice` judges whether an ICL
transcript can be what the recording says, from the pace it implies.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

import numpy as np

from .text.boundaries import is_dense

TOO_SHORT_S = 1.0
SHORT_S = 3.0  # the best length starts here ...
BEST_S = 10.0  # ... and ends here; longer is still fine up to LONG_S
LONG_S = 30.0
GOOD_LENGTH = f"{SHORT_S:g} to {BEST_S:g} seconds"  # every length hint says this, in these words
CLIP_LEVEL = 0.99  # |sample| at or above this counts as clipped
CLIP_FRACTION = 0.001  # more than 0.1 % clipped samples is audible
SILENT_PEAK_DBFS = -40.0
SILENT_SPEECH_DBFS = -50.0  # the loud tenth of the frames this quiet: a click or two, no voice
LOW_SPEECH_DBFS = -30.0
FRAME_S = 0.02
SNR_BAD_DB = 15.0
SNR_FAIR_DB = 25.0
# How long one unit of a transcript takes to say, fastest and slowest plausible: a word of a
# spaced script (about 0.7 to 6 words a second), or a CJK / Hangul character (about a syllable).
WORD_S = (0.15, 1.5)
DENSE_CHAR_S = (0.08, 1.0)
PAUSES_S = 2.0  # room for silence before, between and after the sentences


class Severity(Enum):
    GOOD = "good"
    WARNING = "warning"
    PROBLEM = "problem"


# What an advice is about (Advice.topic), so callers can act on a finding, not on its words.
LENGTH, SILENCE, CLIPPING, LEVEL, NOISE, TRANSCRIPT = (
    "length",
    "silence",
    "clipping",
    "level",
    "noise",
    "transcript",
)


@dataclass(frozen=True)
class Advice:
    """One finding: how serious it is, what to tell the creator, and its topic (see above)."""

    severity: Severity
    text: str
    topic: str = ""


@dataclass(frozen=True)
class QualityReport:
    """Measurements of a recording and the advice derived from them."""

    duration_s: float
    peak_dbfs: float
    speech_dbfs: float  # loudness of the louder (speaking) frames
    noise_dbfs: float  # loudness of the quietest frames: the background
    snr_db: float
    clipped_fraction: float
    advice: tuple[Advice, ...]

    @property
    def worst(self) -> Severity:
        order = [Severity.GOOD, Severity.WARNING, Severity.PROBLEM]
        return max((a.severity for a in self.advice), key=order.index, default=Severity.GOOD)

    @property
    def silent(self) -> bool:
        """True when there is no voice to copy: nothing, or (near) silence throughout."""
        return any(a.topic == SILENCE for a in self.advice)


def to_dbfs(x: float | np.ndarray) -> float | np.ndarray:
    """Linear amplitude -> dB relative to full scale (floored at -120 dB)."""
    return 20.0 * np.log10(np.maximum(np.abs(x), 1e-6))


def frame_levels_dbfs(audio: np.ndarray, sample_rate: int, frame_s: float = FRAME_S) -> np.ndarray:
    """RMS level of consecutive ``frame_s`` frames, in dBFS: (frames,)."""
    n = max(1, int(sample_rate * frame_s))
    count = len(audio) // n
    if count == 0:
        return np.array([float(to_dbfs(np.sqrt(np.mean(np.square(audio))) if len(audio) else 0.0))])
    frames = audio[: count * n].astype(np.float64).reshape(count, n)
    return to_dbfs(np.sqrt(np.mean(np.square(frames), axis=1)))


def analyze(audio: np.ndarray, sample_rate: int) -> QualityReport:
    """Measure ``audio`` (float32 mono, -1..1) and say what a creator should know about it."""
    audio = np.asarray(audio, dtype=np.float32).reshape(-1)
    duration = len(audio) / float(sample_rate) if sample_rate > 0 else 0.0
    if len(audio) == 0:
        empty = Advice(Severity.PROBLEM, "There is no audio yet. Record or open a file.", SILENCE)
        return QualityReport(0.0, -120.0, -120.0, -120.0, 0.0, 0.0, (empty,))
    peak = float(np.max(np.abs(audio)))
    peak_db = float(to_dbfs(peak))
    clipped = float(np.mean(np.abs(audio) >= CLIP_LEVEL))
    levels = frame_levels_dbfs(audio, sample_rate)
    speech_db = float(np.percentile(levels, 90))
    noise_db = float(np.percentile(levels, 10))
    snr = max(0.0, speech_db - noise_db)

    advice = [_length_advice(duration)]
    if peak_db < SILENT_PEAK_DBFS or speech_db < SILENT_SPEECH_DBFS:
        advice.append(
            Advice(
                Severity.PROBLEM,
                "Almost silent. Check that the right microphone is chosen and not muted.",
                SILENCE,
            )
        )
    else:
        advice += _level_advice(peak_db, speech_db, clipped)
        advice.append(_noise_advice(snr))
    return QualityReport(duration, peak_db, speech_db, noise_db, snr, clipped, tuple(advice))


def _length_advice(duration: float) -> Advice:
    if duration < TOO_SHORT_S:
        return Advice(Severity.PROBLEM, f"Too short ({duration:.1f} s). Use {GOOD_LENGTH} of speech.", LENGTH)
    if duration < SHORT_S:
        return Advice(
            Severity.WARNING,
            f"A bit short ({duration:.1f} s). {GOOD_LENGTH.capitalize()} gives a closer likeness.",
            LENGTH,
        )
    if duration > LONG_S:
        return Advice(
            Severity.WARNING,
            f"Long ({duration:.0f} s). Trim it to the best {GOOD_LENGTH}: extraction is slower "
            "and the likeness does not improve.",
            LENGTH,
        )
    return Advice(Severity.GOOD, f"Good length ({duration:.1f} s).", LENGTH)


def _level_advice(peak_db: float, speech_db: float, clipped: float) -> list[Advice]:
    advice = []
    if clipped > CLIP_FRACTION:
        advice.append(
            Advice(
                Severity.PROBLEM,
                f"Clipping ({clipped * 100:.1f} % of the samples hit the ceiling): the sound is "
                "distorted. Lower the input gain or move back from the microphone.",
                CLIPPING,
            )
        )
    if speech_db < LOW_SPEECH_DBFS:
        advice.append(
            Advice(
                Severity.WARNING,
                f"Quiet (speech around {speech_db:.0f} dBFS). Move closer or raise the input gain.",
                LEVEL,
            )
        )
    elif clipped <= CLIP_FRACTION:
        advice.append(Advice(Severity.GOOD, f"Healthy level (peaks at {peak_db:.0f} dBFS).", LEVEL))
    return advice


def _noise_advice(snr: float) -> Advice:
    if snr < SNR_BAD_DB:
        return Advice(
            Severity.PROBLEM,
            f"Noisy: the background is only {snr:.0f} dB below the voice. Record somewhere "
            "quieter; the model copies the noise too.",
            NOISE,
        )
    if snr < SNR_FAIR_DB:
        return Advice(
            Severity.WARNING,
            f"Some background noise (about {snr:.0f} dB below the voice). A quieter room helps.",
            NOISE,
        )
    below = f"about {snr:.0f} dB" if snr < 60 else "more than 60 dB"
    return Advice(Severity.GOOD, f"Clean background ({below} below the voice).", NOISE)


_WORD = re.compile(r"\w+")


def _units(transcript: str) -> tuple[int, int]:
    """(words, dense characters) of a transcript: how much there is to say."""
    dense = sum(1 for ch in transcript if is_dense(ch))
    spaced = "".join(" " if is_dense(ch) else ch for ch in transcript)
    return len(_WORD.findall(spaced)), dense


def _describe_units(words: int, dense: int) -> str:
    parts = [f"{words} word{'s' * (words != 1)}"] if words else []
    if dense:
        parts.append(f"{dense} character{'s' * (dense != 1)}")
    return " and ".join(parts)


def transcript_advice(transcript: str, duration_s: float) -> Advice:
    """Whether an ICL transcript can be what a recording of ``duration_s`` says, from its pace.

    A WARNING when saying the transcript would take far longer or far less than the recording
    lasts (a transcript of another clip, a clip much longer than its transcript), else GOOD.
    """
    words, dense = _units(transcript)
    if not words and not dense:
        return Advice(Severity.WARNING, "The transcript has no words in it.", TRANSCRIPT)
    fastest = words * WORD_S[0] + dense * DENSE_CHAR_S[0]
    slowest = words * WORD_S[1] + dense * DENSE_CHAR_S[1] + PAUSES_S
    amount = _describe_units(words, dense)
    check = (
        "It must be exactly the words spoken in the recording: check it, "
        "or trim the audio to the part it covers."
    )
    if duration_s > slowest:
        return Advice(
            Severity.WARNING,
            f"The transcript ({amount}) is short for {duration_s:.1f} s of audio: nobody speaks "
            f"that slowly. {check}",
            TRANSCRIPT,
        )
    if duration_s < fastest:
        return Advice(
            Severity.WARNING,
            f"The transcript ({amount}) is long for {duration_s:.1f} s of audio: nobody speaks "
            f"that fast. {check}",
            TRANSCRIPT,
        )
    return Advice(Severity.GOOD, f"The transcript ({amount}) fits the recording's length.", TRANSCRIPT)
