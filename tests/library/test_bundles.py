"""``.timbre`` bundles: a faithful round trip, and every kind of bad bundle refused without a trace."""

from __future__ import annotations

import io
import json
import pickle
import zipfile

import numpy as np
import pytest
import torch
from safetensors import safe_open
from safetensors.torch import save

from engine.library import BundleError, BundleLimits, VoiceInputError, VoiceLibrary, VoiceNotFoundError
from tests.library.bundle_tools import (
    manifest,
    prompt_entry,
    read_entries,
    replace_file,
    with_manifest,
    write_zip,
)
from tests.library.helpers import snapshot, whole_voice_problems


@pytest.fixture
def family(lib, alice, bob, tiny_model, sibling_model, speech):
    """Alice (ICL, prompts for two models), Bob (x-vector) and Dot (a prompt without reference)."""
    lib.prompt_for(alice, sibling_model)
    lib.update(alice, notes="Line one.\nLine two.", favorite=True)
    item = tiny_model.create_voice_clone_prompt(speech, x_vector_only_mode=True)[0]
    dot = lib.add_prompt(item, name="Dot", tags=["imported"])
    return [lib.get(alice.id), lib.get(bob.id), dot]


@pytest.fixture
def bundle(lib, family, tmp_path):
    return lib.export(family, tmp_path / "family.timbre")


@pytest.fixture
def other(tmp_path):
    library = VoiceLibrary(tmp_path / "elsewhere")
    yield library
    library.close()


def _tensors(path):
    with safe_open(str(path), framework="pt") as f:
        return {k: f.get_tensor(k).clone() for k in f.keys()}, f.metadata()


def test_round_trip_gives_identical_voices_prompts_and_audio(lib, family, bundle, other):
    imported = other.import_bundle(bundle)
    assert [v.name for v in imported] == ["Alice", "Bob", "Dot"]
    for src, dst in zip(family, imported):
        assert dst.id != src.id
        for field in (
            "name",
            "tags",
            "language",
            "mode",
            "notes",
            "transcript",
            "favorite",
            "created",
            "duration_s",
            "has_reference",
        ):
            assert getattr(dst, field) == getattr(src, field), field
        assert [(p.signature, p.speaker_dim) for p in dst.prompts] == [
            (p.signature, p.speaker_dim) for p in src.prompts
        ]
        for p_src, p_dst in zip(src.prompts, dst.prompts):
            a, meta_a = _tensors(lib.root / "voices" / src.id / p_src.file)
            b, meta_b = _tensors(other.root / "voices" / dst.id / p_dst.file)
            assert meta_a == meta_b and a.keys() == b.keys()
            assert all(torch.equal(a[k], b[k]) for k in a)
        if src.has_reference:
            ra, sa = lib.reference_audio(src)
            rb, sb = other.reference_audio(dst)
            assert sa == sb and np.array_equal(ra, rb)
        assert whole_voice_problems(other, dst) == []
    assert other.last_check.clean and other.check().clean


def test_imported_voice_generates_like_the_original(lib, family, bundle, other, tiny_model):
    alice = other.import_bundle(bundle)[0]
    a = tiny_model.generate_voice_clone(
        "Good morning.", voice_clone_prompt=lib.prompt_for(family[0], tiny_model), seed=3, max_new_tokens=12
    )[0][0]
    b = tiny_model.generate_voice_clone(
        "Good morning.", voice_clone_prompt=other.prompt_for(alice, tiny_model), seed=3, max_new_tokens=12
    )[0][0]
    assert np.array_equal(a, b)


def test_name_clash_on_import_gets_a_number(lib, family, bundle):
    again = lib.import_bundle(bundle)
    assert [v.name for v in again] == ["Alice (2)", "Bob (2)", "Dot (2)"]
    third = lib.import_bundle(bundle)
    assert [v.name for v in third] == ["Alice (3)", "Bob (3)", "Dot (3)"]


def test_bundle_layout(bundle):
    entries = read_entries(bundle)
    doc = manifest(entries)
    assert doc["format"] == "timbre.bundle" and doc["schema_version"] == 1
    assert [v["name"] for v in doc["voices"]] == ["Alice", "Bob", "Dot"]
    assert "voices/1/reference.flac" in entries and "voices/1/transcript.txt" in entries
    assert "voices/3/reference.flac" not in entries
    alice = doc["voices"][0]
    assert len(alice["prompts"]) == 2 and alice["prompts"][0]["tensors"]["ref_code"]["dtype"] == "I64"


def test_export_errors(lib, alice, tmp_path):
    with pytest.raises(VoiceInputError):
        lib.export([], tmp_path / "none.timbre")
    with pytest.raises(VoiceNotFoundError):
        lib.export(["0000000000000000"], tmp_path / "x.timbre")
    (lib.root / "voices" / alice.id / "reference.flac").unlink()  # files gone under our feet
    with pytest.raises(VoiceNotFoundError):
        lib.export([alice], tmp_path / "broken.timbre")
    assert list(tmp_path.glob("*.timbre")) == [] and list(tmp_path.glob(".*.tmp")) == []


# ----- bad bundles -------------------------------------------------------------------------------


def _resaved_prompt(data: bytes, change) -> bytes:
    """A prompt file with its tensors changed by ``change`` and its metadata kept."""
    from safetensors.torch import load

    from engine.library.safetensors_header import parse_header

    tensors = load(data)
    change(tensors)
    return save(tensors, metadata=parse_header(data, len(data)).metadata)


class _Boom:
    def __reduce__(self):
        return (print, ("this must never run",))


def _cases(entries: dict[str, bytes], tmp_path) -> dict:
    doc = manifest(entries)
    prompt = prompt_entry(entries)
    cases = {}
    newer = json.loads(json.dumps(doc))
    newer["schema_version"] = 99
    cases["newer schema"] = (with_manifest(entries, newer), "newer Timbre")
    cases["bad json"] = ({**entries, "manifest.json": b"{'voices': ["}, "not valid JSON")
    cases["no manifest"] = ({k: v for k, v in entries.items() if k != "manifest.json"}, "no manifest")
    cases["dotdot path"] = ({**entries, "voices/1/../../evil.txt": b"x"}, "unsafe path")
    cases["absolute path"] = ({**entries, "/etc/evil": b"x"}, "unsafe path")
    cases["unexpected file"] = ({**entries, "voices/1/run.sh": b"x"}, "unexpected file")
    cases["unlisted file"] = ({**entries, "voices/9/transcript.txt": b"x"}, "does not list")
    missing = {k: v for k, v in entries.items() if k != "voices/2/transcript.txt"}
    cases["missing file"] = (missing, "lacks")
    cases["checksum"] = ({**entries, "voices/1/transcript.txt": b"Something else.\n"}, "checksum")
    cases["wrong shape"] = (
        replace_file(
            entries,
            prompt,
            _resaved_prompt(entries[prompt], lambda t: t.update(ref_code=t["ref_code"][:, :8].contiguous())),
        ),
        "not a usable voice prompt",
    )
    bigger = _resaved_prompt(
        entries[prompt], lambda t: t.update(ref_code=torch.cat([t["ref_code"], t["ref_code"]]))
    )
    cases["shape differs from manifest"] = (
        replace_file(entries, prompt, bigger),
        "tensors its manifest describes",
    )
    cases["wrong dtype"] = (
        replace_file(
            entries,
            prompt,
            _resaved_prompt(entries[prompt], lambda t: t.update(ref_code=t["ref_code"].int())),
        ),
        "not a usable voice prompt",
    )
    cases["codes out of range"] = (
        replace_file(entries, prompt, _resaved_prompt(entries[prompt], lambda t: t["ref_code"].fill_(5000))),
        "outside",
    )
    cases["nan embedding"] = (
        replace_file(
            entries,
            prompt,
            _resaved_prompt(entries[prompt], lambda t: t["ref_spk_embedding"].fill_(float("nan"))),
        ),
        "invalid numbers",
    )
    cases["pickle as safetensors"] = (
        replace_file(entries, prompt, pickle.dumps(_Boom())),
        "not a usable voice prompt",
    )
    cases["torch.save as safetensors"] = (
        replace_file(entries, prompt, _torch_saved()),
        "not a usable voice prompt",
    )
    cases["audio that does not decode"] = (
        replace_file(entries, "voices/1/reference.flac", b"fLaC" + b"\0" * 500),
        "cannot be used",
    )
    cases["transcript disagrees"] = (
        replace_file(entries, "voices/1/transcript.txt", b"Other words.\n"),
        "disagrees",
    )
    bad_mode = json.loads(json.dumps(doc))
    bad_mode["voices"][0]["mode"] = "x_vector"
    cases["mode disagrees"] = (with_manifest(entries, bad_mode), "another voice mode")
    bad_sig = json.loads(json.dumps(doc))
    bad_sig["voices"][0]["prompts"][0]["signature"]["size"] = "1b7"
    cases["model disagrees"] = (with_manifest(entries, bad_sig), "another model")
    no_voices = json.loads(json.dumps(doc))
    no_voices["voices"] = []
    cases["no voices"] = (with_manifest(entries, no_voices), "no voices")
    bad_name = json.loads(json.dumps(doc))
    bad_name["voices"][1]["name"] = ""
    cases["empty name"] = (with_manifest(entries, bad_name), "needs a name")
    cases["zip bomb"] = ({**entries, "voices/1/transcript.txt": b"\0" * (20 * 1024**2)}, "accepted")
    return cases


def _torch_saved() -> bytes:
    buf = io.BytesIO()
    torch.save({"ref_spk_embedding": torch.zeros(32)}, buf)
    return buf.getvalue()


def test_every_kind_of_bad_bundle_is_refused_and_changes_nothing(lib, family, bundle, tmp_path, capsys):
    entries = read_entries(bundle)
    before = snapshot(lib.root)
    for label, (damaged, words) in _cases(entries, tmp_path).items():
        path = write_zip(tmp_path / f"{label}.timbre", damaged)
        with pytest.raises(BundleError) as info:
            lib.import_bundle(path)
        assert words in info.value.message, (label, info.value.message)
        assert info.value.hint, label
        assert snapshot(lib.root) == before, label
    assert "must never run" not in capsys.readouterr().out


def test_truncated_and_non_zip_files_are_refused(lib, family, bundle, tmp_path):
    data = bundle.read_bytes()
    before = snapshot(lib.root)
    for i, cut in enumerate([0, 10, len(data) // 3, len(data) // 2, len(data) - 30]):
        path = tmp_path / f"cut{i}.timbre"
        path.write_bytes(data[:cut])
        with pytest.raises(BundleError):
            lib.import_bundle(path)
    (tmp_path / "text.timbre").write_text("hello")
    with pytest.raises(BundleError):
        lib.import_bundle(tmp_path / "text.timbre")
    with pytest.raises(BundleError):
        lib.import_bundle(tmp_path / "missing.timbre")
    with pytest.raises(BundleError):
        lib.import_bundle(tmp_path)  # a folder
    assert snapshot(lib.root) == before


def test_limits(lib, family, bundle):
    before = snapshot(lib.root)
    for limits, words in [
        (BundleLimits(max_bundle_bytes=1000), "bundles up to"),
        (BundleLimits(max_total_bytes=1000), "unpacks to"),
        (BundleLimits(max_entries=3), "files; at most"),
        (BundleLimits(max_voices=2), "at most 2"),
        (BundleLimits(max_reference_s=1.0), "outside"),
        (BundleLimits(max_prompt_bytes=100), "at most 100"),
    ]:
        with pytest.raises(BundleError) as info:
            lib.import_bundle(bundle, limits=limits)
        assert words in info.value.message
    assert snapshot(lib.root) == before


def test_links_and_duplicate_entries_are_refused(lib, family, bundle, tmp_path):
    entries = read_entries(bundle)
    link = zipfile.ZipInfo("voices/1/transcript.txt")
    link.external_attr = 0o120777 << 16
    path = tmp_path / "link.timbre"
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in entries.items():
            if name == "voices/1/transcript.txt":
                zf.writestr(link, b"/etc/passwd")
            else:
                zf.writestr(name, data)
    before = snapshot(lib.root)
    with pytest.raises(BundleError, match="link"):
        lib.import_bundle(path)
    dup = tmp_path / "dup.timbre"
    with zipfile.ZipFile(dup, "w") as zf, pytest.warns(UserWarning, match="Duplicate name"):
        for name, data in [*entries.items(), ("manifest.json", entries["manifest.json"])]:
            zf.writestr(name, data)
    with pytest.raises(BundleError, match="twice"):
        lib.import_bundle(dup)
    assert snapshot(lib.root) == before
