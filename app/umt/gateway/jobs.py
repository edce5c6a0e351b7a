"""Agent tasks as persisted jobs: queued → running → done or failed.

Worker threads claim queued jobs, forward them to the agent (streaming NDJSON, so progress shows),
and record every step in the database. A job cut off by an agent restart goes back to the queue
with backoff; jobs left running by a stopped gateway are requeued when it starts."""

from __future__ import annotations

import contextlib
import http.client
import json
import logging
import socket
import threading
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import msgspec
from sqlalchemy import insert, select, update
from sqlalchemy.engine import Engine

from umt.gateway import job_inputs, tables as t
from umt.gateway.crud import to_json
from umt.gateway.db import as_utc, reading
from umt.gateway.errors import ApiError, NotFound
from umt.gateway.settings import GatewaySettings

log = logging.getLogger(__name__)
jobs = t.jobs
TERMINAL = ("done", "failed")


class AgentUnavailable(Exception):
    """The agent could not be reached or stopped mid-task: worth retrying."""


class TaskRefused(Exception):
    """The agent answered with an error: retrying would not help."""

    def __init__(self, error: dict[str, Any]) -> None:
        super().__init__(error.get("message", "the agent refused the task"))
        self.error = error


def submit(engine: Engine, user_id: int, kind: str, job_input: Any) -> dict[str, Any]:
    """`job_input` is the kind's contract record, already checked; the ids it names are checked here."""
    now = t.utcnow()
    with engine.begin() as connection:
        job_inputs.enrich(connection, kind, job_input)  # refuses unknown ids now, not later
        job_id = connection.execute(insert(jobs).values(
            user_id=user_id, kind=kind, input=job_inputs.stored(job_input), status="queued", progress=0.0,
            step="queued",
            attempts=0, created_at=now, updated_at=now)).inserted_primary_key[0]
        return to_json(connection.execute(select(jobs).where(jobs.c.id == job_id)).one())


def get(engine: Engine, job_id: int) -> dict[str, Any]:
    with reading(engine) as connection:
        row = connection.execute(select(jobs).where(jobs.c.id == job_id)).first()
    if row is None:
        raise NotFound("job")
    return to_json(row)


class JobRunner:
    def __init__(self, engine: Engine, settings: GatewaySettings) -> None:
        self.engine = engine
        self.settings = settings
        self._wake = threading.Condition()
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []
        self._calls: set[http.client.HTTPConnection] = set()  # open agent connections, cut on stop

    def start(self) -> None:
        with self.engine.begin() as connection:
            requeued = connection.execute(update(jobs).where(jobs.c.status == "running").values(
                status="queued", step="requeued after a gateway restart", updated_at=t.utcnow())).rowcount
        if requeued:
            log.info("requeued %d job(s) left running by the previous gateway", requeued)
        for number in range(self.settings.job_workers):
            thread = threading.Thread(target=self._work, name=f"umt-job-{number}", daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self) -> None:
        """Jobs still running stay `running` in the database and are requeued on the next start."""
        self._stopping.set()
        self.notify()
        for connection in list(self._calls):
            with contextlib.suppress(OSError, AttributeError):
                connection.sock.shutdown(socket.SHUT_RDWR)
        for thread in self._threads:
            thread.join(timeout=1.0)

    def notify(self) -> None:
        with self._wake:
            self._wake.notify_all()

    def _work(self) -> None:
        while not self._stopping.is_set():
            try:
                job = self._claim()
            except Exception:  # noqa: BLE001 - a database hiccup must not kill the worker
                log.exception("could not claim a job")
                job = None
            if job is None:
                with self._wake:
                    self._wake.wait(timeout=self._idle_wait())
                continue
            try:
                self._run(job)
            except Exception:  # noqa: BLE001 - record, never crash the worker
                log.exception("job %s crashed", job.id)
                self._finish(job.id, "failed", error={"code": "internal", "message": "the gateway failed to run it"})

    def _idle_wait(self) -> float:
        with reading(self.engine) as connection:
            due = connection.execute(select(jobs.c.next_attempt_at).where(
                jobs.c.status == "queued", jobs.c.next_attempt_at.is_not(None))
                .order_by(jobs.c.next_attempt_at).limit(1)).scalar()
        if due is None:
            return 5.0
        return min(5.0, max(0.01, (as_utc(due) - t.utcnow()).total_seconds()))

    def _claim(self):
        now = t.utcnow()
        with self.engine.begin() as connection:
            candidates = connection.execute(select(jobs.c.id).where(
                jobs.c.status == "queued",
                (jobs.c.next_attempt_at.is_(None)) | (jobs.c.next_attempt_at <= now),
            ).order_by(jobs.c.id).limit(5)).scalars().all()
            for job_id in candidates:
                claimed = connection.execute(update(jobs).where(jobs.c.id == job_id, jobs.c.status == "queued").values(
                    status="running", step="sent to the agent", started_at=now, updated_at=now,
                    attempts=jobs.c.attempts + 1)).rowcount
                if claimed:
                    return connection.execute(select(jobs).where(jobs.c.id == job_id)).one()
        return None

    def _run(self, job) -> None:
        try:
            with reading(self.engine) as connection:
                payload = job_inputs.enrich(connection, job.kind, job_inputs.read(job.kind, job.input))
        except ApiError as exc:  # e.g. the brand was deleted after the job was queued
            self._finish(job.id, "failed", error=exc.body()["error"])
            return
        try:
            result = self._call_agent(job.id, job.kind, payload)
            if self._stopping.is_set():
                return  # stays running; the next gateway start requeues it
        except TaskRefused as refused:
            self._finish(job.id, "failed", error=refused.error)
        except AgentUnavailable as exc:
            if not self._stopping.is_set():
                self._retry_or_fail(job, str(exc))
        else:
            self._finish(job.id, "done", result=result)
            self._apply(job, result)

    def _call_agent(self, job_id: int, kind: str, payload: Any) -> Any:
        parts = urlsplit(self.settings.agent_url)
        connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port or 80,
                                                timeout=self.settings.agent_timeout_seconds)
        self._calls.add(connection)
        try:
            connection.request("POST", f"{parts.path.rstrip('/')}/v1/tasks/{kind}", body=msgspec.json.encode(payload),
                               headers={"Content-Type": "application/json", "Accept": "application/x-ndjson"})
            response = connection.getresponse()
            if response.status >= 500:
                raise AgentUnavailable(f"the agent answered {response.status}")
            if "ndjson" not in (response.getheader("Content-Type") or ""):
                return _final(_json(response.read()), response.status)
            while True:
                line = response.readline()
                if not line:
                    raise AgentUnavailable("the agent stopped before it finished the task")
                if not line.strip():
                    continue
                message = _json(line)
                if "result" in message or "error" in message:
                    return _final(message, response.status)
                self._progress(job_id, message)
        except (OSError, http.client.HTTPException) as exc:
            raise AgentUnavailable(f"the agent is unreachable: {type(exc).__name__}: {exc}") from None
        finally:
            self._calls.discard(connection)
            connection.close()

    def _progress(self, job_id: int, message: dict[str, Any]) -> None:
        values: dict[str, Any] = {"updated_at": t.utcnow()}
        progress = message.get("progress")
        if isinstance(progress, (int, float)) and not isinstance(progress, bool):
            values["progress"] = min(1.0, max(0.0, float(progress)))
        if isinstance(message.get("step"), str):
            values["step"] = message["step"][:200]
        with self.engine.begin() as connection:
            connection.execute(update(jobs).where(jobs.c.id == job_id, jobs.c.status == "running").values(**values))

    def _retry_or_fail(self, job, reason: str) -> None:
        if job.attempts >= self.settings.job_max_attempts:
            self._finish(job.id, "failed", error={"code": "agent_unavailable", "message": reason})
            return
        delay = self.settings.job_retry_base_seconds * 2 ** (job.attempts - 1)
        with self.engine.begin() as connection:
            connection.execute(update(jobs).where(jobs.c.id == job.id).values(
                status="queued", step=f"waiting for the agent (attempt {job.attempts} failed: {reason})"[:200],
                next_attempt_at=t.utcnow() + timedelta(seconds=delay), updated_at=t.utcnow()))
        log.info("job %s: %s; retrying in %.1f s", job.id, reason, delay)

    def _finish(self, job_id: int, status: str, result: Any = None, error: Any = None) -> None:
        now = t.utcnow()
        values = {"status": status, "result": result, "error": error, "finished_at": now, "updated_at": now,
                  "step": "done" if status == "done" else "failed", "next_attempt_at": None}
        if status == "done":
            values["progress"] = 1.0
        with self.engine.begin() as connection:
            connection.execute(update(jobs).where(jobs.c.id == job_id).values(**values))

    def _apply(self, job, result: Any) -> None:
        """A finished score lands on the content item it scored."""
        content_id = job.input.get("content_id")
        if job.kind == "score" and isinstance(content_id, int) and isinstance(result, dict):
            with self.engine.begin() as connection:
                connection.execute(update(t.content_items).where(t.content_items.c.id == content_id)
                                   .values(scores=result, updated_at=t.utcnow()))


def _json(raw: bytes) -> dict[str, Any]:
    try:
        # NaN/Infinity (which Python's json writes) become null: they are not JSON, and the job
        # record must stay sendable.
        value = json.loads(raw, parse_constant=lambda _: None)
    except ValueError:
        raise AgentUnavailable("the agent sent something that is not JSON") from None
    if not isinstance(value, dict):
        raise AgentUnavailable("the agent sent JSON that is not an object")
    return value


def _final(message: dict[str, Any], status: int) -> Any:
    if "error" in message or status >= 400:
        error = message.get("error")
        if not isinstance(error, dict):
            error = {"code": "agent_error", "message": str(error or f"the agent answered {status}")}
        raise TaskRefused(error)
    if "result" not in message:
        raise AgentUnavailable("the agent's reply has no result")
    return message["result"]
