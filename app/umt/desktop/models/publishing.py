"""Publishing as the windows show it: a channel account's status in words, a connection form's fields
from the gateway's channel kinds, and one line per delivery (what happened, what the owner can do).

Plain functions and frozen dataclasses over the contract's records (umt.contract.publishing), so the
views stay thin and these are tested without a display."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from umt.contract.publishing import ChannelAccount, Delivery

# The tone="…" property the theme colours (06_publishing.qss; pass: green, warn: amber, fail: red).
TONE_OK, TONE_WAIT, TONE_BAD, TONE_PLAIN = "pass", "warn", "fail", ""

# Words a setting or credential name is made of, spelled as people write them.
_SPELLING = {"url": "URL", "smtp": "SMTP", "api": "API", "id": "ID", "tls": "TLS", "hmac": "HMAC", "pds": "PDS"}


def field_label(name: str) -> str:
    """`webhook_url` -> "Webhook URL", `app_password` -> "App password"."""
    words = [_SPELLING.get(word, word) for word in name.replace("-", "_").split("_") if word]
    if not words:
        return name
    first = words[0]
    return " ".join([first[:1].upper() + first[1:], *words[1:]])


@dataclass(frozen=True)
class ChannelKind:
    """One kind the gateway can connect (GET /channel-kinds): what its form asks for."""

    kind: str
    label: str
    setting_names: tuple[str, ...] = ()
    credential_names: tuple[str, ...] = ()
    max_media: int = 0


def kind_from_api(entry: Any) -> ChannelKind:
    """A channel kind from the client (a dict, or a record with the same names)."""
    def read(name: str, default: Any = None) -> Any:
        return entry.get(name, default) if isinstance(entry, dict) else getattr(entry, name, default)

    kind = str(read("kind"))
    return ChannelKind(kind, str(read("label") or kind), tuple(read("setting_names") or ()),
                       tuple(read("credential_names") or ()), int(read("max_media") or 0))


def account_status(account: ChannelAccount) -> tuple[str, str]:
    """(words, tone) for the accounts list: connected, or needs reconnect with the reason."""
    if account.status == "connected":
        return "Connected", TONE_OK
    reason = (account.last_error or "").strip()
    return ("Needs reconnect" + (f": {reason}" if reason else ""), TONE_BAD)


def is_email(account: ChannelAccount) -> bool:
    return account.kind == "email"


def parse_addresses(text: str) -> tuple[list[tuple[str, str]], list[str]]:
    """A pasted list (one a line, or separated by commas or semicolons; "Name <a@b>" gives the
    name) -> ([(address, name)], pieces that are not an address). An address twice is kept once."""
    found: dict[str, str] = {}
    bad: list[str] = []
    for piece in text.replace(";", "\n").replace(",", "\n").split("\n"):
        piece = piece.strip()
        if not piece:
            continue
        name = ""
        if "<" in piece and piece.endswith(">"):
            name, piece = piece[:piece.rindex("<")].strip().strip('"'), piece[piece.rindex("<") + 1:-1].strip()
        words = piece.split()
        for word in words:
            address = word.strip().strip("<>").lower()
            if _looks_like_address(address):
                found.setdefault(address, name if len(words) == 1 else "")
            else:
                bad.append(word)
    return list(found.items()), bad


def _looks_like_address(text: str) -> bool:
    local, at, domain = text.partition("@")
    return bool(at and local and domain and "@" not in domain and "." in domain.strip(".") and len(text) <= 254)


# --- deliveries ---------------------------------------------------------------------------------
RETRY, RETRY_ANYWAY, CANCEL = "retry", "retry_anyway", "cancel"
UNSETTLED = ("queued", "sending")

STATUS_WORDS = {"queued": "Queued", "sending": "Sending…", "sent": "Sent", "failed": "Failed",
                "unknown": "Unknown", "cancelled": "Cancelled"}
_TONES = {"queued": TONE_PLAIN, "sending": TONE_WAIT, "sent": TONE_OK, "failed": TONE_BAD, "unknown": TONE_WAIT,
          "cancelled": TONE_PLAIN}
LOOK_FIRST = "Look on the channel first: \u201cRetry anyway\u201d may post it twice."
UNKNOWN_EXPLAINED = ("The channel may have published it: the connection broke after it took the post, so umt "
                     "does not know. " + LOOK_FIRST)


@dataclass(frozen=True)
class DeliveryLine:
    """One delivery of a post to one channel account, ready to show."""

    delivery_id: int
    content_id: int
    channel_id: int
    channel: str            # the account's name ("Shop on Bluesky"), or "channel 7" if it is gone
    status: str
    words: str              # "Sent", "Queued", …
    detail: str             # the due time, the reason, the recipients refused…
    tone: str
    link: str | None = None
    action: str = ""        # RETRY, RETRY_ANYWAY, CANCEL or ""

    @property
    def settled(self) -> bool:
        return self.status not in UNSETTLED


def when_words(moment: datetime | None, now: datetime | None = None) -> str:
    """A time the owner reads, in the computer's zone: "today 14:05", "Tue 3 Dec 09:00"."""
    if moment is None:
        return ""
    moment = moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
    local = moment.astimezone()
    today = (now or datetime.now(timezone.utc)).astimezone().date()
    if local.date() == today:
        return f"today {local:%H:%M}"
    return f"{local:%a} {local.day} {local:%b %H:%M}" + (f" {local.year}" if local.year != today.year else "")


def delivery_line(delivery: Delivery, channels: dict[int, str], now: datetime | None = None) -> DeliveryLine:
    """What the deliveries panel shows for one delivery, and the one thing the owner may do with it."""
    status = delivery.status
    channel = channels.get(delivery.channel_id, f"channel {delivery.channel_id}")
    reason = (delivery.last_error or "").strip()
    action = ""
    if status == "queued":
        later = delivery.next_attempt_at if delivery.attempts else None
        detail = (f"trying again {when_words(later, now)} (attempt {delivery.attempts + 1})"
                  + (f" \u2014 last time: {reason}" if reason else "")) if later else f"due {when_words(delivery.due_at, now)}"
        action = CANCEL
    elif status == "sending":
        detail = "going out now" + (f" (attempt {delivery.attempts})" if delivery.attempts > 1 else "")
    elif status == "sent":
        detail = f"{when_words(delivery.sent_at, now)}" + _refusals(delivery.details)
    elif status == "failed":
        detail = _sentence(reason) or "The channel refused it without saying why."
        action = RETRY
    elif status == "unknown":
        detail = f"{_sentence(reason)} {LOOK_FIRST}" if reason else UNKNOWN_EXPLAINED
        action = RETRY_ANYWAY
    else:
        detail = ""
    return DeliveryLine(delivery.id, delivery.content_id, delivery.channel_id, channel, status,
                        STATUS_WORDS.get(status, status), detail, _TONES.get(status, TONE_PLAIN),
                        delivery.link if status == "sent" else None, action)


def _sentence(text: str) -> str:
    """The server's words as a sentence: a capital first, a full stop last."""
    text = text.strip()
    if not text:
        return ""
    return text[:1].upper() + text[1:] + ("" if text.endswith((".", "!", "?", ")")) else ".")


def _refusals(details: dict[str, Any]) -> str:
    """A newsletter's recipients that refused it, in brief (the details name them)."""
    refused = details.get("refused") if isinstance(details, dict) else None
    if not refused:
        return ""
    count = len(refused)
    return f"; {count} recipient{'s' if count != 1 else ''} refused it"


def summary(lines: list[DeliveryLine]) -> str:
    """For a tab or a tooltip: "2 sent, 1 failed"; "" when there is none."""
    counts: dict[str, int] = {}
    for line in lines:
        counts[line.status] = counts.get(line.status, 0) + 1
    order = ("failed", "unknown", "sending", "queued", "sent", "cancelled")
    return ", ".join(f"{counts[s]} {STATUS_WORDS[s].rstrip('…').lower()}" for s in order if counts.get(s))


def problems_by_channel(details: Any) -> dict[int, list[str]]:
    """The 422 of "Publish to…": each channel account's problems by its id. Accepts the shapes an
    error's details may take: [{"channel_id": 3, "problems": [...]}, …] or {"3": [...], …}."""
    found: dict[int, list[str]] = {}
    if isinstance(details, dict):
        inner = details.get("channels", details.get("problems"))
        if inner is not None:
            return problems_by_channel(inner)
        for key, problems in details.items():
            if str(key).isdigit():
                found[int(key)] = [str(p) for p in (problems if isinstance(problems, list) else [problems])]
    elif isinstance(details, list):
        for entry in details:
            if isinstance(entry, dict) and entry.get("channel_id") is not None:
                problems = entry.get("problems") or entry.get("messages") or [entry.get("message", "")]
                found.setdefault(int(entry["channel_id"]), []).extend(str(p) for p in problems if p)
    return found
