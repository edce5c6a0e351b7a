"""The Bluesky channel against a real PDS from npm on 127.0.0.1 (slow: the PDS is installed once
into a cache folder and started once per session)."""

from __future__ import annotations

import itertools
import struct
import zlib
from datetime import datetime, timezone

import pytest

from tests.conftest import free_port
from umt.gateway.publishing import web
from umt.gateway.publishing.base import Account, Failed, Media, NeedsReconnect, Post, RetryLater, Sent
from umt.gateway.publishing.channels.bluesky import BlueskyChannel, facets, record_key

pytestmark = [pytest.mark.slow, pytest.mark.bluesky, pytest.mark.timeout(900)]   # a first install takes minutes
names = itertools.count(1)


def png(width: int = 2, height: int = 2) -> bytes:
    """A small valid PNG (the PDS sniffs the image's type and size)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    rows = b"".join(b"\x00" + b"\xff\x80\x00" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def make_post(body: str, key: str, attempt: int = 1, **more) -> Post:
    return Post(delivery_id=1, key=key, attempt=attempt, content_id=1, title="", body=body,
                due_at=datetime.now(timezone.utc), **more)


@pytest.fixture
def person(pds):
    """A fresh account on the PDS and its umt connection (only the app password, as when connected)."""
    user = pds.create_account("user")
    account = Account(id=next(names), kind="bluesky", name="test", settings={"service": pds.url, "handle": user["handle"]},
                      credentials={"app_password": user["app_password"]})
    return user, account


def get_record(pds, user, rkey: str) -> dict:
    return pds.xrpc(f"com.atproto.repo.getRecord?repo={user['did']}&collection=app.bsky.feed.post&rkey={rkey}")["value"]


def test_a_post_with_a_link_a_hashtag_and_an_image_is_on_the_pds(pds, person):
    user, account = person
    channel = BlueskyChannel()
    body = "Grand opening 🎉 at café Zoë: https://example.com/menu?x=1. Bring friends! #Launch"
    post = make_post(body, "umt-d1-first", hashtags=("launch", "SmallBusiness"),
                     media=(Media("storefront.png", "image/png", png(), alt="Our blue storefront"),))
    assert channel.problems(post, account) == []

    outcome = channel.send(post, account)

    assert isinstance(outcome, Sent), outcome
    rkey = record_key(post.key)
    assert outcome.link == f"https://bsky.app/profile/{user['handle']}/post/{rkey}"
    assert outcome.remote_id == f"at://{user['did']}/app.bsky.feed.post/{rkey}"
    record = get_record(pds, user, rkey)
    assert record["text"] == body + "\n\n#SmallBusiness"     # #launch is in the body already
    encoded = record["text"].encode()
    spans = [(encoded[f["index"]["byteStart"]:f["index"]["byteEnd"]].decode(), f["features"][0]) for f in record["facets"]]
    assert spans == [
        ("https://example.com/menu?x=1", {"$type": "app.bsky.richtext.facet#link", "uri": "https://example.com/menu?x=1"}),
        ("#Launch", {"$type": "app.bsky.richtext.facet#tag", "tag": "Launch"}),
        ("#SmallBusiness", {"$type": "app.bsky.richtext.facet#tag", "tag": "SmallBusiness"}),
    ]
    [image] = record["embed"]["images"]
    assert image["alt"] == "Our blue storefront" and image["image"]["mimeType"] == "image/png"
    # Signed in once; the tokens go back to the outbox to be stored.
    assert set(account.updated_credentials) == {"app_password", "access_jwt", "refresh_jwt", "did"}
    assert account.updated_credentials["did"] == user["did"]


def test_a_retry_of_the_same_delivery_leaves_one_post(pds, person):
    user, account = person
    channel = BlueskyChannel()
    first = channel.send(make_post("Only once, please", "umt-d2-retry"), account)
    # A try cut off after the PDS took it comes back as attempt 1 again, then as attempt 2.
    again = channel.send(make_post("Only once, please", "umt-d2-retry"), account)
    later = channel.send(make_post("Only once, please", "umt-d2-retry", attempt=2), account)
    # A retry whose first try never reached the PDS looks, finds nothing, and posts.
    other = channel.send(make_post("Another delivery", "umt-d3-other", attempt=3), account)

    assert isinstance(first, Sent) and isinstance(other, Sent)
    assert again.remote_id == later.remote_id == first.remote_id != other.remote_id
    texts = sorted(record["value"]["text"] for record in pds.records(user))
    assert texts == ["Another delivery", "Only once, please"]


def test_an_expired_access_token_is_refreshed_and_the_rotated_tokens_are_stored(pds, person):
    user, account = person
    channel = BlueskyChannel()
    assert isinstance(channel.check_connection(account), Sent)
    stored = dict(account.updated_credentials)
    # The stored tokens only, a stale access token, and an app password that no longer works:
    # success proves the channel refreshed instead of signing in again.
    account = Account(id=account.id, kind="bluesky", name="test", settings=account.settings,
                      credentials={**stored, "access_jwt": "not-a-token", "app_password": "revoked-xxxx"})

    outcome = channel.send(make_post("After a refresh", "umt-d4-refresh"), account)

    assert isinstance(outcome, Sent), outcome
    rotated = account.updated_credentials
    assert rotated["refresh_jwt"] != stored["refresh_jwt"] and rotated["access_jwt"] != "not-a-token"
    assert [r["value"]["text"] for r in pds.records(user)] == ["After a refresh"]
    # The rotated refresh token works for the next refresh.
    pds.xrpc("com.atproto.server.refreshSession", token=rotated["refresh_jwt"], post=True)


def test_a_wrong_app_password_needs_a_reconnect(pds, person):
    user, account = person
    account.credentials = {"app_password": "wrong-pass-word"}
    channel = BlueskyChannel()

    checked = channel.check_connection(account)
    sent = channel.send(make_post("never", "umt-d5-bad"), account)

    assert isinstance(checked, NeedsReconnect) and isinstance(sent, NeedsReconnect)
    assert "Invalid identifier or password" in checked.reason
    assert account.updated_credentials is None
    assert pds.records(user) == []


def test_tokens_that_no_longer_work_and_a_revoked_password_need_a_reconnect(pds, person):
    user, account = person
    account.credentials = {"app_password": "revoked-xxxx", "access_jwt": "stale", "refresh_jwt": "stale", "did": user["did"]}

    outcome = BlueskyChannel().send(make_post("never", "umt-d6-stale"), account)

    assert isinstance(outcome, NeedsReconnect), outcome
    assert pds.records(user) == []


def test_the_sign_in_rate_limit_is_retry_later_with_the_servers_seconds(pds, person):
    user, account = person
    # Someone else's logins used up this account's 30 sign-ins per 5 minutes.
    for _ in range(40):
        answer = web.request("POST", f"{pds.url}/xrpc/com.atproto.server.createSession",
                             json={"identifier": user["handle"], "password": "wrong"})
        if answer.status == 429:
            break
    assert answer.status == 429

    outcome = BlueskyChannel().check_connection(account)

    assert isinstance(outcome, RetryLater), outcome
    assert 0 < outcome.after_seconds <= 300


def test_over_300_graphemes_is_a_problem_before_sending_and_the_pds_agrees(pds, person):
    user, account = person
    channel = BlueskyChannel()
    fits = make_post("👍🏽" * 300, "umt-d7-fits")        # 300 graphemes, 600 code points, 2,400 bytes
    too_long = make_post("👍🏽" * 301, "umt-d8-long")

    assert channel.problems(fits, account) == []
    assert channel.problems(too_long, account) == ["Bluesky takes up to 300 characters; this post has 301"]
    assert channel.problems(make_post("👨‍👩‍👧" * 170, "k"), account) == [
        "Bluesky takes up to 3000 bytes of text; this post has 3060 (emoji take up to 25 each)"]
    assert isinstance(channel.send(fits, account), Sent)
    refused = channel.send(too_long, account)
    assert isinstance(refused, Failed) and "grapheme" in refused.reason.lower()
    assert len(pds.records(user)) == 1


def test_images_over_the_limits_are_problems():
    account = Account(id=1, kind="bluesky", name="t", settings={"handle": "a.test"}, credentials={"app_password": "x"})
    big = Media("big.png", "image/png", b"\x00" * 1_000_001)
    problems = BlueskyChannel().problems(make_post("hi", "k", media=(big,) * 5), account)
    assert problems == ["Bluesky takes at most 4 images; this post has 5"] + ["Bluesky takes images up to 976 KB; big.png is 976 KB"] * 5


def test_a_connection_without_a_handle_or_a_web_address_is_a_problem():
    account = Account(id=1, kind="bluesky", name="t", settings={"service": "bsky.social"}, credentials={"app_password": "x"})
    assert BlueskyChannel().problems(make_post("hi", "k"), account) == [
        "Bluesky: the server address must start with https://; reconnect the channel",
        "Bluesky: the connection has no handle; reconnect the channel"]


def test_an_unreachable_pds_is_retry_later():
    account = Account(id=1, kind="bluesky", name="t", settings={"service": f"http://127.0.0.1:{free_port()}", "handle": "a.test"},
                      credentials={"app_password": "x"})
    assert isinstance(BlueskyChannel().send(make_post("hi", "k"), account), RetryLater)


def test_record_keys_are_stable_valid_tids_and_facets_count_bytes():
    key = record_key("umt-d42-1b9c0e7f")
    assert key == record_key("umt-d42-1b9c0e7f") != record_key("umt-d43-1b9c0e7f")
    assert len(key) == 13 and key[0] in "234567abcdefghij" and set(key) <= set("234567abcdefghijklmnopqrstuvwxyz")
    text = "日本 #タグ https://ex.com/a. #1 and x#no"
    assert [(f["index"]["byteStart"], f["index"]["byteEnd"]) for f in facets(text)] == [(7, 14), (15, 31)]
    assert text.encode()[7:14].decode() == "#タグ" and text.encode()[15:31].decode() == "https://ex.com/a"
