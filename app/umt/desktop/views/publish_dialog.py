""""Publish to…": pick the channel accounts a post goes to, and when. A refusal (the post is too long
for one channel, has too many images for another) appears under each channel it concerns, and the
choices stay as they were."""

from __future__ import annotations

from datetime import datetime, timezone

from PySide6.QtCore import QDateTime, Qt, QTimeZone, Signal
from PySide6.QtWidgets import (QButtonGroup, QCheckBox, QDateTimeEdit, QDialog, QDialogButtonBox, QHBoxLayout, QLabel,
                               QRadioButton, QVBoxLayout, QWidget)

from umt.contract.publishing import ChannelAccount
from umt.desktop.widgets.field_errors import ErrorLabel


class PublishDialog(QDialog):
    sig_publish_requested = Signal(list, object)
    """Publish to these account ids, at this time (a datetime in UTC, or None for "as scheduled")."""

    def __init__(self, post_title: str, scheduled_at: str | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Publish to\u2026")
        self.setMinimumWidth(460)
        self.heading = QLabel(f"Send \u201c{post_title}\u201d to:")
        self.heading.setWordWrap(True)
        self.loading = QLabel("Loading your channels\u2026")
        self.loading.setProperty("role", "muted")
        self.general = ErrorLabel()
        self.boxes: dict[int, QCheckBox] = {}
        self.errors: dict[int, ErrorLabel] = {}
        self._channels = QVBoxLayout()
        self._channels.setSpacing(2)

        self.when_default = QRadioButton(f"At its scheduled time ({scheduled_at[:16].replace('T', ' ')} UTC)"
                                         if scheduled_at else "Now")
        self.when_at = QRadioButton("At (UTC)")
        self.at = QDateTimeEdit(QDateTime.currentDateTimeUtc().addSecs(3600))
        self.at.setTimeZone(QTimeZone.utc())
        self.at.setDisplayFormat("yyyy-MM-dd HH:mm")
        self.at.setCalendarPopup(True)
        self.at.setAccessibleName("Publish at")
        self.at.setEnabled(False)
        self.when_at.toggled.connect(self.at.setEnabled)
        group = QButtonGroup(self)
        group.addButton(self.when_default)
        group.addButton(self.when_at)
        self.when_default.setChecked(True)
        when = QHBoxLayout()
        when.addWidget(self.when_default)
        when.addWidget(self.when_at)
        when.addWidget(self.at, 1)

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.publish_button = self.buttons.addButton("Publish", QDialogButtonBox.ButtonRole.AcceptRole)
        self.publish_button.setProperty("role", "primary")
        self.publish_button.setEnabled(False)
        self.buttons.accepted.connect(self._on_buttons_accepted)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.loading)
        layout.addLayout(self._channels)
        layout.addWidget(self.general)
        layout.addSpacing(6)
        layout.addLayout(when)
        layout.addWidget(self.buttons)

    def set_accounts(self, accounts: list[ChannelAccount], already: dict[int, str] | None = None) -> None:
        """The accounts to pick from; one that needs reconnecting cannot be picked (it says why), and
        one the post already goes to (`already`: account id -> its delivery's status) is marked."""
        already = already or {}
        self.loading.setVisible(not accounts)
        if not accounts:
            self.loading.setText("No channel is connected yet. Connect one in the Channels section first.")
        for account in accounts:
            name = account.name.replace("&", "&&")     # a check box reads "&" as a shortcut mark
            box = QCheckBox(name)
            box.setAccessibleName(f"Publish to {account.name}")
            if account.status != "connected":
                box.setEnabled(False)
                box.setText(f"{name} \u2014 needs reconnect in Channels")
            elif account.id in already:
                box.setEnabled(False)
                box.setText(f"{name} \u2014 " + ("already sent" if already[account.id] == "sent" else "already on its way"))
            box.toggled.connect(self._on_box_toggled)
            error = ErrorLabel()
            error.setContentsMargins(24, 0, 0, 0)
            self._channels.addWidget(box)
            self._channels.addWidget(error)
            self.boxes[account.id] = box
            self.errors[account.id] = error

    def chosen(self) -> list[int]:
        return [account_id for account_id, box in self.boxes.items() if box.isChecked() and box.isEnabled()]

    def when(self) -> datetime | None:
        if not self.when_at.isChecked():
            return None
        return datetime.fromtimestamp(self.at.dateTime().toSecsSinceEpoch(), tz=timezone.utc)

    def show_refusal(self, message: str, problems: dict[int, list[str]]) -> None:
        """The gateway's refusal: under each channel it names, or at the bottom; the choices stay."""
        self._set_busy(False)
        for error in self.errors.values():
            error.show_error("")
        named = [account_id for account_id in problems if account_id in self.errors]
        for account_id in named:
            self.errors[account_id].show_error("; ".join(problems[account_id]))
        if named and len(named) == len(problems):   # each reason is under its channel: say what to do
            message = ("It cannot go to every channel you picked: the reason is under each one. Untick it, or "
                       "change the post, and publish again.")
        self.general.show_error(message)

    def _on_box_toggled(self, _checked: bool) -> None:
        self.publish_button.setEnabled(bool(self.chosen()))

    def _on_buttons_accepted(self) -> None:
        self.general.show_error("")
        self._set_busy(True)
        self.sig_publish_requested.emit(self.chosen(), self.when())

    def _set_busy(self, busy: bool) -> None:
        self.publish_button.setEnabled(not busy and bool(self.chosen()))
        self.publish_button.setText("Publishing\u2026" if busy else "Publish")

    def keyPressEvent(self, event) -> None:  # noqa: N802 - Qt's name
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and not self.publish_button.isEnabled():
            return
        super().keyPressEvent(event)
