"""Routes for accounts: setup, sign-in (with the TOTP step), sign-out, 2FA, password change."""

from __future__ import annotations

from umt import contract as c
from umt.gateway.http import Call, Operation


def _bearer(call: Call) -> str:
    return call.request.headers["authorization"].split(" ", 1)[1].strip()


async def auth_status(call: Call):
    return {"setup_required": await call.run(call.services.accounts.setup_required)}


async def setup_owner(call: Call):
    b = call.body
    return await call.run(call.services.accounts.setup_owner, b.email, b.name, b.password)


async def login(call: Call):
    return await call.run(call.services.accounts.login, call.body.email, call.body.password)


async def login_second_factor(call: Call):
    b = call.body
    return await call.run(call.services.accounts.login_second_factor, b.challenge, b.code, b.recovery_code)


async def logout(call: Call):
    await call.run(call.services.accounts.logout, _bearer(call))


async def me(call: Call):
    return call.user


async def enrol_totp(call: Call):
    return await call.run(call.services.accounts.enrol_totp, call.user["id"])


async def confirm_totp(call: Call):
    return await call.run(call.services.accounts.confirm_totp, call.user["id"], call.body.code)


async def disable_totp(call: Call):
    await call.run(call.services.accounts.disable_totp, call.user["id"], call.body.password, call.body.code)


async def regenerate_recovery_codes(call: Call):
    return await call.run(call.services.accounts.regenerate_recovery_codes, call.user["id"], call.body.code)


async def change_password(call: Call):
    b = call.body
    await call.run(call.services.accounts.change_password, call.user["id"], b.current_password,
                   b.new_password, _bearer(call))


def operations() -> list[Operation]:
    """No Idempotency-Key here: these replies carry secrets (tokens, recovery codes) that the gateway
    keeps only as hashes, and a repeat is harmless or refused (a second setup is a 409)."""
    p, tag = "/api/v1/auth", "auth"
    ops = [
        Operation("GET", f"{p}/status", auth_status, "whether the owner account still has to be set up", tag,
                  auth=False, reply=c.AuthStatus),
        Operation("POST", f"{p}/setup", setup_owner, "create the owner account (only while no account exists)", tag,
                  auth=False, body=c.SetupInput, reply=c.Session, status=201, errors=(409,)),
        Operation("POST", f"{p}/login", login, "sign in; with 2FA on, the reply is a challenge for the code", tag,
                  auth=False, body=c.LoginInput, reply=c.LoginResult, errors=(401, 429)),
        Operation("POST", f"{p}/login/second-factor", login_second_factor,
                  "finish signing in with a TOTP code or a recovery code", tag, auth=False,
                  body=c.SecondFactorInput, reply=c.Session, errors=(401, 429)),
        Operation("POST", f"{p}/logout", logout, "revoke this token", tag, status=204),
        Operation("GET", f"{p}/me", me, "the signed-in user", tag, reply=c.Account),
        Operation("POST", f"{p}/2fa/enrol", enrol_totp, "start TOTP enrolment: a secret and an otpauth URI", tag,
                  reply=c.TotpEnrolment, errors=(409,)),
        Operation("POST", f"{p}/2fa/confirm", confirm_totp, "turn TOTP on with a valid code; returns recovery codes",
                  tag, body=c.CodeInput, reply=c.RecoveryCodes, errors=(409,)),
        Operation("POST", f"{p}/2fa/disable", disable_totp, "turn TOTP off (password and a code)", tag,
                  body=c.DisableTotpInput, status=204, errors=(409,)),
        Operation("POST", f"{p}/2fa/recovery-codes", regenerate_recovery_codes,
                  "replace the recovery codes (needs a code)", tag, body=c.CodeInput, reply=c.RecoveryCodes,
                  errors=(409,)),
        Operation("POST", f"{p}/password", change_password, "change the password; other sessions end", tag,
                  body=c.PasswordChangeInput, status=204),
    ]
    for op in ops:
        op.idempotent = False
    return ops
