"""The WordPress channel against a real WordPress (Debian's package, MariaDB, php -S) on 127.0.0.1."""

from __future__ import annotations

import itertools
import json
import threading
import urllib.request
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.runtime.helpers import wait_for
from umt.gateway.publishing.base import Account, Failed, NeedsReconnect, Post, RetryLater, Sent
from umt.gateway.publishing.channels.wordpress import WordPressChannel, slug_for

pytestmark = [pytest.mark.slow, pytest.mark.wordpress]
_numbers = itertools.count(1)


def account(wordpress, password: str | None = None) -> Account:
    return Account(id=1, kind="wordpress", name="Shop blog",
                   settings={"site": wordpress.site, "username": wordpress.username},
                   credentials={"application_password": password or wordpress.application_password})


def post(attempt: int = 1, key: str | None = None, title: str = "Spring sale") -> Post:
    number = next(_numbers)
    return Post(delivery_id=number, key=key or f"umt-d{number}-5e1f0a9c", attempt=attempt, content_id=number,
                title=title, body="Everything is 20% off.\n\nUntil Sunday <only>.", hashtags=("spring",),
                due_at=datetime.now(timezone.utc))


def test_a_post_is_published_once_under_its_slug_with_a_live_link(wordpress):
    sent = WordPressChannel().send(post(), account(wordpress))
    assert isinstance(sent, Sent), sent
    slug = sent.details["slug"]
    assert wordpress.posts_with_slug_prefix(slug) == [(slug, "publish", "Spring sale")]
    assert sent.link.startswith(wordpress.site)
    with urllib.request.urlopen(sent.link, timeout=30) as page:   # live (the fixture installs no theme)
        assert page.status == 200
    # As any reader sees it (no sign-in): published, with the text escaped into paragraphs.
    with urllib.request.urlopen(f"{wordpress.site}/?rest_route=/wp/v2/posts/{sent.remote_id}", timeout=30) as page:
        public = json.loads(page.read())
    assert public["status"] == "publish" and public["title"]["rendered"] == "Spring sale"
    assert public["content"]["rendered"].strip() == (
        "<p>Everything is 20% off.</p>\n<p>Until Sunday &lt;only&gt;.</p>\n<p>#spring</p>")


def test_a_retry_after_a_lost_answer_finds_the_post_instead_of_making_a_second(wordpress):
    first_try = post(attempt=1)
    first = WordPressChannel().send(first_try, account(wordpress))   # its answer "was lost"
    assert isinstance(first, Sent)
    again = WordPressChannel().send(post(attempt=2, key=first_try.key), account(wordpress))
    assert isinstance(again, Sent), again
    assert (again.remote_id, again.link) == (first.remote_id, first.link)
    assert "earlier try" in again.reason
    assert len(wordpress.posts_with_slug_prefix(slug_for(first_try))) == 1


def test_a_create_whose_answer_never_came_is_found_by_the_next_try(wordpress):
    first_try = post()
    impatient = account(wordpress)
    impatient.settings["timeout"] = 1
    wordpress.hold_next_answer()          # WordPress creates the post, the answer does not come in time
    try:
        lost = WordPressChannel().send(first_try, impatient)
    finally:
        wordpress.release()
    assert isinstance(lost, RetryLater) and "looks for the post first" in lost.reason
    # It was made all the same (on a slow machine, perhaps only after the client gave up).
    wait_for(lambda: wordpress.posts_with_slug_prefix(slug_for(first_try)), what="the held create")
    found = WordPressChannel().send(post(attempt=2, key=first_try.key), account(wordpress))
    assert isinstance(found, Sent) and "earlier try" in found.reason
    assert len(wordpress.posts_with_slug_prefix(slug_for(first_try))) == 1


def test_a_second_try_that_finds_nothing_publishes(wordpress):
    retry = post(attempt=2)
    sent = WordPressChannel().send(retry, account(wordpress))
    assert isinstance(sent, Sent) and sent.reason == "published"
    assert len(wordpress.posts_with_slug_prefix(slug_for(retry))) == 1


def test_a_wrong_application_password_needs_reconnect_and_publishes_nothing(wordpress):
    attempt = post()
    refused = WordPressChannel().send(attempt, account(wordpress, password="abcd efgh ijkl mnop qrst uvwx"))
    assert isinstance(refused, NeedsReconnect), refused
    # This WordPress treats a wrong application password as no sign-in at all (checked here).
    assert refused.reason.startswith("WordPress answered 401 while publishing: Sorry, you are not allowed")
    assert "abcd" not in refused.reason
    assert wordpress.posts_with_slug_prefix(slug_for(attempt)) == []
    assert isinstance(WordPressChannel().check_connection(account(wordpress, password="nope")), NeedsReconnect)


def test_a_user_who_may_not_publish_needs_reconnect(wordpress):
    from tests.servers.wordpress import READER

    reader = Account(id=1, kind="wordpress", name="Shop blog", settings={"site": wordpress.site, "username": READER},
                     credentials={"application_password": wordpress.reader_password})
    attempt = post()
    refused = WordPressChannel().send(attempt, reader)
    assert isinstance(refused, NeedsReconnect), refused
    assert refused.reason.startswith("WordPress answered 403 while publishing:") and "rest_cannot_create" in refused.reason
    assert wordpress.posts_with_slug_prefix(slug_for(attempt)) == []
    checked = WordPressChannel().check_connection(reader)
    assert isinstance(checked, NeedsReconnect) and "reader may not publish posts" in checked.reason


def test_check_connection_signs_in_as_a_user_who_may_publish(wordpress):
    checked = WordPressChannel().check_connection(account(wordpress))
    assert isinstance(checked, Sent), checked
    assert f"as {wordpress.username}" in checked.reason


def test_a_rate_limit_is_retried_after_the_servers_seconds_then_publishes_once(wordpress):
    attempt = post()
    wordpress.answer_next(429, "too_many_requests", "Slow down", retry_after=37)
    limited = WordPressChannel().send(attempt, account(wordpress))
    assert isinstance(limited, RetryLater) and limited.after_seconds == 37
    assert "Slow down" in limited.reason
    assert wordpress.posts_with_slug_prefix(slug_for(attempt)) == []
    sent = WordPressChannel().send(post(attempt=2, key=attempt.key), account(wordpress))
    assert isinstance(sent, Sent) and len(wordpress.posts_with_slug_prefix(slug_for(attempt))) == 1


def test_a_server_error_is_retried_and_a_bad_request_fails_with_the_servers_words(wordpress):
    wordpress.answer_next(503, "maintenance", "Briefly unavailable for scheduled maintenance.")
    assert isinstance(WordPressChannel().send(post(), account(wordpress)), RetryLater)
    wordpress.answer_next(400, "rest_invalid_param", "Invalid parameter(s): title")
    failed = WordPressChannel().send(post(), account(wordpress))
    assert isinstance(failed, Failed)
    assert failed.reason == ("WordPress answered 400 while publishing: Invalid parameter(s): title "
                             "(rest_invalid_param)")


def test_a_lookup_that_fails_before_a_retry_creates_nothing(wordpress):
    first_try = post()
    assert isinstance(WordPressChannel().send(first_try, account(wordpress)), Sent)
    wordpress.answer_next(502, "bad_gateway", "Bad gateway")
    outcome = WordPressChannel().send(post(attempt=2, key=first_try.key), account(wordpress))
    assert isinstance(outcome, RetryLater) and "looking for an earlier try" in outcome.reason
    assert len(wordpress.posts_with_slug_prefix(slug_for(first_try))) == 1


def test_an_unreachable_site_is_retried_later():
    from tests.conftest import free_port

    gone = Account(id=1, kind="wordpress", name="x", settings={"site": f"http://127.0.0.1:{free_port()}",
                                                               "username": "a"}, credentials={"application_password": "p"})
    outcome = WordPressChannel().send(post(), gone)
    assert isinstance(outcome, RetryLater) and "could not be reached" in outcome.reason


def test_a_site_that_is_not_wordpress_fails_with_a_clear_message():
    class NotWordPress(BaseHTTPRequestHandler):
        def _page(self):
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            self.wfile.write(b"<html>a shop, not a blog</html>")

        do_GET = do_POST = _page

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), NotWordPress)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        shop = Account(id=1, kind="wordpress", name="x", settings={
            "site": f"http://127.0.0.1:{server.server_address[1]}", "username": "a"},
            credentials={"application_password": "p"})
        for attempt in (1, 2):
            outcome = WordPressChannel().send(post(attempt=attempt), shop)
            assert isinstance(outcome, Failed) and "check the site address" in outcome.reason, outcome
    finally:
        server.shutdown()
        server.server_close()


def test_problems_name_a_missing_password_and_a_bad_site():
    bad = Account(id=1, kind="wordpress", name="x", settings={"site": "ftp://x", "username": ""}, credentials={})
    problems = WordPressChannel().problems(post(), bad)
    assert any("application_password" in p for p in problems)
    assert any("https://" in p for p in problems) and any("username" in p for p in problems)
