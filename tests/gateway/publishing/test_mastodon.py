"""The Mastodon channel against the Mastodon double (tests/servers/mastodon_double.py), a real
HTTP server on 127.0.0.1 that keeps the documented contract."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta, timezone

import pytest

from tests.conftest import free_port
from tests.servers.mastodon_double import MastodonDouble
from umt.gateway.publishing.base import Account, Failed, Media, NeedsReconnect, Post, RetryLater, Sent
from umt.gateway.publishing.channels.mastodon import MastodonChannel

ids = itertools.count(1000)


@pytest.fixture
def double():
    server = MastodonDouble(max_characters=120).start()
    server.add_account("olive", "token-olive")
    server.add_account("bruno", "token-bruno")
    yield server
    server.stop()


def account_on(double, token: str = "token-olive") -> Account:
    return Account(id=next(ids), kind="mastodon", name="shop", settings={"instance": double.url},
                   credentials={"access_token": token})


def make_post(body: str, key: str, attempt: int = 1, **more) -> Post:
    return Post(delivery_id=1, key=key, attempt=attempt, content_id=1, title="", body=body,
                due_at=datetime.now(timezone.utc), **more)


def test_a_post_with_an_image_that_processes_first(double):
    channel = MastodonChannel()
    image = Media("shop.png", "image/png", b"\x89PNG" + b"\x00" * 5000, alt="The shop at dusk")
    post = make_post("Open late tonight https://example.com/hours", "umt-d1-m", hashtags=("late",), media=(image,))

    outcome = channel.send(post, account_on(double))

    assert isinstance(outcome, Sent), outcome
    [status] = double.statuses("olive")
    assert outcome.remote_id == status["id"] and outcome.link == f"{double.url}/@olive/{status['id']}"
    assert status["text"] == "Open late tonight https://example.com/hours\n\n#late"
    [attached] = status["media_attachments"]
    assert attached["description"] == "The shop at dusk" and attached["url"]
    # 202 on upload, then polled through 206 until 200.
    polls = [path for method, path in double.requests if path == f"/api/v1/media/{attached['id']}"]
    assert len(polls) == double.processing_polls + 1


def test_an_image_processed_at_once_is_not_polled(double):
    small = Media("dot.png", "image/png", b"\x89PNG" + b"\x00" * 100)      # the double answers 200 at once
    outcome = MastodonChannel().send(make_post("", "umt-d9-m", media=(small,)), account_on(double))

    assert isinstance(outcome, Sent), outcome
    [status] = double.statuses("olive")
    assert status["text"] == "" and len(status["media_attachments"]) == 1
    assert not any(path.startswith("/api/v1/media/") for _, path in double.requests)


def test_every_try_of_one_delivery_makes_one_status(double):
    channel = MastodonChannel()
    account = account_on(double)
    tries = [channel.send(make_post("Once only", "umt-d2-m", attempt=n), account) for n in (1, 1, 2, 3)]
    elsewhere = channel.send(make_post("Once only", "umt-d2-m"), account_on(double, "token-bruno"))

    assert len({outcome.remote_id for outcome in tries}) == 1
    assert len(double.statuses("olive")) == 1
    assert len(double.statuses("bruno")) == 1 and elsewhere.remote_id != tries[0].remote_id   # keys are per account
    # The server forgets a key after an hour (so the outbox retries long before that).
    double.clock_offset = timedelta(hours=1, seconds=1)
    channel.send(make_post("Once only", "umt-d2-m", attempt=4), account)
    assert len(double.statuses("olive")) == 2


def test_a_server_error_is_retried_later_and_the_retry_posts_once(double):
    channel = MastodonChannel()
    account = account_on(double)
    double.fail_next = [503]

    first = channel.send(make_post("After a hiccup", "umt-d3-m"), account)
    second = channel.send(make_post("After a hiccup", "umt-d3-m", attempt=2), account)

    assert isinstance(first, RetryLater) and isinstance(second, Sent)
    assert [s["text"] for s in double.statuses("olive")] == ["After a hiccup"]


def test_the_rate_limit_is_retry_later_until_the_reset(double):
    double.rate_limit = 1
    channel = MastodonChannel()
    account = account_on(double)
    assert isinstance(channel.send(make_post("first", "umt-d4-m"), account), Sent)

    outcome = channel.send(make_post("second", "umt-d5-m"), account)

    assert isinstance(outcome, RetryLater), outcome
    assert 290 < outcome.after_seconds <= 300        # X-RateLimit-Reset: the end of the 5-minute window
    assert len(double.statuses("olive")) == 1


def test_a_refused_token_needs_a_reconnect(double):
    channel = MastodonChannel()
    account = account_on(double, "token-revoked")

    checked = channel.check_connection(account)
    sent = channel.send(make_post("never", "umt-d6-m"), account)

    assert isinstance(checked, NeedsReconnect) and isinstance(sent, NeedsReconnect)
    assert sent.reason == "Mastodon refused the post: The access token is invalid"
    assert channel.check_connection(account_on(double)) == Sent("signed in as @olive")


def test_the_instances_character_limit_is_checked_before_sending_and_the_server_agrees(double):
    channel = MastodonChannel()
    account = account_on(double)
    # 120 on this instance; a link counts 23 whatever its length; an emoji family counts one.
    fits = make_post("👨‍👩‍👧" * 90 + " https://example.com/" + "a" * 200, "umt-d7-m")   # 90 + 1 + 23 = 114
    too_long = make_post("x" * 121, "umt-d8-m")

    assert channel.problems(fits, account) == []
    assert channel.problems(too_long, account) == [f"{double.url} takes up to 120 characters; this post has 121"]
    assert sum(path == "/api/v2/instance" for _, path in double.requests) == 1      # read once per account
    refused = channel.send(too_long, account)
    assert isinstance(refused, Failed)
    assert refused.reason == "Mastodon refused the post: Validation failed: Text character limit of 120 exceeded"
    assert double.statuses("olive") == []


def test_an_unreachable_instance_is_retry_later_and_a_missing_address_a_problem():
    channel = MastodonChannel()
    gone = Account(id=1, kind="mastodon", name="x", settings={"instance": f"http://127.0.0.1:{free_port()}"},
                   credentials={"access_token": "t"})
    assert isinstance(channel.send(make_post("hi", "k"), gone), RetryLater)
    assert channel.problems(make_post("hi", "k"), Account(id=2, kind="mastodon", name="x", settings={}, credentials={})) == [
        "Mastodon: the connection has no access_token; reconnect the channel",
        "Mastodon: the connection has no instance address (https://…); reconnect the channel"]


def test_an_attachment_still_processing_is_retry_later():
    from email.message import Message

    from umt.gateway.publishing import web
    from umt.gateway.publishing.channels.mastodon import classify

    body = b'{"error": "Cannot attach files that have not finished processing. Try again in a moment!"}'
    assert isinstance(classify(web.Response(422, Message(), body), "the post"), RetryLater)
    assert isinstance(classify(web.Response(422, Message(), b'{"error": "Validation failed"}'), "the post"), Failed)
