"""Every form of reference audio a creator (or code written for qwen_tts) can hand the engine."""

from __future__ import annotations

import base64
import http.server
import threading
from functools import partial

import numpy as np
import pytest
import soundfile as sf
import torch

from engine.errors import AudioInputError, InputError
from tests.conftest import SPEECH_TEXT


@pytest.fixture(scope="module")
def baseline(tiny_model, speech):
    """The prompt from the (array, sr) form; every other form must give exactly this."""
    return tiny_model.create_voice_clone_prompt(speech, ref_text=SPEECH_TEXT)[0]


def _same(item, baseline) -> None:
    assert torch.equal(item.ref_code, baseline.ref_code)
    assert torch.allclose(item.ref_spk_embedding, baseline.ref_spk_embedding, atol=1e-6)


def test_prompt_item_has_the_official_fields(baseline, tiny_model):
    assert baseline.ref_code.dtype == torch.int64 and baseline.ref_code.shape[1] == 16
    # 12.5 frames a second of reference
    assert baseline.ref_code.shape[0] > 12
    assert baseline.ref_spk_embedding.shape == (tiny_model.config.speaker_encoder.enc_dim,)
    assert baseline.icl_mode and not baseline.x_vector_only_mode
    assert baseline.ref_text == SPEECH_TEXT
    assert baseline.signature == tiny_model.signature


def test_path_as_str_and_pathlike(tiny_model, speech_file, baseline):
    for form in (str(speech_file), speech_file):
        _same(tiny_model.create_voice_clone_prompt(form, ref_text=SPEECH_TEXT)[0], baseline)


@pytest.mark.parametrize("fmt", ["FLAC", "OGG", "MP3"])
def test_other_file_formats_decode(tiny_model, speech, tmp_path, fmt):
    path = tmp_path / f"voice.{fmt.lower()}"
    sf.write(path, speech[0], speech[1], format=fmt)
    item = tiny_model.create_voice_clone_prompt(str(path), ref_text=SPEECH_TEXT)[0]
    assert item.ref_code.shape[1] == 16 and item.ref_code.shape[0] > 12


def test_base64_and_data_uri(tiny_model, speech_file, baseline):
    raw = base64.b64encode(speech_file.read_bytes()).decode()
    _same(tiny_model.create_voice_clone_prompt(raw, ref_text=SPEECH_TEXT)[0], baseline)
    uri = "data:audio/wav;base64," + raw
    _same(tiny_model.create_voice_clone_prompt(uri, ref_text=SPEECH_TEXT)[0], baseline)


def test_http_url(tiny_model, speech_file, baseline):
    handler = partial(http.server.SimpleHTTPRequestHandler, directory=str(speech_file.parent))
    handler.log_message = lambda *a, **k: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/{speech_file.name}"
        _same(tiny_model.create_voice_clone_prompt(url, ref_text=SPEECH_TEXT)[0], baseline)
        with pytest.raises(AudioInputError, match="could not be downloaded"):
            tiny_model.create_voice_clone_prompt(url + ".missing", ref_text=SPEECH_TEXT)
    finally:
        server.shutdown()


def test_stereo_is_folded_to_mono(tiny_model, speech):
    wav, sr = speech
    mono = tiny_model.create_voice_clone_prompt((wav, sr), x_vector_only_mode=True)[0]
    stereo = tiny_model.create_voice_clone_prompt(
        (np.stack([wav, wav], axis=1), sr), x_vector_only_mode=True
    )[0]
    assert torch.allclose(mono.ref_spk_embedding, stereo.ref_spk_embedding, atol=1e-5)


def test_int16_pcm_is_scaled_not_read_as_huge_floats(tiny_model, speech):
    wav, sr = speech
    pcm = np.round(wav * 32767).astype(np.int16)
    a = tiny_model.create_voice_clone_prompt((wav, sr), x_vector_only_mode=True)[0]
    b = tiny_model.create_voice_clone_prompt((pcm, sr), x_vector_only_mode=True)[0]
    assert torch.allclose(a.ref_spk_embedding, b.ref_spk_embedding, atol=1e-2)


def test_batch_with_mixed_sample_rates_and_modes(tiny_model, speech):
    import soxr

    wav, sr = speech
    wav16 = soxr.resample(wav, sr, 16000)
    wav44 = soxr.resample(wav, sr, 44100)
    items = tiny_model.create_voice_clone_prompt(
        [(wav16, 16000), (wav44, 44100), (wav, sr)],
        ref_text=[SPEECH_TEXT, None, SPEECH_TEXT],
        x_vector_only_mode=[False, True, False],
    )
    assert [it.icl_mode for it in items] == [True, False, True]
    assert items[1].ref_code is None
    # the same speech at three rates is resampled to 24 kHz: the same number of frames
    assert abs(items[0].ref_code.shape[0] - items[2].ref_code.shape[0]) <= 1
    alone = tiny_model.create_voice_clone_prompt((wav16, 16000), ref_text=SPEECH_TEXT)[0]
    assert torch.equal(alone.ref_code, items[0].ref_code)


def test_scalar_ref_text_applies_to_all(tiny_model, speech):
    items = tiny_model.create_voice_clone_prompt([speech, speech], ref_text=SPEECH_TEXT)
    assert [it.ref_text for it in items] == [SPEECH_TEXT, SPEECH_TEXT]


def test_xvector_mode_ignores_text(tiny_model, speech):
    item = tiny_model.create_voice_clone_prompt(speech, x_vector_only_mode=True)[0]
    assert item.ref_code is None and item.x_vector_only_mode and not item.icl_mode


# ----- errors: each a ValueError a creator can act on ---------------------------------------------


def test_icl_without_transcript_names_the_index(tiny_model, speech):
    with pytest.raises(ValueError, match="Bad index=1"):
        tiny_model.create_voice_clone_prompt([speech, speech], ref_text=[SPEECH_TEXT, "  "])
    with pytest.raises(ValueError, match="ref_text is required"):
        tiny_model.create_voice_clone_prompt(speech)


def test_batch_length_mismatch(tiny_model, speech):
    with pytest.raises(ValueError, match="Batch size mismatch"):
        tiny_model.create_voice_clone_prompt([speech, speech, speech], ref_text=["a", "b"])
    with pytest.raises(ValueError, match="Batch size mismatch"):
        tiny_model.create_voice_clone_prompt(
            [speech, speech], ref_text="a", x_vector_only_mode=[True, False, True]
        )


def test_bare_ndarray_needs_a_sample_rate(tiny_model, speech):
    with pytest.raises(ValueError, match="tuple"):
        tiny_model.create_voice_clone_prompt(speech[0], ref_text=SPEECH_TEXT)


def test_empty_and_too_short_audio(tiny_model):
    with pytest.raises(AudioInputError, match="empty"):
        tiny_model.create_voice_clone_prompt((np.zeros(0, np.float32), 24000), x_vector_only_mode=True)
    with pytest.raises(AudioInputError, match=r"0\.30 s long; at least 0\.5 s"):
        tiny_model.create_voice_clone_prompt((np.zeros(7200, np.float32), 24000), x_vector_only_mode=True)


def test_errors_name_the_file_when_the_input_was_a_path(tiny_model, tmp_path):
    short = tmp_path / "too-short.wav"
    sf.write(short, np.full(2400, 0.1, np.float32), 24000)  # 0.1 s
    for given in (str(short), short):
        with pytest.raises(AudioInputError, match=r"^too-short\.wav is 0\.10 s long") as info:
            tiny_model.create_voice_clone_prompt(given, x_vector_only_mode=True)
        assert "Reference audio" not in str(info.value)
    # Arrays have no name: the index in the batch says which one.
    with pytest.raises(AudioInputError, match=r"^Reference audio 1 is 0\.10 s long"):
        tiny_model.create_voice_clone_prompt(
            [(np.full(24000, 0.1, np.float32), 24000), (np.full(2400, 0.1, np.float32), 24000)],
            x_vector_only_mode=True,
        )


def test_undecodable_and_missing_files(tiny_model, tmp_path):
    bad = tmp_path / "notes.wav"
    bad.write_text("this is not audio")
    with pytest.raises(AudioInputError, match="notes.wav could not be read as audio"):
        tiny_model.create_voice_clone_prompt(str(bad), x_vector_only_mode=True)
    with pytest.raises(AudioInputError, match="does not exist"):
        tiny_model.create_voice_clone_prompt(str(tmp_path / "nowhere.wav"), x_vector_only_mode=True)
    with pytest.raises(AudioInputError, match="not audio"):
        tiny_model.create_voice_clone_prompt(base64.b64encode(b"x" * 400).decode(), x_vector_only_mode=True)


def test_errors_carry_a_hint(tiny_model):
    with pytest.raises(InputError) as info:
        tiny_model.create_voice_clone_prompt((np.zeros(100, np.float32), 24000), x_vector_only_mode=True)
    assert info.value.hint and "seconds" in info.value.hint
