"""Watches the outbox for deliveries that fail while the app is open, so the owner hears of each
failure once (a desktop notification naming the post, the channel and the reason; clicking it
opens the post), whether or not the post is on screen.

It reads the failed and unknown deliveries every few seconds while signed in (a keyed
`session.call`). A failure counts once: by its delivery and the moment it failed, so a delivery
retried and failing again is heard of again. What had already failed when watching began is left
to the editor and the calendar, which show it; it is not announced as news."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from PySide6.QtCore import QObject, QTimer, Signal

from umt.client import NotFound
from umt.desktop.controllers.content import call_while_alive

WATCH_INTERVAL_MS = 10_000
WATCHED_LIMIT = 200


@dataclass(frozen=True)
class DeliveryFailure:
    delivery_id: int
    content_id: int
    title: str          # the post's title
    channel: str        # the channel account's name
    reason: str
    unknown: bool       # it may have been published: the owner looks before retrying


class DeliveryWatcher(QObject):
    sig_delivery_failed = Signal(object)
    """A delivery failed (or became unknown) since watching began: a DeliveryFailure, once per failure."""

    def __init__(self, session, parent: QObject | None = None, interval_ms: int = WATCH_INTERVAL_MS) -> None:
        super().__init__(parent)
        self.session = session
        self._seen: set[tuple[int, str]] = set()
        self._started: datetime | None = None      # failures before this are not news
        self.reads = 0                              # answers read so far (tests wait on it)
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.check)
        session.sig_state_changed.connect(self._on_session_state_changed)
        self._on_session_state_changed(session.state)

    @property
    def watching(self) -> bool:
        return self._timer.isActive()

    def _on_session_state_changed(self, state) -> None:
        if state.signed_in:
            if self._started is None:
                self._started = datetime.now(timezone.utc)
            if not self._timer.isActive():
                self._timer.start()
                self.check()
        else:
            self._timer.stop()

    def check(self) -> None:
        """Reads the failed and unknown deliveries now; each new failure is announced once."""
        started = self._started
        if started is None:
            return
        seen = set(self._seen)

        def read(client) -> list[tuple[tuple[int, str], DeliveryFailure]]:
            failed = [d for status in ("failed", "unknown")
                      for d in client.list_deliveries(status=status, limit=WATCHED_LIMIT).items]
            new = [d for d in failed if (d.id, d.updated_at.isoformat()) not in seen and _aware(d.updated_at) >= started]
            if not new:
                return []
            names = {a.id: a.name for a in client.list_channels().items}
            titles = {content_id: _title(client, content_id) for content_id in {d.content_id for d in new}}
            return [((d.id, d.updated_at.isoformat()),
                     DeliveryFailure(d.id, d.content_id, titles[d.content_id],
                                     names.get(d.channel_id, f"channel {d.channel_id}"),
                                     (d.last_error or "").strip(), d.status == "unknown")) for d in new]

        call_while_alive(self, self.session, read, self._on_read, lambda _error: None,
                         key="delivery-watch", description="watch the deliveries")

    def _on_read(self, found: list[tuple[tuple[int, str], DeliveryFailure]]) -> None:
        self.reads += 1
        for key, failure in found:
            if key not in self._seen:     # two reads may overlap: still once
                self._seen.add(key)
                self.sig_delivery_failed.emit(failure)


def _title(client, content_id: int) -> str:
    """The post's title; a post deleted meanwhile is still worth the notification."""
    try:
        return client.content.get(content_id).title
    except NotFound:
        return f"post {content_id}"


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=timezone.utc)
