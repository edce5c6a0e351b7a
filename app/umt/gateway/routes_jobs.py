"""Routes for agent jobs: submit, poll, list, stream progress (server-sent events) and cancel."""

from __future__ import annotations

import json

import anyio
from starlette.responses import StreamingResponse

from umt import contract as c
from umt.contract.tasks import JobSubmission, job_kind
from umt.gateway import jobs as job_service
from umt.gateway.crud import Resource
from umt.gateway.db import when_committed
from umt.gateway.http import Call, Operation
from umt.gateway.tables import jobs as jobs_table

# Jobs are listed through the same CRUD list as the other resources; they are created by submit.
jobs_resource = Resource(
    name="jobs", singular="job", table=jobs_table, input=JobSubmission, patch=JobSubmission, reply=c.Job,
    query=c.JobQuery,
    filters={"status": lambda tb, v: tb.c.status == v, "kind": lambda tb, v: tb.c.kind == v},
)
POLL_SECONDS = 0.25
KEEPALIVE_SECONDS = 15.0


async def submit_job(call: Call):
    job = await call.run(job_service.submit, call.services.engine, call.user["id"], job_kind(call.body),
                         call.body.input)
    when_committed(call.services.runner.notify)
    return job


async def get_job(call: Call):
    return await call.run(job_service.get, call.services.engine, call.path["id"])


async def list_jobs(call: Call):
    page = await call.run(call.services.crud.list, jobs_resource, call.query)
    page["items"] = [job_service.public(job) for job in page["items"]]
    return page


async def cancel_job(call: Call):
    """Queued: cancelled at once. Running: the agent call is cut and the agent stops. Finished: 409."""
    return await call.run(call.services.runner.cancel, call.path["id"])


async def job_events(call: Call):
    """Server-sent events: one `job` event per change, the stream ends when the job does."""
    engine, job_id = call.services.engine, call.path["id"]
    first = await call.run(job_service.get, engine, job_id)  # 404 before the stream starts

    async def stream():
        job, last, quiet = first, None, 0.0
        while True:
            state = (job["status"], job["progress"], job["step"], job["attempts"])
            if state != last:
                yield f"event: job\nid: {job['updated_at']}\ndata: {json.dumps(job)}\n\n"
                last, quiet = state, 0.0
            if job["status"] in job_service.TERMINAL:
                return
            if quiet >= KEEPALIVE_SECONDS:
                yield ": keep-alive\n\n"
                quiet = 0.0
            await anyio.sleep(POLL_SECONDS)
            quiet += POLL_SECONDS
            job = await anyio.to_thread.run_sync(job_service.get, engine, job_id)

    return StreamingResponse(stream(), media_type="text/event-stream",
                             headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})


def operations() -> list[Operation]:
    return [
        Operation("POST", "/api/v1/jobs", submit_job, "hand a task to the agent; poll or stream the job", "jobs",
                  body=JobSubmission, reply=c.Job, status=202),
        Operation("GET", "/api/v1/jobs", list_jobs, "list jobs", "jobs", query=c.JobQuery, reply=c.JobPage),
        Operation("GET", "/api/v1/jobs/{id}", get_job, "one job: status, progress, step, result or error", "jobs",
                  reply=c.Job),
        Operation("GET", "/api/v1/jobs/{id}/events", job_events, "the job's changes as server-sent events", "jobs",
                  produces=("text/event-stream",)),
        Operation("POST", "/api/v1/jobs/{id}/cancel", cancel_job,
                  "cancel a queued or running job; a finished one is refused (409)", "jobs", reply=c.Job,
                  errors=(409,)),
    ]
