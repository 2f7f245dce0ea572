"""Getting a voice's prompt for a given model: load the stored one, or extract it again.

The library never hands the engine a prompt made by another model: a stored prompt is used
only if it fits the model's signature (and the engine's own ``check_compatible`` agrees);
otherwise the voice is extracted again from its stored reference audio and that prompt is
stored too. A voice without reference audio gets a :class:`NeedsModelError` naming the model
it was made with.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import InputError
from .errors import LibraryError, NeedsModelError
from .index import Index, fetch_row, insert_prompt
from .layout import REFERENCE_FILE, Layout, fsync_dir, prompt_file_name
from .safetensors_header import parse_header
from .voice import MODE_XVECTOR, StoredPrompt, Voice
from .voice_files import read_reference

if TYPE_CHECKING:
    from ..model import Qwen3TTSModel
    from ..prompt import ModelSignature, VoiceClonePromptItem


def load_or_extract(layout: Layout, index: Index, voice: Voice, model: Qwen3TTSModel) -> VoiceClonePromptItem:
    """The prompt of ``voice`` for ``model``, extracting (and storing) it when none fits."""
    signature = model.signature
    stored = voice.stored_prompt(signature)
    if stored is not None:
        try:
            item = read_prompt(layout.voice_dir(voice.id) / stored.file)
            item.check_compatible(signature)
            return item
        except InputError:
            # A damaged or mislabelled file: extracting again repairs it when the audio is there.
            if not voice.has_reference:
                raise LibraryError(
                    f"The stored prompt of '{voice.name}' is damaged and it has no reference audio.",
                    "Import the voice again from its bundle or voice file.",
                ) from None
    if not voice.has_reference:
        raise NeedsModelError(
            f"'{voice.name}' was made with {voice.made_with()} and has no reference audio to extract "
            f"it again; the loaded model is {signature.describe()}.",
            f"Load {voice.made_with()} to use this voice, or add it again from a recording.",
        )
    item = extract(layout, voice, model)
    store(layout, index, voice.id, item)
    return item


def read_prompt(path: Path) -> VoiceClonePromptItem:
    """Load a stored prompt wholly into memory, validated like the engine's own loader.

    Not :meth:`VoiceClonePromptItem.load`: safetensors maps that file into memory and the
    tensors keep reading from it, so a cached prompt would stay tied to its file (a file cut
    short by another program would crash the process; on Windows it could not be deleted).
    """
    from safetensors import SafetensorError
    from safetensors.torch import load as load_tensors

    from ..prompt import VoiceClonePromptItem

    try:
        data = path.read_bytes()
        header = parse_header(data, len(data))
        tensors = load_tensors(data)
    except (OSError, ValueError, SafetensorError) as e:
        raise InputError(f"The stored prompt {path.name} cannot be read ({e}).") from None
    return VoiceClonePromptItem.from_parts(tensors, header.metadata.get("timbre"), source=path.name)


def extract(layout: Layout, voice: Voice, model: Qwen3TTSModel) -> VoiceClonePromptItem:
    """Extract ``voice`` again from its stored reference with ``model``."""
    try:
        audio, sr = read_reference(layout.voice_dir(voice.id) / REFERENCE_FILE)
    except (OSError, ValueError) as e:
        raise LibraryError(
            f"The reference audio of '{voice.name}' could not be read ({e}).",
            "Add the voice again from a recording.",
        ) from None
    xvec = voice.mode == MODE_XVECTOR
    [item] = model.create_voice_clone_prompt(
        (audio, sr), None if xvec else voice.transcript, x_vector_only_mode=xvec
    )
    item.check_compatible(model.signature)
    return item


def store(layout: Layout, index: Index, voice_id: str, item: VoiceClonePromptItem) -> None:
    """Keep a newly extracted prompt with its voice (skipped if the voice was deleted meanwhile)."""
    dim = int(item.ref_spk_embedding.shape[-1])
    name = prompt_file_name(item.signature, dim)
    folder = layout.voice_dir(voice_id)
    with index.write() as conn:
        if fetch_row(conn, voice_id) is None or not folder.is_dir():
            return
        item.save(folder / name)  # temp + fsync + rename, inside the write lock like every voices/ change
        fsync_dir(folder)
        insert_prompt(conn, voice_id, StoredPrompt(signature=item.signature, speaker_dim=dim, file=name))


def describe_needs(voice: Voice, signature: ModelSignature) -> str:
    """A sentence for the GUI's marker on a voice that cannot be used as it is."""
    if voice.stored_prompt(signature) is not None:
        return ""
    if voice.has_reference:
        return f"Will be extracted again for {signature.describe()} on first use."
    return f"Needs {voice.made_with()}."
