"""CUDA graphs for the decode frame: one replay per frame instead of ~700 kernel launches.

A frame (talker logits -> sampled codebook 0 -> 15 code-predictor steps -> next talker step) is
captured per batch-size bucket and cache-read-length bucket, on static state tensors, and
replayed. Rows that end leave the bucket's buffers in place (other rows move up); when the live
rows fit a smaller bucket the state moves there. Dead rows in a bucket are copies of a live row,
computed and ignored. ``TIMBRE_NO_CUDA_GRAPHS=1`` turns all of this off (eager CUDA).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import torch

from ..qwen3tts.talker import Talker
from .frame_step import BatchState, FrameStep
from .sampling import SamplingParams

BATCH_BUCKETS = (1, 2, 4, 8, 16, 32, 64)
READ_LEN_BUCKET = 128  # attention reads the KV cache in multiples of this many slots


def graphs_enabled(device: torch.device) -> bool:
    return device.type == "cuda" and os.environ.get("TIMBRE_NO_CUDA_GRAPHS", "") != "1"


def batch_bucket(rows: int) -> int:
    for b in BATCH_BUCKETS:
        if rows <= b:
            return b
    return -(-rows // 64) * 64


@dataclass
class GraphHandle:
    state: BatchState  # static tensors, ``bucket`` rows, the first ``rows`` live
    step_fn: FrameStep
    params: SamplingParams
    bucket: int
    rows: int
    frame: int  # frames done (host copy of state.step, so no read-back is needed)
    graphs: dict = field(default_factory=dict)  # read_len -> (CUDAGraph, outputs)


class GraphRunner:
    """Captures and replays decode frames on one CUDA device; owns the graph memory pool.

    With ``capture=False`` it keeps everything else (bucketed static state, dead rows, bucketed
    cache reads) and runs frames eagerly: how the CPU tests exercise this path.
    """

    def __init__(self, talker: Talker, capture: bool = True) -> None:
        self.talker = talker
        self.capture = capture
        self.pool = torch.cuda.graph_pool_handle() if capture else None

    def adopt(
        self, state: BatchState, params: SamplingParams, previous: GraphHandle | None = None
    ) -> GraphHandle:
        rows = state.batch
        bucket = batch_bucket(rows)
        pad = torch.tensor(list(range(rows)) + [0] * (bucket - rows), device=state.hidden.device)
        padded = state.select(pad)
        if previous is not None and previous.bucket == bucket and previous.params == params:
            _copy_into(previous.state, padded)  # same buffers: the captured graphs stay valid
            previous.rows = rows
            return previous
        frame = int(state.step)  # once per adoption, not per frame
        return GraphHandle(padded, FrameStep(self.talker, params, bucket), params, bucket, rows, frame)

    def state(self, handle: GraphHandle) -> BatchState:
        return handle.state.select(torch.arange(handle.rows, device=handle.state.hidden.device))

    def step(self, handle: GraphHandle):
        st = handle.state
        needed = st.prefill_len + handle.frame + 1
        read_len = min(st.cache.max_len, -(-needed // READ_LEN_BUCKET) * READ_LEN_BUCKET)
        handle.frame += 1
        if not self.capture:
            return handle.step_fn(st, read_len)
        entry = handle.graphs.get(read_len)
        if entry is None:
            entry = handle.graphs[read_len] = self._capture(handle, read_len)
        graph, outputs = entry
        graph.replay()
        return outputs

    def _capture(self, handle: GraphHandle, read_len: int):
        st = handle.state
        saved = [t.clone() for t in (st.seen, st.hidden, st.step, st.valid)]
        side = torch.cuda.Stream()
        side.wait_stream(torch.cuda.current_stream())
        with torch.cuda.stream(side):
            handle.step_fn(st, read_len)  # warm-up run: lazy inits, allocator, library handles
        torch.cuda.current_stream().wait_stream(side)
        for t, old in zip((st.seen, st.hidden, st.step, st.valid), saved):
            t.copy_(old)
        graph = torch.cuda.CUDAGraph()
        with torch.cuda.graph(graph, pool=self.pool):
            outputs = handle.step_fn(st, read_len)
        return graph, outputs


def _copy_into(dst: BatchState, src: BatchState) -> None:
    dst.cache.k.copy_(src.cache.k)
    dst.cache.v.copy_(src.cache.v)
    for name in ("valid", "lengths", "trailing", "seeds", "seen", "hidden", "step"):
        getattr(dst, name).copy_(getattr(src, name))
