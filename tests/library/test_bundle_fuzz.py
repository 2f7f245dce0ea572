"""Property tests: mutated and malformed bundles get our clear error and leave the library unchanged.

Every example imports a damaged copy of a real bundle into a fresh copy of a real library. The
only acceptable outcomes are a :class:`BundleError` with the library exactly as before, or (for a
harmless change, e.g. a flipped bit in a zip timestamp) an import of whole voices.
"""

from __future__ import annotations

import io
import json
import pickle
import shutil
import tempfile
from pathlib import Path

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from safetensors.torch import save

from engine.library import BundleError, BundleLimits, VoiceLibrary
from tests.library.bundle_tools import manifest, read_entries, replace_file, with_manifest, zip_bytes
from tests.library.helpers import snapshot, whole_voice_problems

FUZZ = settings(
    max_examples=40,
    deadline=None,  # no timing assertions: the machine may be busy
    derandomize=True,  # the same examples on every run, so CI is repeatable
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
HOSTILE_NAMES = [
    "../evil",
    "/etc/evil",
    "voices/1/../../evil",
    "voices/1/../2/transcript.txt",
    "C:\\evil",
    "voices\\1\\transcript.txt",
    "voices/1/",
    "voices/01/transcript.txt",
    "voices/1/prompt-x.safetensors/../../evil",
    "voices/1/reference.flac\x00.txt",
    "manifest.json/",
]


@pytest.fixture(scope="module")
def template(tmp_path_factory, tiny_model, speech_file, speech):
    """A closed library with two voices, and the bundle of both."""
    root = tmp_path_factory.mktemp("fuzz") / "library"
    lib = VoiceLibrary(root)
    a = lib.add(speech_file, "Hello, this is my voice.", model=tiny_model, name="Alice", tags=["calm"])
    b = lib.add(speech, model=tiny_model, name="Bob", mode="x_vector")
    bundle = lib.export([a, b], root.parent / "two.timbre")
    lib.close()
    return root, read_entries(bundle), bundle.read_bytes()


def _attempt(template, data: bytes, limits: BundleLimits | None = None, must_fail: bool = True) -> None:
    root, _, _ = template
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "library"
        shutil.copytree(root, copy)
        path = Path(tmp) / "damaged.timbre"
        path.write_bytes(data)
        lib = VoiceLibrary(copy)
        before = snapshot(copy)
        try:
            imported = lib.import_bundle(path, limits=limits)
        except BundleError as e:
            assert e.message and e.hint
            assert snapshot(copy) == before
            assert [p for p in (copy / "work").iterdir() if not p.name.endswith(".lock")] == []
            return
        finally:
            lib.close()
        assert not must_fail, "a damaged bundle was imported"
        lib = VoiceLibrary(copy)
        try:
            assert lib.last_check.clean
            for v in imported:
                assert whole_voice_problems(lib, lib.get(v.id)) == []
        finally:
            lib.close()


@FUZZ
@given(cut=st.integers(min_value=0, max_value=10**9))
def test_truncated_bundles(template, cut):
    data = template[2]
    _attempt(template, data[: cut % len(data)])


@FUZZ
@given(flips=st.lists(st.tuples(st.integers(0, 10**9), st.integers(1, 255)), min_size=1, max_size=6))
def test_random_byte_changes(template, flips):
    data = bytearray(template[2])
    for pos, xor in flips:
        data[pos % len(data)] ^= xor
    _attempt(template, bytes(data), must_fail=False)  # a flip in a timestamp is harmless


@pytest.mark.filterwarnings("ignore:Duplicate name")  # zipfile cuts the NUL name: a duplicate, refused
@FUZZ
@given(name=st.sampled_from(HOSTILE_NAMES), content=st.binary(max_size=64), replace=st.booleans())
def test_hostile_paths(template, name, content, replace):
    entries = dict(template[1])
    if replace:  # the hostile name instead of a real entry
        entries.pop("voices/2/transcript.txt")
    entries[name] = content
    _attempt(template, zip_bytes(entries))


def _pickle_payloads() -> st.SearchStrategy[bytes]:
    buf = io.BytesIO()
    torch.save({"ref_spk_embedding": torch.zeros(32)}, buf)
    return st.sampled_from([pickle.dumps({"a": 1}), pickle.dumps(list(range(50))), buf.getvalue()])


@FUZZ
@given(
    target=st.sampled_from(["prompt", "reference", "transcript"]),
    payload=st.one_of(_pickle_payloads(), st.binary(max_size=3000)),
)
def test_replaced_files_even_with_true_checksums(template, target, payload):
    entries = template[1]
    name = {
        "prompt": next(n for n in entries if n.startswith("voices/1/prompt-")),
        "reference": "voices/1/reference.flac",
        "transcript": "voices/1/transcript.txt",
    }[target]
    _attempt(template, zip_bytes(replace_file(entries, name, payload)))


@FUZZ
@given(
    frames=st.integers(0, 40),
    groups=st.integers(0, 20),
    dim=st.integers(0, 40),
    code_dtype=st.sampled_from([torch.int64, torch.int32, torch.float32]),
    update_manifest=st.booleans(),
)
def test_wrong_tensor_shapes_and_dtypes(template, frames, groups, dim, code_dtype, update_manifest):
    entries = template[1]
    name = next(n for n in entries if n.startswith("voices/1/prompt-"))
    from safetensors.torch import load

    from engine.library.safetensors_header import parse_header

    original = load(entries[name])
    if (frames, groups, dim, code_dtype) == (*original["ref_code"].shape, 32, torch.int64):
        return  # that is the untouched prompt
    tensors = {
        "ref_code": torch.zeros(frames, groups, dtype=code_dtype),
        "ref_spk_embedding": torch.zeros(dim),
    }
    data = save(tensors, metadata=parse_header(entries[name], len(entries[name])).metadata)
    damaged = replace_file(entries, name, data)
    if update_manifest:  # the manifest agrees with the damaged file: the header checks must still refuse it
        doc = manifest(damaged)
        doc["voices"][0]["prompts"][0]["tensors"] = {
            k: {
                "dtype": {torch.int64: "I64", torch.int32: "I32", torch.float32: "F32"}[t.dtype],
                "shape": list(t.shape),
            }
            for k, t in tensors.items()
        }
        damaged = with_manifest(damaged, doc)
    _attempt(template, zip_bytes(damaged))


_json = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)


def _paths(doc, prefix=()):
    yield prefix
    if isinstance(doc, dict):
        for k, v in doc.items():
            yield from _paths(v, (*prefix, k))
    elif isinstance(doc, list):
        for i, v in enumerate(doc):
            yield from _paths(v, (*prefix, i))


@FUZZ
@given(data=st.data(), value=_json, rehash=st.booleans(), delete=st.booleans())
def test_manifest_values_replaced(template, data, value, rehash, delete):
    entries = template[1]
    doc = manifest(entries)
    paths = [p for p in _paths(doc) if p]
    path = data.draw(st.sampled_from(paths))
    parent = doc
    for key in path[:-1]:
        parent = parent[key]
    if parent[path[-1]] == value:
        return
    if delete:
        del parent[path[-1]]
    else:
        parent[path[-1]] = value
    _attempt(template, zip_bytes(with_manifest(entries, doc, rehash=rehash)), must_fail=False)


@FUZZ
@given(text=st.binary(max_size=200) | st.text(max_size=200).map(str.encode))
def test_manifest_not_json(template, text):
    entries = dict(template[1])
    try:
        json.loads(text)
        return  # (valid JSON of the wrong shape is covered above)
    except ValueError:
        pass
    entries["manifest.json"] = text
    _attempt(template, zip_bytes(entries))


@FUZZ
@given(
    sizes=st.tuples(*[st.integers(0, 10**6)] * 5),
    entries_limit=st.integers(0, 12),
    voices_limit=st.integers(0, 3),
    seconds=st.floats(0, 10),
)
def test_size_and_count_limits(template, sizes, entries_limit, voices_limit, seconds):
    data = template[2]
    total, whole, prompt, reference, manifest_bytes = sizes
    limits = BundleLimits(
        max_bundle_bytes=whole,
        max_total_bytes=total,
        max_entries=entries_limit,
        max_voices=voices_limit,
        max_prompt_bytes=prompt,
        max_reference_bytes=reference,
        max_manifest_bytes=manifest_bytes,
        max_reference_s=seconds,
    )
    _attempt(template, data, limits=limits, must_fail=False)


@FUZZ
@given(declared=st.integers(2**20, 2**62), field=st.sampled_from(["bytes", "shape"]))
def test_huge_declared_sizes(template, declared, field):
    entries = template[1]
    doc = manifest(entries)
    prompt = doc["voices"][0]["prompts"][0]
    if field == "bytes":
        prompt["bytes"] = declared
    else:
        prompt["tensors"]["ref_code"]["shape"] = [declared, 16]
    _attempt(template, zip_bytes(with_manifest(entries, doc, rehash=False)))
