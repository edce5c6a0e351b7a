"""WordPress over its REST API, signed in with an application password (Basic auth).

WordPress has no idempotency key, so every try of one delivery writes the same slug, derived from
the delivery's key, and a retry first looks that slug up (any status, authenticated) and reports
the post it finds instead of creating a second one. WordPress would answer a second create with
the slug `…-2`, which is exactly the duplicate this avoids; a create whose answer was lost is
therefore safe to try again.

Addresses use `?rest_route=`, which every WordPress answers, with or without pretty permalinks."""

from __future__ import annotations

import base64
import html
import re
import urllib.parse
from typing import ClassVar

from umt.gateway.publishing import web
from umt.gateway.publishing.base import (
    Account, Channel, Failed, NeedsReconnect, Outcome, Post, RetryLater, Sent,
)

# WordPress's own error codes for a refused sign-in or a user who may not publish.
_SIGN_IN_CODES = {"incorrect_password", "invalid_username", "invalid_email", "rest_not_logged_in",
                  "rest_cannot_create", "rest_forbidden", "application_passwords_disabled",
                  "rest_forbidden_context", "rest_cannot_view"}
DEFAULT_TIMEOUT = 30.0


def slug_for(post: Post) -> str:
    """The one slug of every try of this delivery (WordPress keeps lowercase letters, digits, dashes)."""
    return re.sub(r"[^a-z0-9]+", "-", post.key.lower()).strip("-")[:190]


def body_html(post: Post) -> str:
    """The post's text as paragraphs (blank lines separate them), hashtags as a last line."""
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", post.body) if p.strip()]
    if post.hashtags:
        paragraphs.append(" ".join(f"#{tag.lstrip('#')}" for tag in post.hashtags))
    return "\n\n".join("<p>" + html.escape(p).replace("\n", "<br>\n") + "</p>" for p in paragraphs)


class WordPressChannel(Channel):
    kind: ClassVar[str] = "wordpress"
    label: ClassVar[str] = "WordPress"
    setting_names: ClassVar[tuple[str, ...]] = ("site", "username")
    credential_names: ClassVar[tuple[str, ...]] = ("application_password",)
    # Also read: `timeout` (seconds, default 30).

    def text_problems(self, post: Post, account: Account) -> list[str]:
        found = []
        if not (post.title.strip() or post.body.strip()):
            found.append("WordPress needs a title or some text")
        site = str(account.settings.get("site", ""))
        if not site.lower().startswith(("http://", "https://")):
            found.append(f"WordPress: the site address must start with https:// (it is {site!r})")
        if not account.settings.get("username"):
            found.append("WordPress: the connection has no username; reconnect the channel")
        return found

    def send(self, post: Post, account: Account) -> Outcome:
        slug = slug_for(post)
        if post.attempt > 1:
            # An earlier try may have created it and lost the answer: never create a second one.
            found = self._call(account, "GET", "/wp/v2/posts", query={"slug": slug, "status": "any",
                                                                      "context": "edit"})
            if not isinstance(found, web.Response):
                return found
            if found.status != 200:
                return self._classify(found, "looking for an earlier try")
            listed = found.json()
            if not isinstance(listed, list):
                return Failed(f"{account.settings.get('site')} answered the lookup but not with WordPress posts; "
                              "check the site address (its exact https:// address)")
            existing = [p for p in listed if isinstance(p, dict) and p.get("slug") == slug]
            if existing:
                return self._sent(existing[0], "already published by an earlier try")
        title = post.title.strip() or post.body.strip().splitlines()[0][:100]
        created = self._call(account, "POST", "/wp/v2/posts", json={
            "title": title, "content": body_html(post), "status": "publish", "slug": slug})
        if not isinstance(created, web.Response):
            return created
        if created.status in (200, 201):
            made = created.json()
            if isinstance(made, dict) and made.get("id") is not None:
                return self._sent(made, "published")
            # Not WordPress's answer to a create (a redirect to another address turns a POST into a
            # GET, a page that is not WordPress…): nothing says a post was made.
            return Failed(f"{account.settings.get('site')} answered {created.status} but not with a WordPress "
                          "post; check the site address (its exact https:// address)")
        return self._classify(created, "publishing")

    def check_connection(self, account: Account) -> Outcome:
        # The cheapest call that needs both a valid password and the right to publish.
        answer = self._call(account, "GET", "/wp/v2/users/me", query={"context": "edit"})
        if not isinstance(answer, web.Response):
            return answer
        if answer.status != 200:
            return self._classify(answer, "signing in")
        me = answer.json() or {}
        capabilities = me.get("capabilities") or {}
        if not (capabilities.get("publish_posts") or capabilities.get("edit_posts")):
            return NeedsReconnect(f"WordPress: {me.get('slug') or 'this user'} may not publish posts; "
                                  "connect a user with the Author role or above")
        return Sent(f"signed in to {account.settings.get('site')} as {me.get('slug') or me.get('name')}")

    @staticmethod
    def _sent(post: dict, reason: str) -> Sent:
        return Sent(reason, remote_id=str(post.get("id")) if post.get("id") is not None else None,
                    link=post.get("link"), details={"slug": post.get("slug"), "status": post.get("status")})

    @staticmethod
    def _call(account: Account, method: str, route: str, *, query: dict | None = None,
              json: dict | None = None) -> web.Response | Outcome:
        """One REST call; the outcome already decided when nothing came back."""
        site = str(account.settings.get("site", "")).rstrip("/")
        url = f"{site}/?" + urllib.parse.urlencode({"rest_route": route, **(query or {})})
        login = f"{account.settings.get('username', '')}:{account.credentials.get('application_password', '')}"
        headers = {"Authorization": "Basic " + base64.b64encode(login.encode()).decode(), "Accept": "application/json"}
        try:
            timeout = float(account.settings.get("timeout") or DEFAULT_TIMEOUT)
            return web.request(method, url, json=json, headers=headers, timeout=timeout)
        except web.Unreachable as error:
            return RetryLater(f"WordPress could not be reached: {error}")
        except web.NoAnswer as error:
            # A create may have gone through: the next try looks the slug up before creating.
            return RetryLater(f"WordPress did not answer ({error}); the next try looks for the post first")

    @staticmethod
    def _classify(answer: web.Response, doing: str) -> Outcome:
        body = answer.json()
        code = body.get("code", "") if isinstance(body, dict) else ""
        message = (body.get("message") if isinstance(body, dict) else None) or answer.text(300)
        message = html.unescape(re.sub(r"<[^>]+>", "", str(message))).strip()
        said = f"WordPress answered {answer.status} while {doing}: {message}" + (f" ({code})" if code else "")
        if answer.status in (401, 403) or code in _SIGN_IN_CODES:
            return NeedsReconnect(said)
        if answer.status == 429 or answer.status >= 500:
            return RetryLater(said, after_seconds=answer.header_seconds("Retry-After"))
        return Failed(said)
