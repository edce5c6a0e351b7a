"""One post's deliveries (one per channel account): shown in the content editor and the calendar,
with "Publish to…", Retry of one channel, Retry anyway of an unknown one, and Cancel of a queued one.

While a delivery is queued or sending the list is read again (a keyed `session.call`, so a newer
read supersedes an older): every few seconds when something is due or going out, otherwise when
the next delivery falls due. It stops when every delivery has settled, or the post is left."""

from __future__ import annotations

from datetime import datetime, timezone
from PySide6.QtCore import QObject, QTimer, Signal

from umt.desktop.controllers.content import call_while_alive
from umt.desktop.controllers.problem import Problem
from umt.desktop.models.publishing import DeliveryLine, delivery_line, problems_by_channel

POLL_SOON_MS = 2000          # something is going out: look again shortly
POLL_LATEST_MS = 60_000      # queued for later: look at least this often (a retry may move it)
DELIVERIES_LIMIT = 100


class DeliveriesController(QObject):
    sig_deliveries_changed = Signal(list)
    """The shown post's deliveries (DeliveryLine, in channel order); [] for none or no post."""

    sig_accounts_loaded = Signal(list)
    """The channel accounts "Publish to…" may pick (ChannelAccount records)."""

    sig_publish_finished = Signal(list)
    """"Publish to…" queued deliveries (DeliveryLine)."""

    sig_publish_refused = Signal(str, object)
    """"Publish to…" was refused: (a sentence, {channel account id: [its problems]})."""

    sig_problem_raised = Signal(str)
    """A read, a retry or a cancel failed: a sentence for the owner."""

    _number = 0

    def __init__(self, session, parent: QObject | None = None) -> None:
        super().__init__(parent)
        DeliveriesController._number += 1
        self._key = f"deliveries-{DeliveriesController._number}"
        self.session = session
        self.content_id: int | None = None
        self.lines: list[DeliveryLine] = []
        self.loaded = False         # the lines are the shown post's as read (not the reset of a new post)
        self.channel_names: dict[int, str] = {}
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.reload)

    def _call(self, fn, on_done=None, on_error=None, **kwargs) -> None:
        call_while_alive(self, self.session, fn, on_done, on_error, **kwargs)

    @property
    def polling(self) -> bool:
        return self._timer.isActive()

    # --- the shown post -----------------------------------------------------------------------
    def show_content(self, content_id: int | None) -> None:
        """Shows this post's deliveries (None: no post, nothing shown and nothing polled)."""
        if content_id != self.content_id:
            self.lines, self.loaded = [], False
            self.sig_deliveries_changed.emit([])
        self.content_id = content_id
        self._timer.stop()
        if content_id is not None:
            self.reload()

    def reload(self) -> None:
        content_id = self.content_id
        if content_id is None:
            return

        def read(client) -> tuple[list, dict[int, str]]:
            names = {a.id: a.name for a in client.list_channels().items}
            return list(client.list_deliveries(content_id=content_id, limit=DELIVERIES_LIMIT).items), names

        self._call(read, lambda answer: self._on_read(content_id, *answer), self._on_read_failed,
                   key=self._key, description="read the post's deliveries")

    def _on_read(self, content_id: int, deliveries: list, names: dict[int, str]) -> None:
        if content_id != self.content_id:
            return
        self.channel_names, self.loaded = names, True
        now = datetime.now(timezone.utc)
        self.lines = sorted((delivery_line(d, names, now) for d in deliveries),
                            key=lambda line: (line.channel.lower(), line.delivery_id))
        self.sig_deliveries_changed.emit(self.lines)
        self._schedule_poll(deliveries, now)

    def _on_read_failed(self, error: BaseException) -> None:
        self.sig_problem_raised.emit(Problem.from_error(error).message)
        if any(not line.settled for line in self.lines):
            self._timer.start(POLL_LATEST_MS)      # the gateway may be back by then

    def _schedule_poll(self, deliveries: list, now: datetime) -> None:
        waits = []
        for delivery in deliveries:
            if delivery.status == "sending":
                waits.append(0.0)
            elif delivery.status == "queued":
                due = _aware(delivery.next_attempt_at or delivery.due_at)
                waits.append(max(0.0, (due - now).total_seconds()))
        if not waits:
            self._timer.stop()
            return
        soonest_ms = int(min(waits) * 1000)
        self._timer.start(min(POLL_LATEST_MS, max(POLL_SOON_MS, soonest_ms + 500)))

    # --- publishing ----------------------------------------------------------------------------
    def load_accounts(self) -> None:
        """The channel accounts, for "Publish to…"."""
        self._call(lambda client: list(client.list_channels().items), self.sig_accounts_loaded.emit,
                   lambda error: self.sig_problem_raised.emit(Problem.from_error(error).message),
                   key=self._key + "-accounts", description="list the channels")

    def publish(self, channel_ids: list[int], at: datetime | None = None) -> None:
        """Queues the post for these accounts, at `at` (None: its scheduled time, or now)."""
        content_id = self.content_id
        if content_id is None:
            self.sig_publish_refused.emit("Save the post first.", {})
            return
        if not channel_ids:
            self.sig_publish_refused.emit("Pick at least one channel.", {})
            return

        def refused(error: BaseException) -> None:
            problem = Problem.from_error(error)
            self.sig_publish_refused.emit(problem.message, problems_by_channel(getattr(error, "details", None)))

        def done(deliveries: list) -> None:
            now = datetime.now(timezone.utc)
            self.sig_publish_finished.emit([delivery_line(d, self.channel_names, now) for d in deliveries])
            self.reload()

        self._call(lambda client: client.publish(content_id, list(channel_ids), at=at), done, refused,
                   description="publish a post")

    def retry(self, delivery_id: int) -> None:
        """Tries a failed (or unknown) delivery again; only that channel."""
        self._act(lambda client: client.retry_delivery(delivery_id), "retry a delivery")

    def retry_failed(self) -> None:
        """Tries every failed delivery of the post again (only the failed ones)."""
        content_id = self.content_id
        if content_id is not None:
            self._act(lambda client: client.retry_failed(content_id), "retry the failed deliveries")

    def cancel(self, delivery_id: int) -> None:
        """Stops a queued delivery before it goes out."""
        self._act(lambda client: client.cancel_delivery(delivery_id), "cancel a delivery")

    def _act(self, fn, description: str) -> None:
        def failed(error: BaseException) -> None:
            self.sig_problem_raised.emit(Problem.from_error(error).message)
            self.reload()      # a 409 means it moved on meanwhile: show what it is now

        self._call(fn, lambda _answer: self.reload(), failed, description=description)

    def stop(self) -> None:
        """The post is no longer shown: no more reading."""
        self._timer.stop()
        self.content_id = None


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=timezone.utc)

