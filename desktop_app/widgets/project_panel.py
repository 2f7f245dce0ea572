"""Projects and their scripts: switch, create, rename, duplicate, reorder, delete (with Undo).

A tree under the voices: projects (podcast, audiobook, video) at the top level, their scripts
(episodes, chapters) below, in order. Clicking a script opens it in the editor. F2 renames,
Del deletes (Undo in the message, or Ctrl+Z), Ctrl+Up / Ctrl+Down move. The ⋯ menu also holds
"Render all", which renders every script of the project as one queue, chapter by chapter.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtGui import QFont, QKeySequence, QShortcut, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QPushButton,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from engine.projects import KINDS, SCRIPT_NOUN, ProjectStore, ProjectStoreError

from ..icons import icon
from .banner import Banner

ID_ROLE = Qt.ItemDataRole.UserRole + 40
KIND_ROLE = Qt.ItemDataRole.UserRole + 41  # "project" or "script"
KIND_LABELS = {"podcast": "Podcast", "audiobook": "Audiobook", "video": "Video", "other": "Other"}


class NewProjectDialog(QDialog):
    """Name and kind of a new project."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("New project")
        self.name = QLineEdit()
        self.name.setPlaceholderText("e.g. The Morning Show, My Novel")
        self.kind = QComboBox()
        for kind in KINDS:
            self.kind.addItem(f"{KIND_LABELS[kind]} ({SCRIPT_NOUN[kind].lower()}s)", kind)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok.setEnabled(False)
        self.name.textChanged.connect(lambda t: self.ok.setEnabled(bool(t.strip())))
        form = QFormLayout(self)
        form.addRow("Name", self.name)
        form.addRow("Kind", self.kind)
        form.addRow(buttons)


class ProjectPanel(QWidget):
    """The project tree and its actions; it owns no script text (the script panel does)."""

    script_opened = Signal(str)  # script id
    render_all_requested = Signal(str)  # project id
    about_to_change = Signal()  # save the open script before the store changes under it

    def __init__(self, store: ProjectStore, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.current_script_id: str | None = None
        self._undo: list[tuple[str, str]] = []  # ("project" | "script", id) of deletes
        self._progress: dict[str, str] = {}  # script id -> "rendering 3/10" while render-all runs
        self.banner = Banner()
        self.model = QStandardItemModel(0, 2, self)  # name | render-all progress
        self.model.itemChanged.connect(self._renamed)
        self.tree = QTreeView()
        self.tree.setHeaderHidden(True)
        self.tree.setModel(self.model)
        header = self.tree.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, header.ResizeMode.Stretch)
        header.setSectionResizeMode(1, header.ResizeMode.ResizeToContents)
        self.tree.setEditTriggers(QAbstractItemView.EditTrigger.EditKeyPressed)
        self.tree.clicked.connect(self._clicked)
        self.tree.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.tree.customContextMenuRequested.connect(
            lambda pos: self._menu().popup(self.tree.mapToGlobal(pos))
        )
        self.new_project_button = QPushButton("New project")
        self.new_project_button.setIcon(icon("plus"))
        self.new_project_button.clicked.connect(self.new_project_dialog)
        self.new_script_button = QPushButton("New script")
        self.new_script_button.setToolTip("Add an episode or chapter to the selected project")
        self.new_script_button.clicked.connect(lambda: self.new_script())
        self.more = QPushButton("⋯")
        self.more.setToolTip("Rename, duplicate, move, delete, render all")
        self.more.clicked.connect(
            lambda: self._menu().popup(self.more.mapToGlobal(self.more.rect().bottomLeft()))
        )
        for keys, slot in (
            ("Delete", self.delete_selected),
            ("Ctrl+Z", self.undo_delete),
            ("Ctrl+Up", lambda: self.move_selected(-1)),
            ("Ctrl+Down", lambda: self.move_selected(+1)),
        ):
            shortcut = QShortcut(QKeySequence(keys), self.tree)
            shortcut.setContext(Qt.ShortcutContext.WidgetShortcut)
            shortcut.activated.connect(slot)
        title = QLabel("Projects")
        title.setObjectName("panelTitle")
        buttons = QHBoxLayout()
        buttons.addWidget(self.new_project_button)
        buttons.addWidget(self.new_script_button)
        buttons.addStretch(1)
        buttons.addWidget(self.more)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 6, 12, 6)
        layout.addWidget(title)
        layout.addWidget(self.banner)
        layout.addWidget(self.tree, 1)
        layout.addLayout(buttons)
        self.refresh()

    # ----- the tree -----------------------------------------------------------------------------
    def refresh(self) -> None:
        """Rebuild the tree from the store (small: a few projects of a few hundred scripts)."""
        self.model.blockSignals(True)
        self.model.removeRows(0, self.model.rowCount())
        for project in self.store.projects():
            item = QStandardItem(project.name)
            item.setData(project.id, ID_ROLE)
            item.setData("project", KIND_ROLE)
            item.setToolTip(f"{KIND_LABELS.get(project.kind, project.kind)} · F2 renames, Del deletes")
            font = QFont()
            font.setBold(True)
            item.setFont(font)
            for script in self.store.scripts(project.id):
                child = QStandardItem(script.name)
                child.setData(script.id, ID_ROLE)
                child.setData("script", KIND_ROLE)
                child.setToolTip("Click to open · F2 renames · Del deletes · Ctrl+Up/Down moves")
                if script.id == self.current_script_id:
                    child.setIcon(icon("generate"))
                status = QStandardItem(self._progress.get(script.id, ""))
                status.setEditable(False)
                item.appendRow([child, status])
            self.model.appendRow([item, _blank()])
        self.model.blockSignals(False)
        self.model.layoutChanged.emit()  # rows were rebuilt while signals were blocked
        self.tree.expandAll()
        self._select(self.current_script_id)

    def _item(self, item_id: str | None) -> QStandardItem | None:
        for row in range(self.model.rowCount()):
            project = self.model.item(row)
            if project.data(ID_ROLE) == item_id:
                return project
            for r in range(project.rowCount()):
                if project.child(r).data(ID_ROLE) == item_id:
                    return project.child(r)
        return None

    def _select(self, item_id: str | None) -> None:
        item = self._item(item_id)
        if item is not None:
            self.tree.setCurrentIndex(item.index())

    def selected(self) -> tuple[str, str] | None:
        """(``"project"`` or ``"script"``, id) of the selected row."""
        index = self.tree.currentIndex()
        return (index.data(KIND_ROLE), index.data(ID_ROLE)) if index.isValid() else None

    def selected_project_id(self) -> str | None:
        index = self.tree.currentIndex()
        if not index.isValid():
            return None
        return index.data(ID_ROLE) if index.data(KIND_ROLE) == "project" else index.parent().data(ID_ROLE)

    def open_script(self, script_id: str) -> None:
        """Mark ``script_id`` as the open one and tell the window to open it."""
        self.current_script_id = script_id
        self.refresh()
        self.script_opened.emit(script_id)

    def _clicked(self, index: QModelIndex) -> None:
        if index.data(KIND_ROLE) == "script" and index.data(ID_ROLE) != self.current_script_id:
            self.about_to_change.emit()
            self.open_script(index.data(ID_ROLE))

    # ----- actions ------------------------------------------------------------------------------
    def _run(self, action):
        try:
            return action()
        except (ProjectStoreError, ValueError) as e:
            hint = getattr(e, "hint", "") or ""
            self.banner.show_message("error", getattr(e, "message", str(e)), hint)
            return None

    def new_project_dialog(self) -> None:
        dialog = NewProjectDialog(self)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.new_project(dialog.name.text(), dialog.kind.currentData())

    def new_project(self, name: str, kind: str = "podcast") -> str | None:
        """Create a project (with its first script) and open that script. -> the project id."""
        self.about_to_change.emit()
        project = self._run(lambda: self.store.create_project(name, kind))
        if project is None:
            return None
        self.open_script(self.store.scripts(project.id)[0].id)
        return project.id

    def new_script(self, name: str | None = None) -> str | None:
        """Add a script to the selected project (named by its kind) and open it."""
        project_id = self.selected_project_id()
        if project_id is None:
            return None
        self.about_to_change.emit()
        script = self._run(lambda: self.store.create_script(project_id, name))
        if script is None:
            return None
        self.open_script(script.id)
        return script.id

    def rename_selected(self) -> None:
        index = self.tree.currentIndex()
        if index.isValid():
            self.tree.edit(index)

    def _renamed(self, item: QStandardItem) -> None:
        kind, item_id = item.data(KIND_ROLE), item.data(ID_ROLE)
        if kind not in ("project", "script"):
            return
        rename = self.store.rename_project if kind == "project" else self.store.rename_script
        self._run(lambda: rename(item_id, item.text()))  # an empty name is refused, in words
        self.refresh()  # shows the stored name (tidied, or the old one after a refusal)

    def duplicate_selected(self) -> None:
        chosen = self.selected()
        if chosen is None:
            return
        self.about_to_change.emit()
        kind, item_id = chosen
        copy = self._run(
            (lambda: self.store.duplicate_project(item_id))
            if kind == "project"
            else (lambda: self.store.duplicate_script(item_id))
        )
        if copy is not None:
            self.refresh()
            self._select(copy.id)

    def move_selected(self, step: int) -> None:
        chosen = self.selected()
        if chosen is None:
            return
        kind, item_id = chosen
        if kind == "project":
            ids = [p.id for p in self.store.projects()]
            self._run(lambda: self.store.move_project(item_id, ids.index(item_id) + step))
        else:
            script = self.store.script(item_id)
            ids = [s.id for s in self.store.scripts(script.project_id)] if script else []
            if item_id in ids:
                self._run(lambda: self.store.move_script(item_id, ids.index(item_id) + step))
        self.refresh()
        self._select(item_id)

    def delete_selected(self) -> None:
        """Delete the selected project or script; Undo brings it back (the last one cannot go)."""
        chosen = self.selected()
        if chosen is None:
            return
        kind, item_id = chosen
        if kind == "project":
            if len(self.store.projects()) == 1:
                self.banner.show_message(
                    "warning", "This is the only project.", "Create another project first."
                )
                return
            name = self.store.project(item_id).name  # type: ignore[union-attr]
            self._run(lambda: self.store.delete_project(item_id))
        else:
            script = self.store.script(item_id)
            if script is None:
                return
            if len(self.store.scripts(script.project_id)) == 1:
                self.banner.show_message(
                    "warning", "A project keeps at least one script.", "Delete the project instead."
                )
                return
            name = script.name
            self._run(lambda: self.store.delete_script(item_id))
        self._undo.append((kind, item_id))
        self.banner.show_message(
            "info",
            f"Deleted “{name}”.",
            "Undo (Ctrl+Z) brings it back with its takes.",
            action=("Undo", self.undo_delete),
        )
        if self.store.script(self.current_script_id or "") is None:  # the open script went with it
            first = self.store.scripts(self.store.projects()[0].id)[0]
            self.open_script(first.id)
        else:
            self.refresh()

    def undo_delete(self) -> None:
        if not self._undo:
            return
        kind, item_id = self._undo.pop()
        restore = self.store.restore_project if kind == "project" else self.store.restore_script
        self._run(lambda: restore(item_id))
        self.banner.clear()
        self.refresh()
        self._select(item_id)

    def _menu(self) -> QMenu:
        menu = QMenu(self)
        chosen = self.selected()
        for label, slot in (
            ("Rename (F2)", self.rename_selected),
            ("Duplicate", self.duplicate_selected),
            ("Move up (Ctrl+Up)", lambda: self.move_selected(-1)),
            ("Move down (Ctrl+Down)", lambda: self.move_selected(+1)),
        ):
            menu.addAction(label, slot).setEnabled(chosen is not None)
        menu.addSeparator()
        project_id = self.selected_project_id()
        project = self.store.project(project_id) if project_id else None
        noun = f"{SCRIPT_NOUN.get(project.kind, 'Script').lower()}s" if project else "scripts"
        render = menu.addAction(
            icon("generate"), f"Render all {noun}", lambda: self.render_all_requested.emit(project_id)
        )
        render.setEnabled(project is not None)
        menu.addSeparator()
        menu.addAction(icon("delete"), "Delete (Del)", self.delete_selected).setEnabled(chosen is not None)
        return menu

    # ----- render-all progress --------------------------------------------------------------------
    def set_progress(self, script_id: str, text: str | None) -> None:
        """Show a script's render-all progress beside its name ("3 of 10"); None removes it."""
        if text is None:
            self._progress.pop(script_id, None)
        else:
            self._progress[script_id] = text
        item = self._item(script_id)
        if item is not None and item.parent() is not None:
            status = item.parent().child(item.row(), 1)
            if status is not None:
                status.setText(text or "")


def _blank() -> QStandardItem:
    item = QStandardItem("")
    item.setEditable(False)
    return item
