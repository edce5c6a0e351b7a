"""The outbox: worker threads in the gateway that send due deliveries and record what happened.

A worker claims one due delivery with a row lease (`leases.claim`: one gateway only, even when
several share a PostgreSQL database), marks it `sending` and counts the attempt, checks the post
(`channel.problems`), sends it (`channel.send`) and records the outcome in an UPDATE that holds
only while it still owns the lease (`leases.held_by`):

  Sent           → sent (link, remote id); the content item is published once all its deliveries are
  RetryLater     → queued again after an exponential backoff (never sooner than the server asked),
                   failed after `outbox_max_attempts`
  Failed         → failed, with the server's words
  NeedsReconnect → failed, and the account "needs reconnect": its other deliveries wait (their
                   attempts are not spent) until the owner reconnects it
  Unknown        → unknown: the owner checks and retries by hand

A gateway killed mid-send leaves the row `sending`; once its lease has expired another worker
takes it over and sends again with the same key and the next attempt number (the channel looks
for what the first try may have published). A channel that has no key to look with
(`resend_after_interruption = False`) gets Unknown instead.

Workers sleep on a condition until the soonest due time (or `notify()` from a route that queued
something), so a post goes out within moments of its time."""

from __future__ import annotations

import logging
import threading
import traceback
from typing import Any

from sqlalchemy import select, update

from umt import heap
from umt.gateway import leases, tables as t
from umt.gateway.db import reading
from umt.gateway.errors import ApiError
from umt.gateway.publishing import registry
from umt.gateway.publishing.base import Failed, NeedsReconnect, Outcome, RetryLater, Sent, Unknown
from umt.gateway.publishing.channel_accounts import ChannelAccounts
from umt.gateway.publishing.credentials import UnreadableSecret
from umt.gateway.publishing.deliveries import Deliveries, after, backoff_seconds, post_for
from umt.gateway.settings import GatewaySettings

log = logging.getLogger(__name__)
D = t.deliveries
# A worker with nothing claimable although something seemed due (held by another gateway, say)
# looks again after this long rather than spinning.
BUSY_RECHECK_SECONDS = 0.5


class Outbox:
    def __init__(self, settings: GatewaySettings, accounts: ChannelAccounts, deliveries: Deliveries) -> None:
        self.settings = settings
        self.engine = deliveries.engine
        self.accounts = accounts
        self.deliveries = deliveries
        self.owner = leases.new_owner()
        self._condition = threading.Condition()
        self._stopping = False
        self._threads: list[threading.Thread] = []
        self._in_flight: set[int] = set()

    def start(self) -> None:
        self._stopping = False
        for number in range(self.settings.outbox_workers):
            self._threads.append(threading.Thread(target=self._work, name=f"outbox-{number}", daemon=True))
        self._threads.append(threading.Thread(target=self._renew_leases, name="outbox-leases", daemon=True))
        for thread in self._threads:
            thread.start()

    def stop(self) -> None:
        with self._condition:
            self._stopping = True
            self._condition.notify_all()
        for thread in self._threads:
            thread.join(timeout=self.settings.outbox_stop_seconds)
        self._threads = []

    def notify(self) -> None:
        """Something was queued or re-timed: workers recompute when to wake."""
        with self._condition:
            self._condition.notify_all()

    # --- the loop --------------------------------------------------------------------------------

    def _work(self) -> None:
        idle = False
        while not self._stopping:
            try:
                worked = self.run_once()
            except Exception:   # noqa: BLE001 - a database hiccup must not end the worker
                log.exception("the outbox failed to claim or record a delivery; trying again shortly")
                worked = False
            if worked:
                idle = False
                continue
            if not idle and not self._in_flight:
                heap.give_back()   # a burst of sends is over: its freed heap goes back to the OS
            self._sleep(busy=idle)
            idle = True

    def _sleep(self, busy: bool) -> None:
        try:
            soonest = self.deliveries.next_due()
        except Exception:   # noqa: BLE001
            soonest = None
        wait = self.settings.outbox_poll_seconds
        if soonest is not None:
            wait = min(wait, max(0.0, (soonest - t.utcnow()).total_seconds()))
        if busy and wait < BUSY_RECHECK_SECONDS:
            wait = BUSY_RECHECK_SECONDS
        with self._condition:
            if not self._stopping:
                self._condition.wait(timeout=wait)

    def run_once(self) -> bool:
        """Claims and sends one delivery; False when none was due."""
        seconds = self.settings.outbox_lease_seconds
        rows = leases.claim(self.engine, D, Deliveries.interrupted_condition(), owner=self.owner, seconds=seconds,
                            order_by=D.c.due_at, values={"attempts": D.c.attempts + 1, "updated_at": t.utcnow()})
        interrupted = bool(rows)
        if not rows:
            rows = leases.claim(self.engine, D, Deliveries.due_condition(t.utcnow()), owner=self.owner,
                                seconds=seconds, order_by=D.c.due_at,
                                values={"status": "sending", "attempts": D.c.attempts + 1, "updated_at": t.utcnow()})
        if not rows:
            return False
        row = rows[0]
        self._in_flight.add(row.id)
        try:
            self._deliver(row, interrupted)
        finally:
            self._in_flight.discard(row.id)
        return True

    def _deliver(self, row, interrupted: bool) -> None:
        try:
            with reading(self.engine) as connection:
                post = post_for(connection, row, attempt=row.attempts)
                account = self.accounts.account(row.channel_id, connection)
            channel = registry.channel_for(account.kind)
        except (ApiError, UnreadableSecret) as error:
            # Not sendable from this gateway (a kind not in this build, credentials sealed with
            # another key): failed with the reason, rather than claimed again and again.
            self.record(row, Failed(getattr(error, "message", None) or str(error)))
            return
        if account.kind == "email":
            account.settings["recipients"] = self._recipients(row.channel_id)
        account.progress = lambda details: self._save_progress(row.id, details)
        problems = channel.problems(post, account)
        if problems:
            outcome: Outcome = Failed("; ".join(problems))
        elif interrupted and not channel.resend_after_interruption:
            outcome = Unknown(f"the gateway stopped while sending this; {channel.label} may have posted it: "
                              "check, then retry if it is not there")
        else:
            try:
                outcome = channel.send(post, account)
            except Exception as error:   # noqa: BLE001 - a channel's bug fails its delivery, not the outbox
                # The type and the frames only: an exception's message may hold a credential.
                log.error("the %s channel raised %s sending delivery %d:\n%s", account.kind, type(error).__name__,
                          row.id, "".join(traceback.format_tb(error.__traceback__)))
                outcome = Failed(f"umt's {channel.label} channel failed ({type(error).__name__}); see the gateway log")
        self.record(row, outcome, account.updated_credentials)

    def record(self, row, outcome: Outcome, updated_credentials: dict[str, str] | None = None) -> None:
        now = t.utcnow()
        values: dict[str, Any] = {"updated_at": now, "last_error": outcome.reason or None,
                                  "details": outcome.details or (row.details or {}), **leases.release_values()}
        if isinstance(outcome, Sent):
            values.update(status="sent", sent_at=now, remote_id=outcome.remote_id, link=outcome.link,
                          last_error=None, next_attempt_at=None)
        elif isinstance(outcome, RetryLater) and row.attempts < self.settings.outbox_max_attempts:
            wait = backoff_seconds(row.attempts, self.settings.outbox_retry_base_seconds,
                                   self.settings.outbox_retry_max_seconds, outcome.after_seconds)
            values.update(status="queued", next_attempt_at=after(wait))
        elif isinstance(outcome, RetryLater):
            values.update(status="failed", next_attempt_at=None,
                          last_error=f"gave up after {row.attempts} tries: {outcome.reason}")
        elif isinstance(outcome, Unknown):
            values.update(status="unknown", next_attempt_at=None)
        else:   # Failed, NeedsReconnect
            values.update(status="failed", next_attempt_at=None)
        with self.engine.begin() as connection:
            recorded = connection.execute(update(D).where(leases.held_by(D, row.id, self.owner)).values(**values))
            if not recorded.rowcount:
                log.warning("delivery %d was taken over by another worker; its outcome here is dropped", row.id)
                return
            account_values: dict[str, Any] = {}
            if isinstance(outcome, NeedsReconnect):
                account_values.update(status="needs_reconnect", last_error=outcome.reason)
            if updated_credentials:
                account_values["credentials_encrypted"] = self.accounts.cipher.encrypt_json(updated_credentials)
            if account_values:
                connection.execute(update(t.channel_accounts).where(t.channel_accounts.c.id == row.channel_id)
                                   .values(**account_values, updated_at=now))
            if isinstance(outcome, Sent):
                self.deliveries.mark_content_published(connection, row.content_id)
        log.info("delivery %d (content %d, channel %d), try %d: %s", row.id, row.content_id, row.channel_id,
                 row.attempts, values["status"])

    def _save_progress(self, delivery_id: int, details: dict[str, Any]) -> None:
        """What a channel reports mid-send (see Account.progress), kept while this worker holds the lease."""
        with self.engine.begin() as connection:
            connection.execute(update(D).where(leases.held_by(D, delivery_id, self.owner))
                               .values(details=details, updated_at=t.utcnow()))

    def _recipients(self, channel_id: int) -> list[dict[str, str]]:
        """The newsletter's subscribed recipients, each with its unsubscribe address."""
        base = self.settings.effective_public_url.rstrip("/")
        with reading(self.engine) as connection:
            rows = connection.execute(select(t.recipients).where(t.recipients.c.channel_id == channel_id,
                                                                 t.recipients.c.unsubscribed_at.is_(None))
                                      .order_by(t.recipients.c.id)).all()
        return [{"email": r.email, "name": r.name, "unsubscribe_url": f"{base}/unsubscribe?token={r.unsubscribe_token}"}
                for r in rows]

    def _renew_leases(self) -> None:
        """Keeps the leases of the deliveries being sent alive while a send takes long."""
        period = self.settings.outbox_lease_seconds / 3
        while not self._stopping:
            with self._condition:
                self._condition.wait(timeout=period)
            for delivery_id in list(self._in_flight):
                try:
                    leases.renew(self.engine, D, delivery_id, owner=self.owner,
                                 seconds=self.settings.outbox_lease_seconds)
                except Exception:   # noqa: BLE001
                    log.warning("could not renew the lease of delivery %d", delivery_id)

