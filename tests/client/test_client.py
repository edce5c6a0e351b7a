"""umt.client against the real gateway over HTTP: typed errors, timeouts, paging, jobs."""

from __future__ import annotations

import socket
import threading
import time
from datetime import date, datetime, timezone

import pytest

from tests.conftest import free_port
from tests.gateway.conftest import OWNER
from umt.client import (ApiError, Conflict, GatewayClient, GatewayUnreachable, Job, NotFound, Unauthorized,
                        ValidationFailed)


def test_errors_are_typed_and_carry_code_and_field(owner):
    with pytest.raises(NotFound) as missing:
        owner.brands.get(404)
    assert (missing.value.status, missing.value.code, missing.value.field) == (404, "not_found", "id")
    with pytest.raises(ValidationFailed) as invalid:
        owner.brands.create(name="")
    assert invalid.value.status == 422 and invalid.value.field == "name" and "empty" in invalid.value.message
    with pytest.raises(Conflict):
        owner.setup_owner(**OWNER)
    assert isinstance(invalid.value, ApiError) and "field name" in str(invalid.value)


def test_unauthorized_without_token(anonymous):
    with pytest.raises(Unauthorized) as refused:
        anonymous.brands.list()
    assert refused.value.status == 401


def test_dates_and_times_go_both_ways_as_typed_values(owner):
    campaign = owner.campaigns.create(name="Q3", start=date(2026, 7, 1), end=date(2026, 9, 30))
    assert (campaign.start, campaign.end) == (date(2026, 7, 1), date(2026, 9, 30))
    item = owner.content.create(channel="x", title="T", scheduled_at=datetime(2026, 7, 2, 9, tzinfo=timezone.utc))
    assert item.scheduled_at == datetime(2026, 7, 2, 9, tzinfo=timezone.utc)


def test_paging_through_everything(owner):
    for n in range(5):
        owner.brands.create(name=f"Brand {n}")
    page = owner.brands.list(limit=2, offset=2)
    assert (page.total, page.limit, page.offset, len(page.items)) == (5, 2, 2, 2)
    assert [b.name for b in owner.brands.iterate(page_size=2)] == [f"Brand {n}" for n in range(5)]


def test_a_closed_port_is_gateway_unreachable():
    client = GatewayClient(f"http://127.0.0.1:{free_port()}", timeout=(1, 1))
    with pytest.raises(GatewayUnreachable) as unreachable:
        client.health()
    assert unreachable.value.code == "unreachable"


def test_a_silent_server_times_out_as_unreachable():
    """A server that accepts and never answers: the read timeout ends the wait."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        accepted = []
        threading.Thread(target=lambda: accepted.append(listener.accept()), daemon=True).start()
        client = GatewayClient(f"http://127.0.0.1:{listener.getsockname()[1]}", timeout=(1, 0.3))
        started = time.monotonic()
        with pytest.raises(GatewayUnreachable):
            client.health()
        assert time.monotonic() - started < 5
        for connection, _ in accepted:
            connection.close()


def test_wait_job_reports_progress(owner, fake_agent):
    updates: list[Job] = []
    fake_agent.release.clear()  # the agent holds the task after its progress lines...

    def on_progress(update: Job) -> None:
        updates.append(update)
        if 0 < update.progress < 1:
            fake_agent.release.set()  # ...until the client has seen some of them

    job = owner.submit_job("utm", {"url": "https://example.com", "source": "news", "medium": "email", "campaign": "spring"})
    finished = owner.wait_job(job.id, timeout=20, on_progress=on_progress)
    assert finished.status == "done" and finished.result["kind"] == "utm"
    assert updates[-1].status == "done" and any(0 < u.progress < 1 for u in updates)
    assert owner.get_job(job.id).finished


def test_two_factor_login_through_the_client(owner, gateway):
    import pyotp

    enrolment = owner.enrol_totp()
    totp = pyotp.TOTP(enrolment.secret)
    codes = owner.confirm_totp(totp.now())
    with GatewayClient(gateway.url) as client:
        result = client.login(OWNER["email"], OWNER["password"])
        assert result.mfa_required and result.session is None
        client.login_second_factor(result.challenge, code=totp.at(time.time() + 30))
        assert client.me().totp_enabled
        client.logout()
        assert client.token is None
        result = client.login(OWNER["email"], OWNER["password"])
        client.login_second_factor(result.challenge, recovery_code=codes[0])
        assert client.me().email == OWNER["email"]


def test_ready_reports_the_checks_and_a_missing_agent_as_degraded(gateway, anonymous, fake_agent):
    assert anonymous.ready() == {"status": "ready", "checks": {"database": "ok", "agent": "ok"}}
    fake_agent.server.stop()
    assert anonymous.ready() == {"status": "degraded", "checks": {"database": "ok", "agent": "unreachable"}}


def test_a_write_retries_for_a_bounded_time_then_says_unreachable():
    """Writes retry while the gateway restarts, but not for ever: retry_seconds bounds the wait."""
    client = GatewayClient(f"http://127.0.0.1:{free_port()}", "token", timeout=(1, 1), retry_seconds=0.5)
    attempts = []
    original = client.http.request

    def counting(*args, **kwargs):
        attempts.append(kwargs.get("headers", {}).get("Idempotency-Key"))
        return original(*args, **kwargs)

    client.http.request = counting
    started = time.monotonic()
    with pytest.raises(GatewayUnreachable):
        client.brands.create(name="Acme")
    assert 0.3 < time.monotonic() - started < 3
    assert len(attempts) >= 3 and len(set(attempts)) == 1 and attempts[0]  # one key for every attempt
    with pytest.raises(GatewayUnreachable):
        client.brands.list()  # reads are not retried: at once
    assert len(attempts) >= 4
