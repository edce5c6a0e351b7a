"""Bluesky and Mastodon through the real gateway and its outbox: a scheduled post is sent exactly
once, and a gateway killed with SIGKILL in the middle of a send duplicates nothing when it comes
back (the same key on the next try: Bluesky's record key, Mastodon's Idempotency-Key)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from tests.gateway.publishing_helpers import approved_item, settled

from tests.gateway.conftest import OWNER
from tests.faults.processes import GatewayProcess
from tests.servers.holding_proxy import HoldingProxy
from tests.servers.mastodon_double import MastodonDouble
from umt.client import GatewayClient, ValidationFailed
from umt.gateway import tables

bluesky = [pytest.mark.slow, pytest.mark.bluesky, pytest.mark.timeout(900)]


@pytest.fixture
def gateway_settings(gateway_settings):
    return replace(gateway_settings, outbox_retry_base_seconds=0.2, outbox_lease_seconds=3.0)


@pytest.fixture
def mastodon():
    server = MastodonDouble().start()
    server.add_account("olive", "token-olive")
    yield server
    server.stop()






def test_mastodon_a_scheduled_post_is_sent_once(owner, mastodon):
    account = owner.create_channel(kind="mastodon", name="Shop on Mastodon", settings={"instance": mastodon.url},
                                   credentials={"access_token": "token-olive"})
    item = approved_item(owner, "mastodon", "Launch", "New loaves on Tuesday https://example.com/bread")
    due = tables.utcnow() + timedelta(seconds=1)

    [queued] = owner.publish(item.id, [account.id], at=due)
    sent = settled(owner, queued.id)

    assert (sent.status, sent.attempts) == ("sent", 1), sent.last_error
    [status] = mastodon.statuses("olive")
    assert sent.remote_id == status["id"] and sent.link == status["url"]
    assert sent.sent_at >= due
    assert mastodon.idempotency_keys == [mastodon.idempotency_keys[0]] and mastodon.idempotency_keys[0]
    assert owner.content.get(item.id).status == "published"


def test_mastodon_a_refused_token_and_a_post_over_the_instances_limit_are_refused_up_front(owner, mastodon):
    with pytest.raises(ValidationFailed) as refused:
        owner.create_channel(kind="mastodon", name="Shop", settings={"instance": mastodon.url},
                             credentials={"access_token": "token-revoked"})
    assert refused.value.field == "credentials" and "The access token is invalid" in str(refused.value)
    account = owner.create_channel(kind="mastodon", name="Shop", settings={"instance": mastodon.url},
                                   credentials={"access_token": "token-olive"})
    item = approved_item(owner, "mastodon", "Launch", "x" * 501)
    with pytest.raises(ValidationFailed) as too_long:
        owner.publish(item.id, [account.id])
    assert f"{mastodon.url} takes up to 500 characters; this post has 501" in str(too_long.value)
    assert list(too_long.value.details) == [str(account.id)]


def test_mastodon_kill_9_mid_send_posts_once(isolated_data, mastodon, tmp_path):
    gateway = GatewayProcess(isolated_data, UMT_OUTBOX_LEASE_SECONDS="2", UMT_LOG_LEVEL="DEBUG").start()
    try:
        with GatewayClient(gateway.url) as owner:
            owner.setup_owner(**OWNER)
            account = owner.create_channel(kind="mastodon", name="Shop", settings={"instance": mastodon.url},
                                           credentials={"access_token": "token-olive"})
            item = approved_item(owner, "mastodon", "Launch", "Sent exactly once, even through a crash")
            mastodon.hold.set()                       # the status is made; its answer waits
            [queued] = owner.publish(item.id, [account.id])
            assert mastodon.held.wait(20), "the send did not reach the double"
        gateway.kill()
        mastodon.hold.clear()
        mastodon.release.set()

        gateway.start()
        with GatewayClient(gateway.url) as owner:
            owner.login(OWNER["email"], OWNER["password"])
            delivery = settled(owner, queued.id)
    finally:
        gateway.stop()
    assert (delivery.status, delivery.attempts) == ("sent", 2), delivery.last_error
    [status] = mastodon.statuses("olive")
    assert delivery.remote_id == status["id"]
    assert len(mastodon.idempotency_keys) == 2 and len(set(mastodon.idempotency_keys)) == 1
    assert "token-olive" not in gateway.output()


@pytest.mark.slow
@pytest.mark.bluesky
@pytest.mark.timeout(900)
def test_bluesky_a_scheduled_post_is_sent_once_and_the_tokens_are_kept(owner, pds):
    user = pds.create_account("outbox1")
    account = owner.create_channel(kind="bluesky", name="Shop on Bluesky",
                                   settings={"service": pds.url, "handle": user["handle"]},
                                   credentials={"app_password": user["app_password"]})
    item = approved_item(owner, "bluesky", "Launch", "Fresh rye on Tuesday #bakery https://example.com/rye")
    due = tables.utcnow() + timedelta(seconds=1)

    [queued] = owner.publish(item.id, [account.id], at=due)
    sent = settled(owner, queued.id)

    assert (sent.status, sent.attempts) == ("sent", 1), sent.last_error
    rkey = sent.remote_id.rsplit("/", 1)[-1]
    assert sent.link == f"https://bsky.app/profile/{user['handle']}/post/{rkey}"
    [record] = pds.records(user)
    assert record["uri"] == sent.remote_id and record["value"]["text"].startswith("Fresh rye on Tuesday #bakery")
    # The tokens of the sign-in at connect time were stored: the test works with them.
    assert owner.test_channel(account.id).ok


@pytest.mark.slow
@pytest.mark.bluesky
@pytest.mark.timeout(900)
def test_bluesky_kill_9_mid_send_posts_once(isolated_data, pds, tmp_path):
    user = pds.create_account("outbox2")
    proxy = HoldingProxy(pds.url, "/xrpc/com.atproto.repo.putRecord").start()
    gateway = GatewayProcess(isolated_data, UMT_OUTBOX_LEASE_SECONDS="2", UMT_LOG_LEVEL="DEBUG").start()
    try:
        with GatewayClient(gateway.url) as owner:
            owner.setup_owner(**OWNER)
            account = owner.create_channel(kind="bluesky", name="Shop", credentials={"app_password": user["app_password"]},
                                           settings={"service": proxy.url, "handle": user["handle"]})
            item = approved_item(owner, "bluesky", "Launch", "Sent exactly once, even through a crash")
            proxy.holding.set()                       # the PDS writes the record; its answer waits
            [queued] = owner.publish(item.id, [account.id])
            assert proxy.held.wait(20), "the send did not reach the PDS"
        gateway.kill()
        proxy.holding.clear()
        proxy.release.set()

        gateway.start()
        with GatewayClient(gateway.url) as owner:
            owner.login(OWNER["email"], OWNER["password"])
            delivery = settled(owner, queued.id)
    finally:
        gateway.stop()
        proxy.stop()
    assert (delivery.status, delivery.attempts) == ("sent", 2), delivery.last_error
    [record] = pds.records(user)
    assert record["uri"] == delivery.remote_id
    assert user["app_password"] not in gateway.output()


@pytest.mark.slow
@pytest.mark.bluesky
@pytest.mark.timeout(900)
def test_bluesky_a_wrong_app_password_and_a_post_over_300_graphemes_are_refused_up_front(owner, pds):
    user = pds.create_account("outbox3")
    settings = {"service": pds.url, "handle": user["handle"]}
    with pytest.raises(ValidationFailed) as refused:
        owner.create_channel(kind="bluesky", name="Shop", settings=settings, credentials={"app_password": "wrong-password"})
    assert refused.value.field == "credentials" and "Invalid identifier or password" in str(refused.value)
    account = owner.create_channel(kind="bluesky", name="Shop", settings=settings,
                                   credentials={"app_password": user["app_password"]})
    item = approved_item(owner, "bluesky", "Launch", "🧁" * 301)
    with pytest.raises(ValidationFailed) as too_long:
        owner.publish(item.id, [account.id])
    assert "Bluesky takes up to 300 characters; this post has 301" in str(too_long.value)
    assert pds.records(user) == []
