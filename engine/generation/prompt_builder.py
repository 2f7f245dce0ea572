"""Assemble the talker's input for a batch of (text, voice, language) rows.

Each row's prefill is: the chat role tokens; codec control tokens (think / language) with the
speaker x-vector spliced in; then either the reference transcript + target text laid over the
reference codec frames (ICL mode) or the first text token (x-vector mode). Text that does not
fit in the prefill is fed one token per generated frame (the "trailing" text). Rows are then
left-padded into one batch.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from ..config import TTSConfig
from ..qwen3tts.talker import Talker


@dataclass
class RowPrompt:
    """What one row needs: token ids, voice and language."""

    text_ids: list[int]
    speaker: torch.Tensor  # (D,) x-vector
    language_id: int | None  # codec language token, None for "auto"
    ref_ids: list[int] | None = None  # reference transcript ids (ICL)
    ref_code: torch.Tensor | None = None  # (T, 16) reference frames (ICL)


@dataclass
class BatchPrompt:
    """Left-padded prefill and trailing text for a batch."""

    prefill: torch.Tensor  # (B, L, H), zeros on the left of short rows
    prefill_lengths: torch.Tensor  # (B,) int64, real tokens per row
    trailing: torch.Tensor  # (B, Lt + 1, H); each row's tail, then tts_pad to the end
    trailing_lengths: torch.Tensor  # (B,)
    tts_pad: torch.Tensor  # (H,)


class PromptBuilder:
    """Builds talker inputs for one model; holds nothing but references to it."""

    def __init__(self, talker: Talker, config: TTSConfig, role_ids: list[int]) -> None:
        self.talker, self.config, self.role_ids = talker, config, role_ids

    def _ids(self, ids: list[int], device) -> torch.Tensor:
        return torch.tensor([ids], dtype=torch.long, device=device)  # (1, T)

    def build_row(self, row: RowPrompt, non_streaming_mode: bool) -> tuple[torch.Tensor, torch.Tensor]:
        """-> prefill (L, H), trailing (Lt, H) for one row."""
        tc, t = self.config.talker, self.talker
        dev = t.device
        ids = lambda xs: self._ids(xs, dev)  # noqa: E731
        special = ids(
            [self.config.tts_bos_token_id, self.config.tts_eos_token_id, self.config.tts_pad_token_id]
        )
        tts_bos, tts_eos, tts_pad = t.embed_text(special).chunk(3, dim=1)  # 3 x (1, 1, H)

        if row.language_id is None:
            control = [tc.codec_nothink_id, tc.codec_think_bos_id, tc.codec_think_eos_id]
        else:
            control = [tc.codec_think_id, tc.codec_think_bos_id, row.language_id, tc.codec_think_eos_id]
        speaker = row.speaker.to(device=dev, dtype=tts_pad.dtype).view(1, 1, -1)
        codec = torch.cat(
            [t.embed_codec(ids(control)), speaker, t.embed_codec(ids([tc.codec_pad_id, tc.codec_bos_id]))],
            dim=1,
        )  # (1, n, H)
        role = t.embed_text(ids(self.role_ids))  # (1, 3, H)
        under = torch.cat((tts_pad.expand(-1, codec.shape[1] - 2, -1), tts_bos), dim=1) + codec[:, :-1]
        prefill = torch.cat((role, under), dim=1)

        if row.ref_code is not None:
            body, trailing = self._icl(row, tts_eos, tts_pad, non_streaming_mode, dev)
            prefill = torch.cat([prefill, body], dim=1)
        elif non_streaming_mode:
            text = torch.cat((t.embed_text(ids(row.text_ids)), tts_eos), dim=1)
            text = text + t.embed_codec(ids([tc.codec_pad_id] * text.shape[1]))
            start = tts_pad + t.embed_codec(ids([tc.codec_bos_id]))
            prefill = torch.cat([prefill, text, start], dim=1)
            trailing = tts_pad
        else:
            first = t.embed_text(ids(row.text_ids[:1])) + codec[:, -1:]
            prefill = torch.cat([prefill, first], dim=1)
            trailing = torch.cat((t.embed_text(ids(row.text_ids[1:])), tts_eos), dim=1)
        return prefill[0], trailing[0]

    def _icl(self, row: RowPrompt, tts_eos, tts_pad, non_streaming_mode: bool, dev):
        """Reference transcript + target text over the reference frames."""
        tc, t = self.config.talker, self.talker
        ids = lambda xs: self._ids(xs, dev)  # noqa: E731
        text = torch.cat(
            [t.embed_text(ids(list(row.ref_ids or []) + row.text_ids)), tts_eos], dim=1
        )  # (1, T1, H)
        frames = t.embed_frames(row.ref_code.to(dev))[None]  # (1, T, H)
        codec = torch.cat([t.embed_codec(ids([tc.codec_bos_id])), frames], dim=1)  # (1, T2, H)
        n_text, n_codec = text.shape[1], codec.shape[1]
        if non_streaming_mode:
            text = text + t.embed_codec(ids([tc.codec_pad_id] * n_text))
            return torch.cat([text, codec + tts_pad], dim=1), tts_pad
        if n_text > n_codec:
            return text[:, :n_codec] + codec, text[:, n_codec:]
        text = torch.cat([text] + [tts_pad] * (n_codec - n_text), dim=1)
        return text + codec, tts_pad

    def build(self, rows: list[RowPrompt], non_streaming_mode: bool) -> BatchPrompt:
        built = [self.build_row(r, non_streaming_mode) for r in rows]
        dev = built[0][0].device
        hidden = built[0][0].shape[-1]
        tts_pad = self.talker.embed_text(self._ids([self.config.tts_pad_token_id], dev))[0, 0]  # (H,)
        lengths = [p.shape[0] for p, _ in built]
        tails = [tr.shape[0] for _, tr in built]
        longest, longest_tail = max(lengths), max(tails)
        prefill = torch.zeros((len(rows), longest, hidden), dtype=tts_pad.dtype, device=dev)
        trailing = tts_pad.expand(len(rows), longest_tail + 1, hidden).clone()
        for i, (p, tr) in enumerate(built):
            prefill[i, longest - p.shape[0] :] = p
            trailing[i, : tr.shape[0]] = tr
        return BatchPrompt(
            prefill=prefill,
            prefill_lengths=torch.tensor(lengths, device=dev),
            trailing=trailing,
            trailing_lengths=torch.tensor(tails, device=dev),
            tts_pad=tts_pad,
        )
