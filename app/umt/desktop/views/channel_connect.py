"""Connect… and Reconnect…: a form whose fields come from the gateway's channel kinds (its settings
as text, its credentials as password fields). The gateway tests the connection before it keeps
anything; its refusal appears under the field it names (or under the form), and everything typed
stays, for each kind the owner looked at."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (QComboBox, QDialog, QDialogButtonBox, QLabel, QLineEdit, QStackedWidget, QVBoxLayout,
                               QWidget)

from umt.contract.publishing import ChannelAccount
from umt.desktop.models.publishing import ChannelKind, field_label
from umt.desktop.widgets.form import Form

LABEL_WIDTH = 110     # the kind's form lines up with Channel and Name above it
# What to type, by (kind, name), or by name for any kind; and what most owners type anyway.
HINTS = {
    "url": "Where umt sends the post (an address starting with https://).",
    "signing_secret": "umt signs each post with it (the X-Umt-Signature header) so the receiver can check it.",
    ("discord", "webhook_url"): "In Discord: Server settings \u2192 Integrations \u2192 Webhooks \u2192 Copy webhook URL.",
    ("slack", "webhook_url"): "The address of an incoming webhook of your Slack app.",
    ("bluesky", "service"): "Your Bluesky server; https://bsky.social unless you run your own.",
    ("bluesky", "handle"): "e.g. crumbandco.bsky.social",
    ("bluesky", "app_password"): "In Bluesky: Settings \u2192 Privacy and security \u2192 App passwords. Your own "
                                 "password stays yours.",
    ("mastodon", "instance"): "Your server's address, e.g. https://mastodon.social",
    ("mastodon", "access_token"): "In Mastodon: Preferences \u2192 Development \u2192 New application (with "
                                  "write:statuses and write:media), then its access token.",
    ("wordpress", "site"): "The site's address, e.g. https://crumb.example",
    ("wordpress", "username"): "The WordPress user the posts are published as.",
    ("wordpress", "application_password"): "In WordPress: Users \u2192 Profile \u2192 Application passwords.",
    ("email", "host"): "Your mail provider's SMTP server, e.g. smtp.example.com",
    ("email", "security"): "starttls (usually port 587) or tls (usually port 465), as your mail provider says.",
    ("email", "sender"): "Who the newsletter is from, e.g. Crumb & Co <news@crumb.example>.",
    ("email", "username"): "Usually your email address.",
}
DEFAULTS = {("bluesky", "service"): "https://bsky.social", ("email", "port"): "587", ("email", "security"): "starttls"}


def _hint(kind: str, name: str) -> str:
    return HINTS.get((kind, name)) or HINTS.get(name, "")


class KindForm(Form):
    """One kind's settings and credentials; `values()` reads them as the API takes them."""

    def __init__(self, kind: ChannelKind, settings: dict[str, Any] | None = None, parent=None) -> None:
        super().__init__(parent)
        self.kind = kind
        self.field_names = [f"settings.{n}" for n in kind.setting_names] + [f"credentials.{n}" for n in kind.credential_names]
        for name in kind.setting_names:
            value = (settings or {}).get(name, DEFAULTS.get((kind.kind, name), "")) if settings is not None \
                else DEFAULTS.get((kind.kind, name), "")
            self.add(f"settings.{name}", field_label(name), QLineEdit(str(value)), _hint(kind.kind, name))
        for name in kind.credential_names:
            edit = QLineEdit()
            edit.setEchoMode(QLineEdit.EchoMode.Password)
            edit.setPlaceholderText("kept encrypted; never shown again")
            self.add(f"credentials.{name}", field_label(name), edit, _hint(kind.kind, name))

    def values(self) -> tuple[dict[str, Any], dict[str, str]]:
        settings = {name: _setting_value(name, self.input(f"settings.{name}").text().strip())
                    for name in self.kind.setting_names}
        credentials = {name: self.input(f"credentials.{name}").text() for name in self.kind.credential_names}
        return settings, credentials


def _setting_value(name: str, text: str) -> Any:
    """A port is a number; every other setting is text."""
    return int(text) if name.endswith("port") and text.isdigit() else text


class ConnectDialog(QDialog):
    sig_connect_requested = Signal(str, str, dict, dict)
    """Connect a new account: (kind, name, settings, credentials)."""

    sig_reconnect_requested = Signal(int, dict, dict)
    """Give an account new credentials: (account id, settings, credentials)."""

    def __init__(self, kinds: list[ChannelKind], account: ChannelAccount | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.account = account
        self.kinds = {kind.kind: kind for kind in kinds}
        self.setWindowTitle(f"Reconnect \u201c{account.name}\u201d" if account else "Connect a channel")
        self.setMinimumWidth(500)
        self.intro = QLabel(
            "umt tests the connection before it keeps it. The credentials are stored encrypted and never shown again."
            if account is None else "Enter new credentials: umt tests them, then sends what was waiting.")
        self.intro.setWordWrap(True)
        self.intro.setProperty("role", "muted")
        self.top = Form()
        self.kind = QComboBox()
        for kind in kinds:
            self.kind.addItem(kind.label, kind.kind)
        self.name = QLineEdit(account.name if account else "")
        self.name.setPlaceholderText("your name for it, e.g. \u201cShop on Bluesky\u201d")
        self.top.add("kind", "Channel", self.kind)
        self.top.add("name", "Name", self.name)
        self.top.set_label_width(LABEL_WIDTH)
        self.forms = QStackedWidget()
        self.kind_forms: dict[str, KindForm] = {}
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.connect_button = self.buttons.addButton("Reconnect" if account else "Connect",
                                                     QDialogButtonBox.ButtonRole.AcceptRole)
        self.connect_button.setProperty("role", "primary")
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addWidget(self.top)
        layout.addWidget(self.forms)
        layout.addWidget(self.buttons)
        self.kind.currentIndexChanged.connect(self._on_kind_current_index_changed)
        if account is not None:
            self.kind.setCurrentIndex(max(0, self.kind.findData(account.kind)))
            self.kind.setEnabled(False)
            self.name.setEnabled(False)
        self._on_kind_current_index_changed(self.kind.currentIndex())

    @property
    def current_form(self) -> KindForm | None:
        return self.kind_forms.get(self.kind.currentData())

    def _on_kind_current_index_changed(self, _index: int) -> None:
        key = self.kind.currentData()
        if key is None:
            return
        form = self.kind_forms.get(key)
        if form is None:    # built once per kind: what was typed there stays when switching back
            settings = self.account.settings if self.account is not None else None
            form = self.kind_forms[key] = KindForm(self.kinds[key], settings)
            form.set_label_width(LABEL_WIDTH)
            self.forms.addWidget(form)
        self.forms.setCurrentWidget(form)
        self.name.setPlaceholderText(f"your name for it, e.g. \u201cShop on {form.kind.label}\u201d")
        self._fit()

    def _fit(self) -> None:
        """Grows to show every field and its (wrapped) hint: the layouts are settled first, or the
        wrapped lines would be measured on one line and overlap."""
        for layout in (self.current_form.layout(), self.layout()) if self.current_form else (self.layout(),):
            layout.activate()
        self.adjustSize()

    def submit(self) -> None:
        form = self.current_form
        if form is None:
            return
        self.top.clear_errors()
        form.clear_errors()
        if self.account is None and not self.name.text().strip():
            self.top.show_error("Give the account a name you will recognise.", "name")
            return
        settings, credentials = form.values()
        self._set_busy(True)
        if self.account is None:
            self.sig_connect_requested.emit(form.kind.kind, self.name.text().strip(), settings, credentials)
        else:
            self.sig_reconnect_requested.emit(self.account.id, settings, credentials)

    def show_refusal(self, field: str, message: str) -> None:
        """The gateway's refusal under the field it names; what was typed stays."""
        self._set_busy(False)
        form = self.current_form
        if field in ("name", "kind"):
            self.top.show_error(message, field)
        elif form is not None:
            form.show_error(message, field if field in form.field_names else None)
        self._fit()     # room for the message: nothing below it is cut off

    def error_text(self) -> str:
        """Every error shown now, for tests and screen readers."""
        form = self.current_form
        texts = [self.top.error_text(None), self.top.error_text("name")]
        if form is not None:
            texts += [form.error_text(None)] + [form.error_text(f) for f in form.field_names]
        return " ".join(t for t in texts if t)

    def _set_busy(self, busy: bool) -> None:
        self.connect_button.setEnabled(not busy)
        self.connect_button.setText("Testing the connection\u2026" if busy else
                                    ("Reconnect" if self.account else "Connect"))
