"""Sharing voices: ``.timbre`` bundles out and in, and the official demo's ``.pt`` files in."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import LibraryError, VoiceInputError, VoiceNotFoundError, disk_error
from .fields import clean_language, clean_name, clean_tags, clean_transcript
from .index import Index
from .layout import Layout, WorkArea
from .voice import MODE_XVECTOR, Voice
from .writing import commit_new, new_row

if TYPE_CHECKING:
    from .bundle_format import BundleLimits


class ShareOperations:
    """Mixin of :class:`~engine.library.VoiceLibrary`: export and import."""

    # State and helpers come from VoiceLibrary (get) and EditOperations (_commit_items).
    _layout: Layout
    _index: Index
    get: Any
    _commit_items: Any

    # ----- bundles -----------------------------------------------------------------------------
    def export(self, voices: Iterable[Voice | str], path: str | os.PathLike) -> Path:
        """Write the voices to one ``.timbre`` bundle at ``path`` (atomically); returns the path."""
        from .bundle_export import write_bundle

        chosen = [self.get(v) for v in voices]
        if not chosen:
            raise VoiceInputError("Choose at least one voice to export.")
        try:
            return write_bundle(Path(path), [(v, self._layout.voice_dir(v.id)) for v in chosen])
        except FileNotFoundError:
            raise VoiceNotFoundError(
                "A voice was deleted while it was being exported.", "Export again."
            ) from None
        except OSError as e:
            raise LibraryError(
                f"The bundle could not be written ({e.strerror or e}).",
                "Check the destination folder and free space.",
            ) from None

    def import_bundle(self, path: str | os.PathLike, *, limits: BundleLimits | None = None) -> list[Voice]:
        """Add the voices of a ``.timbre`` bundle (names that clash become "Name (2)").

        The whole bundle is validated first; a bad one raises :class:`BundleError` and changes
        nothing. Nothing in a bundle is ever unpickled.
        """
        from .bundle_import import read_bundle

        bundle = read_bundle(Path(path), limits)
        try:
            with WorkArea(self._layout) as area:
                staged = bundle.extract(area)
                ids = commit_new(self._layout, self._index, staged, auto_rename=True)
        except OSError as e:
            raise disk_error(e) from None
        return [self.get(i) for i in ids]

    def import_official(
        self,
        path: str | os.PathLike,
        *,
        name: str | None = None,
        tags: Iterable[str] = (),
        language: str | None = None,
    ) -> list[Voice]:
        """Add the voices of an official Qwen3-TTS demo ``.pt`` voice file (``{"items": [...]}``).

        Read with ``torch.load(weights_only=True)`` only, then checked like any prompt. Such
        voices have no reference audio: they work only with the model size that made them.
        """
        from .official_pt import read_official_voice_file

        path = Path(path)
        items = read_official_voice_file(path)
        base = clean_name(name or path.stem)
        entries = []
        for item in items:
            mode = MODE_XVECTOR if item.x_vector_only_mode else "icl"
            row = new_row(
                name=base,
                mode=mode,
                transcript=clean_transcript(item.ref_text, mode),
                tags=clean_tags(tags),
                language=clean_language(language),
            )
            entries.append((row, None, item))
        return self._commit_items(entries, auto_rename=True)

    def import_file(self, path: str | os.PathLike) -> list[Voice]:
        """Import a ``.timbre`` bundle or an official ``.pt`` voice file, chosen by its extension."""
        if str(path).lower().endswith(".pt"):
            return self.import_official(path)
        return self.import_bundle(path)
