"""Agent tasks as persisted jobs: queued → running → done, failed or cancelled.

Worker threads claim jobs with a row lease (leases.py), forward them to the agent (streaming
NDJSON, so progress shows), and record every step in the database. Several gateway processes may
share one database: each job is run by the one process holding its lease, which renews it while
the agent works and records the result only while it still holds it; a job whose lease expired
(its gateway died) is claimed again by any gateway. A gateway that stops cleanly puts its running
jobs back in the queue. While the agent is down (no connection at all) jobs wait in the queue without using up
attempts and run when it is back; a job cut off by an agent restart goes back to the queue with
backoff, a limited number of times.
Cancelling a running job cuts its agent call (the agent then stops the task). Finished jobs older
than the retention period are deleted in batches by a pruning thread."""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.engine import Engine

from umt.gateway import job_inputs, leases, tables as t
from umt.gateway.agent_client import (AgentClient, AgentUnavailable, AgentUnreachable, CallCancelled, Cancel,
                                      TaskRefused)
from umt.gateway.crud import to_json
from umt.gateway.db import as_utc, reading, writing
from umt.gateway.errors import ApiError, Conflict, NotFound
from umt.gateway.settings import GatewaySettings

log = logging.getLogger(__name__)
jobs = t.jobs
TERMINAL = ("done", "failed", "cancelled")
PRUNE_BATCH = 500


class _NoLongerRunning(Exception):
    """The job was cancelled (perhaps by another gateway process), or this process lost its lease,
    while its task ran."""


def public(job: dict[str, Any]) -> dict[str, Any]:
    """A job as the API shows it: the lease is the gateways' business."""
    job.pop("lease_owner", None)
    job.pop("lease_expires_at", None)
    return job


def submit(engine: Engine, user_id: int, kind: str, job_input: Any) -> dict[str, Any]:
    """`job_input` is the kind's contract record, already checked; the ids it names are checked here."""
    now = t.utcnow()
    with writing(engine) as connection:
        job_inputs.enrich(connection, kind, job_input)  # refuses unknown ids now, not later
        job_id = connection.execute(insert(jobs).values(
            user_id=user_id, kind=kind, input=job_inputs.stored(job_input), status="queued", progress=0.0,
            step="queued", attempts=0, created_at=now, updated_at=now)).inserted_primary_key[0]
        return public(to_json(connection.execute(select(jobs).where(jobs.c.id == job_id)).one()))


def get(engine: Engine, job_id: int) -> dict[str, Any]:
    with reading(engine) as connection:
        row = connection.execute(select(jobs).where(jobs.c.id == job_id)).first()
    if row is None:
        raise NotFound("job")
    return public(to_json(row))


def cancel(engine: Engine, job_id: int) -> tuple[dict[str, Any], bool]:
    """Marks a queued or running job cancelled; returns (the job, whether it was running).
    Raises NotFound, or Conflict for a job that has already finished."""
    now = t.utcnow()
    with writing(engine) as connection:
        row = connection.execute(select(jobs.c.status).where(jobs.c.id == job_id)).first()
        if row is None:
            raise NotFound("job")
        changed = connection.execute(update(jobs).where(jobs.c.id == job_id, jobs.c.status.in_(("queued", "running")))
                                     .values(status="cancelled", step="cancelled", finished_at=now, updated_at=now,
                                             next_attempt_at=None, **leases.release_values())).rowcount
        job = public(to_json(connection.execute(select(jobs).where(jobs.c.id == job_id)).one()))
    if not changed:
        raise Conflict("job_finished", f"job {job_id} has already finished ({job['status']}); "
                                       "there is nothing to cancel")
    return job, row.status == "running"


def prune_finished(engine: Engine, finished_before: datetime, batch: int = PRUNE_BATCH) -> int:
    """Deletes done, failed and cancelled jobs that finished before the cutoff, `batch` rows per
    transaction (so SQLite's write lock is never held long); returns how many went."""
    deleted = 0
    while True:
        with engine.begin() as connection:
            ids = connection.execute(select(jobs.c.id).where(jobs.c.status.in_(TERMINAL),
                                                             jobs.c.finished_at < finished_before)
                                     .order_by(jobs.c.id).limit(batch)).scalars().all()
            if ids:
                deleted += connection.execute(delete(jobs).where(jobs.c.id.in_(ids))).rowcount
        if len(ids) < batch:
            return deleted


class JobRunner:
    def __init__(self, engine: Engine, settings: GatewaySettings, agent: AgentClient) -> None:
        self.engine = engine
        self.settings = settings
        self.agent = agent
        self._wake = threading.Condition()
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()
        self._calls: dict[int, Cancel] = {}  # job id → its agent call, cut on cancel, stop or a lost lease
        self.owner = leases.new_owner()  # this process's name on the jobs it holds

    def start(self) -> None:
        # No requeue of "running" jobs here: with several gateways on one database they may be
        # another live gateway's. A dead gateway's jobs come back when their leases expire.
        targets = [(f"umt-job-{number}", self._work) for number in range(self.settings.job_workers)]
        if self.settings.job_workers:
            targets.append(("umt-job-leases", self._renew_periodically))
        if self.settings.job_retention_days > 0:
            targets.append(("umt-job-prune", self._prune_periodically))
        for name, target in targets:
            thread = threading.Thread(target=target, name=name, daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self) -> None:
        """Cuts the running agent calls and puts this process's jobs back in the queue, so that
        the next gateway (or another replica) runs them at once instead of after the lease expires."""
        self._stopping.set()
        self.notify()
        with self._lock:
            calls = list(self._calls.values())
        for call in calls:
            call.cancel()
        for thread in self._threads:
            thread.join(timeout=1.0)
        try:
            with self.engine.begin() as connection:
                requeued = connection.execute(update(jobs).where(
                    jobs.c.lease_owner == self.owner, jobs.c.status == "running").values(
                    status="queued", step="requeued: its gateway stopped", updated_at=t.utcnow(),
                    **leases.release_values())).rowcount
            if requeued:
                log.info("put %d running job(s) back in the queue", requeued)
        except Exception:  # noqa: BLE001 - the leases expire anyway; another gateway takes them then
            log.exception("could not requeue this gateway's running jobs")

    def notify(self) -> None:
        with self._wake:
            self._wake.notify_all()

    def cancel(self, job_id: int) -> dict[str, Any]:
        """Cancels the job; a running one's agent call is cut, which makes the agent stop the task."""
        job, was_running = cancel(self.engine, job_id)
        if was_running:
            with self._lock:
                call = self._calls.get(job_id)
            if call is not None:
                call.cancel()
        return job

    def prune(self) -> int:
        cutoff = t.utcnow() - timedelta(days=self.settings.job_retention_days)
        deleted = prune_finished(self.engine, cutoff)
        if deleted:
            log.info("deleted %d finished job(s) older than %g days", deleted, self.settings.job_retention_days)
        return deleted

    def _prune_periodically(self) -> None:
        while not self._stopping.is_set():
            try:
                self.prune()
            except Exception:  # noqa: BLE001 - a database hiccup must not end the pruning
                log.exception("could not prune finished jobs")
            self._stopping.wait(self.settings.job_prune_interval_seconds)

    def _renew_periodically(self) -> None:
        """Renews the lease of every job this process runs, three times per lease period; a job
        whose lease was lost (taken over after a stall, or cancelled elsewhere) has its call cut."""
        every = self.settings.job_lease_seconds / 3
        while not self._stopping.wait(every):
            with self._lock:
                held = dict(self._calls)
            for job_id, call in held.items():
                try:
                    kept = leases.renew(self.engine, jobs, job_id, owner=self.owner,
                                        seconds=self.settings.job_lease_seconds)
                except Exception:  # noqa: BLE001 - a database hiccup: try again next round
                    log.exception("could not renew the lease of job %s", job_id)
                    continue
                if not kept:
                    log.warning("job %s: this gateway no longer holds its lease; stopping its call", job_id)
                    call.cancel()

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
        """Until the next retry is due or the next lease expires (a job of a gateway that died),
        at most 5 s; a submission wakes the workers earlier through notify()."""
        with reading(self.engine) as connection:
            due = connection.execute(select(jobs.c.next_attempt_at).where(
                jobs.c.status == "queued", jobs.c.next_attempt_at.is_not(None))
                .order_by(jobs.c.next_attempt_at).limit(1)).scalar()
            expires = connection.execute(select(jobs.c.lease_expires_at).where(
                jobs.c.status == "running", jobs.c.lease_expires_at.is_not(None))
                .order_by(jobs.c.lease_expires_at).limit(1)).scalar()
        moments = [as_utc(moment) for moment in (due, expires) if moment is not None]
        if not moments:
            return 5.0
        return min(5.0, max(0.01, (min(moments) - t.utcnow()).total_seconds()))

    def _claim(self):
        """A queued job that is due, or a running one whose lease expired (its gateway died)."""
        now = t.utcnow()
        ready = (((jobs.c.status == "queued")
                  & (jobs.c.next_attempt_at.is_(None) | (jobs.c.next_attempt_at <= now)))
                 | (jobs.c.status == "running"))  # claim() adds: and its lease is free
        claimed = leases.claim(self.engine, jobs, ready, owner=self.owner, seconds=self.settings.job_lease_seconds,
                               values={"status": "running", "step": "sent to the agent", "started_at": now,
                                       "updated_at": now, "attempts": jobs.c.attempts + 1})
        return claimed[0] if claimed else None

    def _run(self, job) -> None:
        try:
            with reading(self.engine) as connection:
                agent_input = job_inputs.enrich(connection, job.kind, job_inputs.read(job.kind, job.input))
            payload = job_inputs.stored(agent_input)  # the kind's record as JSON data: contract fields only
        except ApiError as exc:  # e.g. the brand was deleted after the job was queued
            self._finish(job.id, "failed", error=exc.body()["error"])
            return
        call = Cancel()
        with self._lock:
            self._calls[job.id] = call
        try:
            if not self._holding(job.id):  # cancelled between the claim and now
                return
            result = self.agent.run(job.kind, payload, cancel=call,
                                    on_progress=lambda message: self._progress(job.id, message))
        except (CallCancelled, _NoLongerRunning):
            return  # cancelled: recorded by cancel(); stopping: requeued by stop(); lease lost: another's now
        except TaskRefused as refused:
            self._finish(job.id, "failed", error=refused.error)
        except AgentUnreachable as exc:
            if not self._stopping.is_set():
                self._wait_for_agent(job, str(exc))
        except AgentUnavailable as exc:
            if not self._stopping.is_set():
                self._retry_or_fail(job, str(exc))
        else:
            if self._stopping.is_set():
                return  # requeued by stop()
            if self._finish(job.id, "done", result=result):
                self._apply(job, result)
        finally:
            with self._lock:
                self._calls.pop(job.id, None)

    def _holding(self, job_id: int) -> bool:
        """Whether the job still runs here: not cancelled, and its lease still this process's."""
        with reading(self.engine) as connection:
            return connection.execute(select(jobs.c.id).where(
                leases.held_by(jobs, job_id, self.owner), jobs.c.status == "running")).first() is not None

    def _mine(self, job_id: int):
        return leases.held_by(jobs, job_id, self.owner) & (jobs.c.status == "running")

    def _progress(self, job_id: int, message: dict[str, Any]) -> None:
        """Records the step and renews the lease with it."""
        now = t.utcnow()
        values: dict[str, Any] = {"updated_at": now,
                                  "lease_expires_at": now + timedelta(seconds=self.settings.job_lease_seconds)}
        progress = message.get("progress")
        if isinstance(progress, (int, float)) and not isinstance(progress, bool):
            values["progress"] = min(1.0, max(0.0, float(progress)))
        if isinstance(message.get("step"), str):
            values["step"] = message["step"][:200]
        with self.engine.begin() as connection:
            still_running = connection.execute(update(jobs).where(self._mine(job_id)).values(**values)).rowcount
        if not still_running:
            raise _NoLongerRunning()  # stops the call, and with it the agent's task

    def _wait_for_agent(self, job, reason: str) -> None:
        """The agent is down: the job never reached it, so this try does not count as an attempt.
        It waits in the queue, looked at again every few seconds, until the agent is back."""
        delay = self.settings.agent_wait_seconds
        with self.engine.begin() as connection:
            connection.execute(update(jobs).where(self._mine(job.id)).values(
                status="queued", attempts=jobs.c.attempts - 1, step="waiting for the agent to come back",
                next_attempt_at=t.utcnow() + timedelta(seconds=delay), updated_at=t.utcnow(),
                **leases.release_values()))
        log.info("job %s waits for the agent: %s", job.id, reason)

    def _retry_or_fail(self, job, reason: str) -> None:
        if job.attempts >= self.settings.job_max_attempts:
            self._finish(job.id, "failed", error={"code": "agent_unavailable", "message": reason})
            return
        delay = self.settings.job_retry_base_seconds * 2 ** (job.attempts - 1)
        with self.engine.begin() as connection:
            connection.execute(update(jobs).where(self._mine(job.id)).values(
                status="queued", step=f"waiting for the agent (attempt {job.attempts} failed: {reason})"[:200],
                next_attempt_at=t.utcnow() + timedelta(seconds=delay), updated_at=t.utcnow(),
                **leases.release_values()))
        log.info("job %s: %s; retrying in %.1f s", job.id, reason, delay)

    def _finish(self, job_id: int, status: str, result: Any = None, error: Any = None) -> bool:
        """False when the job no longer runs here (cancelled meanwhile, or its lease was taken over
        by another gateway): nothing changes."""
        now = t.utcnow()
        values = {"status": status, "result": result, "error": error, "finished_at": now, "updated_at": now,
                  "step": "done" if status == "done" else "failed", "next_attempt_at": None,
                  **leases.release_values()}
        if status == "done":
            values["progress"] = 1.0
        with self.engine.begin() as connection:
            return bool(connection.execute(update(jobs).where(self._mine(job_id)).values(**values)).rowcount)

    def _apply(self, job, result: Any) -> None:
        """A finished score lands on the content item it scored."""
        content_id = job.input.get("content_id")
        if job.kind == "score" and isinstance(content_id, int) and isinstance(result, dict):
            with self.engine.begin() as connection:
                connection.execute(update(t.content_items).where(t.content_items.c.id == content_id)
                                   .values(scores=result, updated_at=t.utcnow()))

