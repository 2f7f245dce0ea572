"""The voice library: extract a voice once, keep it forever, use it with any model.

Importing this package does not import torch; neither do listing, searching, editing, the trash,
export, bundle import or the consistency check. Only extraction (``add``, ``prompt_for``) and
official ``.pt`` import load torch, and they take the model from the caller.

API summary::

    from engine.library import VoiceLibrary

    lib = VoiceLibrary()                 # <data_dir()>/library; VoiceLibrary(root) for another folder
    lib.last_check                       # CheckReport: what the consistency check repaired on open

    # add: extract with the loaded model; the reference is kept as FLAC, the prompt as safetensors
    v = lib.add("alice.wav", "What Alice says.", model=model, name="Alice", tags=["calm"], language="English")
    v = lib.add((samples, 24000), mode="x_vector", model=model, name="Bob")  # audio only
    v = lib.add_prompt(item, name="Carol", reference="carol.wav")                # already extracted

    # read (plain frozen dataclasses: Voice, StoredPrompt)
    lib.list(sort="name" | "created" | "updated" | "last_used", descending=None, tag=None,
             favorites_only=False, trashed=False)
    lib.search("calm narr")              # every word in the name, a tag, or starting a transcript word
    lib.get(voice_id); lib.find("alice")  # id, id prefix or name; lib.tags(); lib.count()
    lib.reference_path(v); lib.reference_audio(v)  # for playback: FLAC path / (mono float32, rate)
    lib.needs_reextract(v, model.signature); v.readiness(signature)  # the GUI's marker

    # edit (each one transaction; the voice's meta.json is kept in step)
    lib.rename(v, "Alice (calm)"); lib.update(v, tags=[...], notes="...", language="german", favorite=True)
    lib.tag(v, add=["warm"], remove=["calm"]); lib.duplicate(v)

    # trash
    lib.delete(v); lib.restore(v); lib.trash(); lib.empty_trash()

    # generate
    items = lib.prompt_for(v, model)     # cached; extracted again for another model signature
    model.generate_voice_clone(text, voice_clone_prompt=items)

    # share
    lib.export([v1, v2], "voices.timbre"); lib.import_bundle("voices.timbre")
    lib.import_official("voice.pt"); lib.import_file(path)   # by extension

Errors are :class:`LibraryError` subclasses (``VoiceNotFoundError``, ``VoiceInputError``,
``NameTakenError``, ``BundleError``, ``NeedsModelError``, ``LibraryBusyError``), each with a
message for the creator and a ``hint``. Bad input never changes the library.

Voice ids are 16 hex digits. Names are unique among voices outside the trash (``add`` and
``rename`` refuse a taken name; imports, ``duplicate`` and ``restore`` pick "Name (2)").
Several threads and processes may use one library at once. Data layout: :mod:`.layout`;
index schema: :mod:`.index`; bundle format: :mod:`.bundle_format`.
"""

from __future__ import annotations

from .bundle_format import BUNDLE_SUFFIX, BundleLimits
from .errors import (
    BundleError,
    LibraryBusyError,
    LibraryError,
    NameTakenError,
    NeedsModelError,
    VoiceInputError,
    VoiceNotFoundError,
)
from .library import VoiceLibrary
from .voice import (
    MODE_ICL,
    MODE_XVECTOR,
    NEEDS_EXTRACTION,
    NEEDS_MODEL,
    READY,
    SORT_KEYS,
    CheckReport,
    StoredPrompt,
    Voice,
)

__all__ = [
    "BUNDLE_SUFFIX",
    "MODE_ICL",
    "MODE_XVECTOR",
    "NEEDS_EXTRACTION",
    "NEEDS_MODEL",
    "READY",
    "SORT_KEYS",
    "BundleError",
    "BundleLimits",
    "CheckReport",
    "LibraryBusyError",
    "LibraryError",
    "NameTakenError",
    "NeedsModelError",
    "StoredPrompt",
    "Voice",
    "VoiceInputError",
    "VoiceLibrary",
    "VoiceNotFoundError",
]
