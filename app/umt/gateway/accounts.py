"""Accounts: owner setup, login with optional TOTP second step, sessions, lockout, 2FA enrolment,
recovery codes and password change. Blocking code: routes call it through a worker thread."""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

from umt.gateway import security
from umt.gateway.db import as_utc, iso, reading
from umt.gateway.errors import ApiError, Conflict, Unauthorized, ValidationFailed
from umt.gateway.publishing.credentials import Cipher
from umt.gateway.settings import GatewaySettings
from umt.gateway.tables import owner_setup, recovery_codes, sessions, users, utcnow


# Built once: every authenticated request runs it, and building a statement costs more than
# running it (~0.2 ms against ~0.1 ms on SQLite; see bench/bench_concurrency.py).
SESSION_USER = (select(sessions.c.expires_at, sessions.c.revoked_at, users)
                .join(users, users.c.id == sessions.c.user_id)
                .where(sessions.c.token_hash == bindparam("digest"), sessions.c.kind == "access"))


def public_user(row) -> dict[str, Any]:
    return {"id": row.id, "email": row.email, "name": row.name, "role": row.role,
            "totp_enabled": row.totp_secret is not None, "created_at": iso(row.created_at)}


class Accounts:
    def __init__(self, engine: Engine, signing_key: bytes, settings: GatewaySettings, cipher: Cipher) -> None:
        self.engine = engine
        self.key = signing_key
        self.settings = settings
        self.cipher = cipher   # TOTP secrets are stored encrypted

    # --- setup and sessions ---------------------------------------------------------------

    def setup_required(self) -> bool:
        with reading(self.engine) as connection:
            return connection.execute(select(func.count()).select_from(users)).scalar_one() == 0

    def setup_owner(self, email: str, name: str, password: str) -> dict[str, Any]:
        password_hash = security.hash_password(password)
        now = utcnow()
        try:
            with self.engine.begin() as connection:
                # The fixed primary key makes a second setup, even a concurrent one, fail here.
                connection.execute(insert(owner_setup).values(slot="owner"))
                user_id = connection.execute(insert(users).values(
                    email=email, name=name, role="owner", password_hash=password_hash, totp_last_step=0,
                    failed_logins=0, password_changed_at=now, created_at=now, updated_at=now,
                )).inserted_primary_key[0]
                return self._new_session(connection, user_id, "access")
        except IntegrityError:
            raise Conflict("already_set_up", "the owner account exists already; sign in instead") from None

    def login(self, email: str, password: str) -> dict[str, Any]:
        with self.engine.begin() as connection:
            user = connection.execute(select(users).where(users.c.email == email)).first()
            if user is None:
                security.burn_password_check()
                raise Unauthorized("wrong email or password", "bad_credentials", "password")
            self._refuse_if_locked(user)
            if not security.verify_password(password, user.password_hash):
                self._record_failure(connection, user)
                raise Unauthorized("wrong email or password", "bad_credentials", "password")
            if user.totp_secret is None:
                self._reset_failures(connection, user.id)
                return self._new_session(connection, user.id, "access")
            # Password right, second factor still to come: a short-lived challenge, not a token.
            challenge = self._new_session(connection, user.id, "mfa",
                                          ttl=self.settings.mfa_challenge_ttl_seconds)
            return {"mfa_required": True, "challenge": challenge["token"], "expires_at": challenge["expires_at"]}

    def login_second_factor(self, challenge: str, code: str | None, recovery_code: str | None) -> dict[str, Any]:
        if (code is None) == (recovery_code is None):
            raise ValidationFailed("code", "send either code (from the authenticator app) or recovery_code")
        with self.engine.begin() as connection:
            session = self._live_session(connection, challenge, "mfa")
            if session is None:
                raise Unauthorized("the sign-in challenge is unknown or expired; sign in again",
                                   "bad_challenge", "challenge")
            user = connection.execute(select(users).where(users.c.id == session.user_id)).one()
            self._refuse_if_locked(user)
            if code is not None:
                accepted = self._accept_totp(connection, user, code)
            else:
                accepted = self._use_recovery_code(connection, user.id, recovery_code)
            if not accepted:
                self._record_failure(connection, user)
                raise Unauthorized("the code is wrong, expired or already used", "bad_code",
                                   "code" if code is not None else "recovery_code")
            self._reset_failures(connection, user.id)
            connection.execute(update(sessions).where(sessions.c.id == session.id).values(revoked_at=utcnow()))
            return self._new_session(connection, user.id, "access")

    def user_for_token(self, token: str) -> dict[str, Any]:
        digest = security.token_digest(self.key, token)
        with reading(self.engine) as connection:
            row = connection.execute(SESSION_USER, {"digest": digest}).first()
        if row is None or row.revoked_at is not None:
            raise Unauthorized("the token is unknown or was revoked; sign in again", "bad_token")
        if as_utc(row.expires_at) <= utcnow():
            raise Unauthorized("the token has expired; sign in again", "token_expired")
        return public_user(row)

    def logout(self, token: str) -> None:
        with self.engine.begin() as connection:
            connection.execute(update(sessions).where(
                sessions.c.token_hash == security.token_digest(self.key, token), sessions.c.revoked_at.is_(None)
            ).values(revoked_at=utcnow()))

    # --- two-factor enrolment -------------------------------------------------------------

    def enrol_totp(self, user_id: int) -> dict[str, Any]:
        secret = security.new_totp_secret()
        with self.engine.begin() as connection:
            user = self._user(connection, user_id)
            if user.totp_secret is not None:
                raise Conflict("totp_active", "two-factor sign-in is already on; turn it off first")
            connection.execute(update(users).where(users.c.id == user_id).values(
                totp_pending_secret=self.cipher.encrypt(secret), updated_at=utcnow()))
        return {"secret": secret, "otpauth_uri": security.totp_uri(secret, user.email)}

    def confirm_totp(self, user_id: int, code: str) -> dict[str, Any]:
        with self.engine.begin() as connection:
            user = self._user(connection, user_id)
            if user.totp_pending_secret is None:
                raise Conflict("no_enrolment", "start the enrolment first (POST /api/v1/auth/2fa/enrol)", "code")
            step = security.matching_totp_step(self.cipher.decrypt(user.totp_pending_secret), code)
            if step is None:
                raise ValidationFailed("code", "the code does not match; check the authenticator's clock")
            connection.execute(update(users).where(users.c.id == user_id).values(
                totp_secret=user.totp_pending_secret, totp_pending_secret=None, totp_last_step=step,
                updated_at=utcnow()))
            codes = self._replace_recovery_codes(connection, user_id)
        return {"totp_enabled": True, "recovery_codes": codes}

    def disable_totp(self, user_id: int, password: str, code: str) -> None:
        with self.engine.begin() as connection:
            user = self._user(connection, user_id)
            if user.totp_secret is None:
                raise Conflict("totp_inactive", "two-factor sign-in is not on")
            if not security.verify_password(password, user.password_hash):
                raise ValidationFailed("password", "the password is wrong")
            if not self._accept_totp(connection, user, code):
                raise ValidationFailed("code", "the code is wrong, expired or already used")
            connection.execute(update(users).where(users.c.id == user_id).values(
                totp_secret=None, totp_pending_secret=None, updated_at=utcnow()))
            connection.execute(recovery_codes.delete().where(recovery_codes.c.user_id == user_id))

    def regenerate_recovery_codes(self, user_id: int, code: str) -> dict[str, Any]:
        with self.engine.begin() as connection:
            user = self._user(connection, user_id)
            if user.totp_secret is None:
                raise Conflict("totp_inactive", "two-factor sign-in is not on")
            if not self._accept_totp(connection, user, code):
                raise ValidationFailed("code", "the code is wrong, expired or already used")
            return {"totp_enabled": True, "recovery_codes": self._replace_recovery_codes(connection, user_id)}

    def change_password(self, user_id: int, current: str, new: str, keep_token: str) -> None:
        """Every other session ends: whoever knew the old password is signed out."""
        with self.engine.begin() as connection:
            user = self._user(connection, user_id)
            if not security.verify_password(current, user.password_hash):
                raise ValidationFailed("current_password", "the current password is wrong")
            if current == new:
                raise ValidationFailed("new_password", "must differ from the current password")
            now = utcnow()
            connection.execute(update(users).where(users.c.id == user_id).values(
                password_hash=security.hash_password(new), password_changed_at=now, updated_at=now))
            connection.execute(update(sessions).where(
                sessions.c.user_id == user_id, sessions.c.revoked_at.is_(None),
                sessions.c.token_hash != security.token_digest(self.key, keep_token),
            ).values(revoked_at=now))

    # --- internals ------------------------------------------------------------------------

    def _user(self, connection: Connection, user_id: int):
        return connection.execute(select(users).where(users.c.id == user_id)).one()

    def _new_session(self, connection: Connection, user_id: int, kind: str, ttl: int | None = None) -> dict:
        token = security.new_token()
        now = utcnow()
        expires = now + timedelta(seconds=ttl or self.settings.token_ttl_seconds)
        connection.execute(insert(sessions).values(
            user_id=user_id, token_hash=security.token_digest(self.key, token), kind=kind,
            created_at=now, expires_at=expires))
        return {"token": token, "token_type": "bearer", "expires_at": iso(expires)}

    def _live_session(self, connection: Connection, token: str, kind: str):
        row = connection.execute(select(sessions).where(
            sessions.c.token_hash == security.token_digest(self.key, token), sessions.c.kind == kind,
            sessions.c.revoked_at.is_(None))).first()
        return row if row is not None and as_utc(row.expires_at) > utcnow() else None

    def _accept_totp(self, connection: Connection, user, code: str) -> bool:
        step = security.matching_totp_step(self.cipher.decrypt(user.totp_secret), code)
        if step is None or step <= user.totp_last_step:
            return False  # wrong, or this code (or a later one) was used already
        # Conditional update: of two concurrent requests with the same code only one wins.
        claimed = connection.execute(update(users).where(
            users.c.id == user.id, users.c.totp_last_step < step).values(totp_last_step=step)).rowcount
        return claimed == 1

    def _use_recovery_code(self, connection: Connection, user_id: int, code: str) -> bool:
        digest = security.token_digest(self.key, security.normalize_recovery_code(code))
        used = connection.execute(update(recovery_codes).where(
            recovery_codes.c.user_id == user_id, recovery_codes.c.code_hash == digest,
            recovery_codes.c.used_at.is_(None)).values(used_at=utcnow())).rowcount
        return used == 1

    def _replace_recovery_codes(self, connection: Connection, user_id: int) -> list[str]:
        codes = security.new_recovery_codes()
        connection.execute(recovery_codes.delete().where(recovery_codes.c.user_id == user_id))
        connection.execute(insert(recovery_codes), [
            {"user_id": user_id, "code_hash": security.token_digest(self.key, c)} for c in codes])
        return codes

    def _refuse_if_locked(self, user) -> None:
        locked_until = as_utc(user.locked_until)
        if locked_until is not None and locked_until > utcnow():
            wait = math.ceil((locked_until - utcnow()).total_seconds())
            raise ApiError(429, "locked", f"too many failed sign-ins; try again in {wait} s", "password",
                           headers={"Retry-After": str(wait)})

    def _record_failure(self, connection: Connection, user) -> None:
        failures = user.failed_logins + 1
        values: dict[str, Any] = {"failed_logins": failures}
        extra = failures - self.settings.lockout_threshold
        if extra >= 0:
            seconds = min(self.settings.lockout_base_seconds * 2 ** min(extra, 30), self.settings.lockout_max_seconds)
            values["locked_until"] = utcnow() + timedelta(seconds=seconds)
        # The failure must stick even though the caller raises: commit it now.
        connection.execute(update(users).where(users.c.id == user.id).values(**values))
        connection.commit()

    def _reset_failures(self, connection: Connection, user_id: int) -> None:
        connection.execute(update(users).where(users.c.id == user_id).values(failed_logins=0, locked_until=None))


def purge_expired_sessions(connection: Connection, now: datetime) -> None:
    connection.execute(sessions.delete().where(sessions.c.expires_at < now - timedelta(days=1)))
