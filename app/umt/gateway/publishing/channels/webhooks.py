"""Webhook channels: Discord, Slack incoming webhooks, and a generic JSON webhook (Zapier, n8n…).

The webhook address is a credential (whoever has it can post), so it is stored encrypted and never
named in a reason: reasons say the host only.

Exactly once: the generic webhook sends our event id (= Post.key) as the body's `id` and the
`Idempotency-Key` header on every try; its contract is that the receiver dedupes by that key
(Zapier and n8n can; a receiver that does not may see a retried event twice). Discord and Slack
webhooks take no key and cannot be searched, so a send cut off by a crash is never repeated by
itself (`resend_after_interruption = False`): the owner checks and retries."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from typing import Any
from urllib.parse import urlsplit

from umt.gateway.publishing import web
from umt.gateway.publishing.base import (Account, Channel, Failed, NeedsReconnect, Outcome, Post, RetryLater, Sent,
                                         Unknown)


def _host(url: str) -> str:
    return urlsplit(url).hostname or "the webhook's server"


def _call(method: str, url: str, **options: Any) -> web.Response | Outcome:
    """The answer, or the outcome of not getting one, worded without the (secret) address."""
    try:
        return web.request(method, url, **options)
    except web.Unreachable as error:
        cause = str(error).rsplit(": ", 1)[-1] if ": " in str(error) else "refused"
        return RetryLater(f"could not reach {_host(url)}: {cause}")
    except web.NoAnswer:
        return Unknown(f"{_host(url)} took the request but gave no answer in time; it may have been posted")


def _classify(answer: web.Response, service: str, reconnect_statuses: tuple[int, ...]) -> Outcome | None:
    """None for a 2xx; otherwise the outcome an error status means for a webhook."""
    if 200 <= answer.status < 300:
        return None
    said = _said(answer)
    if answer.status == 429 or answer.status == 408 or answer.status >= 500:
        seconds = answer.header_seconds("Retry-After", "X-RateLimit-Reset-After", "RateLimit-Reset")
        body = answer.json()
        if seconds is None and isinstance(body, dict) and isinstance(body.get("retry_after"), (int, float)):
            seconds = float(body["retry_after"])   # Discord says it in the body too
        return RetryLater(f"{service} answered {answer.status}: {said}", after_seconds=seconds)
    if answer.status in reconnect_statuses:
        return NeedsReconnect(f"{service} refused the webhook ({answer.status}: {said}); "
                              "paste its address again or make a new one")
    return Failed(f"{service} refused the post ({answer.status}): {said}")


def _said(answer: web.Response) -> str:
    body = answer.json()
    if isinstance(body, dict):
        for name in ("message", "error", "detail"):
            if isinstance(body.get(name), str):
                return body[name][:300]
    return answer.text(300).strip() or "no reason given"


class Discord(Channel):
    kind = "discord"
    label = "Discord"
    credential_names = ("webhook_url",)
    max_chars = 2000
    resend_after_interruption = False

    def text_problems(self, post: Post, account: Account) -> list[str]:
        if len(post.body) > self.max_chars:
            return [f"Discord takes at most {self.max_chars} characters; this post has {len(post.body)}"]
        if not post.body.strip():
            return ["Discord will not post an empty message"]
        return []

    def send(self, post: Post, account: Account) -> Outcome:
        url = account.credentials["webhook_url"]
        # wait=true: Discord answers with the created message, so success is confirmed, not assumed.
        answer = _call("POST", _with_query(url, "wait=true"), json={
            "content": post.body, "allowed_mentions": {"parse": []}})
        if not isinstance(answer, web.Response):
            return answer
        refused = _classify(answer, "Discord", (401, 403, 404))
        if refused:
            return refused
        message = answer.json() if isinstance(answer.json(), dict) else {}
        remote_id = str(message.get("id")) if message.get("id") else None
        link = None
        if remote_id and message.get("guild_id") and message.get("channel_id"):
            link = f"https://discord.com/channels/{message['guild_id']}/{message['channel_id']}/{remote_id}"
        return Sent("posted", remote_id=remote_id, link=link)

    def check_connection(self, account: Account) -> Outcome:
        answer = _call("GET", account.credentials.get("webhook_url", ""), timeout=10)
        if not isinstance(answer, web.Response):
            return answer
        refused = _classify(answer, "Discord", (401, 403, 404))
        body = answer.json() if isinstance(answer.json(), dict) else {}
        return refused or Sent(f"connected to the webhook {body.get('name') or ''}".strip())


class Slack(Channel):
    kind = "slack"
    label = "Slack"
    credential_names = ("webhook_url",)
    max_chars = 40000
    resend_after_interruption = False
    # Slack's documented webhook errors that mean the address itself is no good any more.
    RECONNECT_ERRORS = ("invalid_token", "no_service", "no_team", "team_disabled", "channel_not_found",
                        "channel_is_archived", "action_prohibited")

    def text_problems(self, post: Post, account: Account) -> list[str]:
        if len(post.body) > self.max_chars:
            return [f"Slack takes at most {self.max_chars} characters; this post has {len(post.body)}"]
        if not post.body.strip():
            return ["Slack will not post an empty message"]
        return []

    def send(self, post: Post, account: Account) -> Outcome:
        answer = _call("POST", account.credentials["webhook_url"], json={"text": post.body})
        if not isinstance(answer, web.Response):
            return answer
        if answer.status < 300:
            return Sent("posted")
        return self._refused(answer)

    def _refused(self, answer: web.Response) -> Outcome:
        said = answer.text(200).strip()
        if said in self.RECONNECT_ERRORS or answer.status in (401, 403, 404, 410):
            return NeedsReconnect(f"Slack refused the webhook ({answer.status}: {said}); make a new one")
        return _classify(answer, "Slack", ()) or Failed(f"Slack answered {answer.status}: {said}")

    def check_connection(self, account: Account) -> Outcome:
        # An empty message is refused with "no_text" by a valid webhook, and posts nothing.
        answer = _call("POST", account.credentials.get("webhook_url", ""), json={}, timeout=10)
        if not isinstance(answer, web.Response):
            return answer
        said = answer.text(200).strip()
        if answer.status == 400 and said in ("no_text", "invalid_payload", "missing_text_or_fallback_or_attachments"):
            return Sent("the webhook is valid")
        return self._refused(answer) if answer.status >= 300 else Sent("the webhook is valid")


class GenericWebhook(Channel):
    kind = "webhook"
    label = "Webhook"
    credential_names = ("url", "signing_secret")

    def send(self, post: Post, account: Account) -> Outcome:
        event = {"id": post.key, "type": "post.published", "attempt": post.attempt, "content_id": post.content_id,
                 "title": post.title, "body": post.body, "hashtags": list(post.hashtags),
                 "due_at": post.due_at.isoformat()}
        answer = self._post(account, event)
        if not isinstance(answer, web.Response):
            return answer
        refused = _classify(answer, "the webhook", (401, 403, 404, 410))
        if refused:
            return refused
        body = answer.json() if isinstance(answer.json(), dict) else {}
        remote_id = body.get("id") if isinstance(body.get("id"), (str, int)) else None
        link = next((body[k] for k in ("link", "url") if isinstance(body.get(k), str)), None)
        return Sent("delivered", remote_id=None if remote_id is None else str(remote_id)[:300], link=link)

    def check_connection(self, account: Account) -> Outcome:
        answer = self._post(account, {"id": f"ping-{secrets.token_hex(8)}", "type": "ping"}, timeout=10)
        if not isinstance(answer, web.Response):
            return answer
        return _classify(answer, "the webhook", (401, 403, 404, 410)) or Sent("the webhook answered the ping")

    def _post(self, account: Account, event: dict[str, Any], timeout: float = web.DEFAULT_TIMEOUT):
        body = json.dumps(event, separators=(",", ":")).encode()
        signature = hmac.new(account.credentials.get("signing_secret", "").encode(), body, hashlib.sha256).hexdigest()
        return _call("POST", account.credentials.get("url", ""), data=body, timeout=timeout, headers={
            "Content-Type": "application/json", "Idempotency-Key": event["id"], "X-Umt-Event-Id": event["id"],
            "X-Umt-Signature": f"sha256={signature}"})


def _with_query(url: str, query: str) -> str:
    return url + ("&" if "?" in url else "?") + query
