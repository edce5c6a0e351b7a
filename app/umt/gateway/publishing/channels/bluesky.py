"""Bluesky over the AT Protocol's plain HTTP API (XRPC), on bsky.social or any PDS.

Signing in (`createSession`) is limited to 30 per 5 minutes, so it happens once, when the account
is connected (or when its refresh token stops working); every later call uses the stored access
token, refreshed with the stored refresh token, and the rotated tokens go back to the outbox
through `Account.updated_credentials`.

Exactly once: each delivery writes its record under a record key derived from `Post.key` with
`putRecord`, which creates or overwrites that one record: a retry can never add a second post, and
a retry first looks for the record an earlier try wrote."""

from __future__ import annotations

import hashlib
import time
from datetime import datetime, timezone
from typing import Any
from urllib.parse import quote, urlencode

from umt.gateway.publishing import web
from umt.gateway.publishing.base import (Account, Channel, Failed, NeedsReconnect, Outcome, Post,
                                         RetryLater, Sent)
from umt.gateway.publishing.channels.text import grapheme_count, hashtags, links, social_text

DEFAULT_SERVICE = "https://bsky.social"
MAX_GRAPHEMES = 300
MAX_TEXT_BYTES = 3000       # the lexicon's second limit: long emoji sequences reach it first
TOKEN_ERRORS = ("ExpiredToken", "InvalidToken")
# A record key has the syntax of a TID: 13 characters of base32-sortable, the first one under 'k'.
TID_ALPHABET = "234567abcdefghijklmnopqrstuvwxyz"


def record_key(post_key: str) -> str:
    """The same valid record key for every try of one delivery (a TID's syntax, not a time)."""
    number = int.from_bytes(hashlib.sha256(post_key.encode()).digest()[:8], "big") >> 1  # top bit 0
    return "".join(TID_ALPHABET[(number >> (5 * (12 - i))) & 31] for i in range(13))


def facets(text: str) -> list[dict[str, Any]]:
    """Link and hashtag facets; Bluesky counts their positions in UTF-8 bytes."""
    def byte_at(index: int) -> int:
        return len(text[:index].encode())

    found = [(start, end, {"$type": "app.bsky.richtext.facet#link", "uri": url})
             for start, end, url in links(text)]
    taken = [(start, end) for start, end, _ in found]
    found += [(start, end, {"$type": "app.bsky.richtext.facet#tag", "tag": tag})
              for start, end, tag in hashtags(text)
              if len(tag) <= 64 and not any(s <= start < e for s, e in taken)]   # not a link's #anchor
    return [{"index": {"byteStart": byte_at(start), "byteEnd": byte_at(end)}, "features": [feature]}
            for start, end, feature in sorted(found, key=lambda item: item[0])]


def _seconds_until_reset(response: web.Response) -> float | None:
    """RateLimit-Reset is a Unix time on the PDS; Retry-After a number of seconds."""
    reset = response.header_seconds("RateLimit-Reset")
    if reset is not None and reset > 1e9:
        return max(0.0, reset - time.time())
    return reset if reset is not None else response.header_seconds("Retry-After")


def _error(response: web.Response) -> tuple[str, str]:
    body = response.json()
    if isinstance(body, dict):
        return str(body.get("error") or ""), str(body.get("message") or body.get("error") or "")
    return "", response.text(200)


def classify(response: web.Response, doing: str) -> Outcome:
    """What an error answer means for the outbox (2xx answers never come here)."""
    error, message = _error(response)
    said = f"Bluesky refused {doing}: {message or response.status}"
    if response.status == 429:
        return RetryLater(f"Bluesky's rate limit ({doing})", after_seconds=_seconds_until_reset(response))
    if response.status >= 500:
        return RetryLater(said, after_seconds=response.header_seconds("Retry-After"))
    if response.status in (401, 403) or error in TOKEN_ERRORS + ("AuthenticationRequired", "AccountTakedown"):
        return NeedsReconnect(said)
    return Failed(said)


class _Session:
    """Calls on one account, with its tokens: refreshed once when the PDS says they expired."""

    def __init__(self, account: Account) -> None:
        self.account = account
        self.service = str(account.settings.get("service") or DEFAULT_SERVICE).rstrip("/")

    def _url(self, method: str, query: dict[str, str] | None = None) -> str:
        return f"{self.service}/xrpc/{method}" + (f"?{urlencode(query)}" if query else "")

    def _store(self, answer: dict[str, Any]) -> None:
        tokens = {"access_jwt": answer["accessJwt"], "refresh_jwt": answer["refreshJwt"], "did": answer["did"]}
        credentials = {**self.account.credentials, **tokens}
        self.account.credentials = credentials          # later calls in this process use them
        self.account.updated_credentials = dict(credentials)

    def sign_in(self) -> Outcome | None:
        """createSession with the app password: only when no token works (it is rate-limited)."""
        identifier = str(self.account.settings.get("handle") or "").lstrip("@")
        response = web.request("POST", self._url("com.atproto.server.createSession"), json={
            "identifier": identifier, "password": self.account.credentials.get("app_password", "")})
        if response.status != 200:
            return classify(response, "the sign-in")
        self._store(response.json())
        return None

    def refresh(self) -> Outcome | None:
        refresh_jwt = self.account.credentials.get("refresh_jwt")
        if refresh_jwt:
            response = web.request("POST", self._url("com.atproto.server.refreshSession"),
                                   headers={"Authorization": f"Bearer {refresh_jwt}"})
            if response.status == 200:
                self._store(response.json())
                return None
            if _error(response)[0] not in TOKEN_ERRORS and response.status not in (400, 401):
                return classify(response, "the token refresh")
        return self.sign_in()       # no refresh token, or it expired or was revoked

    def ready(self) -> Outcome | None:
        """Tokens to call with: the stored ones, else a refresh, else (rarely) a sign-in."""
        if self.account.credentials.get("access_jwt") and self.account.credentials.get("did"):
            return None
        return self.refresh()

    def call(self, http_method: str, method: str, *, json: Any = None, data: bytes | None = None,
             query: dict[str, str] | None = None, headers: dict[str, str] | None = None) -> web.Response | Outcome:
        """The answer (any status but a token error), or an Outcome when the tokens cannot be mended."""
        if (problem := self.ready()) is not None:
            return problem
        for attempt in (1, 2):
            auth = {"Authorization": f"Bearer {self.account.credentials['access_jwt']}", **(headers or {})}
            response = web.request(http_method, self._url(method, query), json=json, data=data, headers=auth)
            if _error(response)[0] not in TOKEN_ERRORS and response.status != 401:
                return response
            if attempt == 1 and (problem := self.refresh()) is not None:
                return problem
        return classify(response, method)

    @property
    def did(self) -> str:
        return self.account.credentials["did"]


class BlueskyChannel(Channel):
    kind = "bluesky"
    label = "Bluesky"
    max_media = 4
    max_media_bytes = 1_000_000
    setting_names = ("service", "handle")
    credential_names = ("app_password",)

    def text_problems(self, post: Post, account: Account) -> list[str]:
        found = []
        if not str(account.settings.get("service") or DEFAULT_SERVICE).lower().startswith(("http://", "https://")):
            found.append("Bluesky: the server address must start with https://; reconnect the channel")
        if not str(account.settings.get("handle") or "").strip():
            found.append("Bluesky: the connection has no handle; reconnect the channel")
        text = social_text(post)
        length, size = grapheme_count(text), len(text.encode())
        if length > MAX_GRAPHEMES:
            found.append(f"Bluesky takes up to {MAX_GRAPHEMES} characters; this post has {length}")
        elif size > MAX_TEXT_BYTES:
            found.append(f"Bluesky takes up to {MAX_TEXT_BYTES} bytes of text; this post has {size} (emoji take up to 25 each)")
        if not text and not post.media:
            found.append("Bluesky: the post is empty")
        return found

    def check_connection(self, account: Account) -> Outcome:
        session = _Session(account)
        try:
            if not account.credentials.get("refresh_jwt"):
                if (problem := session.sign_in()) is not None:
                    return problem
            answer = session.call("GET", "com.atproto.server.getSession")
        except (web.Unreachable, web.NoAnswer) as error:
            return RetryLater(f"Bluesky did not answer: {error}")
        if isinstance(answer, Outcome):
            return answer
        if answer.status != 200:
            return classify(answer, "the connection test")
        return Sent(f"signed in as @{answer.json().get('handle')}")

    def send(self, post: Post, account: Account) -> Outcome:
        session = _Session(account)
        try:
            return self._send(post, account, session)
        except web.Unreachable as error:
            return RetryLater(f"could not reach Bluesky: {error}")
        except web.NoAnswer as error:
            # putRecord under this delivery's record key: trying again cannot make a second post.
            return RetryLater(f"Bluesky did not answer; trying again is safe: {error}")

    def _send(self, post: Post, account: Account, session: _Session) -> Outcome:
        rkey = record_key(post.key)
        if (problem := session.ready()) is not None:
            return problem
        if post.attempt > 1:
            found = self._existing(session, rkey, account)
            if found is not None:
                return found
        images = []
        for media in post.media:
            uploaded = session.call("POST", "com.atproto.repo.uploadBlob", data=media.data,
                                    headers={"Content-Type": media.mime_type})
            if isinstance(uploaded, Outcome):
                return uploaded
            if uploaded.status != 200:
                return classify(uploaded, f"the image {media.filename}")
            images.append({"alt": media.alt, "image": uploaded.json()["blob"]})
        text = social_text(post)
        record: dict[str, Any] = {"$type": "app.bsky.feed.post", "text": text,
                                  "createdAt": datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")}
        if spans := facets(text):
            record["facets"] = spans
        if images:
            record["embed"] = {"$type": "app.bsky.embed.images", "images": images}
        answer = session.call("POST", "com.atproto.repo.putRecord", json={
            "repo": session.did, "collection": "app.bsky.feed.post", "rkey": rkey, "record": record})
        if isinstance(answer, Outcome):
            return answer
        if answer.status != 200:
            return classify(answer, "the post")
        return self._sent(answer.json()["uri"], rkey, account)

    def _existing(self, session: _Session, rkey: str, account: Account) -> Outcome | None:
        """The record an earlier try of this delivery wrote, if any."""
        answer = session.call("GET", "com.atproto.repo.getRecord", query={
            "repo": session.did, "collection": "app.bsky.feed.post", "rkey": rkey})
        if isinstance(answer, Outcome):
            return answer
        if answer.status == 200:
            return self._sent(answer.json()["uri"], rkey, account)
        if answer.status == 400 and _error(answer)[0] == "RecordNotFound":
            return None
        return classify(answer, "the look-up of an earlier try")

    @staticmethod
    def _sent(uri: str, rkey: str, account: Account) -> Sent:
        handle = str(account.settings.get("handle") or "").lstrip("@")
        return Sent("posted", remote_id=uri, link=f"https://bsky.app/profile/{quote(handle)}/post/{rkey}")
