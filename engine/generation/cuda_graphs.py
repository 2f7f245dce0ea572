"""The decode runner: frames run eagerly, or captured once as CUDA graphs and replayed.

A frame (talker logits -> sampled codebook 0 -> 15 code-predictor steps -> next talker step) is
one :class:`~engine.generation.frame_step.FrameStep` call on a batch's state; a replayed graph
is one launch instead of ~700. Graphs need persistent static state, so with them sizes are
rounded up: the batch to a bucket, the cache slots and trailing-text entries to powers of two.
That state is kept per (bucket, capacity, :class:`~engine.generation.sampling.Choice` pair) and
outlives requests, so graphs captured once (at warm-up, or the first time a shape is met) serve
every later request of that shape, whatever its temperatures and top-p values (per-row tensors).
Rows that end stay where they are, computed and ignored, until the live rows fit a smaller
bucket; then one gather moves them straight into that bucket's state (pad rows repeat a live
row). Without graphs (the CPU; CUDA with ``TIMBRE_NO_CUDA_GRAPHS=1``) the same code runs on
exact sizes: no pad rows, cache reads as long as needed, a gather whenever a row ends.
"""

from __future__ import annotations

import os
from collections import OrderedDict
from dataclasses import dataclass, field

import torch

from ..qwen3tts.talker import Talker
from .frame_step import BatchState, FrameStep
from .sampling import Choice

BATCH_BUCKETS = (1, 2, 4, 8, 16, 32, 64)
READ_LEN_BUCKET = 128  # attention reads the KV cache in multiples of this many slots
MIN_CAPACITY = 256
KEPT_STATES = 3  # persistent static states kept (each holds a KV cache)


def graphs_enabled(device: torch.device) -> bool:
    return device.type == "cuda" and os.environ.get("TIMBRE_NO_CUDA_GRAPHS", "") != "1"


def batch_bucket(rows: int) -> int:
    for b in BATCH_BUCKETS:
        if rows <= b:
            return b
    return -(-rows // 64) * 64


def _capacity(n: int, floor: int = 1) -> int:
    return max(floor, 1 << (max(1, n) - 1).bit_length())


@dataclass
class StaticSlot:
    """A batch's state tensors, the frame function on them, and its graphs: a runner's handle."""

    state: BatchState
    step_fn: FrameStep
    graphs: dict = field(default_factory=dict)  # read_len -> (CUDAGraph, outputs)


class GraphRunner:
    """Runs decode frames on one device; owns the static states and, with ``capture``, their graphs.

    ``buckets`` (default: ``capture``) rounds sizes up so that states and graphs are reused;
    ``capture=False, buckets=True`` runs the graph path's bookkeeping eagerly (the CPU tests).
    """

    def __init__(self, talker: Talker, capture: bool = True, buckets: bool | None = None) -> None:
        self.talker, self.capture = talker, capture
        self.buckets = capture if buckets is None else buckets
        self.pool = torch.cuda.graph_pool_handle() if capture else None
        self._kept: OrderedDict[tuple, StaticSlot] = OrderedDict()  # least recently used first

    def sizes(self, cache_slots: int, text_entries: int) -> tuple[int, int]:
        """The cache slots and trailing-text entries to make a batch's state with, for at least these."""
        if not self.buckets:
            return cache_slots, text_entries
        return _capacity(cache_slots, MIN_CAPACITY), _capacity(text_entries, 64)

    def start(self, state: BatchState, choices: tuple[Choice, Choice]) -> StaticSlot:
        """Take over a prefilled batch (made with :meth:`sizes`). -> the handle its frames run on."""
        if not self.buckets:
            return StaticSlot(state, FrameStep(self.talker, choices, state.batch))
        return self._move(state, list(range(state.batch)), choices)

    def step(self, slot: StaticSlot, frame: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Frame ``frame`` for every batch row -> (code0 (b,), codes (b, 16), talker logits (b, V))."""
        st = slot.state
        st.step.fill_(frame)  # a launch, not a sync: graphs read it at replay
        read_len = st.prefill_len + frame + 1
        if self.buckets:
            read_len = min(st.cache.max_len, -(-read_len // READ_LEN_BUCKET) * READ_LEN_BUCKET)
        if not self.capture:
            return slot.step_fn(st, read_len)
        entry = slot.graphs.get(read_len)
        if entry is None:
            entry = slot.graphs[read_len] = self._capture(slot, read_len)
        graph, outputs = entry
        graph.replay()
        return outputs

    def keep(self, slot: StaticSlot, rows: list[int]) -> tuple[StaticSlot, list[int]]:
        """Only batch rows ``rows`` go on. -> the handle they run on, and their batch rows there."""
        if self._bucket(len(rows)) == slot.state.batch:
            return slot, rows  # the others stay, computed and ignored
        return self._move(slot.state, rows, slot.step_fn.choices), list(range(len(rows)))

    def _bucket(self, rows: int) -> int:
        return batch_bucket(rows) if self.buckets else rows

    def _move(self, src: BatchState, rows: list[int], choices: tuple[Choice, Choice]) -> StaticSlot:
        """Gather batch rows ``rows`` of ``src`` into a state of their bucket, pad rows after them."""
        bucket = self._bucket(len(rows))
        index = torch.tensor(rows + rows[:1] * (bucket - len(rows)), device=src.hidden.device)  # (bucket,)
        key = (bucket, src.cache.max_len, src.trailing.shape[1], choices)
        slot = self._kept.pop(key, None)
        if slot is None:
            slot = StaticSlot(src.select(index), FrameStep(self.talker, choices, bucket))
        else:
            slot.state = src.select(index, out=slot.state)
        if self.buckets:
            self._kept[key] = slot
            while len(self._kept) > KEPT_STATES:
                self._kept.popitem(last=False)
        return slot

    def _capture(self, slot: StaticSlot, read_len: int):
        st = slot.state
        # A frame also rewrites its own cache slot, which the replay then writes again the same way.
        mutable = (st.seen, st.hidden, st.valid)
        saved = [t.clone() for t in mutable]
        side = torch.cuda.Stream()
        side.wait_stream(torch.cuda.current_stream())
        with torch.cuda.stream(side):
            slot.step_fn(st, read_len)  # warm-up run: lazy inits, allocator, library handles
        torch.cuda.current_stream().wait_stream(side)
        for t, old in zip(mutable, saved):
            t.copy_(old)
        graph = torch.cuda.CUDAGraph()
        with torch.cuda.graph(graph, pool=self.pool):
            outputs = slot.step_fn(st, read_len)
        return graph, outputs
