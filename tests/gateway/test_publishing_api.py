"""The publishing API over real HTTP: connecting channel accounts (checked against a real local
webhook server), kinds not in this build, publishing with checks, listing, cancelling, retrying,
recipients, and credentials that never come back out (replies, logs, exports, the database)."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.gateway.webhook_target import Answer, WebhookTarget
from umt.client import Conflict, NotFound, ValidationFailed
from umt.contract import ChannelAccountPatch, RecipientInput
from umt.gateway import tables
from umt.gateway.publishing import registry

SECRET = "whsec-DO-NOT-LEAK-7f3a9c"


@pytest.fixture
def target():
    server = WebhookTarget().start()
    yield server
    server.stop()


@pytest.fixture
def database_url(isolated_data):   # SQLite here; the outbox's tests cover PostgreSQL
    return f"sqlite:///{isolated_data / 'umt.db'}"


def _webhook(owner, target, name="Zapier", secret=SECRET):
    return owner.create_channel(kind="webhook", name=name, settings={},
                                credentials={"url": f"{target.url}/hook/{secret}", "signing_secret": secret})


def _approved_item(owner, body="Fresh rye bread every Tuesday"):
    item = owner.content.create(channel="webhook", title="Rye", body=body)
    owner.content.transition(item.id, "in_review")
    return owner.content.transition(item.id, "approved")


def test_connecting_checks_the_connection_and_returns_no_credentials(owner, target):
    account = _webhook(owner, target)
    assert (account.kind, account.name, account.status, account.has_credentials) == ("webhook", "Zapier",
                                                                                      "connected", True)
    ping = target.posts()[0]
    assert ping.json()["type"] == "ping" and ping.headers["x-umt-signature"].startswith("sha256=")
    assert owner.list_channels().items == [account]
    assert owner.test_channel(account.id).ok

    target.script.append(Answer(401, {"message": "bad token"}))
    with pytest.raises(ValidationFailed) as refused:
        _webhook(owner, target, name="Broken")
    assert refused.value.field == "credentials" and "bad token" in str(refused.value)
    assert owner.list_channels().total == 1          # a refused account is not kept

    with pytest.raises(ValidationFailed) as missing:
        owner.create_channel(kind="webhook", name="No secret", credentials={"url": target.url})
    assert missing.value.field == "credentials.signing_secret"


def test_a_failed_test_marks_the_account_and_new_credentials_reconnect_it(owner, target):
    account = _webhook(owner, target)
    target.script.append(Answer(403, {"message": "revoked"}))
    result = owner.test_channel(account.id)
    assert (result.ok, result.status) == (False, "needs_reconnect") and "revoked" in result.message
    assert owner.get_channel(account.id).status == "needs_reconnect"
    again = owner.update_channel(account.id, credentials={"url": target.url + "/new", "signing_secret": "s2" * 8})
    assert (again.status, again.last_error) == ("connected", None)
    assert owner.update_channel(account.id, ChannelAccountPatch(name="Renamed")).name == "Renamed"   # a record
    owner.delete_channel(account.id)
    with pytest.raises(NotFound):
        owner.get_channel(account.id)


def test_every_available_kind_is_listed_and_a_missing_module_is_not_available_yet(owner, monkeypatch):
    kinds = {k.kind: k for k in owner.channel_kinds()}
    assert {"discord", "slack", "webhook"} <= set(kinds)
    assert kinds["webhook"].credential_names == ["url", "signing_secret"]
    monkeypatch.setitem(registry.MODULES, "bluesky", "bluesky_not_in_this_build")
    monkeypatch.setattr(registry, "_loaded", {})
    assert "bluesky" not in {k.kind for k in owner.channel_kinds()}
    with pytest.raises(ValidationFailed) as refused:
        owner.create_channel(kind="bluesky", name="Shop", credentials={"password": "x"})
    assert refused.value.field == "kind" and "not available yet" in str(refused.value)


def test_publishing_queues_checks_cancels_and_refuses_illegal_moves(owner, target):
    account = _webhook(owner, target)
    discord = owner.create_channel(kind="discord", name="Discord", credentials={"webhook_url": target.url + "/d"})
    draft = owner.content.create(channel="x", title="Draft", body="not yet")
    with pytest.raises(Conflict):
        owner.publish(draft.id, [account.id])
    long_item = _approved_item(owner, body="x" * 2500)
    with pytest.raises(ValidationFailed) as too_long:
        owner.publish(long_item.id, [account.id, discord.id])
    assert too_long.value.field == "channel_ids" and "2000 characters" in str(too_long.value)
    assert list(too_long.value.details) == [str(discord.id)]        # the webhook takes any length
    assert owner.list_deliveries(content_id=long_item.id).total == 0  # nothing queued

    item = _approved_item(owner)
    later = tables.utcnow() + timedelta(hours=1)
    [delivery] = owner.publish(item.id, [account.id], at=later)
    assert (delivery.status, delivery.attempts, delivery.channel_id) == ("queued", 0, account.id)
    assert abs((delivery.due_at - later).total_seconds()) < 1
    assert owner.content.get(item.id).status == "scheduled"
    assert owner.publish(item.id, [account.id])[0].id == delivery.id      # one delivery per account
    assert owner.list_deliveries(status="queued", channel_id=account.id).items[0].id == delivery.id
    assert owner.list_deliveries(due_to=later - timedelta(hours=2)).total == 0
    with pytest.raises(Conflict):
        owner.retry_delivery(delivery.id)                 # only failed or unknown ones
    assert owner.cancel_delivery(delivery.id).status == "cancelled"
    with pytest.raises(Conflict):
        owner.cancel_delivery(delivery.id)
    assert owner.retry_failed(item.id) == []
    with pytest.raises(NotFound):
        owner.retry_delivery(999)
    requeued = owner.publish(item.id, [account.id], at=later)[0]
    assert (requeued.id, requeued.status) == (delivery.id, "queued")


def test_recipients_are_listed_once_and_unsubscribe_without_signing_in(owner, gateway, anonymous, target):
    account = _webhook(owner, target)
    with pytest.raises(ValidationFailed):   # only a newsletter has recipients
        owner.add_recipients(account.id, [{"email": "a@example.com"}])
    # An email account, as the email channel would keep it (its module is another helper's part).
    now = tables.utcnow()
    with gateway.engine.begin() as connection:
        email_id = connection.execute(tables.channel_accounts.insert().values(
            kind="email", name="News", settings={}, credentials_encrypted=None, status="connected",
            created_at=now, updated_at=now)).inserted_primary_key[0]
    people = owner.add_recipients(email_id, [RecipientInput(email="ann@example.com", name="Ann"),
                                             {"email": "bo@example.com"}, {"email": "ANN@example.com"}])
    assert [p.email for p in people] == ["ann@example.com", "bo@example.com"]
    with pytest.raises(ValidationFailed) as bad:
        owner.add_recipients(email_id, [{"email": "not an address"}])
    assert bad.value.field.startswith("[0].email") or "email" in bad.value.field
    with gateway.engine.connect() as connection:
        token = connection.execute(select(tables.recipients.c.unsubscribe_token)
                                   .where(tables.recipients.c.email == "bo@example.com")).scalar_one()
    assert "unsubscribed" in anonymous.unsubscribe(token)
    assert "unsubscribed" in anonymous.unsubscribe("unknown-token")   # the same page: it tells nothing
    listed = owner.list_recipients(email_id).items
    assert [p.unsubscribed_at is not None for p in listed] == [False, True]
    owner.remove_recipient(email_id, listed[0].id)
    assert owner.list_recipients(email_id).total == 1
    with pytest.raises(NotFound):
        owner.remove_recipient(email_id, listed[0].id)


def test_credentials_appear_in_no_reply_no_log_line_no_export_and_not_in_plain_in_the_database(
        owner, gateway, target, caplog):
    caplog.set_level(logging.DEBUG)
    account = _webhook(owner, target)
    target.script.append(Answer(403, {"message": "revoked"}))
    replies = [owner.list_channels(), owner.get_channel(account.id), owner.test_channel(account.id),
               owner.update_channel(account.id, settings={"note": "x"})]
    item = _approved_item(owner)
    replies += [owner.publish(item.id, [account.id], at=tables.utcnow() + timedelta(hours=1)),
                owner.list_deliveries(), owner.channel_kinds()]
    texts = [repr(r) for r in replies] + [owner.request("GET", "/api/v1/channels", raw=True),
                                          owner.request("GET", "/openapi.json", raw=True)]
    texts += [getattr(owner, name).export(fmt) for name in ("brands", "campaigns", "content", "experiments", "metrics")
              for fmt in ("json", "csv")]
    texts += [record.getMessage() for record in caplog.records]
    for text in texts:
        assert SECRET not in text and "/hook/" not in text
    with gateway.engine.connect() as connection:
        stored = connection.execute(select(tables.channel_accounts.c.credentials_encrypted)).scalar_one()
    assert SECRET not in stored and gateway.app.state.services.cipher.decrypt_json(stored)["signing_secret"] == SECRET


def test_a_repeated_publish_with_the_same_idempotency_key_is_done_once(owner, target):
    account = _webhook(owner, target)
    item = _approved_item(owner)
    later = (tables.utcnow() + timedelta(hours=1)).isoformat()
    send = lambda: owner.request("POST", f"/api/v1/content/{item.id}/deliveries",  # noqa: E731
                                 json_body={"channel_ids": [account.id], "at": later},
                                 headers={"Idempotency-Key": "publish-once-1"})
    first = send()
    owner.cancel_delivery(first[0]["id"])
    assert send() == first                       # the remembered reply: not queued a second time
    assert owner.list_deliveries(content_id=item.id).items[0].status == "cancelled"
