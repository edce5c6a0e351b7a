"""The email newsletter through the real gateway and its outbox, to a real SMTP server (aiosmtpd):
a scheduled newsletter reaches each subscriber once, the unsubscribe link works, a temporary
refusal is retried for that recipient only, and a gateway killed with SIGKILL after handing a
message over sends nothing twice (the delivery becomes unknown, with who already has it, so that
the owner's retry skips them)."""

from __future__ import annotations

import urllib.parse
from dataclasses import replace
from datetime import timedelta

import pytest

from tests.gateway.conftest import OWNER
from tests.faults.processes import GatewayProcess
from tests.gateway.publishing_helpers import approved_item, settled
from tests.runtime.helpers import wait_for
from tests.servers.smtp import PASSWORD
from umt.client import GatewayClient
from umt.gateway import tables

PEOPLE = [{"email": "ada@example.test", "name": "Ada"}, {"email": "bo@example.test", "name": "Bo"},
          {"email": "cy@example.test"}]


@pytest.fixture
def gateway_settings(gateway_settings):
    return replace(gateway_settings, outbox_retry_base_seconds=0.2, outbox_max_attempts=3, outbox_lease_seconds=3.0)


def _newsletter(owner, smtp_server, people=PEOPLE, **settings):
    account = owner.create_channel(kind="email", name="Newsletter", settings=smtp_server.settings(**settings),
                                   credentials={"password": PASSWORD})
    owner.add_recipients(account.id, people)
    return account






def _token(received) -> str:
    url = received.message["List-Unsubscribe"].strip("<>")
    return urllib.parse.parse_qs(urllib.parse.urlparse(url).query)["token"][0]


def test_a_scheduled_newsletter_reaches_each_subscriber_once_and_unsubscribing_works(owner, smtp_server):
    account = _newsletter(owner, smtp_server)
    item = approved_item(owner, "email")
    due = tables.utcnow() + timedelta(seconds=1)
    [queued] = owner.publish(item.id, [account.id], at=due)
    sent = settled(owner, queued.id, "sent")
    assert sent.attempts == 1 and sent.sent_at >= due
    assert sent.details["accepted"] == [p["email"] for p in PEOPLE]
    assert [m.recipients for m in smtp_server.handler.messages] == [[p["email"]] for p in PEOPLE]
    assert smtp_server.handler.messages[0].message["Subject"] == "Rye is back"
    assert owner.content.get(item.id).status == "published"
    # Bo follows the link in the email: the next newsletter goes to the others only.
    bo = smtp_server.handler.received_by("bo@example.test")[0]
    owner.unsubscribe(_token(bo))
    [again] = owner.publish(approved_item(owner, "email", title="Rye, again").id, [account.id])
    settled(owner, again.id, "sent")
    assert [m.recipients for m in smtp_server.handler.messages[3:]] == [["ada@example.test"], ["cy@example.test"]]
    listed = owner.list_recipients(account.id).items
    assert [r.email for r in listed if r.unsubscribed_at is not None] == ["bo@example.test"]


def test_a_temporary_refusal_is_retried_by_the_outbox_for_that_recipient_only(owner, smtp_server):
    account = _newsletter(owner, smtp_server)
    smtp_server.handler.refuse["bo@example.test"] = "452 4.2.2 Mailbox full"
    [queued] = owner.publish(approved_item(owner, "email").id, [account.id])

    def refused_once():
        [found] = owner.list_deliveries(limit=500).items
        return found.status == "queued" and found.attempts == 1 and found.details.get("refused")
    wait_for(refused_once, timeout_s=30, what="the first try to record bo's refusal")
    smtp_server.handler.refuse.clear()
    sent = settled(owner, queued.id, "sent")
    assert sent.attempts == 2 and sent.details["refused"] == {}
    assert sorted(r for m in smtp_server.handler.messages for r in m.recipients) == sorted(p["email"] for p in PEOPLE)


def test_a_wrong_password_is_refused_when_connecting(owner, smtp_server):
    from umt.client import ValidationFailed

    with pytest.raises(ValidationFailed) as refused:
        owner.create_channel(kind="email", name="Newsletter", settings=smtp_server.settings(),
                             credentials={"password": "not-the-password"})
    assert refused.value.field == "credentials" and "535" in str(refused.value)
    assert "not-the-password" not in str(refused.value)


def test_kill_9_after_data_sends_nothing_twice(isolated_data, smtp_server, tmp_path):
    gateway = GatewayProcess(isolated_data, UMT_OUTBOX_LEASE_SECONDS="2", UMT_LOG_LEVEL="DEBUG").start()
    smtp_server.handler.stall_after_data.add("bo@example.test")
    try:
        with GatewayClient(gateway.url) as owner:
            owner.setup_owner(**OWNER)
            account = _newsletter(owner, smtp_server)
            [queued] = owner.publish(approved_item(owner, "email").id, [account.id])
            wait_for(lambda: smtp_server.handler.stalled, timeout_s=30, what="bo's message to be handed over")
            assert owner.list_deliveries().items[0].status == "sending"
        gateway.kill()                       # ada has hers, bo's was handed over, cy's never started
        gateway.start()
        with GatewayClient(gateway.url) as owner:
            owner.login(OWNER["email"], OWNER["password"])
            unknown = settled(owner, queued.id, "unknown")
            assert unknown.attempts == 2 and "may have posted it" in unknown.last_error
            # What the dead gateway had done was stored as it went: the owner sees who has it.
            assert unknown.details == {"accepted": ["ada@example.test"], "refused": {},
                                       "waiting": ["cy@example.test"], "unknown": ["bo@example.test"]}
            assert [m.recipients for m in smtp_server.handler.messages] == [["ada@example.test"]]
            assert [m.recipients for m in smtp_server.handler.stalled] == [["bo@example.test"]]
            # The owner retries: ada is not sent it again.
            smtp_server.handler.stall_after_data.clear()
            owner.retry_delivery(queued.id)
            sent = settled(owner, queued.id, "sent")
            assert sent.details["accepted"] == ["ada@example.test", "bo@example.test", "cy@example.test"]
    finally:
        gateway.stop()
    assert [m.recipients for m in smtp_server.handler.messages] == [
        ["ada@example.test"], ["bo@example.test"], ["cy@example.test"]]
    assert PASSWORD not in gateway.output()


def test_the_gateway_offers_the_newsletter_and_wordpress_with_what_connecting_needs(owner):
    kinds = {info.kind: info for info in owner.channel_kinds()}
    email, wordpress = kinds["email"], kinds["wordpress"]
    assert (email.label, email.setting_names, email.credential_names) == (
        "Email newsletter", ["host", "port", "security", "sender", "username"], ["password"])
    assert (wordpress.label, wordpress.setting_names, wordpress.credential_names) == (
        "WordPress", ["site", "username"], ["application_password"])
