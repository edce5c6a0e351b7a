"""The outbox through the real gateway over HTTP, sending to a real local webhook server: on time,
retried without duplicates, Retry-After honoured, bad credentials → needs reconnect (the
account's other deliveries wait), Discord and Slack, and the content item published at the end."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import update

from tests.gateway.webhook_target import Answer, WebhookTarget
from tests.gateway.publishing_helpers import approved_item, settled
from umt.client import Conflict
from umt.gateway import tables

SECRET = "signing-secret-0123456789"


@pytest.fixture
def gateway_settings(gateway_settings):
    return replace(gateway_settings, outbox_retry_base_seconds=0.2, outbox_max_attempts=3, outbox_lease_seconds=3.0)


@pytest.fixture
def target():
    server = WebhookTarget().start()
    yield server
    server.stop()


def _webhook(owner, target):
    return owner.create_channel(kind="webhook", name="n8n", credentials={"url": f"{target.url}/hook",
                                                                         "signing_secret": SECRET})






def test_a_due_post_is_sent_once_signed_and_the_item_is_published(owner, target):
    account = _webhook(owner, target)
    item = approved_item(owner, "webhook")
    [queued] = owner.publish(item.id, [account.id])
    sent = settled(owner, queued.id, "sent")
    assert sent.attempts == 1 and sent.sent_at is not None and sent.last_error is None
    [event] = [r for r in target.posts() if r.json()["type"] == "post.published"]
    body = event.json()
    assert (body["title"], body["body"], body["content_id"], body["attempt"]) == (item.title, item.body, item.id, 1)
    assert event.headers["idempotency-key"] == body["id"] == event.headers["x-umt-event-id"]
    expected = hmac.new(SECRET.encode(), event.body, hashlib.sha256).hexdigest()
    assert event.headers["x-umt-signature"] == f"sha256={expected}"
    published = owner.content.get(item.id)
    assert published.status == "published" and published.published_at == sent.sent_at


def test_a_post_scheduled_later_waits_for_its_time(owner, target):
    account = _webhook(owner, target)
    item = approved_item(owner, "webhook")
    due = tables.utcnow() + timedelta(seconds=1.5)
    [queued] = owner.publish(item.id, [account.id], at=due)
    assert owner.content.get(item.id).status == "scheduled"
    sent = settled(owner, queued.id, "sent")
    assert timedelta(0) <= sent.sent_at - due < timedelta(seconds=2)


def test_a_server_error_is_retried_with_the_same_key_and_counted_once(owner, target):
    account = _webhook(owner, target)
    target.script.append(Answer(500, {"message": "database is down"}))
    [queued] = owner.publish(approved_item(owner, "webhook").id, [account.id])
    sent = settled(owner, queued.id, "sent")
    assert sent.attempts == 2
    keys = target.event_ids()
    assert len(keys) == 2 and len(set(keys)) == 1       # the receiver dedupes: one post
    assert [r.json()["attempt"] for r in target.posts() if r.json()["type"] != "ping"] == [1, 2]


def test_retry_after_delays_the_next_try_by_what_the_server_said(owner, target, gateway):
    account = _webhook(owner, target)
    target.script.append(Answer(429, {"message": "slow down"}, headers={"Retry-After": "2"}))
    [queued] = owner.publish(approved_item(owner, "webhook").id, [account.id])
    sent = settled(owner, queued.id, "sent")
    tries = [r for r in target.posts() if r.json()["type"] != "ping"]
    assert len(tries) == 2 and sent.attempts == 2
    # The second try came no sooner than the server asked (the test measures, it does not sleep).
    assert tries[1].received_at - tries[0].received_at >= 1.9


def test_giving_up_after_the_maximum_of_tries_fails_with_the_servers_words(owner, target):
    account = _webhook(owner, target)
    target.script.extend([Answer(503, {"message": "maintenance"})] * 3)
    [queued] = owner.publish(approved_item(owner, "webhook").id, [account.id])
    failed = settled(owner, queued.id, "failed")
    assert failed.attempts == 3 and "gave up after 3 tries" in failed.last_error and "maintenance" in failed.last_error
    assert owner.retry_delivery(queued.id).status == "queued"     # the owner retries: same key, sent now
    assert settled(owner, queued.id, "sent").attempts == 4
    assert len(set(target.event_ids())) == 1


def test_a_refused_post_fails_with_the_servers_words_and_retry_failed_sends_only_it(owner, target):
    account = _webhook(owner, target)
    target.script.append(Answer(422, {"message": "body too long for our CRM"}))
    item = approved_item(owner, "webhook")
    [queued] = owner.publish(item.id, [account.id])
    failed = settled(owner, queued.id, "failed")
    assert failed.attempts == 1 and "body too long for our CRM" in failed.last_error
    assert owner.content.get(item.id).status == "scheduled"
    [again] = owner.retry_failed(item.id)
    assert again.id == queued.id
    settled(owner, queued.id, "sent")
    assert owner.content.get(item.id).status == "published"


def test_bad_credentials_stop_the_account_and_its_other_deliveries_wait_for_a_reconnect(owner, target, gateway):
    account = _webhook(owner, target)
    target.script.append(Answer(401, {"message": "signature secret rotated"}))
    first, second = approved_item(owner, "webhook", "One"), approved_item(owner, "webhook", "Two")
    [refused] = owner.publish(first.id, [account.id])
    failed = settled(owner, refused.id, "failed")
    assert "signature secret rotated" in failed.last_error
    channel = owner.get_channel(account.id)
    assert channel.status == "needs_reconnect" and "signature secret rotated" in channel.last_error
    [waiting] = owner.publish(second.id, [account.id])
    with pytest.raises(Conflict):
        owner.retry_delivery(refused.id)           # not before the account is reconnected
    posts_before = len(target.posts())
    assert gateway.app.state.services.outbox.run_once() is False   # due, but nothing to claim: it waits
    assert owner.list_deliveries(content_id=second.id).items[0].attempts == 0   # not burned
    assert len(target.posts()) == posts_before

    owner.update_channel(account.id, credentials={"url": f"{target.url}/hook", "signing_secret": "new-" + SECRET})
    assert settled(owner, waiting.id, "sent").attempts == 1                     # went by itself
    owner.retry_delivery(refused.id)
    assert settled(owner, refused.id, "sent").attempts == 2


def test_discord_with_wait_true_links_the_message_and_slack_posts_text(owner, target):
    target.script.append(Answer(200, {"id": "1", "name": "Shop hook"}))            # GET: the connection check
    discord = owner.create_channel(kind="discord", name="Discord", credentials={"webhook_url": f"{target.url}/api/webhooks/1/tok"})
    target.script.append(Answer(400, b"no_text"))                                  # Slack's check: an empty message
    slack = owner.create_channel(kind="slack", name="Slack", credentials={"webhook_url": f"{target.url}/services/T/B/x"})
    # The two deliveries go out concurrently: each path gets its own answer.
    target.script_by_path["/api/webhooks/1/tok"] = [Answer(200, {"id": "555", "channel_id": "22", "guild_id": "11"})]
    target.script_by_path["/services/T/B/x"] = [Answer(200, b"ok")]
    item = approved_item(owner, "webhook")
    deliveries = owner.publish(item.id, [discord.id, slack.id])
    sent = {d.channel_id: settled(owner, d.id, "sent") for d in deliveries}
    assert sent[discord.id].remote_id == "555"
    assert sent[discord.id].link == "https://discord.com/channels/11/22/555"
    posts = target.posts()[-2:]
    by_path = {r.path.split("?")[0]: r for r in posts}
    assert by_path["/api/webhooks/1/tok"].path.endswith("?wait=true")
    assert by_path["/api/webhooks/1/tok"].json()["content"] == item.body
    assert by_path["/services/T/B/x"].json() == {"text": item.body}
    assert owner.content.get(item.id).status == "published"


def test_a_discord_send_cut_off_by_a_dead_gateway_becomes_unknown_not_a_second_post(owner, target, gateway):
    """Discord takes no idempotency key: a delivery left `sending` by a dead worker is not sent again."""
    target.script.append(Answer(200, {"id": "1"}))
    discord = owner.create_channel(kind="discord", name="Discord", credentials={"webhook_url": f"{target.url}/d"})
    item = approved_item(owner, "webhook")
    [queued] = owner.publish(item.id, [discord.id], at=tables.utcnow() + timedelta(hours=1))
    # As a gateway killed mid-send leaves it: sending, attempt counted, its lease run out.
    with gateway.engine.begin() as connection:
        connection.execute(update(tables.deliveries).where(tables.deliveries.c.id == queued.id).values(
            status="sending", attempts=1, lease_owner="dead-gateway", lease_expires_at=tables.utcnow()))
    gateway.app.state.services.outbox.notify()
    unknown = settled(owner, queued.id, "unknown")
    assert "may have posted it" in unknown.last_error and unknown.attempts == 2
    assert [r for r in target.posts() if r.path.startswith("/d")] == []


def test_a_delivery_to_a_kind_not_in_this_build_fails_with_the_reason_instead_of_looping(owner, target, gateway,
                                                                                        monkeypatch):
    from umt.gateway.publishing import registry

    account = _webhook(owner, target)
    item = approved_item(owner, "webhook")
    monkeypatch.setitem(registry.MODULES, "webhook", "webhook_not_in_this_build")
    monkeypatch.setattr(registry, "_loaded", {})
    # Queued directly (publishing itself would refuse the kind), as a database from a newer build would hold it.
    now = tables.utcnow()
    with gateway.engine.begin() as connection:
        delivery_id = connection.execute(tables.deliveries.insert().values(
            content_id=item.id, channel_id=account.id, status="queued", key="umt-test-key", due_at=now, attempts=0,
            next_attempt_at=now, details={}, created_at=now, updated_at=now)).inserted_primary_key[0]
    gateway.app.state.services.outbox.notify()
    failed = settled(owner, delivery_id, "failed")
    assert "not available yet" in failed.last_error and failed.attempts == 1
