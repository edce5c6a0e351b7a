"""An email newsletter's recipients through the Channels section, against the real gateway (the
native stack) and a real SMTP server (aiosmtpd, STARTTLS with a test certificate authority): a
pasted list added (a name kept, a duplicate once), one who unsubscribed with the letter's link
shown so, one removed, a list with a bad address refused before anything is sent."""

from __future__ import annotations

import re

import requests
from PySide6.QtCore import Qt

from tests.servers.smtp import PASSWORD as SMTP_PASSWORD
from tests.servers.smtp import smtp_certificates, smtp_server  # noqa: F401 - fixtures
from umt.desktop.controllers.channels import ChannelsController
from umt.desktop.models.channels import RecipientsModel
from umt.desktop.views.channels import ChannelsPage

from .session_fixtures import owner_stack, signed_in_session  # noqa: F401 - owner_stack: a fixture
from .publishing_helpers import LIGHT, WAIT, approved_post, client_of, save_picture

CLICK = Qt.MouseButton.LeftButton


def test_a_newsletters_recipients_pasted_unsubscribed_and_removed(qtbot, tasks, owner_stack,  # noqa: F811
                                                                  smtp_server):  # noqa: F811
    session = signed_in_session(qtbot, tasks, owner_stack)
    client = client_of(session)
    try:
        account = client.create_channel(kind="email", name="Crumb newsletter", settings=smtp_server.settings(),
                                        credentials={"password": SMTP_PASSWORD})
        page = ChannelsPage(ChannelsController(session), LIGHT, confirm=lambda title, question: True)
        qtbot.addWidget(page)
        page.resize(1100, 640)
        page.show()
        qtbot.waitUntil(lambda: page.model.row_of(account.id) >= 0, timeout=10000)
        page.select(account.id)
        recipients = page.recipients
        assert recipients.isVisible() and recipients.count.text().startswith("No one yet")
        recipients.paste.setPlainText("ada@example.com, Bob <bob@example.org>\ncarol@example.net; ada@example.com")
        qtbot.mouseClick(recipients.add_button, CLICK)
        qtbot.waitUntil(lambda: recipients.model.rowCount() == 3, timeout=10000)
        assert recipients.paste.toPlainText() == "" and recipients.count.text() == "3 of 3 subscribed"
        assert sorted((r.email, r.name) for r in client.list_recipients(account.id).items) == \
            [("ada@example.com", ""), ("bob@example.org", "Bob"), ("carol@example.net", "")]

        # A newsletter goes out; Bob unsubscribes with its link; the list shows it.
        client.publish(approved_post(client, "Rye is back").id, [account.id])
        qtbot.waitUntil(lambda: bool(smtp_server.handler.received_by("bob@example.org")), timeout=WAIT)
        letter = smtp_server.handler.received_by("bob@example.org")[0].message
        unsubscribe = re.search(r"<(https?://[^>]+)>", str(letter["List-Unsubscribe"])).group(1)
        assert requests.get(unsubscribe, timeout=10).status_code == 200
        page.select(account.id)
        page.controller.load_recipients(account.id)
        qtbot.waitUntil(lambda: recipients.count.text() == "2 of 3 subscribed", timeout=10000)
        bob = recipients.model.row_of(next(r.id for r in recipients.model.records() if r.email == "bob@example.org"))
        assert recipients.model.index(bob, RecipientsModel.COL_STATUS).data().startswith("Unsubscribed")
        save_picture(page, "channels-newsletter-recipients-real")

        carol = recipients.model.row_of(next(r.id for r in recipients.model.records() if r.email == "carol@example.net"))
        recipients.table.selectRow(carol)
        qtbot.mouseClick(recipients.remove_button, CLICK)
        qtbot.waitUntil(lambda: recipients.model.rowCount() == 2, timeout=10000)
        assert "carol@example.net" not in {r.email for r in client.list_recipients(account.id).items}

        recipients.paste.setPlainText("dave@example.com, not an address")
        qtbot.mouseClick(recipients.add_button, CLICK)
        assert "not" in recipients.error.text() and recipients.paste.toPlainText(), "nothing sent, the text kept"
    finally:
        client.close()
