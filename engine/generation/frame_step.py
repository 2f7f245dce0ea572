"""One decode frame as a fixed-shape computation over a batch's state tensors.

A frame: choose codebook 0 from the talker's last hidden state (penalties, suppression,
seeded sampling), run the 15 code-predictor steps for the other codebooks, sum the frame's
embeddings plus the next text token, and run the talker one step for the next frame. Every
input and output lives in preallocated tensors and nothing reads back to the host (which writes
the frame's index into ``BatchState.step`` before each frame), so on CUDA the whole frame is
captured once per batch-size and cache-length bucket and replayed
(:mod:`engine.generation.cuda_graphs`); on the CPU the same code runs eagerly.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import torch

from ..qwen3tts.layers import StaticKVCache
from ..qwen3tts.talker import Talker
from .sampling import Choice, apply_repetition_penalty, candidates, choose, gumbel_noise_streams

SUPPRESSED_TOP_IDS = 1024  # the top of the codec vocabulary holds control ids, never sampled


@dataclass
class BatchState:
    """Per-row decode state; every tensor's first dimension is the batch (rows may be dead)."""

    cache: StaticKVCache  # talker keys/values (L, b, kv, S, hd)
    valid: torch.Tensor  # (b, S) bool: key slots each row may attend to
    lengths: torch.Tensor  # (b,) prefill tokens per row (its position origin)
    trailing: torch.Tensor  # (b, T, H): text fed with each frame, tts_pad at ``trailing_last``
    seeds: torch.Tensor  # (b,) int64
    seen: torch.Tensor  # (b, V) bool: codebook-0 ids already chosen (repetition penalty)
    hidden: torch.Tensor  # (b, H): the talker's state the next frame starts from
    temperature: torch.Tensor  # (b, 2) float32: codebook 0's, then the code predictor's
    top_p: torch.Tensor  # (b, 2) float32, the same two columns
    repetition_penalty: torch.Tensor  # (b, 1) float32
    min_frames: torch.Tensor  # (b,) int64: EOS is barred before this frame
    step: torch.Tensor  # () int64: this frame's index, written by the host before each frame
    origin: torch.Tensor  # () int64: L, the cache slot of frame 0 (a tensor so graphs can be reused)
    trailing_last: torch.Tensor  # () int64: index of the final tts_pad entry of ``trailing``
    prefill_len: int  # L again, for the host's cache-read lengths

    def select(self, rows: torch.Tensor, out: BatchState | None = None) -> BatchState:
        """The state of batch rows ``rows`` (long tensor), in that order.

        One gather per tensor, straight into ``out``'s tensors (static state: the same sizes but
        the batch) when given, else into new ones.
        """

        def take(src: torch.Tensor, dst: torch.Tensor | None, dim: int = 0) -> torch.Tensor:
            if src.dim() == 0:  # one value for every row
                return src.clone() if dst is None else dst.copy_(src)
            return src.index_select(dim, rows) if dst is None else torch.index_select(src, dim, rows, out=dst)

        def into(name: str) -> torch.Tensor | None:
            return None if out is None else getattr(out, name)

        cache = StaticKVCache.wrap(
            take(self.cache.k, out and out.cache.k, 1), take(self.cache.v, out and out.cache.v, 1)
        )
        tensors = {name: take(getattr(self, name), into(name)) for name in _TENSORS}
        return BatchState(cache=cache, **tensors, prefill_len=self.prefill_len)

    @property
    def batch(self) -> int:
        return self.hidden.shape[0]


_TENSORS = tuple(f.name for f in fields(BatchState) if f.name not in ("cache", "prefill_len"))


class FrameStep:
    """The computation of one frame for a batch of ``batch`` rows; owns its small scratch tensors."""

    def __init__(self, talker: Talker, choices: tuple[Choice, Choice], batch: int) -> None:
        self.talker, self.choices, self.batch = talker, choices, batch
        cfg = talker.config
        dev = talker.device
        dtype = talker.dtype
        vocab = cfg.vocab_size
        suppress = torch.zeros(vocab, dtype=torch.bool, device=dev)
        suppress[vocab - SUPPRESSED_TOP_IDS :] = True
        suppress[cfg.codec_eos_token_id] = False
        self.suppress = suppress  # (V,)
        self.eos = cfg.codec_eos_token_id
        cp = talker.code_predictor.config
        self.groups = cp.num_code_groups
        # Gumbel noise per frame for all codebooks at once: enough candidates for either vocabulary.
        first, rest = choices
        self.noise_candidates = max(candidates(vocab, first.top_k), candidates(cp.vocab_size, rest.top_k))
        self.cp_cache = StaticKVCache.for_stack(cp, batch, self.groups, device=dev, dtype=dtype)
        two = torch.arange(2, device=dev)
        self.cp_prefill_pos = two[None].expand(batch, -1)  # (b, 2)
        self.cp_prefill_slots = two
        self.cp_prefill_mask = (two[:, None] >= two[None, :])[None, None]  # (1, 1, 2, 2)
        # Codebook g (2..15) is fed at position g; its key goes to slot g.
        self.cp_pos = [torch.full((batch, 1), g, device=dev) for g in range(self.groups)]
        self.cp_slots = [torch.tensor([g], device=dev) for g in range(self.groups)]

    def __call__(self, state: BatchState, read_len: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Frame ``state.step`` for every row. -> (code0 (b,), codes (b, 16), talker logits (b, V))."""
        t, (first, rest) = self.talker, self.choices
        raw = t.codec_head(state.hidden).float()  # (b, V)
        logits = apply_repetition_penalty(raw, state.seen, state.repetition_penalty)
        logits = logits.masked_fill(self.suppress, float("-inf"))
        too_early = state.step < state.min_frames  # (b,)
        logits[:, self.eos] = torch.where(too_early, float("-inf"), logits[:, self.eos])
        noise = None
        if first.sample or rest.sample:
            noise = gumbel_noise_streams(state.seeds, state.step, range(self.groups), self.noise_candidates)
        # noise: (b, 16, n), one stream per codebook
        code0 = choose(
            logits,
            first,
            state.temperature[:, :1],
            state.top_p[:, :1],
            None if noise is None else noise[:, 0],
        )  # (b,)
        state.seen.scatter_(1, code0[:, None], True)
        codes = self._rest_of_frame(state, code0, noise)  # (b, 16)

        # Feed the frame (plus this step's text token, or padding) to the talker for the next one.
        text = state.trailing.gather(
            1,
            torch.minimum(state.step, state.trailing_last)
            .view(1, 1, 1)
            .expand(state.batch, 1, state.trailing.shape[2]),
        )  # (b, 1, H)
        x = t.embed_frames(codes)[:, None] + text  # (b, 1, H)
        slot = (state.step + state.origin).view(1)  # (1,)
        state.valid.index_fill_(1, slot, True)
        pos = (state.lengths + state.step)[:, None]  # (b, 1)
        mask = state.valid[:, None, None, :read_len]
        state.hidden.copy_(t.model(x, pos, mask, state.cache, slot, read_len)[:, -1])
        return code0, codes, raw

    def _rest_of_frame(
        self, state: BatchState, code0: torch.Tensor, noise: torch.Tensor | None
    ) -> torch.Tensor:
        """Codebooks 1..15 from the talker state and codebook 0. -> (b, 16)."""
        cp = self.talker.code_predictor
        rest = self.choices[1]
        temperature, top_p = state.temperature[:, 1:], state.top_p[:, 1:]  # (b, 1) each
        x = torch.stack([state.hidden, self.talker.embed_codec(code0)], dim=1)  # (b, 2, H)
        x = cp.small_to_mtp_projection(x)
        h = cp.model(x, self.cp_prefill_pos, self.cp_prefill_mask, self.cp_cache, self.cp_prefill_slots, 2)[
            :, -1
        ]
        out = [code0]
        for g in range(1, self.groups):
            logits = cp.lm_head[g - 1](h).float()
            code = choose(logits, rest, temperature, top_p, None if noise is None else noise[:, g])
            out.append(code)
            if g == self.groups - 1:
                break
            x = cp.small_to_mtp_projection(cp.model.codec_embedding[g - 1](code))[:, None]  # (b, 1, Hc)
            h = cp.model(x, self.cp_pos[g + 1], None, self.cp_cache, self.cp_slots[g + 1], g + 2)[:, -1]
        return torch.stack(out, dim=1)
