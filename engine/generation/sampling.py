"""Token choice on the device: penalties, temperature, top-k, top-p, and seeded sampling.

Sampling uses the Gumbel-max trick with noise from a counter-based hash of (row seed, frame,
codebook, candidate). A take's randomness therefore depends only on its own seed, not on which
other lines share its batch or on any global generator, and it is all plain tensor arithmetic
(no host round trip, capturable in a CUDA graph).
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any

import torch

_M32 = 0xFFFFFFFF
_MIX = 0x45D9F3B  # small odd multiplier: products stay below 2**63, so int64 never overflows


@dataclass(frozen=True)
class Choice:
    """How one codebook's token is chosen: the settings that shape the computation.

    The numbers (temperature, top_p, repetition penalty) are per-row tensors of the batch state,
    so changing them reuses the static state and CUDA graphs made for a ``Choice``.
    """

    sample: bool  # False: greedy
    top_k: int  # 0: no top-k
    top_p: bool  # whether top-p filtering runs at all


@dataclass(frozen=True)
class SamplingParams:
    """Generation settings; names and meaning as in the official ``generate_voice_clone``."""

    do_sample: bool = True
    top_k: int = 50
    top_p: float = 1.0
    temperature: float = 0.9
    repetition_penalty: float = 1.05
    subtalker_dosample: bool = True
    subtalker_top_k: int = 50
    subtalker_top_p: float = 1.0
    subtalker_temperature: float = 0.9
    max_new_tokens: int = 2048
    # EOS is not allowed before this many first-codebook tokens (the official package fixes it at 2).
    min_new_tokens: int = 2

    @classmethod
    def merged(cls, defaults: dict[str, Any], **user: Any) -> SamplingParams:
        """User values (not None) over ``generation_config.json`` values over the built-in defaults."""
        names = {f.name for f in fields(cls)}
        unknown = sorted(k for k, v in user.items() if k not in names and v is not None)
        if unknown:
            from ..errors import InputError

            raise InputError(f"Unknown generation option(s): {', '.join(unknown)}.")
        picked = {k: defaults[k] for k in names if k in defaults}
        picked.update({k: v for k, v in user.items() if v is not None})
        params = replace(cls(), **picked)
        params.validate()
        return params

    def validate(self) -> None:
        from ..errors import InputError

        checks = [
            (self.temperature > 0 and self.subtalker_temperature > 0, "temperature must be greater than 0"),
            (0 < self.top_p <= 1 and 0 < self.subtalker_top_p <= 1, "top_p must be in (0, 1]"),
            (self.top_k >= 0 and self.subtalker_top_k >= 0, "top_k must be 0 (off) or more"),
            (self.repetition_penalty > 0, "repetition_penalty must be greater than 0"),
            (self.max_new_tokens >= 2, "max_new_tokens must be at least 2"),
            (
                0 <= self.min_new_tokens <= self.max_new_tokens,
                "min_new_tokens must be between 0 and max_new_tokens",
            ),
        ]
        for ok, message in checks:
            if not ok:
                raise InputError(f"Invalid generation settings: {message}.")

    def choices(self) -> tuple[Choice, Choice]:
        """How codebook 0 (the talker's) and codebooks 1..15 (the code predictor's) are chosen."""
        return (
            Choice(self.do_sample, self.top_k, self.top_p < 1.0),
            Choice(self.subtalker_dosample, self.subtalker_top_k, self.subtalker_top_p < 1.0),
        )

    def per_row(self, batch: int, device: torch.device) -> dict[str, torch.Tensor]:
        """The per-row numbers of these settings, every row the same: batch state fields."""

        def rows(*values: float, dtype: torch.dtype = torch.float32) -> torch.Tensor:
            return torch.tensor([values] * batch, dtype=dtype, device=device)  # (B, len(values))

        return {
            "temperature": rows(self.temperature, self.subtalker_temperature),  # (B, 2)
            "top_p": rows(self.top_p, self.subtalker_top_p),  # (B, 2)
            "repetition_penalty": rows(self.repetition_penalty),  # (B, 1)
            "min_frames": rows(self.min_new_tokens, dtype=torch.long)[:, 0],  # (B,)
        }


def _hash32(x: torch.Tensor) -> torch.Tensor:
    """A 32-bit integer mixer on int64 tensors holding values in [0, 2**32)."""
    x = ((x >> 16) ^ x) * _MIX & _M32
    x = ((x >> 16) ^ x) * _MIX & _M32
    return (x >> 16) ^ x


def gumbel_noise_streams(
    seeds: torch.Tensor, step: torch.Tensor | int, streams: range, n: int
) -> torch.Tensor:
    """Deterministic Gumbel(0, 1) noise (B, len(streams), n) for row seeds (B,) and a frame counter.

    A frame draws from 16 streams (one per codebook), made in one go (~30 tensor operations
    instead of ~80 per stream). Stream ``s`` gets the same numbers whichever streams are made
    with it, and the first ``m`` of ``n`` candidates are the noise for ``m`` candidates.
    """
    base = _hash32((seeds & _M32) ^ _hash32((seeds >> 32) & _M32))
    base = _hash32(base ^ _hash32((torch.as_tensor(step, device=seeds.device) * 2654435761) & _M32))
    ids = torch.arange(streams.start, streams.stop, device=seeds.device, dtype=torch.int64)
    base = _hash32(base[:, None] ^ (ids * 40503 + 1))  # (B, S)
    idx = torch.arange(n, device=seeds.device, dtype=torch.int64)
    bits = _hash32((base[:, :, None] + idx * 0x27D4EB2F) & _M32)  # (B, S, n)
    u = ((bits & 0xFFFFFF).to(torch.float32) + 0.5) * (1.0 / 16777216.0)  # in (0, 1)
    return -torch.log(-torch.log(u))


def candidates(vocab: int, top_k: int) -> int:
    """How many candidates :func:`choose` draws noise for with this vocabulary and top-k."""
    return top_k if 0 < top_k < vocab else vocab


def divide(x: torch.Tensor, d: torch.Tensor) -> torch.Tensor:
    """``x / d`` rounded as torch rounds ``x / number`` on ``x``'s device.

    Per-row settings then sample exactly as one number shared by the batch did: CUDA divides by
    a host number as a multiplication by its float32 reciprocal, the CPU really divides.
    """
    return x * torch.reciprocal(d) if x.is_cuda else x / d


def apply_repetition_penalty(logits: torch.Tensor, seen: torch.Tensor, penalty: torch.Tensor) -> torch.Tensor:
    """Make tokens already chosen in a row (``seen`` bool (B, V)) less likely, as HF does.

    ``penalty`` (B, 1): each row's; rows at 1.0 come out unchanged (x * 1 and x / 1 are exact).
    """
    penalised = torch.where(logits < 0, logits * penalty, divide(logits, penalty))
    return torch.where(seen, penalised, logits)


def choose(
    logits: torch.Tensor,
    choice: Choice,
    temperature: torch.Tensor,
    top_p: torch.Tensor,
    noise: torch.Tensor | None,
) -> torch.Tensor:
    """Pick one token per row from ``logits`` (B, V) -> (B,) int64.

    ``temperature`` and ``top_p`` (B, 1): each row's. ``noise`` (B, >= candidates): this
    codebook's Gumbel noise (:func:`gumbel_noise_streams`); None when ``choice`` is greedy.
    """
    if not choice.sample:
        return torch.argmax(logits, dim=-1)
    scores = divide(logits.float(), temperature)
    vocab = scores.shape[-1]
    if candidates(vocab, choice.top_k) < vocab:
        values, index = torch.topk(scores, choice.top_k, dim=-1)  # (B, k), sorted high to low
    else:
        values, index = torch.sort(scores, dim=-1, descending=True)
    if choice.top_p:
        probs = torch.softmax(values, dim=-1)
        # Keep the smallest head whose mass reaches top_p (always at least the best token); rows
        # at 1.0 keep everything, as if the filter had not run (a cumsum may round past 1).
        drop = ((probs.cumsum(-1) - probs) >= top_p) & (top_p < 1.0)
        drop[:, 0] = False
        values = values.masked_fill(drop, float("-inf"))
    n = values.shape[-1]
    return index.gather(-1, (values + noise[:, :n]).argmax(-1, keepdim=True)).squeeze(-1)
