"""WordPress through the real gateway and its outbox, to a real WordPress (Debian's package): a
scheduled post is published once, and a gateway killed with SIGKILL while WordPress is answering
its create publishes nothing twice (the next gateway finds the post by its slug)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.gateway.conftest import OWNER
from tests.faults.processes import GatewayProcess
from tests.gateway.publishing_helpers import approved_item, settled
from tests.runtime.helpers import wait_for
from umt.client import GatewayClient, ValidationFailed
from umt.gateway import tables

pytestmark = [pytest.mark.slow, pytest.mark.wordpress]


def _blog(owner, wordpress, password=None):
    return owner.create_channel(kind="wordpress", name="Shop blog",
                                settings={"site": wordpress.site, "username": wordpress.username},
                                credentials={"application_password": password or wordpress.application_password})






def test_a_scheduled_post_is_published_once_with_its_link(owner, wordpress, tmp_path):
    title = f"Rye is back {tmp_path.name}"
    account = _blog(owner, wordpress)
    item = approved_item(owner, "blog", title)
    due = tables.utcnow() + timedelta(seconds=1)
    [queued] = owner.publish(item.id, [account.id], at=due)
    sent = settled(owner, queued.id, "sent")
    [(post_id, slug, status)] = wordpress.posts_titled(title)
    assert (sent.remote_id, status, sent.attempts) == (post_id, "publish", 1)
    assert sent.link.startswith(wordpress.site) and sent.details["slug"] == slug
    assert owner.content.get(item.id).status == "published"


def test_a_wrong_application_password_is_refused_when_connecting(owner, wordpress):
    with pytest.raises(ValidationFailed) as refused:
        _blog(owner, wordpress, password="abcd efgh ijkl mnop qrst uvwx")
    assert refused.value.field == "credentials" and "401" in str(refused.value)


def test_kill_9_while_wordpress_answers_the_create_publishes_once(isolated_data, wordpress, tmp_path):
    title = f"Crash test {tmp_path.name}"
    gateway = GatewayProcess(isolated_data, UMT_OUTBOX_LEASE_SECONDS="2", UMT_LOG_LEVEL="DEBUG").start()
    try:
        with GatewayClient(gateway.url) as owner:
            owner.setup_owner(**OWNER)
            account = _blog(owner, wordpress)
            wordpress.hold_next_answer()     # WordPress makes the post and holds its answer
            [queued] = owner.publish(approved_item(owner, "blog", title).id, [account.id])
            wait_for(lambda: wordpress.posts_titled(title), timeout_s=30, what="WordPress to create the post")
            assert owner.list_deliveries().items[0].status == "sending"
        gateway.kill()                       # the answer never reaches umt
        wordpress.release()
        gateway.start()
        with GatewayClient(gateway.url) as owner:
            owner.login(OWNER["email"], OWNER["password"])
            sent = settled(owner, queued.id, "sent")
    finally:
        wordpress.release()
        gateway.stop()
    [(post_id, _slug, status)] = wordpress.posts_titled(title)   # one post, found by the second try
    assert (sent.remote_id, status, sent.attempts) == (post_id, "publish", 2)
    assert wordpress.application_password not in gateway.output()
