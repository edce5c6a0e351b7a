"""Jobs: the record the gateway keeps for each task it hands to the agent."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from umt.contract.base import Page, Record
from umt.contract.resources import ListQuery

JobKind = Literal["draft", "score", "experiment", "sample_size", "best_time", "utm", "plan_calendar"]
JOB_KINDS: tuple[str, ...] = JobKind.__args__
JobStatus = Literal["queued", "running", "done", "failed"]
JOB_STATUSES: tuple[str, ...] = JobStatus.__args__
TERMINAL_JOB_STATES = ("done", "failed")


class JobError(Record):
    """Why a job failed, in the API's error shape."""

    code: str
    message: str
    field: str | None = None
    details: Any = None


class Job(Record):
    id: int
    user_id: int | None
    kind: JobKind
    input: dict[str, Any]
    status: JobStatus
    progress: float
    step: str
    result: dict[str, Any] | None
    error: JobError | None
    attempts: int
    next_attempt_at: datetime | None
    started_at: datetime | None
    finished_at: datetime | None
    created_at: datetime
    updated_at: datetime

    @property
    def finished(self) -> bool:
        return self.status in TERMINAL_JOB_STATES


JobPage = Page[Job]


class JobQuery(ListQuery):
    status: JobStatus | None = None
    kind: JobKind | None = None
