"""Plain-words advice about a reference recording: length, clipping, level, background noise.

Qt-free and torch-free (numpy only) so it runs on the GUI thread in a few milliseconds and
can be tested on its own. The thresholds follow what the voice-clone models like: 3 to 10 s
of clean, steady speech, peaks well below full scale, little background noise.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

import numpy as np

TOO_SHORT_S = 1.0
SHORT_S = 3.0
LONG_S = 30.0
CLIP_LEVEL = 0.99  # |sample| at or above this counts as clipped
CLIP_FRACTION = 0.001  # more than 0.1 % clipped samples is audible
SILENT_PEAK_DBFS = -40.0
LOW_SPEECH_DBFS = -30.0
FRAME_S = 0.02
SNR_BAD_DB = 15.0
SNR_FAIR_DB = 25.0


class Severity(Enum):
    GOOD = "good"
    WARNING = "warning"
    PROBLEM = "problem"


@dataclass(frozen=True)
class Advice:
    """One finding: how serious it is and what to tell the creator."""

    severity: Severity
    text: str


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
        return QualityReport(
            0.0,
            -120.0,
            -120.0,
            -120.0,
            0.0,
            0.0,
            (Advice(Severity.PROBLEM, "There is no audio yet. Record or open a file."),),
        )
    peak = float(np.max(np.abs(audio)))
    peak_db = float(to_dbfs(peak))
    clipped = float(np.mean(np.abs(audio) >= CLIP_LEVEL))
    levels = frame_levels_dbfs(audio, sample_rate)
    speech_db = float(np.percentile(levels, 90))
    noise_db = float(np.percentile(levels, 10))
    snr = max(0.0, speech_db - noise_db)

    advice: list[Advice] = []
    if duration < TOO_SHORT_S:
        advice.append(
            Advice(Severity.PROBLEM, f"Too short ({duration:.1f} s). Use 3 to 10 seconds of speech.")
        )
    elif duration < SHORT_S:
        advice.append(
            Advice(
                Severity.WARNING, f"A bit short ({duration:.1f} s). 3 to 10 seconds gives a closer likeness."
            )
        )
    elif duration > LONG_S:
        advice.append(
            Advice(
                Severity.WARNING,
                f"Long ({duration:.0f} s). Trim to the best 10 to 20 seconds: extraction is slower "
                "and the likeness does not improve.",
            )
        )
    else:
        advice.append(Advice(Severity.GOOD, f"Good length ({duration:.1f} s)."))

    if peak_db < SILENT_PEAK_DBFS:
        advice.append(
            Advice(
                Severity.PROBLEM,
                "Almost silent. Check that the right microphone is chosen and not muted.",
            )
        )
    else:
        if clipped > CLIP_FRACTION:
            advice.append(
                Advice(
                    Severity.PROBLEM,
                    f"Clipping ({clipped * 100:.1f} % of the samples hit the ceiling): the sound is "
                    "distorted. Lower the input gain or move back from the microphone.",
                )
            )
        if speech_db < LOW_SPEECH_DBFS:
            advice.append(
                Advice(
                    Severity.WARNING,
                    f"Quiet (speech around {speech_db:.0f} dBFS). Move closer or raise the input gain.",
                )
            )
        elif clipped <= CLIP_FRACTION:
            advice.append(Advice(Severity.GOOD, f"Healthy level (peaks at {peak_db:.0f} dBFS)."))

        if snr < SNR_BAD_DB:
            advice.append(
                Advice(
                    Severity.PROBLEM,
                    f"Noisy: the background is only {snr:.0f} dB below the voice. Record somewhere "
                    "quieter; the model copies the noise too.",
                )
            )
        elif snr < SNR_FAIR_DB:
            advice.append(
                Advice(
                    Severity.WARNING,
                    f"Some background noise (about {snr:.0f} dB below the voice). A quieter room helps.",
                )
            )
        else:
            below = f"about {snr:.0f} dB" if snr < 60 else "more than 60 dB"
            advice.append(Advice(Severity.GOOD, f"Clean background ({below} below the voice)."))
    return QualityReport(duration, peak_db, speech_db, noise_db, snr, clipped, tuple(advice))
