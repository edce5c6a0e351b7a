"""Routes for accounts: setup, sign-in (with the TOTP step), sign-out, 2FA, password change."""

from __future__ import annotations

from umt.gateway.http import Call, Operation
from umt.gateway.schema import Bool, DateTime, Email, Enum, Int, List, Str, obj

PASSWORD = Str(min_length=10, max_length=1024, required=True, description="at least 10 characters")
CODE = Str(min_length=6, max_length=10, required=True, description="the 6-digit code from the authenticator app")

setup_input = obj("SetupInput", email=Email(required=True), name=Str(min_length=1, max_length=200, required=True),
                  password=PASSWORD)
login_input = obj("LoginInput", email=Email(required=True), password=Str(min_length=1, max_length=1024, required=True))
second_factor_input = obj("SecondFactorInput", challenge=Str(min_length=1, max_length=100, required=True),
                          code=Str(min_length=6, max_length=10, description="a TOTP code"),
                          recovery_code=Str(min_length=1, max_length=40, description="a single-use recovery code"))
code_input = obj("CodeInput", code=CODE)
disable_input = obj("DisableTotpInput", password=Str(min_length=1, max_length=1024, required=True), code=CODE)
password_input = obj("PasswordChangeInput", current_password=Str(min_length=1, max_length=1024, required=True),
                     new_password=PASSWORD)

token_reply = obj("Token", token=Str(max_length=100), token_type=Enum("bearer"), expires_at=DateTime())
login_reply = obj("LoginReply", token=Str(max_length=100), token_type=Enum("bearer"), expires_at=DateTime(),
                  mfa_required=Bool(), challenge=Str(max_length=100))
user_reply = obj("User", id=Int(), email=Email(), name=Str(), role=Enum("owner", "member"), totp_enabled=Bool(),
                 created_at=DateTime())
status_reply = obj("AuthStatus", setup_required=Bool())
enrol_reply = obj("TotpEnrolment", secret=Str(max_length=64), otpauth_uri=Str(max_length=500))
codes_reply = obj("RecoveryCodes", totp_enabled=Bool(), recovery_codes=List(Str(max_length=20)))


def _bearer(call: Call) -> str:
    return call.request.headers["authorization"].split(" ", 1)[1].strip()


async def auth_status(call: Call):
    return {"setup_required": await call.run(call.services.accounts.setup_required)}


async def setup_owner(call: Call):
    b = call.body
    return await call.run(call.services.accounts.setup_owner, b["email"], b["name"], b["password"])


async def login(call: Call):
    return await call.run(call.services.accounts.login, call.body["email"], call.body["password"])


async def login_second_factor(call: Call):
    b = call.body
    return await call.run(call.services.accounts.login_second_factor, b["challenge"], b.get("code"),
                          b.get("recovery_code"))


async def logout(call: Call):
    await call.run(call.services.accounts.logout, _bearer(call))


async def me(call: Call):
    return call.user


async def enrol_totp(call: Call):
    return await call.run(call.services.accounts.enrol_totp, call.user["id"])


async def confirm_totp(call: Call):
    return await call.run(call.services.accounts.confirm_totp, call.user["id"], call.body["code"])


async def disable_totp(call: Call):
    await call.run(call.services.accounts.disable_totp, call.user["id"], call.body["password"], call.body["code"])


async def regenerate_recovery_codes(call: Call):
    return await call.run(call.services.accounts.regenerate_recovery_codes, call.user["id"], call.body["code"])


async def change_password(call: Call):
    b = call.body
    await call.run(call.services.accounts.change_password, call.user["id"], b["current_password"],
                   b["new_password"], _bearer(call))


def operations() -> list[Operation]:
    p, tag = "/api/v1/auth", "auth"
    return [
        Operation("GET", f"{p}/status", auth_status, "whether the owner account still has to be set up", tag,
                  auth=False, reply=status_reply),
        Operation("POST", f"{p}/setup", setup_owner, "create the owner account (only while no account exists)", tag,
                  auth=False, body=setup_input, reply=token_reply, status=201, errors=(409,)),
        Operation("POST", f"{p}/login", login, "sign in; with 2FA on, the reply is a challenge for the code", tag,
                  auth=False, body=login_input, reply=login_reply, errors=(401, 429)),
        Operation("POST", f"{p}/login/second-factor", login_second_factor,
                  "finish signing in with a TOTP code or a recovery code", tag, auth=False,
                  body=second_factor_input, reply=token_reply, errors=(401, 429)),
        Operation("POST", f"{p}/logout", logout, "revoke this token", tag, status=204),
        Operation("GET", f"{p}/me", me, "the signed-in user", tag, reply=user_reply),
        Operation("POST", f"{p}/2fa/enrol", enrol_totp, "start TOTP enrolment: a secret and an otpauth URI", tag,
                  reply=enrol_reply, errors=(409,)),
        Operation("POST", f"{p}/2fa/confirm", confirm_totp, "turn TOTP on with a valid code; returns recovery codes",
                  tag, body=code_input, reply=codes_reply, errors=(409,)),
        Operation("POST", f"{p}/2fa/disable", disable_totp, "turn TOTP off (password and a code)", tag,
                  body=disable_input, status=204, errors=(409,)),
        Operation("POST", f"{p}/2fa/recovery-codes", regenerate_recovery_codes,
                  "replace the recovery codes (needs a code)", tag, body=code_input, reply=codes_reply,
                  errors=(409,)),
        Operation("POST", f"{p}/password", change_password, "change the password; other sessions end", tag,
                  body=password_input, status=204),
    ]
