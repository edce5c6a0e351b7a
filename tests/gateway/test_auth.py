"""Accounts over real HTTP: owner setup, sign-in, TOTP 2FA end to end, recovery codes, lockout,
token expiry and revocation, password change."""

from __future__ import annotations

import subprocess
import time

import pyotp
import pytest
from sqlalchemy import update

from tests.gateway.conftest import OWNER
from tests.runtime.helpers import wait_for
from umt.client import Conflict, GatewayClient, Locked, Unauthorized, ValidationFailed
from umt.gateway import tables


def test_owner_setup_only_while_no_account_exists(anonymous, gateway):
    assert anonymous.setup_required() is True
    session = anonymous.setup_owner(**OWNER)
    assert session.token and session.expires_at.tzinfo is not None
    assert anonymous.me().email == OWNER["email"] and anonymous.me().role == "owner"
    assert anonymous.setup_required() is False
    with GatewayClient(gateway.url) as second:
        with pytest.raises(Conflict) as refused:
            second.setup_owner("intruder@example.com", "Mallory", "another long password")
        assert refused.value.code == "already_set_up"


def test_setup_refuses_a_short_password_naming_the_field(anonymous):
    with pytest.raises(ValidationFailed) as refused:
        anonymous.setup_owner("owner@example.com", "Olive", "short")
    assert refused.value.field == "password"
    with pytest.raises(ValidationFailed) as refused:
        anonymous.setup_owner("not-an-email", "Olive", "long enough password")
    assert refused.value.field == "email"


def test_login_with_password_and_logout_revokes_the_token(owner, gateway):
    with GatewayClient(gateway.url) as client:
        with pytest.raises(Unauthorized) as wrong:
            client.login(OWNER["email"], "wrong password!")
        assert wrong.value.field == "password"
        with pytest.raises(Unauthorized):
            client.login("nobody@example.com", OWNER["password"])
        result = client.login(OWNER["email"].upper(), OWNER["password"])  # emails compare case-insensitively
        assert not result.mfa_required and result.session.token == client.token
        assert client.me().email == OWNER["email"]
        token = client.token
        client.logout()
        client.token = token
        with pytest.raises(Unauthorized) as revoked:
            client.me()
        assert revoked.value.code == "bad_token"


def test_expired_token_is_refused(owner, gateway):
    with gateway.engine.begin() as connection:
        connection.execute(update(tables.sessions).values(expires_at=tables.utcnow()))
    with pytest.raises(Unauthorized) as expired:
        owner.me()
    assert expired.value.code == "token_expired"


def test_missing_and_malformed_tokens_are_refused(anonymous, owner):
    for header in (None, "Bearer", "Basic abc", "Bearer not-a-token"):
        anonymous.token = None
        headers = {"Authorization": header} if header else {}
        with pytest.raises(Unauthorized) as refused:
            anonymous.request("GET", "/api/v1/brands", headers=headers)
        assert refused.value.field == "Authorization"


def _enable_totp(client: GatewayClient) -> tuple[pyotp.TOTP, list[str], str]:
    """Turns 2FA on; returns the authenticator, the recovery codes and the code that confirmed it."""
    enrolment = client.enrol_totp()
    assert enrolment.otpauth_uri.startswith("otpauth://totp/")
    assert enrolment.secret in enrolment.otpauth_uri
    totp = pyotp.TOTP(enrolment.secret)
    with pytest.raises(ValidationFailed) as wrong:
        client.confirm_totp(_wrong_code(totp.now()))
    assert wrong.value.field == "code"
    assert client.me().totp_enabled is False  # a wrong code does not switch it on
    confirming_code = totp.now()
    codes = client.confirm_totp(confirming_code)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert client.me().totp_enabled is True
    return totp, codes, confirming_code


def _wrong_code(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def _code_for_next_step(totp: pyotp.TOTP) -> str:
    """The code of the coming 30 s step: accepted (clock drift window) and not used yet."""
    return totp.at(time.time() + 30)


def test_totp_end_to_end_with_codes_from_the_enrolled_secret(owner, gateway):
    totp, _, confirming_code = _enable_totp(owner)
    with GatewayClient(gateway.url) as client:
        first = client.login(OWNER["email"], OWNER["password"])
        assert first.mfa_required and client.token is None
        # The challenge is not a token.
        client.token = first.challenge
        with pytest.raises(Unauthorized):
            client.me()
        client.token = None
        # The code used to confirm the enrolment is spent: the same step is refused.
        with pytest.raises(Unauthorized) as reused:
            client.login_second_factor(first.challenge, code=confirming_code)
        assert reused.value.code == "bad_code"
        code = _code_for_next_step(totp)
        session = client.login_second_factor(first.challenge, code=code)
        assert client.me().totp_enabled is True and session.token == client.token
        # A code is not accepted twice, not even with a fresh challenge.
        again = client.login(OWNER["email"], OWNER["password"])
        with pytest.raises(Unauthorized):
            client.login_second_factor(again.challenge, code=code)


def test_independent_totp_implementation_agrees(owner, gateway):
    """Debian's oathtool computes the code from the secret on its own."""
    enrolment = owner.enrol_totp()
    code = subprocess.run(["oathtool", "--totp", "-b", enrolment.secret], capture_output=True, text=True,
                          check=True).stdout.strip()
    assert len(owner.confirm_totp(code)) == 10


def test_recovery_codes_are_single_use(owner, gateway):
    _, codes, _ = _enable_totp(owner)
    with GatewayClient(gateway.url) as client:
        challenge = client.login(OWNER["email"], OWNER["password"]).challenge
        client.login_second_factor(challenge, recovery_code=codes[0].upper())  # case does not matter
        assert client.me().email == OWNER["email"]
        challenge = client.login(OWNER["email"], OWNER["password"]).challenge
        with pytest.raises(Unauthorized) as reused:
            client.login_second_factor(challenge, recovery_code=codes[0])
        assert reused.value.field == "recovery_code"
        client.login_second_factor(challenge, recovery_code=codes[1])


def test_second_factor_needs_exactly_one_kind_of_code(owner, gateway):
    totp, codes, _ = _enable_totp(owner)
    challenge = GatewayClient(gateway.url).login(OWNER["email"], OWNER["password"]).challenge
    with pytest.raises(ValidationFailed):
        GatewayClient(gateway.url).login_second_factor(challenge)
    with pytest.raises(ValidationFailed):
        GatewayClient(gateway.url).login_second_factor(challenge, code=totp.now(), recovery_code=codes[0])
    with pytest.raises(Unauthorized) as unknown:
        GatewayClient(gateway.url).login_second_factor("made-up", code=totp.now())
    assert unknown.value.field == "challenge"


def test_regenerated_recovery_codes_replace_the_old_ones(owner, gateway):
    totp, old, _ = _enable_totp(owner)
    new = owner.regenerate_recovery_codes(_code_for_next_step(totp))
    assert not set(new) & set(old)
    with GatewayClient(gateway.url) as client:
        challenge = client.login(OWNER["email"], OWNER["password"]).challenge
        with pytest.raises(Unauthorized):
            client.login_second_factor(challenge, recovery_code=old[2])
        client.login_second_factor(challenge, recovery_code=new[2])


def test_disable_totp_needs_password_and_code(owner, gateway):
    totp, _, _ = _enable_totp(owner)
    with pytest.raises(ValidationFailed) as wrong_password:
        owner.disable_totp("not the password", _code_for_next_step(totp))
    assert wrong_password.value.field == "password"
    owner.disable_totp(OWNER["password"], _code_for_next_step(totp))
    assert owner.me().totp_enabled is False
    with GatewayClient(gateway.url) as client:
        assert not client.login(OWNER["email"], OWNER["password"]).mfa_required


def test_lockout_with_backoff_then_recovery(owner, gateway):
    """Threshold 3, base 1 s in these tests: the 3rd failure locks for 1 s, the next for 2 s."""
    client = GatewayClient(gateway.url)
    for _ in range(2):
        with pytest.raises(Unauthorized):
            client.login(OWNER["email"], "wrong password!")
    with pytest.raises(Unauthorized):
        client.login(OWNER["email"], "wrong password!")  # third failure: locked from now on
    with pytest.raises(Locked) as locked:
        client.login(OWNER["email"], OWNER["password"])  # even the right password waits
    assert locked.value.status == 429 and locked.value.retry_after >= 1

    def attempt(password):
        try:
            client.login(OWNER["email"], password)
        except Locked:
            return None
        except Unauthorized:
            return "refused"
        return "signed in"

    assert wait_for(lambda: attempt("wrong password!"), timeout_s=5, every_s=0.1) == "refused"
    started = time.monotonic()
    with pytest.raises(Locked) as longer:
        client.login(OWNER["email"], OWNER["password"])
    assert longer.value.retry_after >= 2  # the backoff doubled
    assert wait_for(lambda: attempt(OWNER["password"]), timeout_s=8, every_s=0.1) == "signed in"
    assert time.monotonic() - started >= 1.0
    # Success resets the counter: one failure does not lock.
    with pytest.raises(Unauthorized):
        client.login(OWNER["email"], "wrong password!")
    assert attempt(OWNER["password"]) == "signed in"


def test_wrong_totp_codes_count_towards_lockout(owner, gateway):
    totp, _, _ = _enable_totp(owner)
    client = GatewayClient(gateway.url)
    challenge = client.login(OWNER["email"], OWNER["password"]).challenge
    for _ in range(3):
        with pytest.raises(Unauthorized):
            client.login_second_factor(challenge, code=_wrong_code(_code_for_next_step(totp)))
    with pytest.raises(Locked):
        client.login_second_factor(challenge, code=_code_for_next_step(totp))


def test_password_change_ends_other_sessions(owner, gateway):
    other = GatewayClient(gateway.url)
    other.login(OWNER["email"], OWNER["password"])
    with pytest.raises(ValidationFailed) as wrong:
        owner.change_password("not the password", "a brand new password")
    assert wrong.value.field == "current_password"
    owner.change_password(OWNER["password"], "a brand new password")
    assert owner.me().email == OWNER["email"]  # this session stays
    with pytest.raises(Unauthorized):
        other.me()
    with pytest.raises(Unauthorized):
        other.login(OWNER["email"], OWNER["password"])
    other.login(OWNER["email"], "a brand new password")
    assert other.me().email == OWNER["email"]


def test_the_database_keeps_no_usable_secrets(owner, gateway):
    _, codes, _ = _enable_totp(owner)
    with gateway.engine.connect() as connection:
        stored = " ".join(str(v) for table in (tables.users, tables.sessions, tables.recovery_codes)
                          for row in connection.execute(table.select()) for v in row)
    assert owner.token not in stored
    assert OWNER["password"] not in stored
    assert not any(code in stored for code in codes)
    assert "scrypt$16384$8$1$" in stored


def test_concurrent_setups_create_one_owner(anonymous, gateway):
    from concurrent.futures import ThreadPoolExecutor

    def attempt(number):
        try:
            GatewayClient(gateway.url).setup_owner(f"owner{number}@example.com", "Owner", "a long password!")
            return "created"
        except Conflict:
            return "refused"

    with ThreadPoolExecutor(4) as pool:
        outcomes = sorted(pool.map(attempt, range(4)))
    assert outcomes == ["created", "refused", "refused", "refused"]


def test_one_totp_code_signs_in_once_even_when_sent_twice_at_the_same_time(owner, gateway):
    from concurrent.futures import ThreadPoolExecutor

    totp, _, _ = _enable_totp(owner)
    challenges = [GatewayClient(gateway.url).login(OWNER["email"], OWNER["password"]).challenge for _ in range(2)]
    code = _code_for_next_step(totp)

    def attempt(challenge):
        try:
            GatewayClient(gateway.url).login_second_factor(challenge, code=code)
            return "signed in"
        except Unauthorized:
            return "refused"

    with ThreadPoolExecutor(2) as pool:
        assert sorted(pool.map(attempt, challenges)) == ["refused", "signed in"]
