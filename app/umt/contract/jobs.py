"""Jobs: the record the gateway keeps for each task it hands to the agent."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from msgspec import Meta

from umt.contract.base import Page, Record
from umt.contract.resources import ListQuery
from umt.contract.tasks import TASK_KINDS, job_input, job_result

JobKind = Literal["draft", "score", "experiment", "sample_size", "best_time", "utm", "plan_calendar"]
JOB_KINDS: tuple[str, ...] = JobKind.__args__
JobStatus = Literal["queued", "running", "done", "failed", "cancelled"]
JOB_STATUSES: tuple[str, ...] = JobStatus.__args__
TERMINAL_JOB_STATES = ("done", "failed", "cancelled")


class JobError(Record):
    """Why a job failed, in the API's error shape."""

    code: str
    message: str
    field: str | None = None
    details: Any = None


# The stored input is the kind's input record (checked at submission); documented so in the
# OpenAPI document (whose components use this reference style), kept as data here so that a job
# stored before a contract change still reads.
_KIND_INPUTS = {"anyOf": [{"$ref": f"#/components/schemas/{kind.input.__name__}"} for kind in TASK_KINDS.values()]}


class Job(Record):
    """`input` and `result` are plain data; input_record() and result_record() give the kind's records."""

    id: int
    user_id: int | None
    kind: JobKind
    input: Annotated[dict[str, Any], Meta(extra_json_schema=_KIND_INPUTS)]
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

    def input_record(self) -> Any:
        """The input as its kind's record, e.g. a DraftInput."""
        return job_input(self.kind, self.input)

    def result_record(self) -> Any:
        """The result as its kind's record, e.g. a DraftResult (None until the job is done)."""
        return job_result(self.kind, self.result)


JobPage = Page[Job]


class JobQuery(ListQuery):
    status: JobStatus | None = None
    kind: JobKind | None = None
