"""kill -9 of a real gateway process in the middle of a send: the webhook server holds the request
open, the test kills the gateway, lets the request complete (the receiver has the event), and
starts the gateway again. The delivery is taken over once its lease expires and sent again with
the same Idempotency-Key: the receiver sees the key twice, dedupes by it (the generic webhook's
contract), and the delivery is sent once, on its second attempt."""

from __future__ import annotations

import threading

import pytest

from tests.faults.processes import GatewayProcess
from tests.gateway.conftest import OWNER
from tests.gateway.webhook_target import Answer, WebhookTarget
from tests.runtime.helpers import wait_for
from umt.client import GatewayClient

SECRET = "crash-test-signing-secret-42"


@pytest.fixture
def target():
    server = WebhookTarget().start()
    yield server
    server.stop()


def test_kill_9_mid_send_duplicates_nothing(isolated_data, target):
    gateway = GatewayProcess(isolated_data, UMT_OUTBOX_LEASE_SECONDS="2", UMT_LOG_LEVEL="DEBUG").start()
    release = threading.Event()
    try:
        with GatewayClient(gateway.url) as owner:
            owner.setup_owner(**OWNER)
            account = owner.create_channel(kind="webhook", name="n8n", credentials={
                "url": f"{target.url}/hook", "signing_secret": SECRET})
            item = owner.content.create(channel="webhook", title="Crash", body="Sent exactly once")
            owner.content.transition(item.id, "in_review")
            owner.content.transition(item.id, "approved")
            target.script.append(Answer(200, {"id": "remote-1"}, hold=release))
            [queued] = owner.publish(item.id, [account.id])
            wait_for(lambda: target.event_ids(), timeout_s=20, what="the send to reach the webhook server")
            assert owner.list_deliveries().items[0].status == "sending"
        gateway.kill()                 # mid-send: the server holds the request open
        release.set()                  # the receiver has the event (it answers a dead client)

        gateway.start()                # the same database, a new process
        with GatewayClient(gateway.url) as owner:
            session = owner.login(OWNER["email"], OWNER["password"])
            assert session.token

            def sent():
                [found] = owner.list_deliveries().items
                return found if found.status == "sent" else None

            delivery = wait_for(sent, timeout_s=30, what="the delivery to be taken over and sent")
            assert (delivery.id, delivery.attempts) == (queued.id, 2)
            assert owner.content.get(item.id).status == "published"
    finally:
        release.set()
        gateway.stop()
    keys = target.event_ids()
    assert len(keys) == 2 and len(set(keys)) == 1     # the same event twice: the receiver dedupes by its key
    attempts = [r.json()["attempt"] for r in target.posts() if r.json().get("type") == "post.published"]
    assert attempts == [1, 2]
    output = gateway.log.read_text()
    assert "try 2: sent" in output                     # the log speaks of the delivery, never of its secrets
    assert SECRET not in output and "/hook" not in output
