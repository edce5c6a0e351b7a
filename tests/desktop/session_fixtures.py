"""Fixtures for the session and sign-in tests: the real native stack (gateway and agent processes)
in a temporary data folder, an owner with 2FA, codes from pyotp, a keyring that counts as secure.

Import the fixtures you use into a test module (`from .session_fixtures import owner_stack`)."""

from __future__ import annotations

import contextlib
import time
import uuid
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from pathlib import Path
from typing import Iterator

import keyring
import pyotp
import pytest

from tests.conftest import free_port
from tests.memory_keyring import MemoryKeyring

OWNER_EMAIL = "owner@example.com"
OWNER_NAME = "Ada Owner"
OWNER_PASSWORD = "correct horse battery staple"


@contextlib.contextmanager
def native_stack(folder: Path) -> Iterator[str]:
    """Starts the real stack as native processes with its own data folder, name and ports; yields
    the gateway's URL and stops the processes afterwards."""
    from umt import launch
    from umt.settings import DesktopSettings

    with pytest.MonkeyPatch.context() as patch:
        data = folder / "umt-data"
        data.mkdir(parents=True)
        patch.setenv("UMT_DATA_DIR", str(data))
        patch.setenv("UMT_STACK_NAME", f"umttest-{uuid.uuid4().hex[:8]}")
        patch.setenv("UMT_GATEWAY_PORT", str(free_port()))
        patch.setenv("UMT_AGENT_PORT", str(free_port()))
        patch.setenv("XDG_DATA_HOME", str(folder / "xdg-data"))
        supervisor, choice = launch.open_stack("native", DesktopSettings(backend="native"))
        try:
            supervisor.up()
            yield supervisor.gateway_url
        finally:
            supervisor.down()
            choice.backend.close()


@dataclass
class Authenticator:
    """The owner's phone: TOTP codes, each for a 30-second step the gateway has not seen used.

    The gateway takes a step once and allows one step of drift either way, so three codes fit in
    a step; a fourth waits for the clock (through `wait`, a qtbot.waitUntil)."""

    secret: str
    last_step: int = 0

    def code(self, wait=None) -> str:
        now = time.time()
        current, into = int(now // 30), now % 30
        step = max(self.last_step + 1, current - 1 if into < 20 else current)
        if step > current + 1:
            if wait is None:
                raise RuntimeError("no unused TOTP step left; pass a wait function")
            wait(lambda: int(time.time() // 30) >= step - 1, timeout=35000)
        self.last_step = step
        return pyotp.TOTP(self.secret).at(step * 30)


@dataclass
class OwnerStack:
    url: str
    email: str
    password: str
    authenticator: Authenticator
    recovery_codes: list[str] = dataclass_field(default_factory=list)

    def recovery_code(self) -> str:
        return self.recovery_codes.pop()


def set_up_owner(url: str, verify=None) -> OwnerStack:
    """The owner account with 2FA on, made through the client (the setup wizard has its own test);
    `verify` for a server over TLS (the CA file to trust)."""
    from umt.client import GatewayClient

    with GatewayClient(url, verify=verify) as client:
        client.setup_owner(OWNER_EMAIL, OWNER_NAME, OWNER_PASSWORD)
        enrolment = client.enrol_totp()
        authenticator = Authenticator(enrolment.secret)
        codes = client.confirm_totp(authenticator.code())
        client.logout()
    return OwnerStack(url, OWNER_EMAIL, OWNER_PASSWORD, authenticator, codes)


@pytest.fixture(scope="module")
def owner_stack(tmp_path_factory) -> Iterator[OwnerStack]:
    """One running stack per test module with the owner set up: a stack takes seconds to start."""
    with native_stack(tmp_path_factory.mktemp("owner-stack")) as url:
        yield set_up_owner(url)


@pytest.fixture
def fresh_stack(tmp_path_factory) -> Iterator[str]:
    """A running stack whose owner is not set up yet."""
    with native_stack(tmp_path_factory.mktemp("fresh-stack")) as url:
        yield url


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


def signed_in_client(stack: OwnerStack, wait=None):
    """Another client of the same owner (a second device): it can end the app's session."""
    from umt.client import GatewayClient

    client = GatewayClient(stack.url)
    result = client.login(stack.email, stack.password)
    client.login_second_factor(result.challenge, code=stack.authenticator.code(wait))
    return client


def signed_in_session(qtbot, tasks, stack: OwnerStack):
    """A SessionController signed in as the owner through the AccountController (password, then a
    recovery code), as the sign-in page does it."""
    from umt.desktop.controllers.account import AccountController
    from umt.desktop.controllers.session import SessionController

    def fail(problem):
        raise AssertionError(f"unexpected failure: {problem}")

    session = SessionController(tasks)
    account = AccountController(session)
    session.set_gateway_url(stack.url)
    qtbot.waitUntil(lambda: session.state.setup_required is False, timeout=10000)
    needs_code = []
    account.sign_in(stack.email, stack.password, False, needs_code.append, fail)
    qtbot.waitUntil(lambda: needs_code == [True], timeout=10000)
    account.second_factor(lambda _: None, fail, recovery_code=stack.recovery_code())
    qtbot.waitUntil(lambda: session.state.signed_in, timeout=10000)
    return session
