"""A post's deliveries bound to their controller: the panel (widgets/deliveries_panel.py) shows what
the DeliveriesController publishes, and "Publish to…" opens the PublishDialog. The content editor
and the calendar each embed one."""

from __future__ import annotations

from PySide6.QtWidgets import QToolButton, QVBoxLayout, QWidget

from umt.desktop.views.publish_dialog import PublishDialog
from umt.desktop.widgets.deliveries_panel import Confirm, DeliveriesPanel


class DeliveriesView(QWidget):
    def __init__(self, controller, parent: QWidget | None = None, confirm: Confirm | None = None,
                 closable: bool = False) -> None:
        super().__init__(parent)
        self.controller = controller
        self.panel = DeliveriesPanel(confirm=confirm)
        self.dialog: PublishDialog | None = None
        self._title = ""
        self._scheduled_at: str | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.panel)
        if closable:    # beside the calendar: the owner puts it away again
            self.close_button = QToolButton()
            self.close_button.setText("\u2715")
            self.close_button.setAutoRaise(True)
            self.close_button.setToolTip("Hide the deliveries")
            self.close_button.clicked.connect(self._on_close_button_clicked)
            self.panel.bar.addWidget(self.close_button)
        self.panel.sig_publish_requested.connect(self.open_publish_dialog)
        self.panel.sig_retry_requested.connect(controller.retry)
        self.panel.sig_cancel_requested.connect(controller.cancel)
        controller.sig_deliveries_changed.connect(self._on_controller_deliveries_changed)
        controller.sig_problem_raised.connect(self.panel.show_problem)
        controller.sig_accounts_loaded.connect(self._on_controller_accounts_loaded)
        controller.sig_publish_finished.connect(self._on_controller_publish_finished)
        controller.sig_publish_refused.connect(self._on_controller_publish_refused)

    def show_post(self, content_id: int | None, title: str = "", scheduled_at: str | None = None) -> None:
        """The post whose deliveries are shown (None: an unsaved post)."""
        self._title, self._scheduled_at = title, scheduled_at
        if content_id == self.controller.content_id and content_id is not None:
            return      # the same post (saved, moved): its deliveries are read already, and polled
        self.panel.set_post(content_id is not None)
        self.controller.show_content(content_id)

    def _on_close_button_clicked(self) -> None:
        self.hide()
        self.controller.stop()

    def open_publish_dialog(self) -> PublishDialog:
        if self.dialog is not None:
            self.dialog.close()
        self.dialog = PublishDialog(self._title or "this post", self._scheduled_at, self)
        self.dialog.sig_publish_requested.connect(self.controller.publish)
        self.dialog.finished.connect(self._on_dialog_finished)
        self.dialog.open()
        self.controller.load_accounts()
        return self.dialog

    def _on_dialog_finished(self, _result: int) -> None:
        dialog, self.dialog = self.dialog, None
        if dialog is not None:
            dialog.deleteLater()

    def _on_controller_deliveries_changed(self, lines: list) -> None:
        self.panel.set_lines(lines)
        if self.controller.content_id is not None:
            self.panel.publish_button.setEnabled(True)

    def _on_controller_accounts_loaded(self, accounts: list) -> None:
        if self.dialog is not None:
            live = {line.channel_id: line.status for line in self.controller.lines
                    if line.status in ("queued", "sending", "sent")}
            self.dialog.set_accounts(accounts, live)

    def _on_controller_publish_finished(self, _lines: list) -> None:
        if self.dialog is not None:
            self.dialog.accept()

    def _on_controller_publish_refused(self, message: str, problems: dict) -> None:
        if self.dialog is not None:
            self.dialog.show_refusal(message, problems)
        else:
            self.panel.show_problem(message)
