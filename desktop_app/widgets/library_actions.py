"""What can be done to voices in the library panel: rename, tags, favorite, duplicate, export,
delete with undo, restore from the trash and empty it.

Each action calls the library on the GUI thread (none of these needs torch), then refreshes
the model. Every refusal (a taken name, a busy library, a full disk) is shown in the panel's
banner with what to do, and nothing changes. Deleting moves voices to the trash; the banner's
Undo (or Ctrl+Z) brings them back, and the trash keeps them until it is emptied.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from PySide6.QtCore import QObject, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QFileDialog, QInputDialog, QLineEdit, QMenu, QMessageBox, QWidget

from engine.errors import TimbreError
from engine.library import BUNDLE_SUFFIX, Voice, VoiceLibrary

from ..icons import icon
from ..models.library_model import LibraryModel
from ..settings import Settings
from .banner import Banner

T = TypeVar("T")
TRASH_MENU_LIMIT = 12  # voices listed one by one under "Restore"; the rest through "Restore all"


def _names(voices: list[Voice]) -> str:
    if len(voices) == 1:
        return f"“{voices[0].name}”"
    return f"{len(voices)} voices"


class LibraryActions(QObject):
    """The library panel's actions on the selected voices (``selected()``)."""

    def __init__(
        self,
        model: LibraryModel,
        banner: Banner,
        settings: Settings,
        selected: Callable[[], list[Voice]],
        select: Callable[[str], None],
        parent: QWidget,
    ) -> None:
        super().__init__(parent)
        self._model, self._banner, self._settings = model, banner, settings
        self._selected, self._select, self._parent = selected, select, parent
        self.last_deleted: list[Voice] = []  # what Undo brings back

    @property
    def library(self) -> VoiceLibrary:
        return self._model.library

    def _run(self, action: Callable[[], T]) -> T | None:
        """Run a library call; show its error in the banner (returns None) instead of raising."""
        try:
            return action()
        except TimbreError as e:
            self._banner.show_message("error", e.message, e.hint or "")
            return None

    def context_menu(
        self,
        voices: list[Voice],
        playing: str | None,
        *,
        listen: Callable[[str], None],
        rename: Callable[[], None],
        use: Callable[[str], None],
    ) -> QMenu:
        """The right-click menu for ``voices`` (``playing``: the voice whose reference plays)."""
        one = voices[0] if len(voices) == 1 else None
        menu = QMenu(self._parent)
        if one is not None:
            menu.addAction(icon("generate"), "Use for the script", lambda: use(one.id))
            stop = playing == one.id
            menu.addAction(
                icon("stop" if stop else "play"), "Stop" if stop else "Listen", lambda: listen(one.id)
            )
            menu.addAction("Rename…", rename)
            menu.addAction("Edit tags…", lambda: self.edit_tags(one))
        starred = all(v.favorite for v in voices)
        label = "Remove from favorites" if starred else "Add to favorites"
        menu.addAction(icon("star"), label, lambda: self.toggle_favorite(voices))
        if one is not None:
            menu.addAction("Duplicate", lambda: self.duplicate(one))
        menu.addAction(icon("export"), "Export bundle…", lambda: self.export_dialog(voices))
        menu.addSeparator()
        what = f"“{one.name}”" if one else f"{len(voices)} voices"
        menu.addAction(icon("delete"), f"Move {what} to the trash", lambda: self.delete(voices))
        return menu

    # ----- one voice ---------------------------------------------------------------------------
    def edit_tags(self, voice: Voice, tags: str | None = None) -> Voice | None:
        """Replace the voice's tags (asks for them, comma separated, when ``tags`` is None)."""
        if tags is None:
            known = ", ".join(self.library.tags()) or "none yet"
            text, ok = QInputDialog.getText(
                self._parent,
                "Tags",
                f"Tags of “{voice.name}”, separated by commas.\nTags in the library: {known}",
                QLineEdit.EchoMode.Normal,
                ", ".join(voice.tags),
            )
            if not ok:
                return None
            tags = text
        words = [t.strip() for t in tags.split(",") if t.strip()]
        updated = self._run(lambda: self.library.update(voice.id, tags=words))
        if updated is not None:
            self._model.refresh()
        return updated

    def toggle_favorite(self, voices: list[Voice]) -> None:
        favorite = not all(v.favorite for v in voices)
        for v in voices:
            if self._run(lambda v=v: self.library.update(v.id, favorite=favorite)) is None:
                break
        self._model.refresh()

    def duplicate(self, voice: Voice) -> Voice | None:
        copy = self._run(lambda: self.library.duplicate(voice.id))
        if copy is not None:
            self._model.refresh()
            self._select(copy.id)
            self._banner.show_message("success", f"Made “{copy.name}”.")
        return copy

    # ----- export ------------------------------------------------------------------------------
    def export_dialog(self, voices: list[Voice]) -> None:
        if not voices:
            return
        stem = voices[0].name if len(voices) == 1 else "voices"
        start = self._settings.export_folder() / f"{stem}{BUNDLE_SUFFIX}"
        path, _ = QFileDialog.getSaveFileName(
            self._parent, f"Export {_names(voices)}", str(start), f"Timbre voices (*{BUNDLE_SUFFIX})"
        )
        if path:
            self.export(voices, Path(path))

    def export(self, voices: list[Voice], path: Path) -> Path | None:
        """Write ``voices`` to one ``.timbre`` bundle (the suffix is added when missing)."""
        if path.suffix.lower() != BUNDLE_SUFFIX:
            path = path.with_name(path.name + BUNDLE_SUFFIX)
        written = self._run(lambda: self.library.export([v.id for v in voices], path))
        if written is None:
            return None
        folder = path.parent
        self._banner.show_message(
            "success",
            f"Exported {_names(voices)} to {path.name}.",
            "Share the file; Timbre imports it with a drop on the voices list.",
            action=("Open folder", lambda: QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder)))),
        )
        return path

    # ----- trash -------------------------------------------------------------------------------
    def delete(self, voices: list[Voice]) -> None:
        """Move voices to the trash; the banner offers Undo."""
        done = []
        for v in voices:
            if self._run(lambda v=v: self.library.delete(v.id)) is None:
                break
            done.append(v)
        self._model.refresh()
        if not done:
            return
        self.last_deleted = done
        self._banner.show_message(
            "info",
            f"Moved {_names(done)} to the trash.",
            "Undo (Ctrl+Z) brings it back; the trash keeps it until you empty it.",
            action=("Undo", self.undo_delete),
        )

    def undo_delete(self) -> None:
        """Bring back the voices deleted last."""
        voices, self.last_deleted = self.last_deleted, []
        if voices:
            self.restore(voices)

    def restore(self, voices: list[Voice]) -> list[Voice]:
        """Take voices out of the trash; one whose name was taken meanwhile becomes "Name (2)"."""
        restored = []
        for old in voices:
            v = self._run(lambda old=old: self.library.restore(old.id))
            if v is None:
                break
            restored.append((old, v))
        self._model.refresh()
        if not restored:
            return []
        self._select(restored[0][1].id)
        renamed = [f"“{old.name}” is now “{v.name}”" for old, v in restored if old.name != v.name]
        note = ("Its name was taken meanwhile: " + "; ".join(renamed) + ".") if renamed else ""
        self._banner.show_message("success", f"Restored {_names([v for _, v in restored])}.", note)
        return [v for _, v in restored]

    def empty_trash(self, confirm: bool = True) -> int:
        """Delete the voices in the trash for good (after asking); returns how many."""
        trash = self._run(self.library.trash)
        if not trash:
            self._banner.show_message("info", "The trash is empty.")
            return 0
        if confirm:
            answer = QMessageBox.question(
                self._parent,
                "Empty the trash",
                f"Delete {_names(trash)} in the trash for good? "
                "Their recordings and prompts are removed from disk; this cannot be undone.",
                QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel,
                QMessageBox.StandardButton.Cancel,
            )
            if answer != QMessageBox.StandardButton.Discard:
                return 0
        count = self._run(self.library.empty_trash)
        if count is None:
            return 0
        self.last_deleted = []
        self._banner.show_message("success", f"Emptied the trash ({count} voice{'s' if count != 1 else ''}).")
        return count

    def fill_trash_menu(self, menu: QMenu) -> None:
        """``menu``: Restore each voice in the trash, Restore all, Empty trash."""
        menu.clear()
        trash = self._run(self.library.trash) or []
        if not trash:
            empty = menu.addAction("The trash is empty")
            empty.setEnabled(False)
            return
        for v in trash[:TRASH_MENU_LIMIT]:
            menu.addAction(f"Restore “{v.name}”", lambda v=v: self.restore([v]))
        if len(trash) > 1:
            menu.addAction("Restore all", lambda: self.restore(list(trash)))
        menu.addSeparator()
        menu.addAction(f"Empty trash ({len(trash)})…", self.empty_trash)
