"""Accounts: setup, sign-in with the TOTP step, 2FA, password change; and what the API answers."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from umt.contract.base import Input, Invalid, Record, text

Password = text(1024, 10, description="at least 10 characters")
Code = text(10, 6, description="the 6-digit code from the authenticator app")


def _email(value: str) -> str:
    value = value.strip().lower()
    local, at, domain = value.partition("@")
    if not at or not local or "." not in domain or any(c.isspace() for c in value):
        raise Invalid("email", "must be an email address")
    return value


class SetupInput(Input):
    email: text(254, 3)
    name: text(200, 1)
    password: Password

    def __post_init__(self) -> None:
        super().__post_init__()
        self.email = _email(self.email)


class LoginInput(Input):
    email: text(254, 3)
    password: text(1024, 1)

    def __post_init__(self) -> None:
        super().__post_init__()
        self.email = _email(self.email)


class SecondFactorInput(Input):
    challenge: text(100, 1)
    code: text(10, 6, description="a TOTP code") | None = None
    recovery_code: text(40, 1, description="a single-use recovery code") | None = None


class CodeInput(Input):
    code: Code


class DisableTotpInput(Input):
    password: text(1024, 1)
    code: Code


class PasswordChangeInput(Input):
    current_password: text(1024, 1)
    new_password: Password


class Session(Record):
    """A signed-in session's bearer token."""

    token: str
    token_type: Literal["bearer"]
    expires_at: datetime


class LoginResult(Record):
    """A finished sign-in carries the token; with 2FA on, `mfa_required` and a `challenge` for
    the second step instead."""

    expires_at: datetime
    token: str | None = None
    token_type: Literal["bearer"] | None = None
    mfa_required: bool = False
    challenge: str | None = None

    @property
    def session(self) -> Session | None:
        if self.token is None:
            return None
        return Session(token=self.token, token_type="bearer", expires_at=self.expires_at)


class Account(Record):
    """The signed-in user."""

    id: int
    email: str
    name: str
    role: Literal["owner", "member"]
    totp_enabled: bool
    created_at: datetime


class AuthStatus(Record):
    setup_required: bool


class TotpEnrolment(Record):
    secret: str
    otpauth_uri: str


class RecoveryCodes(Record):
    """Shown once: the gateway keeps only their hashes."""

    totp_enabled: bool
    recovery_codes: list[str]
