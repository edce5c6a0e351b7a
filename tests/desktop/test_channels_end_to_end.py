"""Publishing through the windows against the real gateway (the native stack: gateway and agent
processes, a real SQLite file, real HTTP) and real webhook receivers (local HTTP servers):

- Channels: a connect the receiver refuses shows the gateway's reason in the dialog and keeps what
  was typed; two webhooks connect; Test answers.
- The content editor's Deliveries tab: "Publish to…" both; one receiver answers with the live
  post's address (sent, with the link), the other with 400 (failed, with its reason); the app
  notifies the failure once, naming the post, the channel and the reason, and clicking the
  notification opens the post; Retry while it still refuses is a second failure (notified again),
  Retry once it accepts sends it, and the post is published.
- The calendar: a post queued for tomorrow shows its delivery beside the grid, and Cancel stops it.
- "Publish to…" a post too long for Discord: the gateway's 422 appears under Discord, the choices
  stay, and nothing is queued; a draft is refused with the reason (approve it first).
- An account whose receiver refuses its credentials needs reconnecting, says why, and Reconnect…
  with new credentials connects it again; Disconnect… (confirmed) removes it.
- A receiver that takes the post and hangs up: the delivery is unknown, explained, announced as
  "may not have reached"; "Retry anyway" asks first (declined: nothing), then sends it.

Pictures of the Channels section, the connect dialog's refusal and the deliveries go to
$UMT_RENDERS (default /tmp/umt-renders)."""

from __future__ import annotations

import json
import threading
from datetime import date, datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtCore import Qt

from tests.conftest import free_port
from tests.gateway.webhook_target import Answer, WebhookTarget
from umt.desktop.controllers.calendar import CalendarController
from umt.desktop.controllers.channels import ChannelsController
from umt.desktop.controllers.content_editor import EditorController
from umt.desktop.controllers.deliveries import DeliveriesController
from umt.desktop.controllers.delivery_watch import DeliveryWatcher
from umt.desktop.views.calendar import CalendarPage
from umt.desktop.views.channels import ChannelsPage
from umt.desktop.views.content_editor import ContentEditor
from umt.desktop.views.deliveries import DeliveriesView
from umt.desktop.widgets.calendar_grid import describe

from .conftest import FakeHost, RecordingNotifier, fake_opener
from .publishing_helpers import LIGHT, WAIT, approved_post, client_of, save_picture
from .session_fixtures import owner_stack, signed_in_session  # noqa: F401 - owner_stack: a fixture

CLICK = Qt.MouseButton.LeftButton


@pytest.fixture
def receivers():
    """Three webhook receivers: one that takes posts and answers with their address, one that takes
    the connection's ping but refuses posts (400), one that refuses everything (401)."""
    good, bad, gone = WebhookTarget().start(), WebhookTarget().start(), WebhookTarget().start()
    good.default = Answer(200, {"id": "p77", "link": f"{good.url}/posts/p77"})
    bad.script = [Answer(200, {"ok": True})]            # the ping of Connect
    bad.default = Answer(400, {"message": "payload missing the field 'channel'"})
    gone.default = Answer(401, {"message": "unknown webhook"})
    yield good, bad, gone
    for target in (good, bad, gone):
        target.stop()


def _connect(qtbot, page: ChannelsPage, name: str, url: str):
    dialog = page.open_connect_dialog()
    dialog.kind.setCurrentIndex(dialog.kind.findData("webhook"))
    dialog.name.setText(name)
    dialog.current_form.input("credentials.url").setText(url)
    dialog.current_form.input("credentials.signing_secret").setText("a shared secret")
    qtbot.mouseClick(dialog.connect_button, CLICK)
    return dialog


def _row(panel, channel: str):
    return panel.row_for(channel)


def _app_signed_in(qtbot, qapp, fake_backend, desktop_settings, stack):
    """The whole desktop app (its tray route ends in a recording notifier), its session on the
    owner's running gateway, signed in through its AccountController."""
    from umt.desktop.app import DesktopApp

    notifier = RecordingNotifier()
    app = DesktopApp(qapp, desktop_settings, FakeHost(fake_opener(fake_backend)), notifier=notifier,
                     tray_available=False)
    app.delivery_watch._timer.setInterval(300)     # look often: the test waits on what it finds
    app.session.set_gateway_url(stack.url)
    qtbot.waitUntil(lambda: app.session.state.setup_required is False, timeout=10000)
    needs_code: list[bool] = []
    app.account.sign_in(stack.email, stack.password, False, needs_code.append, pytest.fail)
    qtbot.waitUntil(lambda: needs_code == [True], timeout=10000)
    app.account.second_factor(lambda _: None, pytest.fail, recovery_code=stack.recovery_code())
    qtbot.waitUntil(lambda: app.session.state.signed_in, timeout=10000)
    return app, notifier


def test_connect_publish_sent_with_link_failed_with_reason_retry_and_notified_once(
        qtbot, qapp, fake_backend, desktop_settings, owner_stack, receivers):  # noqa: F811
    good, bad, gone = receivers
    app, notifier = _app_signed_in(qtbot, qapp, fake_backend, desktop_settings, owner_stack)
    client = client_of(app.session)
    try:
        # --- Channels: a refused connect keeps what was typed; then two webhooks ------------------
        app.window.show()
        app.window.show_section("channels")
        page = app.window.page("channels").page
        assert isinstance(page, ChannelsPage)
        qtbot.waitUntil(lambda: bool(page.kinds), timeout=10000)
        assert {"webhook", "discord", "slack"} <= {kind.kind for kind in page.kinds}
        assert page.pages.currentWidget() is page.empty and page.empty.action.isVisible()
        save_picture(app.window, "channels-empty-real")

        dialog = _connect(qtbot, page, "Old hook", gone.url)
        qtbot.waitUntil(lambda: bool(dialog.error_text()), timeout=15000)
        assert "401" in dialog.error_text() and "unknown webhook" in dialog.error_text()
        assert dialog.isVisible() and dialog.name.text() == "Old hook"
        assert dialog.current_form.input("credentials.url").text() == gone.url, "what was typed is kept"
        assert dialog.connect_button.isEnabled()
        save_picture(dialog, "channels-connect-refused-real")
        dialog.reject()

        _connect(qtbot, page, "Shop hook", good.url)
        qtbot.waitUntil(lambda: page.model.rowCount() == 1 and page.dialog is None, timeout=15000)
        _connect(qtbot, page, "Partner hook", bad.url)
        qtbot.waitUntil(lambda: page.model.rowCount() == 2 and page.dialog is None, timeout=15000)
        assert {a.name for a in client.list_channels().items} == {"Shop hook", "Partner hook"}
        page.select(page.model.records()[0].id)
        qtbot.mouseClick(page.test_button, CLICK)
        qtbot.waitUntil(lambda: page.test_result.isVisible(), timeout=15000)
        assert page.test_result.text().startswith("The connection works")
        assert page.detail_status.text() == "Connected"
        save_picture(app.window, "channels-connected-real")
        shop, partner = (next(a for a in page.model.records() if a.name == name) for name in ("Shop hook", "Partner hook"))

        # --- the editor: Publish to… both ------------------------------------------------------
        post = approved_post(client, "Autumn blend")
        editor_controller = EditorController(app.session)
        editor = ContentEditor(editor_controller, detachable=False)
        qtbot.addWidget(editor)
        editor.resize(1100, 820)
        editor.show()
        editor_controller.open(post.id)
        qtbot.waitUntil(lambda: editor.item is not None and editor.deliveries.panel.publish_button.isEnabled(),
                        timeout=10000)
        editor.tabs.setCurrentWidget(editor.deliveries)
        panel = editor.deliveries.panel
        assert not panel.rows and "Not sent anywhere yet" in panel.note.text()
        qtbot.mouseClick(panel.publish_button, CLICK)
        publish = editor.deliveries.dialog
        qtbot.waitUntil(lambda: set(publish.boxes) == {shop.id, partner.id}, timeout=10000)
        publish.boxes[shop.id].setChecked(True)
        publish.boxes[partner.id].setChecked(True)
        qtbot.mouseClick(publish.publish_button, CLICK)
        qtbot.waitUntil(lambda: editor.deliveries.dialog is None, timeout=10000)
        qtbot.waitUntil(lambda: editor.item.status == "scheduled", timeout=10000)   # publishing schedules it

        qtbot.waitUntil(lambda: _row(panel, "Shop hook") is not None and _row(panel, "Shop hook").line.status == "sent"
                        and _row(panel, "Partner hook").line.status == "failed", timeout=WAIT)
        sent, failed = _row(panel, "Shop hook"), _row(panel, "Partner hook")
        assert f'href="{good.url}/posts/p77"' in sent.detail.text() and sent.detail.openExternalLinks()
        assert "400" in failed.detail.text() and "payload missing the field" in failed.detail.text()
        assert failed.action.text() == "Retry" and failed.action.isVisible()
        assert editor.tabs.tabText(editor.tabs.indexOf(editor.deliveries)) == "Deliveries \u00b7 1 failed, 1 sent"
        assert len(good.event_ids()) == 1, "sent once"
        save_picture(editor, "editor-deliveries-sent-and-failed-real")

        # --- the notification: once, naming the post, the channel and the reason --------------
        qtbot.waitUntil(lambda: any("Partner hook" in n.title for n in notifier.shown), timeout=10000)
        note = next(n for n in notifier.shown if "Partner hook" in n.title)
        assert "Autumn blend" in note.title and "payload missing the field" in note.message and note.content_id == post.id
        reads = app.delivery_watch.reads
        qtbot.waitUntil(lambda: app.delivery_watch.reads >= reads + 3, timeout=10000)
        assert sum("Partner hook" in n.title for n in notifier.shown) == 1, "once per failure"
        app.tray.sig_notification_clicked.emit(note)       # the owner clicks the notification: the post opens
        studio = app.window.page("content").page
        assert app.window.current_section == "content"
        qtbot.waitUntil(lambda: any(w.editor.item is not None and w.editor.item.id == post.id
                                    for w in studio.windows), timeout=10000)
        for window in list(studio.windows):
            window.close()

        # --- Retry: refused again (a second failure, notified again), then accepted --------------
        qtbot.mouseClick(failed.action, CLICK)
        qtbot.waitUntil(lambda: sum("Partner hook" in n.title for n in notifier.shown) == 2, timeout=WAIT)
        qtbot.waitUntil(lambda: _row(panel, "Partner hook").line.status == "failed"
                        and _row(panel, "Partner hook").action.isVisible(), timeout=WAIT)
        bad.default = Answer(200, {"id": "q1", "url": f"{bad.url}/q1"})
        qtbot.mouseClick(_row(panel, "Partner hook").action, CLICK)
        qtbot.waitUntil(lambda: _row(panel, "Partner hook").line.status == "sent", timeout=WAIT)
        assert f'href="{bad.url}/q1"' in _row(panel, "Partner hook").detail.text()
        assert len(good.event_ids()) == 1, "a retry of one channel leaves the other alone"
        assert not editor.deliveries.controller.polling, "settled: no more polling"
        qtbot.waitUntil(lambda: client.content.get(post.id).status == "published", timeout=10000)
        qtbot.waitUntil(lambda: editor.item.status == "published", timeout=10000)   # the editor follows
        save_picture(editor, "editor-deliveries-all-sent-real")
    finally:
        client.close()
        app.delivery_watch._timer.stop()
        app.window.deleteLater()
        app.deleteLater()


def test_the_calendar_shows_a_queued_delivery_and_cancels_it(qtbot, tasks, owner_stack, receivers):  # noqa: F811
    good, _bad, _gone = receivers
    session = signed_in_session(qtbot, tasks, owner_stack)
    client = client_of(session)
    try:
        account = client.create_channel(kind="webhook", name="Calendar hook",
                                        credentials={"url": good.url, "signing_secret": "s"})
        zone = ZoneInfo("UTC")
        tomorrow = datetime.combine(date.today() + timedelta(days=1), datetime.min.time(), tzinfo=timezone.utc) \
            + timedelta(hours=10)
        post = approved_post(client, "Stollen season", scheduled_at=tomorrow)
        client.publish(post.id, [account.id])          # at its scheduled time
        controller = CalendarController(session, zone)
        with qtbot.waitSignal(controller.sig_posts_changed, timeout=10000):
            page = CalendarPage(controller, LIGHT)
        qtbot.addWidget(page)
        page.resize(1400, 900)
        page.show()
        page.show_date(tomorrow.date(), "week")
        qtbot.waitUntil(lambda: any(p.id == post.id for p in page._posts), timeout=10000)
        page.grid.sig_post_clicked.emit(post.id)
        panel = page.deliveries.panel
        qtbot.waitUntil(lambda: panel.row_for("Calendar hook") is not None, timeout=10000)
        row = panel.row_for("Calendar hook")
        assert page.deliveries.isVisible() and "Stollen season" in panel.heading.text()
        assert row.line.status == "queued" and row.detail.text().startswith("due ") and row.action.text() == "Cancel"
        assert page.deliveries.controller.polling, "queued: looked at again when it falls due"
        shown = next(p for p in page._posts if p.id == post.id)
        assert shown.deliveries == ("queued",) and "Deliveries: 1 queued" in describe(shown)
        save_picture(page, "calendar-deliveries-queued-real")
        qtbot.mouseClick(row.action, CLICK)
        qtbot.waitUntil(lambda: panel.row_for("Calendar hook").line.status == "cancelled", timeout=10000)
        assert not page.deliveries.controller.polling
        qtbot.waitUntil(lambda: next(p for p in page._posts if p.id == post.id).deliveries == (), timeout=10000)
        assert good.event_ids() == [], "nothing went out"
        qtbot.mouseClick(page.deliveries.close_button, CLICK)
        assert not page.deliveries.isVisible()
    finally:
        client.close()



def test_publish_to_a_channel_that_cannot_take_the_post_shows_why_under_it(qtbot, tasks, owner_stack,  # noqa: F811
                                                                           receivers):
    good, _bad, _gone = receivers
    session = signed_in_session(qtbot, tasks, owner_stack)
    client = client_of(session)
    try:
        discord = client.create_channel(kind="discord", name="Shop Discord", credentials={"webhook_url": good.url})
        hook = client.create_channel(kind="webhook", name="Long-form hook",
                                     credentials={"url": good.url, "signing_secret": "s"})
        post = approved_post(client, "The whole spelt story", body="Spelt. " * 320)
        view = DeliveriesView(DeliveriesController(session))
        qtbot.addWidget(view)
        view.resize(560, 420)
        view.show()
        view.show_post(post.id, post.title)
        qtbot.waitUntil(lambda: view.controller.loaded, timeout=10000)
        qtbot.mouseClick(view.panel.publish_button, CLICK)
        dialog = view.dialog
        qtbot.waitUntil(lambda: {discord.id, hook.id} <= set(dialog.boxes), timeout=10000)
        dialog.boxes[discord.id].setChecked(True)
        dialog.boxes[hook.id].setChecked(True)
        qtbot.mouseClick(dialog.publish_button, CLICK)
        qtbot.waitUntil(lambda: dialog.errors[discord.id].isVisibleTo(dialog), timeout=10000)
        assert "Discord takes at most 2000 characters; this post has 2240" in dialog.errors[discord.id].text()
        assert not dialog.errors[hook.id].isVisibleTo(dialog) and "the reason is under each one" in dialog.general.text()
        assert dialog.boxes[discord.id].isChecked() and dialog.boxes[hook.id].isChecked(), "the choices stay"
        assert dialog.isVisible() and dialog.publish_button.isEnabled()
        assert client.list_deliveries(content_id=post.id).total == 0, "nothing queued"
        save_picture(dialog, "publish-to-refused-real")
        dialog.reject()

        draft = client.content.create(title="Half an idea", body="Rye, maybe.", channel="linkedin")
        view.show_post(draft.id, draft.title)
        qtbot.mouseClick(view.panel.publish_button, CLICK)
        dialog = view.dialog
        qtbot.waitUntil(lambda: hook.id in dialog.boxes, timeout=10000)
        dialog.boxes[hook.id].setChecked(True)
        qtbot.mouseClick(dialog.publish_button, CLICK)
        qtbot.waitUntil(lambda: dialog.general.isVisibleTo(dialog), timeout=10000)
        assert "approve it first" in dialog.general.text() and dialog.boxes[hook.id].isChecked()
    finally:
        client.close()


class HangingUpReceiver:
    """A webhook receiver that answers the connection's ping, then takes each post and hangs up
    without a word (so the sender cannot know whether it was posted), until `answer_posts` is set."""

    def __init__(self) -> None:
        self.url = f"http://127.0.0.1:{free_port()}"
        self.posts: list[dict] = []
        self.answer_posts = False
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the library's name
                event = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
                if event.get("type") != "ping":
                    receiver.posts.append(event)
                    if not receiver.answer_posts:
                        self.close_connection = True
                        return      # taken, and no answer
                body = json.dumps({"id": "u1", "link": f"{receiver.url}/u1"}).encode()
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", int(self.url.rsplit(":", 1)[1])), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def test_an_unknown_delivery_is_explained_and_retried_only_when_the_owner_says_so(
        qtbot, tasks, owner_stack):  # noqa: F811
    receiver = HangingUpReceiver()
    session = signed_in_session(qtbot, tasks, owner_stack)
    client = client_of(session)
    try:
        watcher = DeliveryWatcher(session, interval_ms=300)
        heard: list = []
        watcher.sig_delivery_failed.connect(heard.append)
        account = client.create_channel(kind="webhook", name="Flaky hook",
                                        credentials={"url": receiver.url, "signing_secret": "s"})
        post = approved_post(client, "Rye on Fridays")
        answers: list[bool] = []
        view = DeliveriesView(DeliveriesController(session), confirm=lambda title, question: answers.pop(0))
        qtbot.addWidget(view)
        view.resize(560, 420)
        view.show()
        view.show_post(post.id, post.title)
        qtbot.waitUntil(lambda: view.controller.loaded, timeout=10000)
        view.controller.publish([account.id])
        panel = view.panel
        qtbot.waitUntil(lambda: panel.row_for("Flaky hook") is not None
                        and panel.row_for("Flaky hook").line.status == "unknown", timeout=WAIT)
        row = panel.row_for("Flaky hook")
        assert "may have been posted" in row.detail.text() and "Look on the channel first" in row.detail.text()
        assert row.action.text() == "Retry anyway\u2026" and len(receiver.posts) == 1
        save_picture(view, "deliveries-unknown-real")
        qtbot.waitUntil(lambda: len(heard) == 1, timeout=10000)
        assert heard[0].unknown and heard[0].channel == "Flaky hook" and heard[0].title == "Rye on Fridays"

        answers.append(False)       # the owner looks first, and keeps it as it is
        qtbot.mouseClick(row.action, CLICK)
        assert not answers and client.list_deliveries(content_id=post.id).items[0].status == "unknown"
        receiver.answer_posts = True
        answers.append(True)        # not there after all: retry anyway
        qtbot.mouseClick(panel.row_for("Flaky hook").action, CLICK)
        qtbot.waitUntil(lambda: panel.row_for("Flaky hook").line.status == "sent", timeout=WAIT)
        assert len(receiver.posts) == 2 and receiver.posts[0]["id"] == receiver.posts[1]["id"], \
            "the same event id both times: a receiver can drop the second"
    finally:
        client.close()
        receiver.stop()


def test_needs_reconnect_then_reconnect_and_disconnect(qtbot, tasks, owner_stack):  # noqa: F811
    rotating = WebhookTarget().start()
    rotating.script = [Answer(200, {"ok": True})]       # the ping of Connect
    rotating.default = Answer(401, {"message": "token revoked"})
    session = signed_in_session(qtbot, tasks, owner_stack)
    client = client_of(session)
    try:
        account = client.create_channel(kind="webhook", name="Rotating hook",
                                        credentials={"url": rotating.url, "signing_secret": "old"})
        client.publish(approved_post(client, "Seeded loaf").id, [account.id])
        qtbot.waitUntil(lambda: client.get_channel(account.id).status == "needs_reconnect", timeout=WAIT)
        page = ChannelsPage(ChannelsController(session), LIGHT, confirm=lambda title, question: True)
        qtbot.addWidget(page)
        page.resize(1100, 640)
        page.show()
        qtbot.waitUntil(lambda: page.model.row_of(account.id) >= 0, timeout=10000)
        page.select(account.id)
        assert page.detail_status.text().startswith("Needs reconnect: ") and "token revoked" in page.detail_status.text()
        assert page.reconnect_button.property("role") == "primary"
        save_picture(page, "channels-needs-reconnect-real")

        rotating.default = Answer(200, {"ok": True})
        qtbot.mouseClick(page.reconnect_button, CLICK)
        dialog = page.dialog
        assert not dialog.kind.isEnabled() and dialog.windowTitle() == "Reconnect \u201cRotating hook\u201d"
        dialog.current_form.input("credentials.url").setText(rotating.url)
        dialog.current_form.input("credentials.signing_secret").setText("new")
        qtbot.mouseClick(dialog.connect_button, CLICK)
        qtbot.waitUntil(lambda: page.dialog is None and page.detail_status.text() == "Connected", timeout=15000)
        assert client.get_channel(account.id).status == "connected"

        with qtbot.waitSignal(page.controller.sig_recipients_loaded, timeout=10000) as listed:   # one page, as the API allows
            page.controller.load_recipients(account.id)
        assert listed.args == [account.id, []]

        qtbot.mouseClick(page.disconnect_button, CLICK)
        qtbot.waitUntil(lambda: page.model.row_of(account.id) < 0, timeout=10000)
        assert account.id not in {a.id for a in client.list_channels().items}
    finally:
        client.close()
        rotating.stop()
