"""TOTP with the client's clock off by 30 s either way (gateway/accounts.py, gateway/security.py)."""

from __future__ import annotations

import time

import pyotp
import pytest

from tests.gateway.conftest import OWNER
from tests.runtime.helpers import wait_for
from umt.client import ApiError, GatewayClient, Unauthorized


def _away_from_a_step_boundary() -> None:
    """Clocks 30 s apart differ by exactly one 30 s step only away from a boundary: wait for one
    second 2 to 26 of a step, so the code's step cannot change between here and the gateway."""
    wait_for(lambda: 2 <= time.time() % 30 <= 26, timeout_s=10, every_s=0.1, what="the middle of a TOTP step")


@pytest.mark.faults
def test_a_phone_30_seconds_behind_is_accepted_and_60_seconds_is_refused(owner):
    """Promise: a code from an authenticator whose clock is 30 s behind is accepted (one step of
    drift), one from a clock 60 s behind or ahead is refused; here on turning 2FA on."""
    totp = pyotp.TOTP(owner.enrol_totp().secret)
    _away_from_a_step_boundary()
    for off in (-60, +60):
        with pytest.raises(ApiError) as refused:
            owner.confirm_totp(totp.at(time.time() + off))
        assert refused.value.status in (401, 422) and refused.value.field == "code", off
    assert owner.me().totp_enabled is False
    assert len(owner.confirm_totp(totp.at(time.time() - 30))) >= 8
    assert owner.me().totp_enabled is True


@pytest.mark.faults
def test_a_phone_30_seconds_ahead_signs_in_and_60_seconds_does_not(owner, gateway):
    """Promise: at sign-in, a code from a clock 30 s ahead is accepted, 60 s ahead or behind refused."""
    totp = pyotp.TOTP(owner.enrol_totp().secret)
    owner.confirm_totp(totp.now())
    _away_from_a_step_boundary()
    with GatewayClient(gateway.url) as client:
        challenge = client.login(OWNER["email"], OWNER["password"]).challenge
        for off in (+60, -60):
            with pytest.raises(Unauthorized) as refused:
                client.login_second_factor(challenge, code=totp.at(time.time() + off))
            assert refused.value.code == "bad_code", off
        session = client.login_second_factor(challenge, code=totp.at(time.time() + 30))
        assert session.token and client.me().email == OWNER["email"]
