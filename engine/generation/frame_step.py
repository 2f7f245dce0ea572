"""One decode frame as a fixed-shape computation over a batch's state tensors.

A frame: choose codebook 0 from the talker's last hidden state (penalties, suppression,
seeded sampling), run the 15 code-predictor steps for the other codebooks, sum the frame's
embeddings plus the next text token, and run the talker one step for the next frame. Every
input and output lives in preallocated tensors and nothing reads back to the host, so on CUDA
the whole frame is captured once per batch-size and cache-length bucket and replayed
(:mod:`engine.generation.cuda_graphs`); on the CPU the same code runs eagerly.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from ..qwen3tts.layers import StaticKVCache
from ..qwen3tts.talker import Talker
from .sampling import SamplingParams, apply_repetition_penalty, candidates, choose, gumbel_noise_streams

SUPPRESSED_TOP_IDS = 1024  # the top of the codec vocabulary holds control ids, never sampled


@dataclass
class BatchState:
    """Per-row decode state; every tensor's first dimension is the batch (rows may be dead)."""

    cache: StaticKVCache  # talker keys/values (L, b, kv, S, hd)
    valid: torch.Tensor  # (b, S) bool: key slots each row may attend to
    lengths: torch.Tensor  # (b,) prefill tokens per row (its position origin)
    trailing: torch.Tensor  # (b, Lt + 1, H): text fed with each frame, tts_pad at the end
    seeds: torch.Tensor  # (b,) int64
    seen: torch.Tensor  # (b, V) bool: codebook-0 ids already chosen (repetition penalty)
    hidden: torch.Tensor  # (b, H): the talker's state the next frame starts from
    step: torch.Tensor  # () int64: frames done, shared by all rows
    origin: torch.Tensor  # () int64: L, the cache slot of frame 0 (a tensor so graphs can be reused)
    trailing_last: torch.Tensor  # () int64: index of the final tts_pad entry of ``trailing``
    prefill_len: int  # L again, for the host's cache-read lengths

    def select(self, rows: torch.Tensor) -> BatchState:
        """The state of batch rows ``rows`` (long tensor), in that order."""
        return BatchState(
            cache=StaticKVCache.wrap(self.cache.k[:, rows], self.cache.v[:, rows]),
            valid=self.valid[rows],
            lengths=self.lengths[rows],
            trailing=self.trailing[rows],
            seeds=self.seeds[rows],
            seen=self.seen[rows],
            hidden=self.hidden[rows],
            step=self.step.clone(),
            origin=self.origin.clone(),
            trailing_last=self.trailing_last.clone(),
            prefill_len=self.prefill_len,
        )

    @property
    def batch(self) -> int:
        return self.hidden.shape[0]


class FrameStep:
    """The computation of one frame for a batch of ``batch`` rows; owns its small scratch tensors."""

    def __init__(self, talker: Talker, params: SamplingParams, batch: int) -> None:
        self.talker, self.params, self.batch = talker, params, batch
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
        self.noise_candidates = max(
            candidates(vocab, params.top_k), candidates(cp.vocab_size, params.subtalker_top_k)
        )
        self.cp_cache = StaticKVCache.for_stack(cp, batch, self.groups, device=dev, dtype=dtype)
        two = torch.arange(2, device=dev)
        self.cp_prefill_pos = two[None].expand(batch, -1)  # (b, 2)
        self.cp_prefill_slots = two
        self.cp_prefill_mask = (two[:, None] >= two[None, :])[None, None]  # (1, 1, 2, 2)
        # Codebook g (2..15) is fed at position g; its key goes to slot g.
        self.cp_pos = [torch.full((batch, 1), g, device=dev) for g in range(self.groups)]
        self.cp_slots = [torch.tensor([g], device=dev) for g in range(self.groups)]

    def __call__(self, state: BatchState, read_len: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Advance every row one frame. -> (code0 (b,), codes (b, 16), talker logits (b, V))."""
        p, t = self.params, self.talker
        raw = t.codec_head(state.hidden).float()  # (b, V)
        logits = apply_repetition_penalty(raw, state.seen, p.repetition_penalty)
        logits = logits.masked_fill(self.suppress, float("-inf"))
        too_early = state.step < p.min_new_tokens
        logits[:, self.eos] = torch.where(too_early, float("-inf"), logits[:, self.eos])
        noise = None
        if p.do_sample or p.subtalker_dosample:
            noise = gumbel_noise_streams(state.seeds, state.step, range(self.groups), self.noise_candidates)
        # noise: (b, 16, n), one stream per codebook
        code0 = choose(
            logits,
            do_sample=p.do_sample,
            temperature=p.temperature,
            top_k=p.top_k,
            top_p=p.top_p,
            seeds=state.seeds,
            step=state.step,
            stream=0,
            noise=None if noise is None else noise[:, 0],
        )  # (b,)
        state.seen.scatter_(1, code0[:, None], True)
        codes = self._rest_of_frame(state.hidden, code0, state.seeds, state.step, noise)  # (b, 16)

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
        state.step += 1
        return code0, codes, raw

    def _rest_of_frame(self, talker_hidden, code0, seeds, step, noise) -> torch.Tensor:
        """Codebooks 1..15 from the talker state and codebook 0. -> (b, 16)."""
        cp = self.talker.code_predictor
        p = self.params
        x = torch.stack([talker_hidden, self.talker.embed_codec(code0)], dim=1)  # (b, 2, H)
        x = cp.small_to_mtp_projection(x)
        h = cp.model(x, self.cp_prefill_pos, self.cp_prefill_mask, self.cp_cache, self.cp_prefill_slots, 2)[
            :, -1
        ]
        out = [code0]
        for g in range(1, self.groups):
            logits = cp.lm_head[g - 1](h).float()
            code = choose(
                logits,
                do_sample=p.subtalker_dosample,
                temperature=p.subtalker_temperature,
                top_k=p.subtalker_top_k,
                top_p=p.subtalker_top_p,
                seeds=seeds,
                step=step,
                stream=g,
                noise=None if noise is None else noise[:, g],
            )
            out.append(code)
            if g == self.groups - 1:
                break
            x = cp.small_to_mtp_projection(cp.model.codec_embedding[g - 1](code))[:, None]  # (b, 1, Hc)
            h = cp.model(x, self.cp_pos[g + 1], None, self.cp_cache, self.cp_slots[g + 1], g + 2)[:, -1]
        return torch.stack(out, dim=1)
