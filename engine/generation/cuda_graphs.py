"""CUDA graphs for the decode frame: one replay per frame instead of ~700 kernel launches.

A frame (talker logits -> sampled codebook 0 -> 15 code-predictor steps -> next talker step) is
captured on persistent static state and replayed. Static state exists per batch-size bucket and
capacity (cache slots, trailing-text entries, rounded up to powers of two) and outlives requests,
so graphs captured once (at warm-up, or the first time a shape is met) serve every later request
of that shape. Rows that end are moved out in place (other rows move up; the freed rows become
copies of a live row, computed and ignored); when the live rows fit a smaller bucket the state
moves there. ``TIMBRE_NO_CUDA_GRAPHS=1`` turns all of this off (eager CUDA).
"""

from __future__ import annotations

import os
from collections import OrderedDict
from dataclasses import dataclass, field

import torch

from ..qwen3tts.layers import StaticKVCache
from ..qwen3tts.talker import Talker
from .frame_step import BatchState, FrameStep
from .sampling import SamplingParams

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
    """Persistent state tensors of one shape, the frame function on them, and its graphs."""

    state: BatchState
    step_fn: FrameStep
    graphs: dict = field(default_factory=dict)  # read_len -> (CUDAGraph, outputs)


@dataclass
class GraphHandle:
    slot: StaticSlot
    rows: int  # the first ``rows`` batch rows are live
    frame: int  # frames done (host copy of state.step, so no read-back is needed)
    prefill_len: int
    capacity: int


class GraphRunner:
    """Captures and replays decode frames on one CUDA device; owns static state and graph pool.

    With ``capture=False`` it keeps everything else (static state, dead rows, bucketed cache
    reads) and runs frames eagerly: how the CPU tests exercise this path.
    """

    def __init__(self, talker: Talker, capture: bool = True) -> None:
        self.talker = talker
        self.capture = capture
        self.pool = torch.cuda.graph_pool_handle() if capture else None
        self._slots: OrderedDict[tuple, StaticSlot] = OrderedDict()

    def adopt(
        self, state: BatchState, params: SamplingParams, previous: GraphHandle | None = None
    ) -> GraphHandle:
        rows = state.batch
        bucket = batch_bucket(rows)
        if previous is not None:
            capacity, trail_cap = previous.capacity, previous.slot.state.trailing.shape[1]
        else:
            capacity = _capacity(state.cache.max_len, MIN_CAPACITY)
            trail_cap = _capacity(state.trailing.shape[1], 64)
        slot = self._slot((bucket, capacity, trail_cap, params), state, params, bucket, capacity, trail_cap)
        pad = torch.tensor(list(range(rows)) + [0] * (bucket - rows), device=state.hidden.device)
        _copy_into(slot.state, state.select(pad))
        frame = previous.frame if previous is not None else int(state.step)  # one read per adoption
        return GraphHandle(slot, rows, frame, state.prefill_len, capacity)

    def state(self, handle: GraphHandle) -> BatchState:
        live = handle.slot.state.select(torch.arange(handle.rows, device=handle.slot.state.hidden.device))
        live.prefill_len = handle.prefill_len
        return live

    def step(self, handle: GraphHandle):
        slot = handle.slot
        needed = handle.prefill_len + handle.frame + 1
        read_len = min(handle.capacity, -(-needed // READ_LEN_BUCKET) * READ_LEN_BUCKET)
        handle.frame += 1
        if not self.capture:
            return slot.step_fn(slot.state, read_len)
        entry = slot.graphs.get(read_len)
        if entry is None:
            entry = slot.graphs[read_len] = self._capture(slot, read_len)
        graph, outputs = entry
        graph.replay()
        return outputs

    def _slot(self, key, state: BatchState, params, bucket: int, capacity: int, trail_cap: int) -> StaticSlot:
        slot = self._slots.get(key)
        if slot is None:
            slot = StaticSlot(
                _allocate(state, bucket, capacity, trail_cap), FrameStep(self.talker, params, bucket)
            )
            self._slots[key] = slot
            while len(self._slots) > KEPT_STATES:
                self._slots.popitem(last=False)
        self._slots.move_to_end(key)
        return slot

    def _capture(self, slot: StaticSlot, read_len: int):
        st = slot.state
        mutable = (st.seen, st.hidden, st.step, st.valid)
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


def _allocate(like: BatchState, bucket: int, capacity: int, trail_cap: int) -> BatchState:
    """Zeroed static state shaped for ``bucket`` rows, ``capacity`` slots, ``trail_cap`` text entries."""
    k = like.cache.k
    cache = StaticKVCache(
        k.shape[0], bucket, k.shape[2], capacity, k.shape[4], device=k.device, dtype=k.dtype
    )
    dev = like.hidden.device
    return BatchState(
        cache=cache,
        valid=torch.zeros((bucket, capacity), dtype=torch.bool, device=dev),
        lengths=torch.zeros(bucket, dtype=torch.long, device=dev),
        trailing=torch.zeros(
            (bucket, trail_cap, like.trailing.shape[2]), dtype=like.trailing.dtype, device=dev
        ),
        seeds=torch.zeros(bucket, dtype=torch.long, device=dev),
        seen=torch.zeros((bucket, like.seen.shape[1]), dtype=torch.bool, device=dev),
        hidden=torch.zeros((bucket, like.hidden.shape[1]), dtype=like.hidden.dtype, device=dev),
        step=torch.zeros((), dtype=torch.long, device=dev),
        origin=torch.zeros((), dtype=torch.long, device=dev),
        trailing_last=torch.zeros((), dtype=torch.long, device=dev),
        prefill_len=0,
    )


def _copy_into(dst: BatchState, src: BatchState) -> None:
    """Copy a smaller (slots, trailing entries) state into static buffers; the rest is masked off."""
    slots, trail = src.valid.shape[1], src.trailing.shape[1]
    dst.cache.k[:, :, :, :slots].copy_(src.cache.k)
    dst.cache.v[:, :, :, :slots].copy_(src.cache.v)
    dst.valid.zero_()
    dst.valid[:, :slots].copy_(src.valid)
    dst.trailing[:, :trail].copy_(src.trailing)
    dst.trailing[:, trail:] = src.trailing[:, -1:]  # beyond the text: tts_pad, like the last entry
    for name in ("lengths", "seeds", "seen", "hidden", "step", "origin", "trailing_last"):
        getattr(dst, name).copy_(getattr(src, name))
