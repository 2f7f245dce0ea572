"""Our frame-by-frame decode loop: static KV caches, batched rows that finish independently.

One frame is one talker step (first codebook) plus 15 code-predictor steps (the other
codebooks). Between frames the loop looks at the host once: to retire rows that emitted EOS
or reached their frame budget (their cache rows are dropped, so they stop costing compute),
to hand finished rows to the caller, and to honour a cancel request.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import torch

from ..config import TalkerConfig
from ..errors import GenerationCancelled
from ..qwen3tts.layers import StaticKVCache
from ..qwen3tts.talker import Talker
from .prompt_builder import BatchPrompt
from .sampling import SamplingParams, apply_repetition_penalty, choose

MIN_NEW_TOKENS = 2  # EOS is not allowed before this many first-codebook tokens (as the reference)
SUPPRESSED_TOP_IDS = 1024  # the top of the codec vocabulary holds control ids, never sampled

# on_frames(row_ids, frame_index, codes): codes (n, 16) for the listed batch rows, still on device
FramesCallback = Callable[[list[int], int, torch.Tensor], None]
# on_row_done(row_id, codes (T, 16) on device, finish_reason)
RowDoneCallback = Callable[[int, torch.Tensor, str], None]


@dataclass
class RowResult:
    codes: torch.Tensor  # (T, 16) int64
    finish_reason: str  # "eos" | "max_frames"


@dataclass
class DecodeRequest:
    prompt: BatchPrompt
    params: SamplingParams
    seeds: torch.Tensor  # (B,) int64
    max_frames: list[int]  # per row
    should_stop: Callable[[], bool] | None = None
    on_frames: FramesCallback | None = None
    on_row_done: RowDoneCallback | None = None
    capture_logits: list | None = field(default=None)  # test hook: talker logits per frame


class FrameDecoder:
    """Runs the talker and code predictor for one batch; owns the caches for that batch."""

    def __init__(self, talker: Talker) -> None:
        self.talker = talker
        self.cfg: TalkerConfig = talker.config
        vocab = self.cfg.vocab_size
        dev = talker.codec_head.weight.device
        suppress = torch.zeros(vocab, dtype=torch.bool, device=dev)
        suppress[vocab - SUPPRESSED_TOP_IDS :] = True
        suppress[self.cfg.codec_eos_token_id] = False
        self.suppress = suppress  # (V,)

    @torch.inference_mode()
    def run(self, req: DecodeRequest) -> list[RowResult]:
        t, cfg, p = self.talker, self.cfg, req.params
        prompt = req.prompt
        dev = prompt.prefill.device
        dtype = prompt.prefill.dtype
        batch, prefill_len, _ = prompt.prefill.shape
        longest = max(req.max_frames)
        cache_len = prefill_len + longest + 1
        cache = StaticKVCache.for_stack(cfg, batch, cache_len, device=dev, dtype=dtype)

        # Left padding: row b's tokens sit in slots [pad_b, L); later frames append at L, L+1, ...
        pads = prefill_len - prompt.prefill_lengths  # (B,)
        slots = torch.arange(cache_len, device=dev)
        valid = slots[None, :] >= pads[:, None]  # (B, S) key slots a row may attend to
        valid[:, prefill_len:] = False

        q = torch.arange(prefill_len, device=dev)
        causal = q[:, None] >= q[None, :]  # (L, L)
        mask = causal[None] & valid[:, None, :prefill_len]
        mask |= torch.eye(prefill_len, dtype=torch.bool, device=dev)[None]  # pad queries see themselves
        positions = (q[None, :] - pads[:, None]).clamp(min=0)  # (B, L)
        hidden = t.model(prompt.prefill, positions, mask[:, None], cache, q, prefill_len)
        last_hidden = hidden[:, -1]  # (B, H)

        live = list(range(batch))  # original row id of each live batch row
        live_t = torch.arange(batch, device=dev)
        seeds = req.seeds.to(dev)
        seen = torch.zeros((batch, cfg.vocab_size), dtype=torch.bool, device=dev)
        out = torch.zeros((batch, longest, cfg.num_code_groups), dtype=torch.long, device=dev)  # (B, F, 16)
        results: list[RowResult | None] = [None] * batch
        step = 0
        trailing, trailing_cap = prompt.trailing, prompt.trailing.shape[1] - 1
        lengths = prompt.prefill_lengths.clone()

        while True:
            logits = t.codec_head(last_hidden).float()  # (b, V)
            if req.capture_logits is not None:
                req.capture_logits.append((list(live), logits.cpu()))
            logits = apply_repetition_penalty(logits, seen, p.repetition_penalty)
            logits = logits.masked_fill(self.suppress, float("-inf"))
            if step < MIN_NEW_TOKENS:
                logits[:, cfg.codec_eos_token_id] = float("-inf")
            code0 = choose(
                logits,
                do_sample=p.do_sample,
                temperature=p.temperature,
                top_k=p.top_k,
                top_p=p.top_p,
                seeds=seeds,
                step=step,
                stream=0,
            )  # (b,)
            seen.scatter_(1, code0[:, None], True)

            # The one host look per frame: which rows end here.
            eos = (code0 == cfg.codec_eos_token_id).tolist()
            ended = [e or step >= req.max_frames[rid] for e, rid in zip(eos, live)]
            if any(ended):
                for i, rid in enumerate(live):
                    if ended[i]:
                        results[rid] = RowResult(out[rid, :step], "eos" if eos[i] else "max_frames")
                        if req.on_row_done is not None:
                            req.on_row_done(rid, results[rid].codes, results[rid].finish_reason)
                keep_idx = [i for i, done in enumerate(ended) if not done]
                if not keep_idx:
                    break
                keep = torch.tensor(keep_idx, device=dev, dtype=torch.long)
                live = [live[i] for i in keep_idx]
                live_t, seeds, seen, code0 = live_t[keep], seeds[keep], seen[keep], code0[keep]
                last_hidden, valid, lengths, trailing = (
                    last_hidden[keep],
                    valid[keep],
                    lengths[keep],
                    trailing[keep],
                )
                cache.keep_rows(keep)
            if req.should_stop is not None and req.should_stop():
                raise GenerationCancelled("Generation was cancelled.")

            codes = self._predict_rest(last_hidden, code0, seeds, step, p)  # (b, 16)
            out[live_t, step] = codes
            if req.on_frames is not None:
                req.on_frames(list(live), step, codes)

            # Feed this frame (plus the next text token, or padding) to the talker.
            text_step = trailing[:, min(step, trailing_cap)]  # (b, H)
            x = (t.embed_frames(codes) + text_step)[:, None]  # (b, 1, H)
            slot = prefill_len + step
            valid[:, slot] = True
            write_at = torch.tensor([slot], device=dev)
            pos = (lengths + step)[:, None]  # (b, 1)
            hidden = t.model(x, pos, valid[:, None, None, : slot + 1], cache, write_at, slot + 1)
            last_hidden = hidden[:, -1]
            step += 1

        return [r for r in results]  # type: ignore[misc]

    def _predict_rest(self, talker_hidden, code0, seeds, step, p: SamplingParams) -> torch.Tensor:
        """Codebooks 1..15 of the current frame from the talker state and codebook 0. -> (b, 16)."""
        cp = self.talker.code_predictor
        groups = cp.config.num_code_groups
        b = code0.shape[0]
        dev = code0.device
        cache = StaticKVCache.for_stack(cp.config, b, groups, device=dev, dtype=talker_hidden.dtype)
        x = torch.stack([talker_hidden, self.talker.embed_codec(code0)], dim=1)  # (b, 2, H)
        x = cp.small_to_mtp_projection(x)
        pos2 = torch.arange(2, device=dev)
        causal = (pos2[:, None] >= pos2[None, :])[None, None]  # (1, 1, 2, 2)
        h = cp.model(x, pos2[None].expand(b, -1), causal, cache, pos2, 2)[:, -1]
        out = [code0]
        for g in range(1, groups):
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
            )
            out.append(code)
            if g == groups - 1:
                break
            x = cp.small_to_mtp_projection(cp.model.codec_embedding[g - 1](code))[:, None]  # (b, 1, Hc)
            pos = torch.full((b, 1), g + 1, device=dev)
            h = cp.model(x, pos, None, cache, torch.tensor([g + 1], device=dev), g + 2)[:, -1]
        return torch.stack(out, dim=1)
