"""Synchronous scoring for the editor's live score panel: the gateway asks the agent's score task
and answers with its result. Nothing is stored (no job row per pause in typing); a content item's
stored score still comes from a `score` job."""

from __future__ import annotations

from typing import Any

from umt.contract import ScoreRequest, ScoreResult
from umt.gateway import job_inputs
from umt.gateway.agent_client import AgentUnavailable, TaskRefused
from umt.gateway.db import reading
from umt.gateway.errors import ApiError
from umt.gateway.http import Call, Operation


async def score(call: Call):
    return await call.run(score_now, call.services, call.body)


def score_now(services: Any, request: ScoreRequest) -> dict[str, Any]:
    score_input = request.as_score_input()
    if request.brand_id is not None:
        with reading(services.engine) as connection:
            score_input = job_inputs.enrich(connection, "score", score_input, prefix="")
    payload = job_inputs.stored(score_input)  # the score task's record: contract fields only
    try:
        return services.agent.run("score", payload, timeout=services.settings.score_timeout_seconds)
    except AgentUnavailable as exc:
        raise ApiError(503, "agent_unavailable", "the agent is not answering, so nothing can be scored now; "
                       "start the stack or see the agent's log", details={"reason": str(exc)},
                       headers={"Retry-After": "1"}) from None
    except TaskRefused as refused:
        error = refused.error
        raise ApiError(422, str(error.get("code") or "invalid"), str(error.get("message") or "the agent refused it"),
                       error.get("field") or None) from None


def operations() -> list[Operation]:
    return [
        Operation("POST", "/api/v1/score", score, "score a post now (nothing is stored): the live score panel",
                  "agent", body=ScoreRequest, reply=ScoreResult, errors=(503,),
                  idempotent=False),  # stores nothing: a repeat is harmless
    ]
