"""Mastodon (and servers that speak its API) with an access token.

Exactly once: every try of one delivery posts with the same `Idempotency-Key` (the delivery's
key); the server remembers it for an hour and answers a repeat with the status it already made.
Images go up first (`/api/v2/media`: 200 when ready, 202 while processing, then polled until
200); an upload repeated by a retry only leaves an unattached file, which the server deletes."""

from __future__ import annotations

import secrets
import threading
import time
from datetime import datetime, timezone
from typing import Any

from umt.gateway.publishing import web
from umt.gateway.publishing.base import (Account, Channel, Failed, Media, NeedsReconnect, Outcome, Post,
                                         RetryLater, Sent)
from umt.gateway.publishing.channels.text import LINK, grapheme_count, social_text

DEFAULT_MAX_CHARACTERS = 500         # Mastodon's own, when the instance does not say
URL_CHARACTERS = 23                  # every link counts as 23, whatever its length
INSTANCE_TTL = 3600.0                # the character limit is read again after an hour
MEDIA_WAIT = 60.0                    # how long an image may process before the post is tried later


def _seconds_until(response: web.Response) -> float | None:
    """Retry-After (seconds), else X-RateLimit-Reset (an ISO time)."""
    after = response.header_seconds("Retry-After")
    if after is not None:
        return after
    reset = response.headers.get("X-RateLimit-Reset")
    try:
        when = datetime.fromisoformat(reset.replace("Z", "+00:00")) if reset else None
    except ValueError:
        return None
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds()) if when else None


def classify(response: web.Response, doing: str) -> Outcome:
    body = response.json()
    message = str(body.get("error") or "") if isinstance(body, dict) else response.text(200)
    said = f"Mastodon refused {doing}: {message or response.status}"
    if response.status == 429:
        return RetryLater(f"Mastodon's rate limit ({doing})", after_seconds=_seconds_until(response))
    if response.status >= 500 or (response.status == 422 and "finished processing" in message):
        return RetryLater(said, after_seconds=response.header_seconds("Retry-After"))
    if response.status == 401 or (response.status == 403 and "scope" in message.lower()):
        return NeedsReconnect(said)
    return Failed(said)


def _multipart(fields: dict[str, str], media: Media) -> tuple[bytes, str]:
    boundary = f"umt-{secrets.token_hex(12)}"
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
             for name, value in fields.items()]
    filename = media.filename.replace('"', "").replace("\r", "").replace("\n", "")
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
                 f"Content-Type: {media.mime_type}\r\n\r\n".encode() + media.data + b"\r\n")
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


class MastodonChannel(Channel):
    kind = "mastodon"
    label = "Mastodon"
    max_media = 4
    max_media_bytes = 16 * 1024 * 1024
    setting_names = ("instance",)
    credential_names = ("access_token",)

    # (account id, instance) → (read at, max characters); shared by every send of this process.
    _limits: dict[tuple[int, str], tuple[float, int]] = {}
    _limits_lock = threading.Lock()

    @staticmethod
    def _instance(account: Account) -> str:
        return str(account.settings.get("instance") or "").strip().rstrip("/")

    def _headers(self, account: Account) -> dict[str, str]:
        return {"Authorization": f"Bearer {account.credentials.get('access_token', '')}"}

    def max_characters(self, account: Account) -> int:
        """The instance's limit (configuration.statuses.max_characters), read once an hour per account."""
        key = (account.id, self._instance(account))
        with self._limits_lock:
            cached = self._limits.get(key)
        if cached and time.monotonic() - cached[0] < INSTANCE_TTL:
            return cached[1]
        limit = DEFAULT_MAX_CHARACTERS
        try:
            answer = web.request("GET", f"{self._instance(account)}/api/v2/instance", timeout=10)
            found = (answer.json() or {}).get("configuration", {}).get("statuses", {}).get("max_characters")
            if answer.status == 200 and isinstance(found, int) and found > 0:
                limit = found
            else:
                return limit            # not cached: asked again next time
        except (web.Unreachable, web.NoAnswer, AttributeError):
            return limit
        with self._limits_lock:
            self._limits[key] = (time.monotonic(), limit)
        return limit

    @staticmethod
    def length(text: str) -> int:
        """As Mastodon counts: graphemes, with every link as 23."""
        return grapheme_count(LINK.sub("x" * URL_CHARACTERS, text))

    def text_problems(self, post: Post, account: Account) -> list[str]:
        if not self._instance(account).lower().startswith(("http://", "https://")):
            return ["Mastodon: the connection has no instance address (https://…); reconnect the channel"]
        text = social_text(post)
        if not text and not post.media:
            return ["Mastodon: the post is empty"]
        limit, length = self.max_characters(account), self.length(text)
        return [f"{self._instance(account)} takes up to {limit} characters; this post has {length}"] if length > limit else []

    def check_connection(self, account: Account) -> Outcome:
        try:
            answer = web.request("GET", f"{self._instance(account)}/api/v1/accounts/verify_credentials",
                                 headers=self._headers(account))
        except (web.Unreachable, web.NoAnswer) as error:
            return RetryLater(f"Mastodon did not answer: {error}")
        if answer.status != 200:
            return classify(answer, "the connection test")
        return Sent(f"signed in as @{answer.json().get('acct')}")

    def send(self, post: Post, account: Account) -> Outcome:
        try:
            media_ids = []
            for media in post.media:
                uploaded = self._upload(media, account)
                if isinstance(uploaded, Outcome):
                    return uploaded
                media_ids.append(uploaded)
            form: dict[str, Any] = {"status": social_text(post), "visibility": "public"}
            if media_ids:
                form["media_ids"] = media_ids
            answer = web.request("POST", f"{self._instance(account)}/api/v1/statuses", json=form,
                                 headers={**self._headers(account), "Idempotency-Key": post.key})
        except web.Unreachable as error:
            return RetryLater(f"could not reach Mastodon: {error}")
        except web.NoAnswer as error:
            # The same Idempotency-Key on the next try gets the status this one may have made
            # (the server remembers it for an hour).
            return RetryLater(f"Mastodon did not answer; trying again soon is safe: {error}")
        if answer.status != 200:
            return classify(answer, "the post")
        status = answer.json()
        return Sent("posted", remote_id=str(status["id"]), link=status.get("url"))

    def _upload(self, media: Media, account: Account) -> str | Outcome:
        body, content_type = _multipart({"description": media.alt} if media.alt else {}, media)
        answer = web.request("POST", f"{self._instance(account)}/api/v2/media", data=body,
                             headers={**self._headers(account), "Content-Type": content_type})
        if answer.status not in (200, 202):
            return classify(answer, f"the image {media.filename}")
        media_id = str(answer.json()["id"])
        deadline, pause = time.monotonic() + MEDIA_WAIT, 0.2
        while answer.status != 200:     # 202 on upload, 206 while processing
            if time.monotonic() > deadline:
                return RetryLater(f"Mastodon was still processing {media.filename} after {MEDIA_WAIT:g} s")
            time.sleep(pause)
            pause = min(pause * 2, 5.0)
            answer = web.request("GET", f"{self._instance(account)}/api/v1/media/{media_id}", headers=self._headers(account))
            if answer.status not in (200, 206):
                return classify(answer, f"the image {media.filename}")
        return media_id
