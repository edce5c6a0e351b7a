"""Backups in the control center: a bar (the newest backup, "Back up now", "Restore…"), the dialog
that asks for the passphrase and shows the backup's progress, and the dialog that shows what a
backup holds before restoring it. They render what the BackupsController publishes."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog, QDialogButtonBox, QFileDialog, QFormLayout, QHBoxLayout, QHeaderView, QLabel, QLineEdit, QProgressBar,
    QPushButton, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget,
)

from umt.desktop.controllers.backups import BackupsController

# The tables as an owner names what they hold; the gateway's own bookkeeping is not listed.
TABLE_WORDS = {"brands": "Brands", "campaigns": "Campaigns", "content_items": "Posts", "content_versions": "Post versions",
               "experiments": "Experiments", "metrics": "Daily metrics", "users": "Accounts", "jobs": "Background jobs",
               "sessions": "Sign-in sessions", "recovery_codes": "Recovery codes"}
_BOOKKEEPING = {"schema_version", "owner_setup"}
_REASONS = {"manual": "made by you", "daily": "daily, automatic", "before-upgrade": "automatic, before an upgrade",
            "before-restore": "automatic, before a restore"}


def when(created_at: str) -> str:
    """The backup's time in the owner's own time zone, as people write it."""
    try:
        moment = datetime.fromisoformat(created_at.replace("Z", "+00:00")).astimezone()
    except ValueError:
        return created_at
    return moment.strftime("%d %b %Y, %H:%M")


def _label(text: str = "", role: str = "") -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    if role:
        label.setProperty("role", role)
    return label


class BackupsBar(QWidget):
    """One line in the control center: the newest backup, and the two actions."""

    sig_restore_chosen = Signal(str)
    """The owner chose a backup file to restore (its path)."""

    def __init__(self, controller: BackupsController, parent=None):
        super().__init__(parent)
        self.controller = controller
        self.summary = _label("Looking for backups…", "muted")
        self.back_up = QPushButton("Back up now")
        self.back_up.setAccessibleName("Back up now")
        self.restore = QPushButton("Restore…")
        self.restore.setAccessibleName("Restore a backup")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.summary, 1)
        layout.addWidget(self.back_up)
        layout.addWidget(self.restore)
        self.back_up.clicked.connect(self._on_back_up_clicked)
        self.restore.clicked.connect(self._on_restore_clicked)
        controller.sig_backups_listed.connect(self._on_controller_backups_listed)
        controller.refresh()

    def _on_controller_backups_listed(self, entries) -> None:
        readable = [entry for entry in entries if entry.manifest is not None]
        if not readable:
            self.summary.setText(f"No backups yet. They are kept in {self.controller.folder}.")
            return
        newest = readable[0].manifest
        self.summary.setText(f"Newest backup: {when(newest.created_at)} ({_REASONS.get(newest.reason, newest.reason)}), "
                             f"{newest.rows:,} rows · {len(readable)} in {self.controller.folder}")

    def _on_back_up_clicked(self) -> None:
        BackupDialog(self.controller, self.window()).open()

    def _on_restore_clicked(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Restore a backup", str(self.controller.folder),
                                              "umt backups (*.umtbackup)")
        if path:
            self.sig_restore_chosen.emit(path)


class _OperationDialog(QDialog):
    """What both dialogs share: a progress line, an error line, and the controller's outcome."""

    def __init__(self, controller: BackupsController, title: str, parent=None):
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)   # its connections to the controller go with it
        self.setWindowTitle(title)
        self.setMinimumWidth(520)
        self.controller = controller
        self.progress = QProgressBar()
        self.progress.setRange(0, 100)
        self.progress.hide()
        self.step = _label(role="muted")
        self.step.hide()
        self.error = _label(role="error")
        self.error.hide()
        self.result = _label()
        self.result.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.result.hide()
        controller.sig_progress_changed.connect(self._on_controller_progress_changed)
        controller.sig_operation_failed.connect(self._on_controller_operation_failed)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self._fit()

    def _fit(self) -> None:
        """Wrapped lines get the height they need at the dialog's width, and the dialog grows to
        hold them (a label's text arrives after layout: a path, an error)."""
        self.layout().activate()
        for label in self.findChildren(QLabel):
            if label.wordWrap() and label.isVisible():
                label.setMinimumHeight(label.heightForWidth(max(label.width(), 200)))
        self.adjustSize()

    def _begin(self, button: QPushButton) -> None:
        self.error.hide()
        self.progress.setValue(0)
        self.progress.show()
        self.step.show()
        button.setEnabled(False)

    def _on_controller_progress_changed(self, step) -> None:
        if step.fraction is not None:
            self.progress.setValue(round(step.fraction * 100))
        self.step.setText(step.step)

    def _on_controller_operation_failed(self, message: str) -> None:
        self.progress.hide()
        self.step.hide()
        self.error.setText(message)
        self.error.show()
        self.action.setEnabled(True)
        self._fit()


class BackupDialog(_OperationDialog):
    """Back up now: the passphrase twice, then progress, then where the verified file is."""

    def __init__(self, controller: BackupsController, parent=None):
        super().__init__(controller, "Back up now", parent)
        intro = _label(f"A copy of your data (posts, metrics, campaigns, accounts) and the keys it needs, in one file "
                       f"in {controller.folder}. The keys are encrypted with a passphrase you choose: you need it to "
                       f"restore the backup, on this computer or another one. umt cannot recover a lost passphrase.")
        self.passphrase = QLineEdit()
        self.passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        self.passphrase.setAccessibleName("Passphrase")
        self.again = QLineEdit()
        self.again.setEchoMode(QLineEdit.EchoMode.Password)
        self.again.setAccessibleName("Passphrase again")
        form = QFormLayout()
        form.addRow("Passphrase", self.passphrase)
        form.addRow("Again", self.again)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.action = buttons.addButton("Back up", QDialogButtonBox.ButtonRole.AcceptRole)
        self.action.setDefault(True)
        buttons.rejected.connect(self.reject)
        self.action.clicked.connect(self._on_action_clicked)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        for widget in (self.error, self.progress, self.step, self.result):
            layout.addWidget(widget)
        layout.addWidget(buttons)
        controller.sig_backup_finished.connect(self._on_controller_backup_finished)

    def _on_action_clicked(self) -> None:
        if len(self.passphrase.text()) < 8:
            self._on_controller_operation_failed("Choose a passphrase of at least 8 characters.")
            return
        if self.passphrase.text() != self.again.text():
            self._on_controller_operation_failed("The two passphrases differ.")
            return
        self._begin(self.action)
        if self.controller.back_up_now(self.passphrase.text()) is None:
            self._on_controller_operation_failed("A backup or restore is already under way.")

    def _on_controller_backup_finished(self, result) -> None:
        self.progress.setValue(100)
        self.step.hide()
        manifest = result.manifest
        self.result.setText(f"Backed up and verified: {manifest.rows:,} rows in {len(manifest.tables)} tables, "
                            f"in {result.seconds:.1f} s.\n{result.path}")
        self.result.show()
        self._fit()


class RestoreDialog(_OperationDialog):
    """What the backup holds (date, versions, rows per table), the passphrase, then Restore."""

    def __init__(self, controller: BackupsController, path: Path, manifest, parent=None):
        super().__init__(controller, "Restore a backup", parent)
        self.path = Path(path)
        self.manifest = manifest
        details = QFormLayout()
        details.addRow("File", _label(self.path.name))
        details.addRow("Made", _label(f"{when(manifest.created_at)} ({_REASONS.get(manifest.reason, manifest.reason)})"))
        details.addRow("By", _label(f"umt {manifest.umt_version}, data schema version {manifest.schema_version}"))
        details.addRow("Holds", _label(f"{manifest.rows:,} rows in {len(manifest.tables)} tables"))
        self.tables = QTableWidget(0, 2)
        self.tables.setHorizontalHeaderLabels(["What", "Rows"])
        self.tables.verticalHeader().hide()
        self.tables.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.tables.setSelectionMode(QTableWidget.SelectionMode.NoSelection)
        self.tables.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.tables.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        shown = [(TABLE_WORDS.get(table, table.replace("_", " ").capitalize()), rows)
                 for table, rows in manifest.tables.items() if table not in _BOOKKEEPING]
        for words, rows in sorted(shown, key=lambda item: (item[0] not in TABLE_WORDS.values(), item[0])):
            row = self.tables.rowCount()
            self.tables.insertRow(row)
            self.tables.setItem(row, 0, QTableWidgetItem(words))
            count = QTableWidgetItem(f"{rows:,}")
            count.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.tables.setItem(row, 1, count)
        self.tables.setMinimumHeight(200)
        warning = _label("Restoring replaces the data the stack uses now. umt first backs up the current data (into "
                         f"{controller.folder}), then stops the stack, puts this backup's data in place and starts the "
                         "stack again.", "muted")
        self.passphrase = QLineEdit()
        self.passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        self.passphrase.setAccessibleName("Passphrase")
        asks = manifest.protection == "passphrase"
        passphrase_row = QFormLayout()
        if asks:
            passphrase_row.addRow("Passphrase", self.passphrase)
        else:
            passphrase_row.addRow(_label("This automatic backup's keys are protected by this computer's keyring: "
                                         "no passphrase is needed here.", "muted"))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.action = buttons.addButton("Restore", QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.rejected.connect(self.reject)
        self.action.clicked.connect(self._on_action_clicked)
        layout = QVBoxLayout(self)
        layout.addLayout(details)
        layout.addWidget(self.tables)
        layout.addWidget(warning)
        layout.addLayout(passphrase_row)
        for widget in (self.error, self.progress, self.step, self.result):
            layout.addWidget(widget)
        layout.addWidget(buttons)
        self.buttons = buttons
        controller.sig_restore_finished.connect(self._on_controller_restore_finished)

    def _on_action_clicked(self) -> None:
        passphrase = self.passphrase.text() if self.manifest.protection == "passphrase" else None
        if passphrase is not None and not passphrase:
            self._on_controller_operation_failed("Type the passphrase chosen when this backup was made.")
            return
        self._begin(self.action)
        if self.controller.restore(self.path, passphrase) is None:
            self._on_controller_operation_failed("A backup or restore is already under way.")

    def _on_controller_restore_finished(self, result) -> None:
        self.progress.setValue(100)
        self.step.hide()
        kept = f"\nThe data it replaced is kept in {result.safety_backup}" if result.safety_backup else ""
        if result.set_aside:
            kept += f"\nThe damaged database file is kept as {result.set_aside}"
        self.result.setText(f"Restored {result.manifest.rows:,} rows from {when(result.manifest.created_at)} "
                            f"in {result.seconds:.1f} s.{kept}")
        self.result.show()
        self._fit()
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("Close")
