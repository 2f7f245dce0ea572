"""Streaming: chunks arrive while lines are generated, and join into exactly the one-shot audio."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from engine.qwen3tts.codec.streaming import CPU_PIECE_ROW_FRAMES, CodecStream, RowAudioStream
from tests.conftest import SPEECH_TEXT


@pytest.fixture(scope="module")
def voices(tiny_model, speech):
    icl = tiny_model.create_voice_clone_prompt(speech, ref_text=SPEECH_TEXT)[0]
    xvec = tiny_model.create_voice_clone_prompt(speech, x_vector_only_mode=True)[0]
    return icl, xvec


def test_incremental_decoder_equals_one_shot_decode_across_chunk_restarts(tiny_model):
    codec = tiny_model._parts.codec
    codes = torch.randint(0, 2048, (640, 16), generator=torch.Generator().manual_seed(3))  # > 2 x 300 frames
    one_shot = codec.decode([codes])[0]
    stream = RowAudioStream(codec.decoder)
    pieces, start = [], 0
    for size in [5, 1, 24, 300, 7] + [24] * 20:
        if start >= len(codes):
            break
        pieces.append(stream.push(codes[start : start + size]))
        start += size
    streamed = torch.cat(pieces)
    assert streamed.shape == one_shot.shape
    assert (streamed - one_shot).abs().max() < 1e-4


def test_codec_stream_rows_advance_together_in_cpu_pieces(tiny_model):
    decoder = tiny_model._parts.codec.decoder
    codes = torch.randint(0, 2048, (2, 40, 16), generator=torch.Generator().manual_seed(5))  # (B, T, 16)
    assert codes.shape[1] - 3 > CPU_PIECE_ROW_FRAMES // 2  # the second push is cut into pieces
    with torch.inference_mode():
        whole = decoder(codes.transpose(1, 2)).squeeze(1)  # (B, T * 1920)
    stream = CodecStream(decoder, 2)
    first = stream.push(codes[:, :3])
    twin = stream.snapshot()
    rest = stream.push(codes[:, 3:])
    assert (torch.cat([first, rest], -1) - whole).abs().max() < 1e-4
    assert torch.equal(twin.push(codes[:, 3:]), rest)  # the snapshot did not move with the stream
    assert stream.push(codes[:, :0]).shape == (2, 0)


def test_warm_reference_state_equals_decoding_reference_and_take_together(tiny_model, voices):
    codec = tiny_model._parts.codec
    ref = voices[0].ref_code
    take = torch.randint(0, 2048, (50, 16), generator=torch.Generator().manual_seed(4))
    together = codec.decode([torch.cat([ref, take])])[0][ref.shape[0] * 1920 :]
    warm = RowAudioStream(codec.decoder)
    warm.warm(ref)
    for _ in range(2):  # a snapshot can be reused for every take in that voice
        streamed = warm.snapshot().push(take)
        assert (streamed - together).abs().max() < 1e-4


def test_stream_chunks_join_into_the_take(tiny_model, voices):
    chunks = list(
        tiny_model.generate_voice_clone_stream(
            ["First streamed line.", "Second."],
            voice_clone_prompt=[voices[0], voices[1]],
            seed=[1, 2],
            max_new_tokens=40,
            first_chunk_frames=6,
            chunk_frames=12,
        )
    )
    for row in (0, 1):
        mine = [c for c in chunks if c.index == row]
        assert mine[0].first_frame == 0 and len(mine[0].audio) == 6 * 1920  # small first chunk
        assert all(len(c.audio) == 12 * 1920 for c in mine[1:-1])
        assert [c.final for c in mine] == [False] * (len(mine) - 1) + [True]
        take = mine[-1].take
        assert take.frames == 39
        assert np.array_equal(np.concatenate([c.audio for c in mine]), take.audio)
        expected_starts = np.cumsum([0] + [len(c.audio) // 1920 for c in mine[:-1]])
        assert [c.first_frame for c in mine] == list(expected_starts)


def test_streamed_and_one_shot_takes_are_the_same(tiny_model, voices):
    args = dict(voice_clone_prompt=voices[0], seed=11, max_new_tokens=30)
    take = tiny_model.generate_takes("Same in both.", **args)[0]
    streamed = list(tiny_model.generate_voice_clone_stream("Same in both.", **args))
    assert np.array_equal(streamed[-1].take.codes, take.codes)
    assert np.abs(np.concatenate([c.audio for c in streamed]) - take.audio).max() < 1e-5


def test_first_chunk_arrives_before_the_line_is_done(tiny_model, voices):
    frames_at_first_chunk = []
    progress = []
    stream = tiny_model.generate_voice_clone_stream(
        "A line long enough to stream.",
        voice_clone_prompt=voices[1],
        seed=3,
        max_new_tokens=60,
        on_progress=lambda rows, frames: progress.append(frames),
    )
    first = next(stream)
    frames_at_first_chunk.append(max(progress))
    rest = list(stream)
    assert not first.final and frames_at_first_chunk[0] == 6
    assert rest[-1].final and rest[-1].take.frames == 59


def test_bad_chunk_sizes(tiny_model, voices):
    with pytest.raises(ValueError, match="first_chunk_frames"):
        next(tiny_model.generate_voice_clone_stream("x", voice_clone_prompt=voices[0], first_chunk_frames=0))
