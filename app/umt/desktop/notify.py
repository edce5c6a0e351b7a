"""Desktop notifications for what the owner must know: a service down, unhealthy, out of memory,
restarted, or given up on; a post that could not be published. Shown through a small Notifier interface so tests can observe them."""

from __future__ import annotations

import abc
from dataclasses import dataclass

from umt.runtime.model import EventKind, ServiceEvent

INFO, WARNING, CRITICAL = "info", "warning", "critical"


@dataclass(frozen=True)
class Notification:
    title: str
    message: str
    level: str = INFO
    service: str = ""
    content_id: int | None = None   # clicking it opens this post (a delivery that failed)


class Notifier(abc.ABC):
    @abc.abstractmethod
    def notify(self, notification: Notification) -> None: ...


class NullNotifier(Notifier):
    """Where the desktop offers no way to notify: the window's status line still shows the state."""

    def notify(self, notification: Notification) -> None:
        pass


def _unhealthy(event: ServiceEvent) -> bool:
    return "unhealthy" in event.detail.lower()


def notification_for(event: ServiceEvent) -> Notification | None:
    """The notification an event deserves, or None for the routine ones (start, healthy, warnings)."""
    service, detail = event.service, event.detail.strip()
    suffix = f" {detail[:1].upper()}{detail[1:]}" + ("" if detail.endswith((".", "!", "?")) else ".") if detail else ""
    if event.kind == EventKind.OOM:
        return Notification(
            f"The {service} ran out of memory",
            "It used all the memory it is allowed and was stopped; umt restarts it. "
            "If this repeats, raise its memory limit in Settings.",
            CRITICAL,
            service,
        )
    if event.kind == EventKind.LIMIT_EXCEEDED:
        return Notification(f"The {service} went over its limit", f"umt stopped it and restarts it.{suffix}", CRITICAL, service)
    if event.kind == EventKind.DIE:
        return Notification(f"The {service} stopped", f"It stopped unexpectedly; umt restarts it.{suffix}", WARNING, service)
    if event.kind == EventKind.HEALTH and _unhealthy(event):
        return Notification(f"The {service} is not responding", f"Its health check fails; umt restarts it if this goes on.{suffix}", WARNING, service)
    if event.kind == EventKind.RESTART:
        return Notification(f"The {service} was restarted", f"It is starting again.{suffix}", INFO, service)
    if event.kind == EventKind.CHORE_FAILED:   # the daily backup, say: the services run on
        return Notification(f"{detail[:1].upper()}{detail[1:].split(':')[0]}", f"{suffix.strip()} The stack runs on.", WARNING, service)
    if event.kind == EventKind.GAVE_UP:
        return Notification(
            f"The {service} keeps failing",
            f"umt stopped restarting it. Open the logs to see why, then start the stack again.{suffix}",
            CRITICAL,
            service,
        )
    return None


def delivery_failed(title: str, channel: str, reason: str, content_id: int, unknown: bool = False) -> Notification:
    """A post that did not reach a channel (or may not have): the post, the channel and the reason."""
    reason = reason.strip().rstrip(".")
    if unknown:
        return Notification(f"\u201c{title}\u201d may not have reached {channel}",
                            (f"{reason[:1].upper()}{reason[1:]}. " if reason else "")
                            + "Look on the channel, then open the post to retry if it is not there.",
                            WARNING, content_id=content_id)
    return Notification(f"\u201c{title}\u201d was not published to {channel}",
                        (f"{reason[:1].upper()}{reason[1:]}. " if reason else "The channel gave no reason. ")
                        + "Open the post to retry.", WARNING, content_id=content_id)
