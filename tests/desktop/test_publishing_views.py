"""Publishing in the windows, from the contract's records: a delivery's line and action, a channel
account's status, the connect form's fields from the channel kinds (credentials as password
fields, a refusal under its field with what was typed kept), "Publish to…" refusals per channel,
the accounts and recipients tables (qtmodeltester), and the Channels page's empty state.

The same views against the real gateway: test_channels_end_to_end.py."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QLabel, QLineEdit

from umt.contract.publishing import ChannelAccount, Delivery, Recipient
from umt.desktop.controllers.channels import ChannelsController
from umt.desktop.controllers.deliveries import DeliveriesController
from umt.desktop.controllers.session import SessionController
from umt.desktop.models.channels import ROLE_TONE, ChannelsModel, RecipientsModel
from umt.desktop.models.publishing import (CANCEL, RETRY, RETRY_ANYWAY, TONE_BAD, TONE_OK, ChannelKind,
                                           account_status, delivery_line, field_label, kind_from_api,
                                           parse_addresses, problems_by_channel, summary)
from umt.desktop.notify import delivery_failed
from umt.desktop.theme import Theme, palettes
from umt.desktop.views.channel_connect import ConnectDialog
from umt.desktop.views.channels import ChannelsPage
from umt.desktop.views.deliveries import DeliveriesView
from umt.desktop.views.publish_dialog import PublishDialog
from umt.desktop.widgets.deliveries_panel import DeliveriesPanel

NOW = datetime(2026, 11, 30, 14, 0, tzinfo=timezone.utc)
CLICK = Qt.MouseButton.LeftButton
KINDS = [ChannelKind("webhook", "Webhook", (), ("url", "signing_secret")),
         ChannelKind("email", "Email newsletter", ("host", "port", "sender"), ("username", "password")),
         ChannelKind("bluesky", "Bluesky", ("handle",), ("app_password",), 4)]


def account(id_: int, name: str, kind: str = "webhook", status: str = "connected", error: str | None = None,
            settings: dict | None = None) -> ChannelAccount:
    return ChannelAccount(id=id_, kind=kind, name=name, settings=settings or {}, status=status, last_error=error,
                          has_credentials=True, created_at=NOW, updated_at=NOW)


def delivery(id_: int, status: str, channel_id: int = 1, **fields) -> Delivery:
    values = dict(id=id_, content_id=7, channel_id=channel_id, status=status, due_at=NOW + timedelta(hours=2),
                  attempts=0, next_attempt_at=None, sent_at=None, remote_id=None, link=None, last_error=None,
                  details={}, created_at=NOW, updated_at=NOW)
    values.update(fields)
    return Delivery(**values)


def recipient(id_: int, email: str, unsubscribed: bool = False) -> Recipient:
    return Recipient(id=id_, channel_id=3, email=email, name="", created_at=NOW,
                     unsubscribed_at=NOW if unsubscribed else None)


NAMES = {1: "Shop webhook", 2: "Shop on Bluesky"}


# --- the words ---------------------------------------------------------------------------------
def test_each_delivery_status_has_its_words_and_its_one_action():
    queued = delivery_line(delivery(1, "queued"), NAMES, NOW)
    assert (queued.words, queued.action, queued.channel) == ("Queued", CANCEL, "Shop webhook")
    assert queued.detail.startswith("due ") and not queued.settled
    again = delivery_line(delivery(1, "queued", attempts=2, next_attempt_at=NOW + timedelta(minutes=1),
                                   last_error="HTTP 503"), NAMES, NOW)
    assert "attempt 3" in again.detail and "HTTP 503" in again.detail
    sending = delivery_line(delivery(1, "sending", attempts=1), NAMES, NOW)
    assert sending.words == "Sending…" and sending.action == "" and not sending.settled
    sent = delivery_line(delivery(1, "sent", sent_at=NOW, link="https://example.test/p/1"), NAMES, NOW)
    assert (sent.link, sent.tone, sent.action) == ("https://example.test/p/1", TONE_OK, "") and sent.settled
    failed = delivery_line(delivery(1, "failed", channel_id=2, last_error="grapheme too big"), NAMES, NOW)
    assert (failed.channel, failed.detail, failed.action, failed.tone) == ("Shop on Bluesky", "Grapheme too big.",
                                                                          RETRY, TONE_BAD)
    unknown = delivery_line(delivery(1, "unknown", last_error="no answer after DATA"), NAMES, NOW)
    assert unknown.action == RETRY_ANYWAY
    assert unknown.detail == "No answer after DATA. Look on the channel first: \u201cRetry anyway\u201d may post it twice."
    unexplained = delivery_line(delivery(1, "unknown"), NAMES, NOW)
    assert unexplained.detail.startswith("The channel may have published it")
    gone = delivery_line(delivery(1, "sent", channel_id=9), NAMES, NOW)
    assert gone.channel == "channel 9"
    assert summary([failed, sent, sent, queued]) == "1 failed, 1 queued, 2 sent"


def test_account_status_kinds_and_field_labels():
    assert account_status(account(1, "A")) == ("Connected", TONE_OK)
    assert account_status(account(1, "A", status="needs_reconnect", error="the token has expired")) == \
        ("Needs reconnect: the token has expired", TONE_BAD)
    assert field_label("webhook_url") == "Webhook URL" and field_label("app_password") == "App password"
    kind = kind_from_api({"kind": "slack", "label": "Slack", "setting_names": [], "credential_names": ["webhook_url"],
                          "max_media": 0})
    assert kind == ChannelKind("slack", "Slack", (), ("webhook_url",), 0)


def test_a_pasted_list_of_addresses():
    text = 'ada@example.com, Bob Baker <BOB@example.org>\n\nada@example.com; "Carol" <carol@example.net>\nnot-an-address'
    assert parse_addresses(text) == ([("ada@example.com", ""), ("bob@example.org", "Bob Baker"),
                                      ("carol@example.net", "Carol")], ["not-an-address"])
    assert parse_addresses("  \n ") == ([], [])


def test_the_publish_refusal_by_channel_in_the_shapes_it_may_take():
    assert problems_by_channel([{"channel_id": 2, "problems": ["too long"]}]) == {2: ["too long"]}
    assert problems_by_channel({"channels": [{"channel_id": 3, "problems": ["a", "b"]}]}) == {3: ["a", "b"]}
    assert problems_by_channel({"4": ["too many images"]}) == {4: ["too many images"]}
    assert problems_by_channel(None) == {}


def test_a_failure_notification_names_the_post_the_channel_and_the_reason():
    note = delivery_failed("Autumn blend", "Shop webhook", "HTTP 400: bad payload", 7)
    assert "Autumn blend" in note.title and "Shop webhook" in note.title and note.content_id == 7
    assert note.message.startswith("HTTP 400: bad payload.") and "retry" in note.message
    unsure = delivery_failed("Autumn blend", "Newsletter", "", 7, unknown=True)
    assert "may not have reached" in unsure.title and "Look on the channel" in unsure.message


# --- models ------------------------------------------------------------------------------------
def test_the_accounts_and_recipients_tables(qtmodeltester):
    accounts = ChannelsModel()
    accounts.set_kind_labels({"webhook": "Webhook"})
    accounts.set_rows([account(1, "Shop webhook"), account(2, "Shop on Bluesky", "bluesky", "needs_reconnect", "expired")])
    qtmodeltester.check(accounts)
    assert accounts.index(0, ChannelsModel.COL_KIND).data() == "Webhook"
    assert accounts.index(1, ChannelsModel.COL_KIND).data() == "bluesky"
    assert accounts.index(1, ChannelsModel.COL_STATUS).data() == "Needs reconnect: expired"
    assert accounts.index(1, 0).data(ROLE_TONE) == TONE_BAD
    accounts.update_row(account(2, "Shop on Bluesky", "bluesky"))
    assert accounts.index(1, ChannelsModel.COL_STATUS).data() == "Connected"
    accounts.remove_id(1)
    assert accounts.rowCount() == 1 and accounts.row_of(2) == 0
    people = RecipientsModel()
    people.set_rows([recipient(1, "ada@example.com"), recipient(2, "bob@example.org", unsubscribed=True)])
    qtmodeltester.check(people)
    assert people.index(1, RecipientsModel.COL_STATUS).data().startswith("Unsubscribed")
    assert people.subscribed_count() == 1


# --- views ---------------------------------------------------------------------------------------
def test_the_deliveries_panel_links_a_sent_post_and_retries_one_channel(qtbot):
    asked: list[str] = []
    panel = DeliveriesPanel(confirm=lambda title, question: asked.append(question) or True)
    qtbot.addWidget(panel)
    panel.set_lines([delivery_line(delivery(1, "sent", sent_at=NOW, link="https://example.test/p/1"), NAMES, NOW),
                     delivery_line(delivery(2, "failed", channel_id=2, last_error="HTTP 400: no"), NAMES, NOW),
                     delivery_line(delivery(3, "unknown", channel_id=3), NAMES, NOW)])
    sent, failed, unknown = panel.rows
    assert 'href="https://example.test/p/1"' in sent.detail.text() and sent.detail.openExternalLinks()
    assert sent.action.isHidden()
    assert failed.detail.text() == "HTTP 400: no." and failed.action.text() == "Retry"
    with qtbot.waitSignal(panel.sig_retry_requested) as retried:
        qtbot.mouseClick(failed.action, CLICK)
    assert retried.args == [2]
    with qtbot.waitSignal(panel.sig_retry_requested) as retried:
        qtbot.mouseClick(unknown.action, CLICK)
    assert retried.args == [3] and "twice" in asked[0]
    assert panel.note.text() == "1 failed, 1 unknown, 1 sent"


def test_retry_anyway_declined_sends_nothing(qtbot):
    panel = DeliveriesPanel(confirm=lambda title, question: False)
    qtbot.addWidget(panel)
    panel.set_lines([delivery_line(delivery(3, "unknown"), NAMES, NOW)])
    with qtbot.assertNotEmitted(panel.sig_retry_requested):
        qtbot.mouseClick(panel.rows[0].action, CLICK)


def test_the_connect_form_comes_from_the_kinds_and_keeps_what_was_typed(qtbot):
    dialog = ConnectDialog(KINDS)
    qtbot.addWidget(dialog)
    form = dialog.current_form
    assert form.kind.kind == "webhook" and form.field_names == ["credentials.url", "credentials.signing_secret"]
    assert form.input("credentials.url").echoMode() == QLineEdit.EchoMode.Password
    qtbot.keyClicks(dialog.name, "Shop webhook")
    qtbot.keyClicks(form.input("credentials.url"), "http://127.0.0.1:9/hook")
    dialog.kind.setCurrentIndex(dialog.kind.findData("email"))
    email = dialog.current_form
    assert email.input("settings.host").echoMode() == QLineEdit.EchoMode.Normal
    assert email.input("credentials.password").echoMode() == QLineEdit.EchoMode.Password
    assert email.input("settings.port").text() == "587", "the usual port, filled in"
    assert any("SMTP server" in label.text() for label in email.findChildren(QLabel)), "what to type, for this kind"
    dialog.kind.setCurrentIndex(dialog.kind.findData("webhook"))
    assert dialog.current_form.input("credentials.url").text() == "http://127.0.0.1:9/hook"

    with qtbot.waitSignal(dialog.sig_connect_requested) as asked:
        qtbot.mouseClick(dialog.connect_button, CLICK)
    assert asked.args == ["webhook", "Shop webhook", {}, {"url": "http://127.0.0.1:9/hook", "signing_secret": ""}]
    assert not dialog.connect_button.isEnabled(), "busy while the gateway tests the connection"
    dialog.show_refusal("credentials", "The sign-in was refused: HTTP 401.")
    assert dialog.error_text() == "The sign-in was refused: HTTP 401."
    assert dialog.connect_button.isEnabled() and dialog.name.text() == "Shop webhook"
    assert dialog.current_form.input("credentials.url").text() == "http://127.0.0.1:9/hook"
    dialog.show_refusal("credentials.url", "Webhook needs url.")
    assert dialog.current_form.error_text("credentials.url") == "Webhook needs url."

    dialog.kind.setCurrentIndex(dialog.kind.findData("email"))
    with qtbot.waitSignal(dialog.sig_connect_requested) as asked:
        qtbot.mouseClick(dialog.connect_button, CLICK)
    assert asked.args[2] == {"host": "", "port": 587, "sender": ""}


def test_a_connect_without_a_name_is_stopped_at_the_name(qtbot):
    dialog = ConnectDialog(KINDS)
    qtbot.addWidget(dialog)
    with qtbot.assertNotEmitted(dialog.sig_connect_requested):
        qtbot.mouseClick(dialog.connect_button, CLICK)
    assert "name" in dialog.error_text()


def test_reconnect_asks_only_for_new_credentials(qtbot):
    dialog = ConnectDialog(KINDS, account(5, "Shop on Bluesky", "bluesky", "needs_reconnect", "expired",
                                          {"handle": "shop.test"}))
    qtbot.addWidget(dialog)
    assert not dialog.kind.isEnabled() and dialog.kind.currentData() == "bluesky"
    assert dialog.current_form.input("settings.handle").text() == "shop.test"
    qtbot.keyClicks(dialog.current_form.input("credentials.app_password"), "abcd-efgh")
    with qtbot.waitSignal(dialog.sig_reconnect_requested) as asked:
        qtbot.mouseClick(dialog.connect_button, CLICK)
    assert asked.args == [5, {"handle": "shop.test"}, {"app_password": "abcd-efgh"}]


def test_publish_to_shows_each_channels_problems_and_keeps_the_choice(qtbot):
    dialog = PublishDialog("Autumn blend")
    qtbot.addWidget(dialog)
    dialog.set_accounts([account(1, "Shop webhook"), account(2, "Shop on Bluesky", "bluesky"),
                         account(3, "Old account", status="needs_reconnect")], already={1: "sent"})
    assert dialog.boxes[1].text() == "Shop webhook \u2014 already sent"
    assert not dialog.boxes[1].isEnabled() and not dialog.boxes[3].isEnabled()
    assert not dialog.publish_button.isEnabled()
    dialog.boxes[2].setChecked(True)
    with qtbot.waitSignal(dialog.sig_publish_requested) as asked:
        qtbot.mouseClick(dialog.publish_button, CLICK)
    assert asked.args == [[2], None]
    dialog.show_refusal("The post cannot go to 1 channel.", {2: ["Bluesky takes 300 graphemes; this post has 320"]})
    assert dialog.errors[2].text() == "Bluesky takes 300 graphemes; this post has 320" and dialog.errors[2].isVisibleTo(dialog)
    assert "the reason is under each one" in dialog.general.text()
    dialog.show_refusal("A draft item cannot be published; approve it first.", {})
    assert dialog.general.text() == "A draft item cannot be published; approve it first."
    assert not dialog.errors[2].isVisibleTo(dialog)
    assert dialog.boxes[2].isChecked() and dialog.publish_button.isEnabled()


@pytest.fixture
def offline_session(tasks):
    """A session with no stack: a controller's calls fail as they would with the stack stopped."""
    return SessionController(tasks)


def test_the_channels_page_empty_says_what_it_is_for_and_offers_connect(qtbot, offline_session):
    controller = ChannelsController(offline_session)
    page = ChannelsPage(controller, Theme("light", palettes()["light"]))
    qtbot.addWidget(page)
    controller.sig_kinds_loaded.emit(KINDS)
    controller.sig_accounts_loaded.emit([])
    assert page.pages.currentWidget() is page.empty
    assert page.empty.text.text().startswith("Connect the accounts umt publishes to: Webhook, Email newsletter or Bluesky.")
    qtbot.mouseClick(page.empty.action, CLICK)
    assert page.dialog is not None and page.dialog.kind.count() == len(KINDS)
    controller.sig_connect_failed.emit("credentials", "The sign-in was refused.")
    assert page.dialog.error_text() == "The sign-in was refused."
    controller.sig_connect_finished.emit(account(1, "Shop webhook"))
    controller.sig_account_changed.emit(account(1, "Shop webhook"))
    assert page.pages.currentIndex() == 1 and page.model.rowCount() == 1


def test_the_channels_page_shows_status_reason_and_an_email_accounts_recipients(qtbot, offline_session):
    controller = ChannelsController(offline_session)
    page = ChannelsPage(controller, Theme("light", palettes()["light"]), confirm=lambda *_: True)
    qtbot.addWidget(page)
    controller.sig_kinds_loaded.emit(KINDS)
    controller.sig_accounts_loaded.emit([account(2, "Shop on Bluesky", "bluesky", "needs_reconnect", "token expired"),
                                         account(3, "Newsletter", "email")])
    page.select(2)
    assert page.detail_status.text() == "Needs reconnect: token expired" and page.recipients.isHidden()
    page.select(3)
    assert not page.recipients.isHidden()
    controller.sig_recipients_loaded.emit(3, [recipient(1, "ada@example.com"),
                                              recipient(2, "bob@example.org", unsubscribed=True)])
    assert page.recipients.count.text() == "1 of 2 subscribed"
    page.recipients.paste.setPlainText("carol@example.net, nope")
    with qtbot.assertNotEmitted(page.recipients.sig_add_requested):
        qtbot.mouseClick(page.recipients.add_button, CLICK)
    assert "nope" in page.recipients.error.text() and page.recipients.paste.toPlainText()
    with qtbot.waitSignal(controller.sig_account_removed):
        controller.sig_account_removed.emit(3)
    assert page.model.rowCount() == 1


def test_the_deliveries_view_opens_publish_to_with_the_accounts(qtbot, offline_session):
    controller = DeliveriesController(offline_session)
    view = DeliveriesView(controller)
    qtbot.addWidget(view)
    assert not view.panel.publish_button.isEnabled(), "an unsaved post cannot be published"
    controller.content_id = 7
    controller.sig_deliveries_changed.emit([delivery_line(delivery(1, "failed", last_error="HTTP 400"), NAMES, NOW)])
    assert view.panel.publish_button.isEnabled() and view.panel.rows[0].action.text() == "Retry"
    dialog = view.open_publish_dialog()
    controller.sig_accounts_loaded.emit([account(1, "Shop webhook"), account(2, "Shop on Bluesky", "bluesky")])
    assert set(dialog.boxes) == {1, 2} and dialog.boxes[1].isEnabled(), "a failed delivery's channel can be picked"
    controller.sig_publish_refused.emit("The post cannot go there.", {2: ["too long"]})
    assert dialog.errors[2].text() == "too long"


def test_ctrl_n_on_the_channels_page_opens_connect(qtbot, offline_session):
    controller = ChannelsController(offline_session)
    page = ChannelsPage(controller)
    qtbot.addWidget(page)
    page.show()
    qtbot.waitExposed(page)
    controller.sig_kinds_loaded.emit(KINDS)
    controller.sig_accounts_loaded.emit([account(1, "Shop webhook")])
    page.activateWindow()
    page.table.setFocus()
    qtbot.waitUntil(page.table.hasFocus, timeout=5000)
    qtbot.keySequence(page.table, QKeySequence.StandardKey.New)
    assert page.dialog is not None and page.dialog.windowTitle() == "Connect a channel"


def test_the_calendar_marks_a_post_a_channel_refused():
    from zoneinfo import ZoneInfo

    from umt.desktop.controllers.calendar import delivery_states
    from umt.desktop.models.calendar import CalendarPost
    from umt.desktop.widgets.calendar_grid import describe

    states = delivery_states([delivery(1, "sent"), delivery(2, "failed", 2), delivery(3, "cancelled", 3),
                              delivery(4, "queued", content_id=8)])
    assert states == {7: ("failed", "sent"), 8: ("queued",)}
    at = NOW.astimezone(ZoneInfo("UTC"))
    post = CalendarPost(7, "Autumn blend", "linkedin", "scheduled", at, deliveries=states[7])
    assert post.delivery_failed and describe(post).endswith("Deliveries: 1 failed, 1 sent")
    assert not CalendarPost(8, "Stollen", "linkedin", "scheduled", at, deliveries=("queued",)).delivery_failed
