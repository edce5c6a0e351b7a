"""The email and WordPress channels against their real local servers, printed as JSON: how long a
newsletter to N subscribers takes over STARTTLS and implicit TLS (one connection, one transaction
per recipient), the same newsletter scheduled through a real gateway and its outbox (when its first
and last messages arrive after the scheduled time; the outbox also stores the progress before each
message), how long WordPress takes to start from Debian's packages, and the time of one WordPress
publish (a first try, and a retry that finds the post by its slug).

    .venv/bin/python bench/bench_mail_wordpress.py [--recipients 200] [--posts 20] [--no-wordpress]

Context (issue 11): a post should go out within 2 s of its time; a newsletter is one delivery, so
its send time grows with the list. aiosmtpd and trustme are test dependencies (requirements-test.txt);
WordPress needs Debian's wordpress and mariadb-server packages."""

from __future__ import annotations

import argparse
import json
import os
import secrets
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import trustme  # noqa: E402

from tests.conftest import free_port  # noqa: E402
from tests.gateway.servers import serving  # noqa: E402
from tests.servers import wordpress as wp_server  # noqa: E402
from tests.servers.smtp import PASSWORD, running_smtp  # noqa: E402
from umt.client import GatewayClient  # noqa: E402
from umt.gateway.app import create_app  # noqa: E402
from umt.gateway.publishing.base import Account, Post, Sent  # noqa: E402
from umt.gateway.settings import GatewaySettings  # noqa: E402
from umt.gateway.publishing.channels.email import EmailChannel  # noqa: E402
from umt.gateway.publishing.channels.wordpress import WordPressChannel  # noqa: E402


def post(number: int, attempt: int = 1) -> Post:
    return Post(delivery_id=number, key=f"umt-d{number}-bench", attempt=attempt, content_id=number,
                title=f"Bench post {number}", body="Fresh rye bread every Tuesday.\n\nSee you there.",
                due_at=datetime.now(timezone.utc))


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def newsletter(folder: Path, recipients: int) -> dict:
    ca = trustme.CA()
    ca_file = folder / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    people = [{"email": f"reader{n}@example.test", "name": f"Reader {n}",
               "unsubscribe_url": f"http://127.0.0.1:8000/unsubscribe?token=t{n}"} for n in range(recipients)]
    out = {}
    with running_smtp(ca, ca_file) as server:
        for number, security in enumerate(("starttls", "tls"), start=1):
            account = Account(id=1, kind="email", name="bench", credentials={"password": PASSWORD},
                              settings=server.settings(security, recipients=people))
            started = time.perf_counter()
            outcome = EmailChannel().send(post(number), account)
            seconds = time.perf_counter() - started
            assert isinstance(outcome, Sent), outcome
            out[security] = {"recipients": recipients, "seconds": round(seconds, 3),
                             "ms_per_recipient": round(1000 * seconds / recipients, 2)}
        out["messages_received"] = len(server.handler.messages)
        server.handler.messages.clear()
        out["through_the_gateway"] = through_gateway(folder, server, people)
    return out


def through_gateway(folder: Path, server, people: list[dict]) -> dict:
    """The newsletter scheduled 2 s ahead on a real gateway (SQLite), sent by its outbox."""
    os.environ.setdefault("UMT_SIGNING_KEY", secrets.token_urlsafe(32))
    os.environ.setdefault("UMT_CHANNEL_KEY", secrets.token_urlsafe(32))
    data = folder / "gateway"
    data.mkdir()
    settings = GatewaySettings(data_dir=data, database_url=f"sqlite:///{data / 'umt.db'}",
                               agent_url=f"http://127.0.0.1:{free_port()}", secrets_dir=data / "no-secrets")
    port = free_port()
    with serving(create_app(settings), port), GatewayClient(f"http://127.0.0.1:{port}") as owner:
        owner.setup_owner(email="owner@example.com", name="Bench", password="correct horse battery")
        account = owner.create_channel(kind="email", name="Newsletter", settings=server.settings(),
                                       credentials={"password": PASSWORD})
        owner.add_recipients(account.id, [{"email": p["email"], "name": p["name"]} for p in people])
        item = owner.content.create(channel="email", title="Bench newsletter", body="Fresh rye bread.")
        owner.content.transition(item.id, "in_review")
        owner.content.transition(item.id, "approved")
        due = datetime.now(timezone.utc) + timedelta(seconds=2)
        [queued] = owner.publish(item.id, [account.id], at=due)
        deadline = time.monotonic() + 120
        while (delivery := owner.list_deliveries(content_id=item.id).items[0]).status != "sent":
            assert delivery.status in ("queued", "sending") and time.monotonic() < deadline, delivery
            time.sleep(0.05)
    arrivals = sorted(m.received_at for m in server.handler.messages)
    assert len(arrivals) == len(people), len(arrivals)
    return {"recipients": len(people), "first_message_after_due_s": round(arrivals[0] - due.timestamp(), 3),
            "last_message_after_due_s": round(arrivals[-1] - due.timestamp(), 3),
            "sent_at_after_due_s": round((delivery.sent_at - due).total_seconds(), 3)}


def wordpress(folder: Path, posts: int) -> dict:
    started = time.perf_counter()
    with wp_server.running_wordpress(folder) as site:
        start_seconds = time.perf_counter() - started
        account = Account(id=1, kind="wordpress", name="bench", settings={"site": site.site, "username": site.username},
                          credentials={"application_password": site.application_password})
        first, again = [], []
        for number in range(posts):
            t0 = time.perf_counter()
            assert isinstance(WordPressChannel().send(post(1000 + number), account), Sent)
            t1 = time.perf_counter()
            assert isinstance(WordPressChannel().send(post(1000 + number, attempt=2), account), Sent)
            first.append(t1 - t0)
            again.append(time.perf_counter() - t1)
        total = int(site.sql("SELECT COUNT(*) FROM wp_posts WHERE post_type = 'post' "
                             "AND post_title LIKE 'Bench post %'")[0][0])

    def summary(values: list[float]) -> dict:
        return {"p50_ms": round(1000 * statistics.median(values), 1), "p99_ms": round(1000 * percentile(values, 0.99), 1)}

    return {"start_seconds": round(start_seconds, 2), "posts": posts, "publish": summary(first),
            "retry_found_by_slug": summary(again), "posts_in_database": total}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--recipients", type=int, default=200)
    parser.add_argument("--posts", type=int, default=20)
    parser.add_argument("--no-wordpress", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        result = {"newsletter": newsletter(Path(folder), args.recipients)}
        reason = wp_server.missing()
        if args.no_wordpress or reason:
            result["wordpress"] = {"skipped": reason or "--no-wordpress"}
        else:
            (Path(folder) / "wp").mkdir()
            result["wordpress"] = wordpress(Path(folder) / "wp", args.posts)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
