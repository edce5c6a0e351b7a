"""Publishing benchmark, printed as JSON: how late the outbox sends scheduled posts, and the
gateway's memory with the outbox running.

A real `python -m umt.gateway` process (SQLite, default outbox settings) sends to local servers in
this process: webhook servers (the generic webhook, Discord and Slack's wire formats), the Mastodon
double of the tests (tests/servers/mastodon_double.py) and a real SMTP server (aiosmtpd over
STARTTLS, tests/servers/smtp.py; a newsletter with one subscriber). Bluesky's PDS and WordPress
take minutes to start and are left out (their own benches and tests measure them). `--posts`
content items (200) are each published to every channel account, due at times spread evenly over
`--window` seconds (60) starting shortly after setup. Lateness is sent_at − due_at of each
delivery as the gateway recorded it (sent_at is stamped after the server's answer), and also
as the receiving server saw it (its arrival time − due_at).

    .venv/bin/python bench/bench_publishing.py [--posts 200] [--window 60]
    .venv/bin/python bench/bench_publishing.py --docker-image umt-service:0.1.0   # memory as docker stats shows it

With --docker-image the gateway runs in a container of that image (host network) and memory is
docker stats' MEM USAGE instead of the process's RSS.

Targets (issue 11): p99 lateness ≤ 2 s; the gateway's idle memory within issue 2's target (45 MiB
in Docker; compare bench/bench_gateway.py's figure for the same build)."""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench_gateway import free_port, settle, start_gateway  # noqa: E402

import trustme  # noqa: E402

from tests.servers.mastodon_double import MastodonDouble  # noqa: E402
from tests.servers.smtp import PASSWORD, running_smtp  # noqa: E402


POST_NUMBER = re.compile(r"Post number (\d+) of the bench")


class Receiver:
    """A webhook server: answers as the service would and notes when each post arrived."""

    def __init__(self) -> None:
        self.port = free_port()
        self.arrivals: list[tuple[float, bytes]] = []   # (wall-clock time, body)
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:   # Discord's connection check
                self._answer(200, b'{"id": "1", "name": "bench"}')

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                receiver.arrivals.append((time.time(), body))
                if self.path.startswith("/slack"):
                    self._answer(400 if body == b"{}" else 200, b"no_text" if body == b"{}" else b"ok")
                elif self.path.startswith("/discord"):
                    self._answer(200, json.dumps({"id": str(len(receiver.arrivals)), "channel_id": "2",
                                                  "guild_id": "1"}).encode())
                else:
                    self._answer(200, b'{"ok": true}')

            def _answer(self, status: int, body: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


def container_rss(container: str) -> float:
    status = subprocess.run(["docker", "exec", container, "cat", "/proc/1/status"], capture_output=True, text=True,
                            check=True).stdout
    return round(int(next(line for line in status.splitlines() if line.startswith("VmRSS:")).split()[1]) / 1024, 1)


def parse(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00"))


def percentiles(values: list[float]) -> dict[str, float]:
    values = sorted(values)
    return {"count": len(values), "p50": round(statistics.median(values), 3),
            "p99": round(values[max(0, int(len(values) * 0.99) - 1)], 3), "max": round(values[-1], 3)}


def main() -> None:
    mastodon = MastodonDouble(rate_limit=10_000).start()
    mastodon.add_account("bench", "bench-token")
    folder = Path(tempfile.mkdtemp(prefix="umt-bench-smtp-"))
    folder.chmod(0o755)   # the container's user reads the CA file (a certificate: nothing secret)
    ca = trustme.CA()
    ca.cert_pem.write_to_path(str(folder / "ca.pem"))
    try:
        with running_smtp(ca, folder / "ca.pem") as smtp:
            run(mastodon, smtp, folder)
    finally:
        mastodon.stop()


def run(mastodon: MastodonDouble, smtp, folder: Path) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--posts", type=int, default=200)
    parser.add_argument("--window", type=float, default=60.0)
    parser.add_argument("--docker-image", default="")
    args = parser.parse_args()

    receiver = Receiver()
    data = tempfile.mkdtemp(prefix="umt-bench-publishing-")
    port = free_port()
    env = {**os.environ, "UMT_DATA_DIR": data, "UMT_PORT": str(port), "UMT_SIGNING_KEY": secrets.token_urlsafe(32),
           "UMT_CHANNEL_KEY": secrets.token_urlsafe(32), "UMT_AGENT_URL": f"http://127.0.0.1:{free_port()}",
           "UMT_LOG_LEVEL": "WARNING", "MALLOC_ARENA_MAX": "2"}
    env.pop("DATABASE_URL", None)
    # The SMTP server's CA file at the same path inside, for the email channel's settings.
    gateway = start_gateway(env, args.docker_image, "umt-bench-publishing", ("-v", f"{folder}:{folder}:ro"))
    process, measure, api, container = gateway.process, gateway.measure, gateway.http, gateway.container
    try:
        idle_before = settle(measure)
        status, session = api.call("POST", "/api/v1/auth/setup", {
            "email": "bench@example.com", "name": "Bench", "password": "a long password"})
        assert status == 201, session
        api.headers["Authorization"] = f"Bearer {session['token']}"
        base = f"http://127.0.0.1:{receiver.port}"
        accounts = []
        for kind, settings, credentials in (
                ("webhook", {}, {"url": f"{base}/hook", "signing_secret": "s" * 32}),
                ("discord", {}, {"webhook_url": f"{base}/discord/1/t"}),
                ("slack", {}, {"webhook_url": f"{base}/slack/T/B/x"}),
                ("mastodon", {"instance": mastodon.url}, {"access_token": "bench-token"}),
                ("email", smtp.settings("starttls"), {"password": PASSWORD})):
            status, account = api.call("POST", "/api/v1/channels", {"kind": kind, "name": kind, "settings": settings,
                                                                     "credentials": credentials})
            assert status == 201, account
            accounts.append(account["id"])
        status, _ = api.call("POST", f"/api/v1/channels/{accounts[-1]}/recipients",
                             [{"email": "reader@example.test", "name": "Reader"}])
        assert status == 200
        kinds = ["webhook", "discord", "slack", "mastodon", "email"]
        items = []
        for n in range(args.posts):
            status, item = api.call("POST", "/api/v1/content", {"channel": "x", "title": f"Post {n}",
                                                                "body": f"Post number {n} of the bench. " * 3})
            assert status == 201, item
            for step in ("in_review", "approved"):
                assert api.call("POST", f"/api/v1/content/{item['id']}/transition", {"status": step})[0] == 200
            items.append(item["id"])
        first_due = datetime.now(timezone.utc) + timedelta(seconds=5 + args.posts * 0.05)
        spacing = args.window / args.posts
        for n, item_id in enumerate(items):
            due = first_due + timedelta(seconds=n * spacing)
            status, queued = api.call("POST", f"/api/v1/content/{item_id}/deliveries",
                                      {"channel_ids": accounts, "at": due.isoformat()})
            assert status == 200, queued
        assert datetime.now(timezone.utc) < first_due, "setup took longer than the lead time; use fewer posts"
        expected = args.posts * len(accounts)
        deadline = time.monotonic() + args.window + 120
        rss_while_sending = []
        while True:
            deliveries = []
            offset = 0
            while True:
                page = api.call("GET", f"/api/v1/deliveries?limit=500&offset={offset}")[1]
                deliveries += page["items"]
                offset += len(page["items"])
                if offset >= page["total"] or not page["items"]:
                    break
            done = [d for d in deliveries if d["status"] not in ("queued", "sending")]
            rss_while_sending.append(measure())
            if len(done) == expected or time.monotonic() > deadline:
                break
            time.sleep(1.0)
        statuses = {s: sum(d["status"] == s for d in deliveries) for s in {d["status"] for d in deliveries}}
        lateness = [(parse(d["sent_at"]) - parse(d["due_at"])).total_seconds() for d in deliveries if d["sent_at"]]
        # Which post each arrival carried: its number is in the text ("Post number 17 of the bench.").
        arrival_lateness = []   # at the webhook servers (Mastodon and SMTP: sent_at only)
        for arrived, body in receiver.arrivals:
            number = POST_NUMBER.search(body.decode("utf-8", "replace"))
            if number:
                due = first_due + timedelta(seconds=int(number.group(1)) * spacing)
                arrival_lateness.append(arrived - due.timestamp())
        idle_after = settle(measure, 3.0)
        print(json.dumps({
            "posts": args.posts, "channels": kinds, "deliveries": expected,
            "window_seconds": args.window, "statuses": statuses,
            "lateness_seconds_sent_at_minus_due_at": percentiles(lateness),
            "lateness_p99_by_channel": {kind: percentiles([(parse(d["sent_at"]) - parse(d["due_at"])).total_seconds()
                                                           for d in deliveries if d["sent_at"]
                                                           and d["channel_id"] == account_id])["p99"]
                                        for kind, account_id in zip(kinds, accounts)},
            "received": {"mastodon_statuses": len(mastodon.statuses("bench")), "emails": len(smtp.handler.messages)},
            "lateness_seconds_arrival_minus_due_at": percentiles(arrival_lateness) if arrival_lateness else None,
            "memory": f"docker {args.docker_image} (docker stats)" if args.docker_image else "process (VmRSS)",
            # In Docker, docker stats also counts the database's page cache; the process's own RSS:
            "container_process_rss_mib": container_rss(container) if args.docker_image else None,
            "gateway_memory_mib": {"idle_after_start_with_outbox": idle_before, "peak_while_sending": max(rss_while_sending),
                                "idle_after_sending": idle_after},
        }, indent=2))
    finally:
        process.terminate()
        process.wait(timeout=20)


if __name__ == "__main__":
    main()
