"""Synchronous scoring for the editor's live score panel: the gateway asks the agent's score task
and answers with its result. Nothing is stored (no job row per pause in typing); a content item's
stored score still comes from a `score` job."""

from __future__ import annotations

from typing import Any

from umt.gateway import job_inputs
from umt.gateway.agent_client import AgentUnavailable, TaskRefused
from umt.gateway.db import reading
from umt.gateway.errors import ApiError
from umt.gateway.http import Call, Operation
from umt.gateway.schema import AnyObject, Bool, Enum, Int, List, Str, obj

score_input = obj("ScoreRequest",
                  text=Str(required=True, max_length=200_000, description="the post as it would go out"),
                  channel=Str(required=True, min_length=1, max_length=40,
                              description="a channel key or alias, as the agent's score task takes"),
                  keyphrase=Str(nullable=True, max_length=100),
                  brand_id=Int(minimum=1, nullable=True,
                               description="the brand whose banned words and hashtags are checked"))
score_check = obj("ScoreCheck", id=Str(), status=Enum("pass", "warn", "fail", "info"), message=Str(max_length=2000),
                  penalty=Int())
score_reply = obj("ScoreResult", score=Int(minimum=0, maximum=100), rating=Enum("good", "fair", "poor"),
                  channel=Str(), publishable=Bool(), reasons=List(Str(max_length=2000), max_items=100),
                  checks=List(score_check, max_items=100), metrics=AnyObject())


async def score(call: Call):
    return await call.run(score_now, call.services, call.body)


def score_now(services: Any, request: dict[str, Any]) -> dict[str, Any]:
    payload = request
    if request.get("brand_id") is not None:
        with reading(services.engine) as connection:
            payload = job_inputs.enrich(connection, "score", request, field_prefix="")
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
                  "agent", body=score_input, reply=score_reply, errors=(503,)),
    ]
