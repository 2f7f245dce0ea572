"""Our frame-by-frame decode loop: static KV caches, batched rows that finish independently.

The prefill runs once for the whole left-padded batch. Then each frame is one
:class:`~engine.generation.frame_step.FrameStep` (eager on the CPU, a replayed CUDA graph on
GPUs) followed by the loop's single look at the host: which rows ended (EOS, their frame
budget, a detected loop) and whether the caller wants to stop. Ended rows leave the batch,
so they stop costing compute, and are reported at once.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Protocol

import torch

from ..errors import GenerationCancelled
from ..qwen3tts.layers import StaticKVCache
from ..qwen3tts.talker import Talker
from ..take import FINISH_EOS, FINISH_LOOP, FINISH_MAX_FRAMES
from .cpu_tuning import CpuTuning
from .cuda_graphs import GraphRunner, StaticSlot, graphs_enabled
from .frame_step import BatchState
from .prompt_builder import BatchPrompt
from .runaway import LoopDetector
from .sampling import Choice, SamplingParams


@dataclass
class RowResult:
    row: int
    codes: torch.Tensor  # (T, 16) int64 on the device
    finish_reason: str  # "eos" | "max_frames" | "loop"


@dataclass
class FrameEvent:
    """What one frame produced: a new frame for each live row, and the rows that just ended."""

    step: int
    rows: list[int]  # original row ids that got frame ``step``
    codes: torch.Tensor  # (len(rows), 16) on the device
    finished: list[RowResult]


@dataclass
class DecodeRequest:
    prompt: BatchPrompt
    params: SamplingParams
    seeds: torch.Tensor  # (B,) int64
    max_frames: list[int]  # per row
    should_stop: Callable[[], bool] | None = None
    loop_guard: bool = True


class DecodeRunner(Protocol):
    """How :class:`FrameDecoder` runs frames: its one view of eager runs and CUDA graphs.

    :class:`~engine.generation.cuda_graphs.GraphRunner` is the implementation (eager with
    ``capture=False``). A handle stands for one batch's state; rows are positions in it.
    """

    def sizes(self, cache_slots: int, text_entries: int) -> tuple[int, int]:
        """The cache slots and trailing-text entries to make a batch's state with."""

    def start(self, state: BatchState, choices: tuple[Choice, Choice]) -> StaticSlot:
        """Take over a prefilled batch. -> its handle."""

    def step(self, handle: StaticSlot, frame: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Frame ``frame`` for every row -> (code0 (b,), codes (b, 16), talker logits (b, V))."""

    def keep(self, handle: StaticSlot, rows: list[int]) -> tuple[StaticSlot, list[int]]:
        """Only rows ``rows`` go on. -> their handle, and their rows in it."""


class FrameDecoder:
    """Decodes batches on one talker; ``runner`` decides eager vs CUDA graphs."""

    def __init__(
        self, talker: Talker, runner: DecodeRunner | None = None, tuning: CpuTuning | None = None
    ) -> None:
        self.talker = talker
        self.tuning = tuning or CpuTuning(talker.device)
        self.runner = runner or GraphRunner(talker, capture=graphs_enabled(talker.device))

    @torch.inference_mode()
    def prefill(self, req: DecodeRequest) -> BatchState:
        """Run the prompt through the talker once; the state the first frame starts from."""
        t, prompt = self.talker, req.prompt
        dev, dtype = prompt.prefill.device, prompt.prefill.dtype
        batch, prefill_len, _ = prompt.prefill.shape
        text_len = prompt.trailing.shape[1]
        cache_len, text_room = self.runner.sizes(prefill_len + max(req.max_frames) + 1, text_len)
        cache = StaticKVCache.for_stack(t.config, batch, cache_len, device=dev, dtype=dtype)
        # Left padding: row b's tokens sit in slots [pad_b, L); frame k goes to slot L + k.
        pads = prefill_len - prompt.prefill_lengths  # (B,)
        slots = torch.arange(cache_len, device=dev)
        valid = (slots[None, :] >= pads[:, None]) & (slots[None, :] < prefill_len)  # (B, S)
        q = torch.arange(prefill_len, device=dev)
        mask = (q[:, None] >= q[None, :])[None] & valid[:, None, :prefill_len]  # (B, L, L)
        mask |= torch.eye(prefill_len, dtype=torch.bool, device=dev)[None]  # pad queries see themselves
        positions = (q[None, :] - pads[:, None]).clamp(min=0)  # (B, L)
        hidden = t.model(prompt.prefill, positions, mask[:, None], cache, q, prefill_len)[:, -1]  # (B, H)
        trailing = torch.nn.functional.pad(prompt.trailing, (0, 0, 0, text_room - text_len))  # (B, T, H)
        return BatchState(
            cache=cache,
            valid=valid,
            lengths=prompt.prefill_lengths.clone(),
            trailing=trailing,  # entries past the text are never read: frames stop at trailing_last
            seeds=req.seeds.to(dev),
            seen=torch.zeros((batch, t.config.vocab_size), dtype=torch.bool, device=dev),
            hidden=hidden.contiguous(),
            **req.params.per_row(batch, dev),
            step=torch.zeros((), dtype=torch.long, device=dev),
            origin=torch.tensor(prefill_len, device=dev),
            trailing_last=torch.tensor(text_len - 1, device=dev),
            prefill_len=prefill_len,
        )

    @torch.inference_mode()
    def frames(self, req: DecodeRequest) -> Iterator[FrameEvent]:
        """Decode frame by frame, yielding after each; raises GenerationCancelled on request."""
        batch = req.prompt.prefill.shape[0]
        dev = req.prompt.prefill.device
        out = torch.zeros((batch, max(req.max_frames), 16), dtype=torch.long, device=dev)  # (B, F, 16)
        loops = LoopDetector() if req.loop_guard else None
        live = list(range(batch))  # the ids of the rows still decoding ...
        at = list(range(batch))  # ... and where they are in the runner's batch
        with self.tuning.decoding(batch) as resize:
            handle = self.runner.start(self.prefill(req), req.params.choices())
            for step in itertools.count():
                code0, codes, _logits = self.runner.step(handle, step)
                firsts = code0.tolist()  # the loop's one host read per frame
                finished, kept = self._endings(req, loops, step, live, [firsts[p] for p in at], out)
                rows, at = [live[i] for i in kept], [at[i] for i in kept]
                if not rows:  # every row ended: there is no frame to keep, maybe no room for one
                    yield FrameEvent(step=step, rows=[], codes=codes[:0], finished=finished)
                    return
                frame = codes[torch.tensor(at, device=dev)]  # (len(rows), 16)
                out[torch.tensor(rows, device=dev), step] = frame
                yield FrameEvent(step=step, rows=rows, codes=frame, finished=finished)
                if len(rows) < len(live):
                    handle, at = self.runner.keep(handle, at)
                    resize(len(rows))
                    live = rows
                if req.should_stop is not None and req.should_stop():
                    raise GenerationCancelled("Generation was cancelled.")

    def _endings(self, req: DecodeRequest, loops, step: int, live: list[int], firsts: list[int], out):
        """Which rows ``live`` end at frame ``step`` (their codebook 0 ``firsts``; ``out`` their codes).

        -> (the results of those that end, the indices in ``live`` of those that go on).
        """
        finished, kept = [], []
        for i, (rid, first) in enumerate(zip(live, firsts)):
            reason, end = None, step
            if first == self.talker.config.codec_eos_token_id:
                reason = FINISH_EOS
            elif step >= req.max_frames[rid]:
                reason = FINISH_MAX_FRAMES
            elif loops is not None and (began := loops.push(rid, first)) is not None:
                reason, end = FINISH_LOOP, began
            if reason is None:
                kept.append(i)
            else:
                finished.append(RowResult(rid, out[rid, :end], reason))
        return finished, kept

    @torch.inference_mode()
    def frame_seconds(self, batch: int, frames: int = 4, prompt_len: int = 8) -> float:
        """Seconds one frame of ``batch`` rows takes, for calibration: a made-up prompt, no audio.

        -> the fastest frame-to-frame time while every row was still running (the least
        disturbed by the rest of the machine). Frame 0 carries the prefill and is not counted.
        """
        t = self.talker
        dev, dtype, hidden = t.device, t.dtype, t.config.hidden_size
        prompt = BatchPrompt(
            prefill=0.02 * torch.randn((batch, prompt_len, hidden), device=dev).to(dtype),  # (B, L, H)
            prefill_lengths=torch.full((batch,), prompt_len, device=dev),  # (B,)
            trailing=torch.zeros((batch, 1, hidden), device=dev, dtype=dtype),  # (B, 1, H)
            trailing_lengths=torch.zeros((batch,), dtype=torch.long, device=dev),
            tts_pad=torch.zeros(hidden, device=dev, dtype=dtype),
        )
        req = DecodeRequest(
            prompt,
            SamplingParams(),
            seeds=torch.arange(batch),
            max_frames=[frames] * batch,
            loop_guard=False,
        )
        stamps = []
        for event in self.frames(req):
            if len(event.rows) < batch:  # a row ended (EOS): later frames are a smaller batch
                break
            stamps.append(time.perf_counter())
        return min(b - a for a, b in zip(stamps, stamps[1:]))

    def run(
        self, req: DecodeRequest, on_event: Callable[[FrameEvent], None] | None = None
    ) -> list[RowResult]:
        """Decode to the end; -> one result per row, in row order."""
        results: dict[int, RowResult] = {}
        for event in self.frames(req):
            for r in event.finished:
                results[r.row] = r
            if on_event is not None:
                on_event(event)
        return [results[i] for i in sorted(results)]
