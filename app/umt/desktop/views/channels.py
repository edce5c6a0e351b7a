"""The Channels section: the accounts umt publishes to, each connected or needing a reconnect (with
the reason), Connect…, Test, Reconnect… and Disconnect…; an email newsletter's recipients.
Empty, it says what channels are for and offers Connect."""

from __future__ import annotations

from typing import Callable

from PySide6.QtCore import QItemSelection, Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (QAbstractItemView, QHBoxLayout, QHeaderView, QLabel, QMessageBox, QPushButton,
                               QSplitter, QStackedWidget, QTableView, QVBoxLayout, QWidget)

from umt.desktop.models.channels import ROLE_RECORD, ChannelsModel
from umt.desktop.models.publishing import TONE_BAD, TONE_OK, account_status, is_email
from umt.desktop.theme import Theme
from umt.desktop.views.channel_connect import ConnectDialog
from umt.desktop.views.channels_recipients import RecipientsPanel
from umt.desktop.widgets.banner import Banner
from umt.desktop.widgets.empty_state import EmptyState
from umt.desktop.widgets.icons import themed_icon

CONNECT = "connect"
PURPOSE = ("Connect the accounts umt publishes to: {kinds}. Then \u201cPublish to\u2026\u201d on a post sends it "
           "there, on time, even with this window closed.")


def purpose(labels: list[str]) -> str:
    """What the section is for, naming the kinds this gateway can connect."""
    if not labels:
        return PURPOSE.format(kinds="your social accounts, newsletter, blog or webhooks")
    kinds = labels[0] if len(labels) == 1 else f"{', '.join(labels[:-1])} or {labels[-1]}"
    return PURPOSE.format(kinds=kinds)

Confirm = Callable[[str, str], bool]


def ask(parent: QWidget, title: str, question: str) -> bool:
    buttons = QMessageBox.StandardButton
    return QMessageBox.question(parent, title, question, buttons.Yes | buttons.Cancel, buttons.Cancel) == buttons.Yes


class ChannelsPage(QWidget):
    def __init__(self, controller, theme: Theme | None = None, parent: QWidget | None = None,
                 confirm: Confirm | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.confirm = confirm or (lambda title, question: ask(self, title, question))
        self.dialog: ConnectDialog | None = None
        self.kinds: list = []
        self.model = ChannelsModel(self)

        self.title = QLabel("Channels")
        self.title.setStyleSheet("font-size: 17px; font-weight: 600;")
        self.connect_button = QPushButton("Connect\u2026")
        self.connect_button.setProperty("role", "primary")
        self.connect_button.setToolTip("Connect an account umt can publish to (Ctrl+N)")
        QShortcut(QKeySequence.StandardKey.New, self, self.open_connect_dialog,
                  context=Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.connect_button.clicked.connect(self.open_connect_dialog)
        self.banner = Banner()

        self.empty = EmptyState("No channels yet", purpose([]))
        self.empty.set_action("Connect a channel", CONNECT)
        self.empty.sig_action_requested.connect(lambda _key: self.open_connect_dialog())

        self.table = QTableView()
        self.table.setAccessibleName("Channel accounts")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setAlternatingRowColors(True)
        self.table.setShowGrid(False)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(ChannelsModel.COL_NAME, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(ChannelsModel.COL_KIND, QHeaderView.ResizeMode.Interactive)
        self.table.setColumnWidth(ChannelsModel.COL_KIND, 150)
        header.setSectionResizeMode(ChannelsModel.COL_STATUS, QHeaderView.ResizeMode.Stretch)

        self.detail = QWidget()
        self.detail_name = QLabel()
        self.detail_name.setStyleSheet("font-size: 15px; font-weight: 600;")
        self.detail_kind = QLabel()
        self.detail_kind.setProperty("role", "muted")
        self.detail_status = QLabel()
        self.detail_status.setWordWrap(True)
        self.test_result = QLabel()
        self.test_result.setWordWrap(True)
        self.test_result.hide()
        self.test_button = QPushButton("Test")
        self.test_button.setToolTip("Check that the stored credentials still work")
        self.reconnect_button = QPushButton("Reconnect\u2026")
        self.reconnect_button.setToolTip("Enter new credentials for this account")
        self.disconnect_button = QPushButton("Disconnect\u2026")
        self.disconnect_button.setProperty("danger", True)
        self.test_button.clicked.connect(self._on_test_button_clicked)
        self.reconnect_button.clicked.connect(self._on_reconnect_button_clicked)
        self.disconnect_button.clicked.connect(self._on_disconnect_button_clicked)
        self.recipients = RecipientsPanel()
        self.recipients.hide()
        actions = QHBoxLayout()
        for button in (self.test_button, self.reconnect_button, self.disconnect_button):
            actions.addWidget(button)
        actions.addStretch(1)
        detail = QVBoxLayout(self.detail)
        detail.setContentsMargins(12, 0, 0, 0)
        detail.addWidget(self.detail_name)
        detail.addWidget(self.detail_kind)
        detail.addWidget(self.detail_status)
        detail.addLayout(actions)
        detail.addWidget(self.test_result)
        detail.addWidget(self.recipients, 1)
        detail.addStretch(0)
        self.detail_hint = QLabel("Pick an account on the left to test, reconnect or disconnect it.")
        self.detail_hint.setProperty("role", "muted")
        self.detail_hint.setWordWrap(True)
        self.detail_hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.detail_stack = QStackedWidget()
        self.detail_stack.addWidget(self.detail_hint)
        self.detail_stack.addWidget(self.detail)
        splitter = QSplitter()
        splitter.addWidget(self.table)
        splitter.addWidget(self.detail_stack)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        splitter.setSizes([600, 420])

        self.pages = QStackedWidget()
        self.pages.addWidget(self.empty)
        self.pages.addWidget(splitter)
        self.loading = QLabel("Loading your channels\u2026")
        self.loading.setProperty("role", "muted")
        bar = QHBoxLayout()
        bar.addWidget(self.title, 1)
        bar.addWidget(self.connect_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 12, 16, 12)
        layout.addLayout(bar)
        layout.addWidget(self.banner)
        layout.addWidget(self.loading)
        layout.addWidget(self.pages, 1)

        self.table.selectionModel().selectionChanged.connect(self._on_table_selection_changed)
        self.recipients.sig_add_requested.connect(self._on_recipients_add_requested)
        self.recipients.sig_remove_requested.connect(self._on_recipients_remove_requested)
        controller.sig_kinds_loaded.connect(self._on_controller_kinds_loaded)
        controller.sig_accounts_loaded.connect(self._on_controller_accounts_loaded)
        controller.sig_account_changed.connect(self._on_controller_account_changed)
        controller.sig_account_removed.connect(self._on_controller_account_removed)
        controller.sig_connect_finished.connect(self._on_controller_connect_finished)
        controller.sig_connect_failed.connect(self._on_controller_connect_failed)
        controller.sig_test_finished.connect(self._on_controller_test_finished)
        controller.sig_problem_raised.connect(self._on_controller_problem_raised)
        controller.sig_recipients_loaded.connect(self._on_controller_recipients_loaded)
        controller.sig_recipients_failed.connect(self._on_controller_recipients_failed)
        controller.sig_notice_changed.connect(self._on_controller_notice_changed)
        if theme is not None:
            self.set_theme(theme)

    def set_theme(self, theme: Theme) -> None:
        self.empty.set_icon(themed_icon("channels", theme.colors["text_muted"], 56))
        tones = {TONE_OK: theme.colors["ok"], TONE_BAD: theme.colors["danger"]}
        self.model.set_tone_colors(tones)
        self.recipients.model.set_tone_colors(tones)

    def showEvent(self, event) -> None:  # noqa: N802 - Qt's name
        """Each time the owner opens it, the accounts are read afresh: the outbox may have found a
        sign-in refused meanwhile (needs reconnect)."""
        super().showEvent(event)
        self.controller.load()

    # --- what is selected ----------------------------------------------------------------------
    def selected(self):
        rows = self.table.selectionModel().selectedRows()
        return rows[0].data(ROLE_RECORD) if rows else None

    def select(self, account_id: int) -> None:
        row = self.model.row_of(account_id)
        if row >= 0:
            self.table.selectRow(row)

    def _on_table_selection_changed(self, _selected: QItemSelection, _deselected: QItemSelection) -> None:
        self.test_result.hide()
        self._show_detail(self.selected(), reload_recipients=True)

    def _show_detail(self, account, reload_recipients: bool = False) -> None:
        if account is None:
            self.detail_stack.setCurrentWidget(self.detail_hint)
            return
        self.detail_stack.setCurrentWidget(self.detail)
        self.detail_name.setText(account.name)
        kind = next((k for k in self.kinds if k.kind == account.kind), None)
        self.detail_kind.setText(kind.label if kind else account.kind)
        words, tone = account_status(account)
        self.detail_status.setText(words)
        self.detail_status.setProperty("tone", tone)
        _repolish(self.detail_status)
        self.reconnect_button.setProperty("role", "primary" if account.status != "connected" else "")
        _repolish(self.reconnect_button)
        self.recipients.setVisible(is_email(account))
        if is_email(account) and reload_recipients:
            self.recipients.set_recipients([])
            self.controller.load_recipients(account.id)

    # --- the owner's actions ------------------------------------------------------------------
    def open_connect_dialog(self, account=None) -> ConnectDialog:
        if self.dialog is not None:
            self.dialog.close()
        self.dialog = ConnectDialog(self.kinds, account, self)
        self.dialog.sig_connect_requested.connect(self.controller.connect_account)
        self.dialog.sig_reconnect_requested.connect(self.controller.reconnect)
        self.dialog.finished.connect(self._on_dialog_finished)
        self.dialog.open()
        return self.dialog

    def _on_dialog_finished(self, _result: int) -> None:
        dialog, self.dialog = self.dialog, None
        if dialog is not None:
            dialog.deleteLater()

    def _on_test_button_clicked(self) -> None:
        account = self.selected()
        if account is not None:
            self.test_button.setEnabled(False)
            self.test_button.setText("Testing\u2026")
            self.test_result.hide()
            self.controller.test(account.id)

    def _on_reconnect_button_clicked(self) -> None:
        account = self.selected()
        if account is not None:
            self.open_connect_dialog(account)

    def _on_disconnect_button_clicked(self) -> None:
        account = self.selected()
        if account is not None and self.confirm(
                "Disconnect", f"Disconnect \u201c{account.name}\u201d? umt forgets its credentials, and posts "
                              "waiting to go there will not be sent."):
            self.controller.disconnect(account.id)

    def _on_recipients_add_requested(self, people: list) -> None:
        account = self.selected()
        if account is not None:
            self.controller.add_recipients(account.id, people)

    def _on_recipients_remove_requested(self, ids: list) -> None:
        account = self.selected()
        if account is not None:
            self.controller.remove_recipients(account.id, ids)

    # --- the controller's answers ---------------------------------------------------------------
    def _on_controller_kinds_loaded(self, kinds: list) -> None:
        self.kinds = kinds
        self.empty.set_message("No channels yet", purpose([kind.label for kind in kinds]))
        self.model.set_kind_labels({kind.kind: kind.label for kind in kinds})

    def _on_controller_accounts_loaded(self, accounts: list) -> None:
        keep = self.selected()
        self.loading.hide()
        self.model.set_rows(accounts)
        self.pages.setCurrentIndex(1 if accounts else 0)
        if keep is not None and self.model.row_of(keep.id) >= 0:
            self.select(keep.id)
        elif accounts:
            self.table.selectRow(0)
        else:
            self._show_detail(None)

    def _on_controller_account_changed(self, account) -> None:
        self.model.update_row(account)
        self.pages.setCurrentIndex(1)
        current = self.selected()
        if current is not None and current.id == account.id:
            self._show_detail(account)

    def _on_controller_account_removed(self, account_id: int) -> None:
        self.model.remove_id(account_id)
        if not self.model.rowCount():
            self.pages.setCurrentIndex(0)
        self._show_detail(self.selected())

    def _on_controller_connect_finished(self, account) -> None:
        if self.dialog is not None:
            self.dialog.accept()
        self.select(account.id)
        self.banner.show_message(f"\u201c{account.name}\u201d is connected.", "", severity="info")

    def _on_controller_connect_failed(self, field: str, message: str) -> None:
        if self.dialog is not None:
            self.dialog.show_refusal(field, message)
        else:
            self.banner.show_message(message, "", severity="error")

    def _on_controller_test_finished(self, account_id: int, ok: bool, message: str) -> None:
        self.test_button.setEnabled(True)
        self.test_button.setText("Test")
        current = self.selected()
        if current is None or current.id != account_id:
            return
        self.test_result.setText(("The connection works" if ok else "The connection failed") +
                                 (f": {message}" if message else "."))
        self.test_result.setProperty("tone", TONE_OK if ok else TONE_BAD)
        _repolish(self.test_result)
        self.test_result.show()

    def _on_controller_problem_raised(self, message: str) -> None:
        self.loading.hide()
        self.banner.show_message(message, "", severity="error")

    def _on_controller_recipients_loaded(self, account_id: int, recipients: list) -> None:
        current = self.selected()
        if current is not None and current.id == account_id:
            self.recipients.set_recipients(recipients)

    def _on_controller_recipients_failed(self, account_id: int, message: str) -> None:
        current = self.selected()
        if current is not None and current.id == account_id:
            self.recipients.show_error(message)

    def _on_controller_notice_changed(self, notice: str) -> None:
        if notice:
            self.banner.show_message(notice, "", severity="warning")
        else:
            self.banner.hide()


def _repolish(widget: QWidget) -> None:
    """Applies a changed style property (a tone, a role) and the size it brings."""
    widget.style().unpolish(widget)
    widget.style().polish(widget)
    widget.updateGeometry()
