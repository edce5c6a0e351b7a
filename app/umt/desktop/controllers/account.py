"""The account controller: owner setup with 2FA, sign-in (password, then a code or a recovery
code), sign-out, a new password, new recovery codes. The sign-in views call these methods; the
results come back on the GUI thread as plain values, failures as a `Problem` the view can show.

It adds the steps; the SessionController keeps the client and the signed-in state."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, Callable

from PySide6.QtCore import QObject

from umt.client import GatewayClient
from umt.desktop.controllers.problem import Problem
from umt.desktop.controllers.session import SessionController

Done = Callable[[Any], None]
Failed = Callable[[Problem], None]


@dataclass(frozen=True)
class Enrolment:
    secret: str
    otpauth_uri: str


@dataclass(frozen=True)
class _SignedIn:
    token: str
    expires_at: str
    user: Any


class AccountController(QObject):
    def __init__(self, session: SessionController, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self._challenge: str | None = None
        self._setup: _SignedIn | None = None     # the owner's session while the wizard runs
        self._remember = False

    def _run(self, fn: Callable[[GatewayClient], Any], on_done: Done, on_error: Failed, description: str,
             expiry: bool = False) -> None:
        self.session.call(fn, on_done, lambda exc: on_error(Problem.from_error(exc)), description=description,
                          unauthorized_is_expiry=expiry)

    # --- first run ------------------------------------------------------------------------------
    def setup_owner(self, name: str, email: str, password: str, on_done: Done, on_error: Failed) -> None:
        """Creates the owner account; the wizard goes on with 2FA before the workspace opens."""
        def setup(client: GatewayClient) -> _SignedIn:
            session = client.setup_owner(email, name, password)
            scoped = _scoped(client, session.token)
            return _SignedIn(session.token, session.expires_at, scoped.me())

        def done(signed_in: _SignedIn) -> None:
            self._setup = signed_in
            on_done(None)

        def failed(problem: Problem) -> None:
            on_error(problem)
            if problem.code == "already_set_up":
                self.session.refresh()      # someone was quicker: the sign-in page takes over

        self._run(setup, done, failed, "create the owner account")

    def enrol_totp(self, on_done: Callable[[Enrolment], None], on_error: Failed) -> None:
        token = self._setup_token()

        def enrol(client: GatewayClient) -> Enrolment:
            enrolment = _scoped(client, token).enrol_totp()
            return Enrolment(enrolment.secret, enrolment.otpauth_uri)

        self._run(enrol, on_done, on_error, "start two-factor sign-in")

    def confirm_totp(self, code: str, on_done: Callable[[list[str]], None], on_error: Failed) -> None:
        """Turns 2FA on with a code from the app; on_done gets the ten recovery codes (shown once)."""
        token = self._setup_token()
        self._run(lambda client: _scoped(client, token).confirm_totp(code.strip()), on_done, on_error,
                  "turn on two-factor sign-in")

    def finish_setup(self, remember: bool) -> None:
        """The wizard is done: the owner is signed in and the workspace opens."""
        setup, self._setup = self._setup, None
        if setup is None:
            return

        def adopt(user: Any) -> None:   # the account as it is now (2FA on since setup)
            self.session.adopt_session(setup.token, setup.expires_at, user, remember)

        self.session.call(lambda client: _scoped(client, setup.token).me(), adopt, lambda _exc: adopt(setup.user),
                          description="open the workspace", unauthorized_is_expiry=False)

    def _setup_token(self) -> str | None:
        return None if self._setup is None else self._setup.token

    # --- signing in -----------------------------------------------------------------------------
    def sign_in(self, email: str, password: str, remember: bool, on_done: Callable[[bool], None],
                on_error: Failed) -> None:
        """on_done(True) when a second factor is needed next, on_done(False) when signed in."""
        self._remember = remember

        def login(client: GatewayClient) -> _SignedIn | str:
            scoped = _scoped(client, None)
            result = scoped.login(email.strip(), password)
            if result.mfa_required:
                return result.challenge
            return _SignedIn(result.session.token, result.session.expires_at, scoped.me())

        def done(outcome: _SignedIn | str) -> None:
            if isinstance(outcome, str):
                self._challenge = outcome
                on_done(True)
            else:
                self._challenge = None
                self.session.adopt_session(outcome.token, outcome.expires_at, outcome.user, remember)
                on_done(False)

        self._run(login, done, on_error, "sign in")

    def second_factor(self, on_done: Callable[[None], None], on_error: Failed, *, code: str | None = None,
                      recovery_code: str | None = None) -> None:
        """Finishes signing in with a code from the authenticator app or a recovery code."""
        challenge, remember = self._challenge, self._remember
        if challenge is None:
            on_error(Problem("Sign in with your password first.", "password"))
            return

        def finish(client: GatewayClient) -> _SignedIn:
            scoped = _scoped(client, None)
            session = scoped.login_second_factor(challenge, code=code.strip() if code is not None else None,
                                                 recovery_code=recovery_code.strip() if recovery_code else None)
            return _SignedIn(session.token, session.expires_at, scoped.me())

        def done(signed_in: _SignedIn) -> None:
            self._challenge = None
            self.session.adopt_session(signed_in.token, signed_in.expires_at, signed_in.user, remember)
            on_done(None)

        def failed(problem: Problem) -> None:
            if problem.code == "bad_challenge":
                self._challenge = None      # the challenge expired: the password step again
            on_error(problem)

        self._run(finish, done, failed, "sign in")

    @property
    def awaiting_second_factor(self) -> bool:
        return self._challenge is not None

    def cancel_sign_in(self) -> None:
        self._challenge = None

    # --- the signed-in account ------------------------------------------------------------------
    def sign_out(self, on_done: Callable[[None], None] | None = None) -> None:
        """Revokes the token at the gateway (if it answers) and forgets it here and in the keyring."""
        def logout(client: GatewayClient) -> None:
            if client.token:
                client.logout()

        def finished(_result: Any) -> None:
            self.session.signed_out()
            if on_done is not None:
                on_done(None)

        # Signing out works even when the gateway does not answer: the token is forgotten here.
        self.session.call(logout, finished, finished, description="sign out", unauthorized_is_expiry=False)

    def change_password(self, current: str, new: str, on_done: Callable[[None], None], on_error: Failed) -> None:
        """The gateway ends every other session; this one stays signed in."""
        self._run(lambda client: client.change_password(current, new), on_done, on_error, "change the password",
                  expiry=True)

    def regenerate_recovery_codes(self, code: str, on_done: Callable[[list[str]], None], on_error: Failed) -> None:
        self._run(lambda client: client.regenerate_recovery_codes(code.strip()), on_done, on_error,
                  "make new recovery codes", expiry=True)

    def save_text(self, path: str, text: str, on_done: Callable[[None], None], on_error: Failed) -> None:
        """Writes a small text file (the recovery codes) off the GUI thread, readable by the owner only."""
        def write() -> None:
            # Private from the first byte (not chmod-ed after): the codes open the account.
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            if hasattr(os, "fchmod"):       # a file that existed keeps its mode otherwise (not on Windows)
                os.fchmod(descriptor, 0o600)
            with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
                handle.write(text)

        self.session.tasks.run(write, on_done, lambda exc: on_error(Problem.from_error(exc)), "save the codes")


def _scoped(client: GatewayClient, token: str | None) -> GatewayClient:
    """A client on the same connection pool with its own token: sign-in steps never change the
    shared client's token from a worker (the session controller sets it on the GUI thread)."""
    return GatewayClient(client.base_url, token, timeout=client.timeout, session=client.http)
