"""Incremental codec decoding: frames in as they are generated, audio out, same result as one shot.

Every layer of :class:`CodecDecoder` is causal, so decoding a run of frames in pieces gives the
same samples as decoding it whole, provided each layer keeps what it needs from the past: the
last input samples of each causal convolution, the previous input frame of each transposed
convolution, and the last ``window - 1`` keys and values of each attention layer.
:class:`CodecStream` owns exactly that state. :class:`RowAudioStream` adds the 300-frame chunk
restarts the reference's one-shot decode makes, so streamed and one-shot audio agree everywhere.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from ..layers import KVSlot
from .convs import CausalConv, CausalTransConv, ConvNeXtBlock, ResidualUnit, SnakeBeta, UpsampleBlock
from .decoder import CHUNK_FRAMES, CHUNK_LEFT_CONTEXT, CodecDecoder, sliding_causal_mask

# On the CPU a push decodes at most this many row-frames at a time. The upsampling layers'
# activations grow to 1920 samples x 96 channels a frame; 24 frames of them (~18 MB) stay in
# the caches, while a whole take's worth falls out to memory and the same decode runs ~1.7x slower
# (96 frames: 34 ms a frame at once, 19-21 in pieces of 16-32, 2-core AMD EPYC). The result is
# the same either way: the stream carries every layer's past from one piece to the next.
CPU_PIECE_ROW_FRAMES = 24


class CodecStream:
    """Decoding state for ``batch`` rows that advance together; push frames, get their samples."""

    def __init__(self, decoder: CodecDecoder, batch: int = 1) -> None:
        self.decoder, self.batch = decoder, batch
        self.frames = 0  # frames decoded since the state was fresh (= the next rotary position)
        self._tails: dict[int, torch.Tensor] = {}  # id(layer) -> last inputs that layer needs
        self._kv: list[tuple[torch.Tensor, torch.Tensor] | None] = [None] * len(
            decoder.pre_transformer.layers
        )

    def snapshot(self) -> CodecStream:
        """An independent copy of this state (e.g. a voice's state after its reference frames)."""
        twin = CodecStream(self.decoder, self.batch)
        twin.frames = self.frames
        twin._tails = {k: v.clone() for k, v in self._tails.items()}
        twin._kv = [None if kv is None else (kv[0].clone(), kv[1].clone()) for kv in self._kv]
        return twin

    @torch.inference_mode()
    def push(self, codes: torch.Tensor) -> torch.Tensor:
        """``codes`` (B, T, 16) -> waveform (B, T * 1920), clamped to [-1, 1]."""
        if codes.device.type == "cpu":
            piece = max(1, CPU_PIECE_ROW_FRAMES // codes.shape[0])
            if codes.shape[1] > piece:
                return torch.cat(
                    [self._push(codes[:, i : i + piece]) for i in range(0, codes.shape[1], piece)], -1
                )
        return self._push(codes)

    def _push(self, codes: torch.Tensor) -> torch.Tensor:
        d = self.decoder
        h = d.quantizer.decode(codes.transpose(1, 2))  # (B, codebook_dim, T)
        h = self._conv(d.pre_conv, h).transpose(1, 2)  # (B, T, latent)
        h = self._transformer(h).permute(0, 2, 1)  # (B, latent, T)
        for stage in d.upsample:
            for layer in stage:
                h = self._layer(layer, h)
        for layer in d.decoder:
            h = self._layer(layer, h)
        self.frames += codes.shape[1]
        return h.clamp(min=-1, max=1).squeeze(1)

    def _layer(self, layer, h: torch.Tensor) -> torch.Tensor:
        if isinstance(layer, CausalConv):
            return self._conv(layer, h)
        if isinstance(layer, CausalTransConv):
            return self._trans_conv(layer, h)
        if isinstance(layer, SnakeBeta):
            return layer(h)
        if isinstance(layer, ConvNeXtBlock):
            x = self._conv(layer.dwconv, h).permute(0, 2, 1)
            x = layer.pwconv2(F.gelu(layer.pwconv1(layer.norm(x))))
            return h + (layer.gamma * x).permute(0, 2, 1)
        if isinstance(layer, ResidualUnit):
            x = self._conv(layer.conv1, layer.act1(h))
            return h + layer.conv2(layer.act2(x))
        if isinstance(layer, UpsampleBlock):
            for inner in layer.block:
                h = self._layer(inner, h)
            return h
        raise TypeError(f"no streaming rule for {type(layer).__name__}")

    def _conv(self, layer: CausalConv, x: torch.Tensor) -> torch.Tensor:
        """Causal conv over (tail, x): the tail stands in for the zero left padding, then the past."""
        if layer.stride != 1:
            raise ValueError("streaming supports stride-1 causal convolutions only")
        if layer.left_pad == 0:
            return layer.conv(x)
        tail = self._tails.get(id(layer))
        if tail is None:
            tail = x.new_zeros((x.shape[0], x.shape[1], layer.left_pad))
        full = torch.cat([tail, x], dim=-1)
        self._tails[id(layer)] = full[..., -layer.left_pad :]
        return layer.conv(full)

    def _trans_conv(self, layer: CausalTransConv, x: torch.Tensor) -> torch.Tensor:
        """Transposed conv: each output sample also hears the previous input frame's overlap."""
        if layer.trim == 0:
            return layer.conv(x)
        if layer.trim != layer.stride:
            raise ValueError("streaming supports transposed convolutions with kernel = 2 x stride")
        prev = self._tails.get(id(layer))
        if prev is None:
            prev = x.new_zeros((x.shape[0], x.shape[1], 1))
        full = torch.cat([prev, x], dim=-1)
        self._tails[id(layer)] = x[..., -1:]
        r = layer.stride
        return layer.conv(full)[..., r : (x.shape[-1] + 1) * r]

    def _transformer(self, x: torch.Tensor) -> torch.Tensor:
        """The sliding-window transformer over new frames, attending to the kept keys/values."""
        tr = self.decoder.pre_transformer
        b, t, _ = x.shape
        h = tr.input_proj(x)
        pos = torch.arange(self.frames, self.frames + t, device=x.device)
        cos, sin = tr.rotary(pos[None].expand(b, -1), h.dtype)
        keep = tr.window - 1
        for i, layer in enumerate(tr.layers):
            attn = layer.self_attn
            past = self._kv[i]
            n_past = 0 if past is None else past[0].shape[2]
            shape = (b, attn.num_kv_heads, n_past + t, attn.head_dim)
            k_buf, v_buf = h.new_empty(shape), h.new_empty(shape)
            if past is not None:
                k_buf[:, :, :n_past], v_buf[:, :, :n_past] = past
            key_pos = torch.arange(self.frames - n_past, self.frames + t, device=x.device)
            mask = sliding_causal_mask(pos, key_pos, tr.window)[None, None]  # (1, 1, t, n_past + t)
            slot = KVSlot(k_buf, v_buf, torch.arange(n_past, n_past + t, device=x.device), n_past + t)
            h = layer(h, cos, sin, mask, slot)
            self._kv[i] = (k_buf[:, :, -keep:], v_buf[:, :, -keep:])
        return tr.output_proj(tr.norm(h))


class RowAudioStream:
    """One row's audio as frames arrive, restarting where the one-shot decode starts new chunks.

    ``warm`` feeds frames whose audio is not wanted (an ICL voice's reference frames); a warmed
    stream can be snapshotted and reused for every take in that voice.
    """

    def __init__(self, decoder: CodecDecoder) -> None:
        self.decoder = decoder
        self.stream = CodecStream(decoder, 1)
        self.total = 0  # frames pushed or warmed, counting from the start of the take's decode
        self.recent: torch.Tensor | None = None  # the last CHUNK_LEFT_CONTEXT frames, (n, 16)

    def snapshot(self) -> RowAudioStream:
        twin = RowAudioStream.__new__(RowAudioStream)
        twin.decoder, twin.stream, twin.total = self.decoder, self.stream.snapshot(), self.total
        twin.recent = None if self.recent is None else self.recent.clone()
        return twin

    def warm(self, codes: torch.Tensor) -> None:
        """Feed frames (T, 16) and discard their audio."""
        self._feed(codes)

    def push(self, codes: torch.Tensor) -> torch.Tensor:
        """Frames (T, 16) -> their audio (T * 1920,) float32 on the device."""
        return self._feed(codes)

    def _feed(self, codes: torch.Tensor) -> torch.Tensor:
        pieces = []
        while codes.shape[0]:
            room = CHUNK_FRAMES - self.total % CHUNK_FRAMES
            if self.total and self.total % CHUNK_FRAMES == 0:
                self._restart()
            part, codes = codes[:room], codes[room:]
            pieces.append(self.stream.push(part[None])[0])
            self.total += part.shape[0]
            self.recent = (
                part[-CHUNK_LEFT_CONTEXT:]
                if self.recent is None
                else torch.cat([self.recent, part])[-CHUNK_LEFT_CONTEXT:]
            )
        if not pieces:
            return torch.zeros(0, device=next(self.decoder.parameters()).device)
        return torch.cat(pieces).float()

    def _restart(self) -> None:
        """As the one-shot decode does every 300 frames: fresh state, re-read 25 frames of context."""
        self.stream = CodecStream(self.decoder, 1)
        if self.recent is not None and self.total - CHUNK_LEFT_CONTEXT > 0:
            self.stream.push(self.recent[None])
