"""The gateway client: every call the desktop and the CLI make to the gateway goes through here."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Callable, Iterator

import requests

from umt.client.errors import ApiError, GatewayUnreachable, JobFailed, error_from_response

Item = dict[str, Any]
TERMINAL_JOB_STATES = ("done", "failed", "cancelled")


@dataclass(frozen=True)
class Session:
    token: str
    expires_at: str


@dataclass(frozen=True)
class LoginResult:
    """A finished sign-in has `session`; with 2FA on, it has a `challenge` for `login_second_factor`."""

    session: Session | None = None
    challenge: str | None = None

    @property
    def mfa_required(self) -> bool:
        return self.challenge is not None


@dataclass(frozen=True)
class TotpEnrolment:
    secret: str
    otpauth_uri: str


@dataclass(frozen=True)
class Page:
    items: list[Item]
    total: int
    limit: int
    offset: int


@dataclass(frozen=True)
class Job:
    id: int
    kind: str
    status: str
    progress: float
    step: str
    input: dict[str, Any]
    result: Any = None
    error: dict[str, Any] | None = None
    attempts: int = 0
    raw: Item = field(default_factory=dict, repr=False)

    @classmethod
    def from_json(cls, data: Item) -> "Job":
        return cls(id=data["id"], kind=data["kind"], status=data["status"], progress=data["progress"],
                   step=data["step"], input=data["input"], result=data.get("result"), error=data.get("error"),
                   attempts=data.get("attempts", 0), raw=data)

    @property
    def finished(self) -> bool:
        return self.status in TERMINAL_JOB_STATES


def _encode(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"cannot send {type(value).__name__} as JSON")


class ResourceClient:
    """CRUD and listing for one resource (brands, campaigns, content, experiments, metrics)."""

    def __init__(self, api: "GatewayClient", name: str) -> None:
        self.api, self.name = api, name

    def list(self, *, limit: int = 50, offset: int = 0, **filters: Any) -> Page:
        params = {"limit": limit, "offset": offset, **{k: v for k, v in filters.items() if v is not None}}
        data = self.api.request("GET", f"/api/v1/{self.name}", params=params)
        return Page(items=data["items"], total=data["total"], limit=data["limit"], offset=data["offset"])

    def iterate(self, *, page_size: int = 200, **filters: Any) -> Iterator[Item]:
        offset = 0
        while True:
            page = self.list(limit=page_size, offset=offset, **filters)
            yield from page.items
            offset += len(page.items)
            if not page.items or offset >= page.total:
                return

    def get(self, item_id: int) -> Item:
        return self.api.request("GET", f"/api/v1/{self.name}/{item_id}")

    def create(self, **fields: Any) -> Item:
        return self.api.request("POST", f"/api/v1/{self.name}", json_body=fields)

    def update(self, item_id: int, **changes: Any) -> Item:
        return self.api.request("PATCH", f"/api/v1/{self.name}/{item_id}", json_body=changes)

    def delete(self, item_id: int) -> None:
        self.api.request("DELETE", f"/api/v1/{self.name}/{item_id}")

    def export(self, format: str = "json") -> str:
        """Every item as CSV or JSON text."""
        return self.api.request("GET", f"/api/v1/exports/{self.name}", params={"format": format}, raw=True)


class ContentClient(ResourceClient):
    def transition(self, item_id: int, status: str, scheduled_at: datetime | str | None = None) -> Item:
        body: dict[str, Any] = {"status": status}
        if scheduled_at is not None:
            body["scheduled_at"] = scheduled_at
        return self.api.request("POST", f"/api/v1/content/{item_id}/transition", json_body=body)

    def versions(self, item_id: int) -> list[Item]:
        return self.api.request("GET", f"/api/v1/content/{item_id}/versions")["items"]


class MetricsClient(ResourceClient):
    def import_csv(self, csv_text: str | bytes) -> dict[str, int]:
        """All rows or none: a bad row raises ValidationFailed with every row's error in `details`."""
        body = csv_text.encode("utf-8") if isinstance(csv_text, str) else csv_text
        return self.api.request("POST", "/api/v1/metrics/import", data=body,
                                headers={"Content-Type": "text/csv"})


class GatewayClient:
    """A typed client for the gateway's JSON API.

    timeout is (connect, read) seconds. Errors come as umt.client.errors types; a missing
    gateway as GatewayUnreachable."""

    def __init__(self, base_url: str, token: str | None = None, *, timeout: tuple[float, float] = (3.05, 30.0),
                 session: requests.Session | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.timeout = timeout
        self.http = session or requests.Session()
        self.brands = ResourceClient(self, "brands")
        self.campaigns = ResourceClient(self, "campaigns")
        self.content = ContentClient(self, "content")
        self.experiments = ResourceClient(self, "experiments")
        self.metrics = MetricsClient(self, "metrics")

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> "GatewayClient":
        return self

    def __exit__(self, *_: Any) -> None:
        self.close()

    # --- plumbing -------------------------------------------------------------------------

    def request(self, method: str, path: str, *, json_body: Any = None, params: dict | None = None,
                data: bytes | None = None, headers: dict[str, str] | None = None, raw: bool = False,
                stream: bool = False, timeout: Any = None) -> Any:
        headers = dict(headers or {})
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        if json_body is not None:
            data = json.dumps(json_body, default=_encode).encode("utf-8")
            headers["Content-Type"] = "application/json"
        try:
            response = self.http.request(method, self.base_url + path, params=params, data=data, headers=headers,
                                         timeout=timeout or self.timeout, stream=stream)
        except (requests.ConnectionError, requests.Timeout) as exc:
            raise GatewayUnreachable(f"the gateway at {self.base_url} did not answer: {exc}") from None
        if response.status_code >= 400:
            try:
                body = response.json()
            except ValueError:
                body = None
            raise error_from_response(response.status_code, body, response.headers)
        if stream:
            return response
        if response.status_code == 204:
            return None
        if raw:
            return response.text
        try:
            return response.json()
        except ValueError:
            raise ApiError(response.status_code, "bad_reply", "the gateway sent something that is not JSON") from None

    # --- service --------------------------------------------------------------------------

    def health(self) -> dict[str, Any]:
        return self.request("GET", "/health")

    def ready(self) -> dict[str, Any]:
        """{"status": "ready" | "not ready", "checks": {"database": ..., "agent": ...}}; 503 is an answer here."""
        try:
            return self.request("GET", "/ready")
        except ApiError as error:
            if error.status != 503:
                raise
            return self.http.get(self.base_url + "/ready", timeout=self.timeout).json()

    def version(self) -> dict[str, Any]:
        return self.request("GET", "/version")

    def openapi(self) -> dict[str, Any]:
        return self.request("GET", "/openapi.json")

    def about(self) -> dict[str, Any]:
        """{"name", "version", "api", "openapi"}: what the gateway at this address is."""
        return self.request("GET", "/", headers={"Accept": "application/json"})

    # --- accounts -------------------------------------------------------------------------

    def setup_required(self) -> bool:
        return self.request("GET", "/api/v1/auth/status")["setup_required"]

    def setup_owner(self, email: str, name: str, password: str) -> Session:
        return self._signed_in(self.request("POST", "/api/v1/auth/setup",
                                            json_body={"email": email, "name": name, "password": password}))

    def login(self, email: str, password: str) -> LoginResult:
        data = self.request("POST", "/api/v1/auth/login", json_body={"email": email, "password": password})
        if data.get("mfa_required"):
            return LoginResult(challenge=data["challenge"])
        return LoginResult(session=self._signed_in(data))

    def login_second_factor(self, challenge: str, *, code: str | None = None,
                            recovery_code: str | None = None) -> Session:
        body = {"challenge": challenge}
        if code is not None:
            body["code"] = code
        if recovery_code is not None:
            body["recovery_code"] = recovery_code
        return self._signed_in(self.request("POST", "/api/v1/auth/login/second-factor", json_body=body))

    def logout(self) -> None:
        self.request("POST", "/api/v1/auth/logout")
        self.token = None

    def me(self) -> Item:
        return self.request("GET", "/api/v1/auth/me")

    def enrol_totp(self) -> TotpEnrolment:
        data = self.request("POST", "/api/v1/auth/2fa/enrol")
        return TotpEnrolment(secret=data["secret"], otpauth_uri=data["otpauth_uri"])

    def confirm_totp(self, code: str) -> list[str]:
        """Turns 2FA on; returns the recovery codes (shown once: the gateway keeps only hashes)."""
        return self.request("POST", "/api/v1/auth/2fa/confirm", json_body={"code": code})["recovery_codes"]

    def disable_totp(self, password: str, code: str) -> None:
        self.request("POST", "/api/v1/auth/2fa/disable", json_body={"password": password, "code": code})

    def regenerate_recovery_codes(self, code: str) -> list[str]:
        return self.request("POST", "/api/v1/auth/2fa/recovery-codes", json_body={"code": code})["recovery_codes"]

    def change_password(self, current_password: str, new_password: str) -> None:
        self.request("POST", "/api/v1/auth/password",
                     json_body={"current_password": current_password, "new_password": new_password})

    def _signed_in(self, data: Item) -> Session:
        self.token = data["token"]
        return Session(token=data["token"], expires_at=data["expires_at"])

    # --- exports --------------------------------------------------------------------------

    def export_calendar(self, start: datetime | None = None, end: datetime | None = None) -> str:
        params = {k: v.isoformat() for k, v in (("start", start), ("end", end)) if v is not None}
        return self.request("GET", "/api/v1/exports/calendar.ics", params=params, raw=True)

    # --- scoring --------------------------------------------------------------------------

    def score(self, text: str, channel: str, *, keyphrase: str | None = None, brand_id: int | None = None,
              timeout: Any = None) -> Item:
        """The agent's score of a post, at once and stored nowhere (the live score panel).
        ApiError 503 when the agent is not answering; ValidationFailed names the field at fault."""
        body: dict[str, Any] = {"text": text, "channel": channel}
        if keyphrase is not None:
            body["keyphrase"] = keyphrase
        if brand_id is not None:
            body["brand_id"] = brand_id
        return self.request("POST", "/api/v1/score", json_body=body, timeout=timeout)

    # --- jobs -----------------------------------------------------------------------------

    def submit_job(self, kind: str, job_input: dict[str, Any] | None = None) -> Job:
        return Job.from_json(self.request("POST", "/api/v1/jobs", json_body={"kind": kind, "input": job_input or {}}))

    def get_job(self, job_id: int) -> Job:
        return Job.from_json(self.request("GET", f"/api/v1/jobs/{job_id}"))

    def list_jobs(self, *, limit: int = 50, offset: int = 0, status: str | None = None,
                  kind: str | None = None) -> Page:
        return ResourceClient(self, "jobs").list(limit=limit, offset=offset, status=status, kind=kind)

    def cancel_job(self, job_id: int) -> Job:
        """Cancels a queued or running job (the agent stops its task); Conflict if it has finished."""
        return Job.from_json(self.request("POST", f"/api/v1/jobs/{job_id}/cancel"))

    def job_events(self, job_id: int, read_timeout: float = 60.0) -> Iterator[Job]:
        """Each change of the job as the gateway streams it (server-sent events), until it ends."""
        response = self.request("GET", f"/api/v1/jobs/{job_id}/events", stream=True,
                                timeout=(self.timeout[0], read_timeout))
        response.encoding = "utf-8"  # SSE is UTF-8 by definition
        with response:
            data_lines: list[str] = []
            try:
                for line in response.iter_lines(decode_unicode=True):
                    if line.startswith("data:"):
                        data_lines.append(line[5:].strip())
                    elif line == "" and data_lines:
                        yield Job.from_json(json.loads("\n".join(data_lines)))
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
                for job in self.job_events(job_id, read_timeout=min(remaining, 30.0)):
                    if on_progress:
                        on_progress(job)
                    if job.finished:
                        break
            except GatewayUnreachable:
                if time.monotonic() >= deadline:
                    raise
                time.sleep(0.2)  # the stream broke (gateway restart?): look again shortly
                job = self.get_job(job_id)
        if raise_on_failure and job.status == "failed":
            raise JobFailed(job)
        return job
