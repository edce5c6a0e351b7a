"""The Calendar section's controller: the posts of the shown days, rescheduling with Undo, the
agent's best times and "Plan my month", the iCalendar export and the subscription address.

Everything goes through the SessionController (`call`): the views see CalendarPost, BestTimes and
Proposal (models/calendar.py) and sentences, never the client or its records."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from PySide6.QtCore import QObject, QTimeZone, Signal

from umt.client import JobFailed
from umt.desktop.controllers.deliveries import DeliveriesController
from umt.desktop.controllers.problem import Problem
from umt.desktop.models.calendar import (MIN_GAP_HOURS, BestTimes, CalendarPost, Proposal, flag_conflicts)

PAGE_SIZE = 500
MAX_PLANNED = 20     # the planner takes at most 20 channels, one per post


def owner_time_zone() -> ZoneInfo:
    """The computer's zone (the owner sits at it); UTC when the system's name is not an IANA one."""
    try:
        return ZoneInfo(bytes(QTimeZone.systemTimeZoneId().data()).decode() or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


@dataclass(frozen=True)
class Move:
    post_id: int
    title: str
    before: datetime
    after: datetime


class CalendarController(QObject):
    sig_posts_changed = Signal(list)
    """The posts of the shown days (CalendarPost, conflicts flagged), after a load or a move."""

    sig_problem_raised = Signal(str)
    """A call failed: the gateway's reason as a sentence."""

    sig_post_moved = Signal(str, bool)
    """A post was rescheduled (or moved back): what happened, and whether Undo can take it back."""

    sig_best_times_loaded = Signal(object)
    """The agent's best times (BestTimes; `message` alone when there is not enough data yet)."""

    sig_plan_proposed = Signal(list)
    """The planner's proposals (Proposal), or an empty list with a sig_notice_posted saying why."""

    sig_proposal_decided = Signal(object)
    """A proposal's decision changed (accepted, rejected or refused with a reason)."""

    sig_notice_posted = Signal(str)
    """Something to tell the owner that is not a failure (an export saved, nothing to plan)."""

    sig_brands_loaded = Signal(list)
    """(id, name) of every brand, for the best-time overlay's choice."""

    sig_feed_address_ready = Signal(str)
    """The subscription address of the schedule, for a calendar app."""

    def __init__(self, session, time_zone: ZoneInfo | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._session = session
        self.zone = time_zone or owner_time_zone()
        self._start = self._end = date.today()
        self._posts: dict[int, CalendarPost] = {}
        self._undo: list[Move] = []
        self.deliveries = DeliveriesController(session, self)   # the clicked post's deliveries
        self.deliveries.sig_deliveries_changed.connect(self._on_deliveries_deliveries_changed)
        self._delivery_states: dict[int, tuple[str, ...]] = {}   # post id -> its deliveries' statuses

    # --- the shown days ------------------------------------------------------------------------
    def posts(self) -> list[CalendarPost]:
        return flag_conflicts(list(self._posts.values()))

    def show_days(self, first: date, last: date) -> None:
        """Loads the posts with a time from `first` to `last` (both included, owner's days)."""
        self._start, self._end = first, last
        start, end = self._utc(first), self._utc(last + timedelta(days=1)) - timedelta(microseconds=1)

        def fetch(client) -> tuple[list, dict[int, tuple[str, ...]]]:
            items = list(client.content.iterate(page_size=PAGE_SIZE, scheduled_from=start, scheduled_to=end))
            return items, delivery_states(client.list_deliveries(due_from=start, due_to=end, limit=PAGE_SIZE).items)

        self._session.call(fetch, self._on_fetch_done, self._failed, key="calendar.posts",
                           description="load the calendar")

    def reload(self) -> None:
        self.show_days(self._start, self._end)

    def _on_fetch_done(self, answer: tuple[list, dict[int, tuple[str, ...]]]) -> None:
        items, self._delivery_states = answer
        self._posts = {item.id: self._post(item) for item in items}
        self.sig_posts_changed.emit(self.posts())

    def _post(self, item: Any) -> CalendarPost:
        return CalendarPost(item.id, item.title, item.channel, item.status,
                            _aware(item.scheduled_at).astimezone(self.zone),
                            deliveries=self._delivery_states.get(item.id, ()))

    def _on_deliveries_deliveries_changed(self, lines: list) -> None:
        """The shown post's deliveries moved on (sent, failed, retried): its chip and status follow."""
        post = self._posts.get(self.deliveries.content_id)
        states = tuple(sorted(line.status for line in lines if line.status != "cancelled"))
        if post is not None and self.deliveries.loaded and states != post.deliveries:
            self.reload()

    def _utc(self, day: date) -> datetime:
        return datetime.combine(day, time(0), tzinfo=self.zone).astimezone(timezone.utc)

    # --- rescheduling --------------------------------------------------------------------------
    def reschedule(self, post_id: int, when: datetime, *, undoing: bool = False) -> None:
        """Asks the gateway to move the post; the calendar changes when the gateway says yes."""
        post = self._posts.get(post_id)
        if post is None:
            return
        move = Move(post_id, post.title, post.at, when.astimezone(self.zone))
        moment = when.astimezone(timezone.utc)
        self._session.call(lambda client: client.content.update(post_id, scheduled_at=moment),
                           lambda item: self._on_moved(item, move, undoing), self._failed,
                           description=f"reschedule “{post.title}”")

    def _on_moved(self, item: Any, move: Move, undoing: bool) -> None:
        post = self._post(item)
        if self._start <= post.day <= self._end:
            self._posts[post.id] = post
        else:
            self._posts.pop(post.id, None)
        if not undoing:
            self._undo.append(move)
        self.sig_posts_changed.emit(self.posts())
        if undoing:
            self.sig_post_moved.emit(f"“{move.title}” is back on {move.after:%a %d %b at %H:%M}.", bool(self._undo))
        else:
            self.sig_post_moved.emit(f"“{move.title}” moved to {post.at:%a %d %b at %H:%M}.", True)

    @property
    def can_undo(self) -> bool:
        return bool(self._undo)

    def undo(self) -> None:
        """Moves the last rescheduled post back to where it was."""
        if not self._undo:
            return
        move = self._undo.pop()
        self._posts.setdefault(move.post_id, CalendarPost(move.post_id, move.title, "", "scheduled", move.after))
        self.reschedule(move.post_id, move.before, undoing=True)

    # --- best times --------------------------------------------------------------------------
    def load_brands(self) -> None:
        self._session.call(lambda client: [(b.id, b.name) for b in client.brands.iterate()],
                           self.sig_brands_loaded.emit, self._failed, key="calendar.brands",
                           description="list the brands")

    def load_best_times(self, brand_id: int | None, channel: str | None) -> None:
        """Runs the agent's best_time job on the owner's own results, in the owner's zone."""
        job_input = {"timezone": self.zone.key, "brand_id": brand_id, "channel": channel}

        def work(client) -> Any:
            job = client.submit_job("best_time", {k: v for k, v in job_input.items() if v is not None})
            return client.wait_job(job.id, timeout=60).result_record()

        self._session.call(work, self._on_best_times_done, self._failed, key="calendar.best_times",
                           description="find the best times to post")

    def _on_best_times_done(self, result: Any) -> None:
        self.sig_best_times_loaded.emit(best_times_from(result))

    # --- plan my month -------------------------------------------------------------------------
    def plan_month(self, month: date) -> None:
        """The agent's planner places the approved posts that have no time yet in `month` (from
        now on), near the best times and apart from the posts already on the calendar."""
        zone = self.zone
        first = max(month.replace(day=1), datetime.now(zone).date() + timedelta(days=1))
        last = (month.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)

        def work(client) -> tuple[list[Proposal], str]:
            if first > last:
                return [], "This month is over: choose a month still ahead to plan."
            waiting = [i for i in client.content.iterate(status="approved") if i.scheduled_at is None][:MAX_PLANNED]
            if not waiting:
                return [], "No approved post is waiting for a time: approve posts in Content, then plan."
            existing = [i.scheduled_at for i in client.content.iterate(
                status="scheduled", scheduled_from=_start_utc(first, zone), scheduled_to=_start_utc(last, zone)
                + timedelta(days=1))]
            try:
                best = client.wait_job(client.submit_job("best_time", {"timezone": zone.key}).id,
                                       timeout=60).result_record().best_times
            except JobFailed:
                best = []       # the planner then uses the usual hours, and says so
            plan_input = {"start": first.isoformat(), "end": last.isoformat(), "posts": len(waiting),
                          "channels": [i.channel for i in waiting], "timezone": zone.key,
                          "best_times": [{"weekday": b.weekday, "hour": b.hour} for b in best],
                          "existing": [_aware(at).isoformat() for at in existing], "min_gap_hours": MIN_GAP_HOURS}
            plan = client.wait_job(client.submit_job("plan_calendar", plan_input).id, timeout=120).result_record()
            return pair_proposals(plan.items, waiting, zone), " ".join(plan.warnings)

        self._session.call(work, self._on_plan_done, self._failed, key="calendar.plan",
                           description="plan the month")

    def _on_plan_done(self, outcome: tuple[list[Proposal], str]) -> None:
        proposals, words = outcome
        self.sig_plan_proposed.emit(proposals)
        if words:
            self.sig_notice_posted.emit(words)

    def accept(self, proposal: Proposal) -> None:
        """Schedules the post at the proposed time (approved → scheduled, through the gateway)."""
        if not proposal.open:
            return
        proposal.decision, proposal.reason = "accepting", ""
        self.sig_proposal_decided.emit(proposal)
        moment = proposal.at.astimezone(timezone.utc)

        def failed(exc: BaseException) -> None:
            proposal.decision, proposal.reason = "failed", Problem.from_error(exc).message
            self.sig_proposal_decided.emit(proposal)

        def done(item: Any) -> None:
            proposal.decision = "accepted"
            self.sig_proposal_decided.emit(proposal)
            post = self._post(item)
            if self._start <= post.day <= self._end:
                self._posts[post.id] = post
                self.sig_posts_changed.emit(self.posts())

        self._session.call(lambda client: client.content.transition(proposal.post_id, "scheduled", moment),
                           done, failed, description=f"schedule “{proposal.title}”")

    def reject(self, proposal: Proposal) -> None:
        if proposal.open:
            proposal.decision, proposal.reason = "rejected", ""
            self.sig_proposal_decided.emit(proposal)

    # --- iCalendar ---------------------------------------------------------------------------
    def export_ics(self, path: Path) -> None:
        """Saves the whole schedule as an .ics file (the gateway's export)."""
        def work(client) -> int:
            text = client.export_calendar()
            path.write_text(text, encoding="utf-8", newline="")
            return text.count("BEGIN:VEVENT")

        self._session.call(work, lambda count: self.sig_notice_posted.emit(
            f"Saved {count} scheduled post{'s' if count != 1 else ''} to {path}."), self._failed,
            description="export the calendar")

    def request_feed_address(self) -> None:
        self._session.call(lambda client: client.calendar_feed_address(), self.sig_feed_address_ready.emit,
                           self._failed, key="calendar.feed", description="get the subscription address")

    def _failed(self, exc: BaseException) -> None:
        self.sig_problem_raised.emit(Problem.from_error(exc).message)


def delivery_states(deliveries: list) -> dict[int, tuple[str, ...]]:
    """Each post's deliveries as their statuses, sorted (a cancelled one is no longer a delivery)."""
    states: dict[int, list[str]] = {}
    for delivery in deliveries:
        if delivery.status != "cancelled":
            states.setdefault(delivery.content_id, []).append(delivery.status)
    return {content_id: tuple(sorted(found)) for content_id, found in states.items()}


def best_times_from(result: Any) -> BestTimes:
    """The agent's best_time result as the week view's overlay."""
    if result.status != "ok" or not result.slots:
        return BestTimes(result.message or "Not enough data yet to find your best times.")
    top = max(slot.shrunk_rate for slot in result.slots) or 1.0
    scores = {(slot.weekday, slot.hour): slot.shrunk_rate / top for slot in result.slots}
    best = frozenset((b.weekday, b.hour) for b in result.best_times)
    names = ", ".join(f"{('Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun')[w]} {h:02d}:00" for w, h in sorted(best))
    return BestTimes(f"Best times from {result.posts} of your posts: {names}.", scores, best)


def pair_proposals(items: list, waiting: list, zone: ZoneInfo) -> list[Proposal]:
    """Each planned slot with a waiting post of its channel (the planner gives post i the i-th
    channel it was given, so each waiting post gets one slot)."""
    free = list(waiting)
    proposals = []
    for item in items:
        match = next((post for post in free if post.channel == item.channel), None)
        if match is None:
            continue
        free.remove(match)
        proposals.append(Proposal(match.id, match.title, match.channel, _aware(item.at).astimezone(zone),
                                  item.best_time))
    return proposals


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=timezone.utc)


def _start_utc(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(timezone.utc)
