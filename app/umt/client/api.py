"""The gateway client: every call the desktop and the CLI make to the gateway goes through here."""

from __future__ import annotations

import time
import uuid
from typing import Any, Callable, Iterator, TypeVar

import msgspec
import requests

from umt.client.errors import ApiError, GatewayUnreachable, JobFailed, UntrustedCertificate, error_from_response
from umt.client.publishing import PublishingMethods
from umt.contract import (About, Account, ArchiveImport, AuthStatus, Brand, Campaign, ContentItem, ContentVersions, Experiment,
                          ImportResult, Job, LoginResult, Metric, Page, RecoveryCodes, ScoreResult, Session,
                          TotpEnrolment)
from umt.contract.analytics import Heatmap, TopContent, TotalsReport
from umt.contract.resources import CalendarFeed

R = TypeVar("R")
IDEMPOTENCY_HEADER = "Idempotency-Key"
RETRY_STATUSES = (502, 503)
RETRY_FIRST_PAUSE = 0.1
RETRY_MAX_PAUSE = 2.0


class ResourceClient:
    """CRUD and listing for one resource (brands, campaigns, content, experiments, metrics); each
    call returns the resource's record type (umt.contract), e.g. Brand, or a Page of them."""

    def __init__(self, api: "GatewayClient", name: str, record: type) -> None:
        self.api, self.name, self.record = api, name, record

    def list(self, *, limit: int = 50, offset: int = 0, **filters: Any) -> Page:
        params = {"limit": limit, "offset": offset,
                  **{k: _query_text(v) for k, v in filters.items() if v is not None}}
        return self.api.request("GET", f"/api/v1/{self.name}", params=params, type=Page[self.record])

    def iterate(self, *, page_size: int = 200, **filters: Any) -> Iterator[Any]:
        offset = 0
        while True:
            page = self.list(limit=page_size, offset=offset, **filters)
            yield from page.items
            offset += len(page.items)
            if not page.items or offset >= page.total:
                return

    def get(self, item_id: int) -> Any:
        return self.api.request("GET", f"/api/v1/{self.name}/{item_id}", type=self.record)

    def create(self, **fields: Any) -> Any:
        return self.api.request("POST", f"/api/v1/{self.name}", json_body=fields, type=self.record, idempotent=True)

    def update(self, item_id: int, **changes: Any) -> Any:
        return self.api.request("PATCH", f"/api/v1/{self.name}/{item_id}", json_body=changes, type=self.record,
                                idempotent=True)

    def delete(self, item_id: int) -> None:
        self.api.request("DELETE", f"/api/v1/{self.name}/{item_id}", idempotent=True)

    def export(self, format: str = "json") -> str:
        """Every item as CSV or JSON text."""
        return self.api.request("GET", f"/api/v1/exports/{self.name}", params={"format": format}, raw=True)


class ContentClient(ResourceClient):
    def transition(self, item_id: int, status: str, scheduled_at: Any = None) -> ContentItem:
        body: dict[str, Any] = {"status": status}
        if scheduled_at is not None:
            body["scheduled_at"] = scheduled_at
        return self.api.request("POST", f"/api/v1/content/{item_id}/transition", json_body=body, type=ContentItem,
                                idempotent=True)

    def versions(self, item_id: int) -> list:
        """The item's ContentVersion records, oldest first."""
        return self.api.request("GET", f"/api/v1/content/{item_id}/versions", type=ContentVersions).items


class MetricsClient(ResourceClient):
    def import_csv(self, csv_text: str | bytes) -> ImportResult:
        """All rows or none: a bad row raises ValidationFailed with every row's error in `details`."""
        body = csv_text.encode("utf-8") if isinstance(csv_text, str) else csv_text
        return self.api.request("POST", "/api/v1/metrics/import", data=body,
                                headers={"Content-Type": "text/csv"}, type=ImportResult, idempotent=True)


class AnalyticsClient:
    """Aggregates the gateway's database computes over the days start..end (both included, at most
    731), optionally for one brand, campaign or channel. Rates are None when their denominator is 0."""

    def __init__(self, api: "GatewayClient") -> None:
        self.api = api

    def totals(self, start: Any, end: Any, *, by: str = "day", brand_id: int | None = None,
               campaign_id: int | None = None, channel: str | None = None) -> TotalsReport:
        """One row per day, ISO week, channel, campaign or content item (`by`), and the overall totals."""
        return self._get("totals", TotalsReport, start=start, end=end, by=by, brand_id=brand_id,
                         campaign_id=campaign_id, channel=channel)

    def top_content(self, start: Any, end: Any, *, measure: str = "engagements", limit: int = 10,
                    min_impressions: int | None = None, brand_id: int | None = None, campaign_id: int | None = None,
                    channel: str | None = None) -> TopContent:
        """Content ranked by impressions, clicks, engagements, conversions or engagement_rate
        (by default only content with 100 impressions or more is ranked by a rate)."""
        return self._get("top-content", TopContent, start=start, end=end, measure=measure, limit=limit,
                         min_impressions=min_impressions, brand_id=brand_id, campaign_id=campaign_id, channel=channel)

    def heatmap(self, start: Any, end: Any, *, time_zone: str = "UTC", brand_id: int | None = None,
                campaign_id: int | None = None, channel: str | None = None) -> Heatmap:
        """Totals by the weekday and hour (in `time_zone`, an IANA name) each item was posted."""
        return self._get("heatmap", Heatmap, start=start, end=end, time_zone=time_zone, brand_id=brand_id,
                         campaign_id=campaign_id, channel=channel)

    def _get(self, operation: str, record: type, **params: Any) -> Any:
        query = {k: _query_text(v) for k, v in params.items() if v is not None}
        return self.api.request("GET", f"/api/v1/analytics/{operation}", params=query, type=record)


class GatewayClient(PublishingMethods):
    """A typed client for the gateway's JSON API.

    timeout is (connect, read) seconds. Errors come as umt.client.errors types; a missing
    gateway as GatewayUnreachable, a server whose TLS certificate is not trusted as
    UntrustedCertificate. `verify` says whom to trust over https: True (the default) the system's
    trust store, or the path of a PEM file (a certificate the owner pinned, or the authority that
    signed it). A client made on another's `session` shares its setting.

    Every write (create, update, delete, status move, import, job submit and cancel) carries one
    Idempotency-Key per logical write and is retried with that key while the gateway restarts
    (connection refused or reset, 502, 503), with backoff, for at most `retry_seconds`: the
    gateway answers a repeated key with its first reply, so a retry never writes twice."""

    def __init__(self, base_url: str, token: str | None = None, *, timeout: tuple[float, float] = (3.05, 30.0),
                 session: requests.Session | None = None, retry_seconds: float = 15.0,
                 verify: bool | str | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.timeout = timeout
        self.retry_seconds = retry_seconds
        self.http = session or requests.Session()
        if verify is not None:
            self.http.verify = system_trust() if verify is True else verify
        elif session is None:
            self.http.verify = system_trust()
        self.brands = ResourceClient(self, "brands", Brand)
        self.campaigns = ResourceClient(self, "campaigns", Campaign)
        self.content = ContentClient(self, "content", ContentItem)
        self.experiments = ResourceClient(self, "experiments", Experiment)
        self.metrics = MetricsClient(self, "metrics", Metric)
        self.analytics = AnalyticsClient(self)

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> "GatewayClient":
        return self

    def __exit__(self, *_: Any) -> None:
        self.close()

    # --- plumbing -------------------------------------------------------------------------

    def request(self, method: str, path: str, *, json_body: Any = None, params: dict | None = None,
                data: bytes | None = None, headers: dict[str, str] | None = None, raw: bool = False,
                stream: bool = False, timeout: Any = None, type: Any = None, idempotent: bool = False) -> Any:
        """The reply as `type` (a contract record) when given, else as plain JSON data.
        `idempotent`: send an Idempotency-Key and retry across a gateway restart (see the class)."""
        headers = dict(headers or {})
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        if json_body is not None:
            data = msgspec.json.encode(json_body)
            headers["Content-Type"] = "application/json"
        if idempotent:
            headers[IDEMPOTENCY_HEADER] = str(uuid.uuid4())
        give_up_at = time.monotonic() + (self.retry_seconds if idempotent else 0.0)
        pause = RETRY_FIRST_PAUSE
        while True:
            try:
                # verify given each time: requests lets REQUESTS_CA_BUNDLE override the session's own.
                response = self.http.request(method, self.base_url + path, params=params, data=data, headers=headers,
                                             timeout=timeout or self.timeout, stream=stream, verify=self.http.verify)
                transient = response.status_code in RETRY_STATUSES
            except requests.exceptions.SSLError as exc:   # not transient: the certificate stays the same
                raise UntrustedCertificate(_tls_reason(exc)) from None
            except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError) as exc:
                # Refused, reset, or the reply cut off mid-body: the gateway stopped or restarts.
                response, transient = exc, True
            except requests.Timeout as exc:  # the caller's patience is spent: no retry doubles it
                raise GatewayUnreachable(f"the gateway at {self.base_url} did not answer: {exc}") from None
            if not transient or time.monotonic() + pause > give_up_at:
                break
            if isinstance(response, requests.Response):
                response.close()
            time.sleep(pause)
            pause = min(pause * 2, RETRY_MAX_PAUSE)
        if isinstance(response, Exception):
            raise GatewayUnreachable(f"the gateway at {self.base_url} did not answer: {response}") from None
        _raise_for_error(response)
        if stream:
            return response
        if response.status_code == 204:
            return None
        if raw:
            return response.text
        return _decode(response.status_code, response.content, Any if type is None else type)

    # --- service --------------------------------------------------------------------------

    def health(self) -> dict[str, Any]:
        return self.request("GET", "/health")

    def ready(self) -> dict[str, Any]:
        """{"status": "ready" | "degraded" | "not ready", "checks": {"database": ..., "agent": ...}}:
        degraded when the agent is unreachable (data works, jobs wait); 503 (not ready) is an answer here."""
        try:
            return self.request("GET", "/ready")
        except ApiError as error:
            if error.status != 503:
                raise
            return self.http.get(self.base_url + "/ready", timeout=self.timeout, verify=self.http.verify).json()

    def version(self) -> dict[str, Any]:
        return self.request("GET", "/version")

    def openapi(self) -> dict[str, Any]:
        return self.request("GET", "/openapi.json")

    def about(self) -> About:
        """What the gateway at this address is: name, version, api, openapi."""
        return self.request("GET", "/", headers={"Accept": "application/json"}, type=About)

    # --- accounts -------------------------------------------------------------------------

    def setup_required(self) -> bool:
        return self.request("GET", "/api/v1/auth/status", type=AuthStatus).setup_required

    def setup_owner(self, email: str, name: str, password: str) -> Session:
        return self._signed_in(self.request("POST", "/api/v1/auth/setup", type=Session,
                                            json_body={"email": email, "name": name, "password": password}))

    def login(self, email: str, password: str) -> LoginResult:
        """`result.mfa_required`: finish with login_second_factor(result.challenge, ...)."""
        result = self.request("POST", "/api/v1/auth/login", json_body={"email": email, "password": password},
                              type=LoginResult)
        if result.token is not None:
            self.token = result.token
        return result

    def login_second_factor(self, challenge: str, *, code: str | None = None,
                            recovery_code: str | None = None) -> Session:
        body = {"challenge": challenge}
        if code is not None:
            body["code"] = code
        if recovery_code is not None:
            body["recovery_code"] = recovery_code
        return self._signed_in(self.request("POST", "/api/v1/auth/login/second-factor", json_body=body,
                                            type=Session))

    def logout(self) -> None:
        self.request("POST", "/api/v1/auth/logout")
        self.token = None

    def me(self) -> Account:
        return self.request("GET", "/api/v1/auth/me", type=Account)

    def enrol_totp(self) -> TotpEnrolment:
        return self.request("POST", "/api/v1/auth/2fa/enrol", type=TotpEnrolment)

    def confirm_totp(self, code: str) -> list[str]:
        """Turns 2FA on; returns the recovery codes (shown once: the gateway keeps only hashes)."""
        return self.request("POST", "/api/v1/auth/2fa/confirm", json_body={"code": code},
                            type=RecoveryCodes).recovery_codes

    def disable_totp(self, password: str, code: str) -> None:
        self.request("POST", "/api/v1/auth/2fa/disable", json_body={"password": password, "code": code})

    def regenerate_recovery_codes(self, code: str) -> list[str]:
        return self.request("POST", "/api/v1/auth/2fa/recovery-codes", json_body={"code": code},
                            type=RecoveryCodes).recovery_codes

    def change_password(self, current_password: str, new_password: str) -> None:
        self.request("POST", "/api/v1/auth/password",
                     json_body={"current_password": current_password, "new_password": new_password})

    def _signed_in(self, session: Session) -> Session:
        self.token = session.token
        return session

    # --- exports --------------------------------------------------------------------------

    def export_archive(self) -> bytes:
        """Everything the owner made, as the bytes of one zip archive (JSON and CSV files and a README)."""
        response = self.request("GET", "/api/v1/export/archive", stream=True, timeout=(self.timeout[0], 300.0))
        with response:
            return response.content

    def import_archive(self, archive: bytes) -> dict[str, int]:
        """Restores an archive from export_archive into this install, which must be empty (else
        Conflict); returns the rows restored per file of the archive."""
        return self.request("POST", "/api/v1/import/archive", data=archive, headers={"Content-Type": "application/zip"},
                            timeout=(self.timeout[0], 300.0), type=ArchiveImport).imported

    def export_calendar(self, start: Any = None, end: Any = None) -> str:
        params = {k: v.isoformat() for k, v in (("start", start), ("end", end)) if v is not None}
        return self.request("GET", "/api/v1/exports/calendar.ics", params=params, raw=True)

    def calendar_feed_address(self) -> str:
        """The secret, read-only http address of the schedule that a calendar app can subscribe to."""
        return self.request("GET", "/api/v1/exports/calendar-feed", type=CalendarFeed).url

    def calendar_feed(self, url: str) -> str:
        """Reads the feed at its address as a calendar app does: no bearer token, the key in the URL."""
        response = self.http.get(url, timeout=self.timeout, verify=self.http.verify)
        _raise_for_error(response)
        return response.text

    # --- scoring --------------------------------------------------------------------------

    def score(self, text: str, channel: str, *, keyphrase: str | None = None, brand_id: int | None = None,
              timeout: Any = None) -> ScoreResult:
        """The agent's score of a post, at once and stored nowhere (the live score panel).
        ApiError 503 when the agent is not answering; ValidationFailed names the field at fault."""
        body: dict[str, Any] = {"text": text, "channel": channel}
        if keyphrase is not None:
            body["keyphrase"] = keyphrase
        if brand_id is not None:
            body["brand_id"] = brand_id
        return self.request("POST", "/api/v1/score", json_body=body, timeout=timeout, type=ScoreResult)

    # --- jobs -----------------------------------------------------------------------------

    def submit_job(self, kind: str, job_input: Any = None) -> Job:
        return self.request("POST", "/api/v1/jobs", json_body={"kind": kind, "input": job_input or {}}, type=Job,
                            idempotent=True)

    def get_job(self, job_id: int) -> Job:
        return self.request("GET", f"/api/v1/jobs/{job_id}", type=Job)

    def list_jobs(self, *, limit: int = 50, offset: int = 0, status: str | None = None,
                  kind: str | None = None) -> Page:
        return ResourceClient(self, "jobs", Job).list(limit=limit, offset=offset, status=status, kind=kind)

    def cancel_job(self, job_id: int) -> Job:
        """Cancels a queued or running job (the agent stops its task); Conflict if it has finished."""
        return self.request("POST", f"/api/v1/jobs/{job_id}/cancel", type=Job, idempotent=True)

    def job_events(self, job_id: int, read_timeout: float = 60.0, until: float | None = None) -> Iterator[Job]:
        """Each change of the job as the gateway streams it (server-sent events), until it ends, or
        until the time.monotonic() deadline `until` (looked at with each line, keep-alives too)."""
        response = self.request("GET", f"/api/v1/jobs/{job_id}/events", stream=True,
                                timeout=(self.timeout[0], read_timeout))
        response.encoding = "utf-8"  # SSE is UTF-8 by definition
        with response:
            data_lines: list[str] = []
            try:
                for line in response.iter_lines(decode_unicode=True):
                    if until is not None and time.monotonic() > until:
                        return
                    if line.startswith("data:"):
                        data_lines.append(line[5:].strip())
                    elif line == "" and data_lines:
                        yield _decode(200, "\n".join(data_lines).encode(), Job)
                        data_lines = []
            except requests.RequestException as exc:
                raise GatewayUnreachable(f"the job stream broke off: {exc}") from None

    def wait_job(self, job_id: int, *, timeout: float = 300.0,
                 on_progress: Callable[[Job], None] | None = None, raise_on_failure: bool = True) -> Job:
        """Follow a job until it is done, failed or cancelled, calling on_progress with each change."""
        deadline = time.monotonic() + timeout
        job = self.get_job(job_id)
        while not job.finished:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"job {job_id} is still {job.status} after {timeout} s")
            try:
                for job in self.job_events(job_id, read_timeout=min(remaining, 30.0), until=deadline):
                    if on_progress:
                        on_progress(job)
                    if job.finished:
                        break
            except GatewayUnreachable:
                if time.monotonic() >= deadline:
                    raise
                time.sleep(0.2)  # the stream broke (gateway restart?): look again shortly
                job = self.get_job(job_id)
            else:
                if not job.finished and time.monotonic() >= deadline:
                    job = self.get_job(job_id)  # the stream stopped at the deadline: one last look
        if raise_on_failure and job.status == "failed":
            raise JobFailed(job)
        return job


def _query_text(value: Any) -> Any:
    """Dates and times go into a query string as ISO 8601 text."""
    return value.isoformat() if hasattr(value, "isoformat") else value


def _decode(status: int, body: bytes, record: Any) -> Any:
    try:
        return msgspec.json.decode(body, type=record)
    except msgspec.ValidationError as exc:
        raise ApiError(status, "bad_reply", f"the gateway's reply does not fit the contract: {exc}") from None
    except msgspec.DecodeError:
        raise ApiError(status, "bad_reply", "the gateway sent something that is not JSON") from None


def _raise_for_error(response: Any) -> None:
    """A 4xx or 5xx answer as the client's error (its JSON body names the code and the field)."""
    if response.status_code >= 400:
        try:
            body = response.json()
        except ValueError:
            body = None
        raise error_from_response(response.status_code, body, response.headers)


def system_trust() -> bool | str:
    """The system's trust store for requests: OpenSSL's default CA file where the system has one
    (Linux distributions), else requests' own bundle (certifi)."""
    import os
    import ssl

    cafile = ssl.get_default_verify_paths().cafile
    return cafile if cafile and os.path.isfile(cafile) else True


def _tls_reason(exc: requests.exceptions.SSLError) -> str:
    """The TLS failure's own words, e.g. "certificate verify failed: self-signed certificate",
    without urllib3's wrapping (pool, URL, retries)."""
    import re

    text = str(exc)
    match = re.search(r"\[SSL: [A-Z_]+\] ([^(']+)", text) or re.search(r"SSLError\((.+?)\)+$", text)
    return (match.group(1) if match else text).strip().rstrip(".")
