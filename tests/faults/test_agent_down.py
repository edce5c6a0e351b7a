"""The agent down: the gateway stays ready (degraded), jobs wait and resume."""

from __future__ import annotations

from dataclasses import replace

import pytest
import requests

from tests.gateway.servers import ThreadedServer
from tests.runtime.helpers import wait_for


@pytest.fixture
def gateway_settings(gateway_settings, real_agent):
    return replace(gateway_settings, agent_url=real_agent.url, agent_wait_seconds=0.1, job_max_attempts=2)


@pytest.mark.faults
def test_without_the_agent_the_gateway_serves_data_and_jobs_wait_until_it_is_back(gateway, owner, real_agent):
    """Promise: with the agent down the gateway stays ready in a degraded state (/ready 200,
    "degraded"), the owner's data works, and submitted jobs wait (more tries than the attempt
    limit, none spent) and then run when the agent returns."""
    assert requests.get(gateway.url + "/ready", timeout=5).json()["status"] == "ready"
    real_agent.stop()
    ready = requests.get(gateway.url + "/ready", timeout=5)
    assert ready.status_code == 200
    assert ready.json() == {"status": "degraded", "checks": {"database": "ok", "agent": "unreachable"}}
    brand = owner.brands.create(name="Still works")
    assert owner.brands.get(brand.id).name == "Still works"

    job = owner.submit_job("utm", {"url": "https://example.com", "source": "news", "medium": "email",
                                   "campaign": "spring"})
    looks: set[str] = set()

    def waited_beyond_the_attempt_limit() -> bool:
        current = owner.get_job(job.id)
        assert current.status in ("queued", "running"), f"the job ended while the agent was down: {current}"
        if current.step == "waiting for the agent to come back":
            looks.add(current.updated_at)
        return len(looks) >= 4  # job_max_attempts is 2

    wait_for(waited_beyond_the_attempt_limit, what="the job to be tried while the agent is down")
    back = ThreadedServer(real_agent.server.config.app, real_agent.port).start()
    try:
        done = owner.wait_job(job.id, timeout=30)
        assert done.status == "done" and done.attempts == 1
        assert done.result["url"].startswith("https://example.com/?utm_source=news")
        assert requests.get(gateway.url + "/ready", timeout=5).json()["status"] == "ready"
    finally:
        back.stop()
