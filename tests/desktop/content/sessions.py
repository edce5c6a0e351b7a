"""The app's SessionController, signed in through the client: for the Content studio's tests, its
benchmark and its render script (no sign-in page: the pages are not what they exercise)."""

from __future__ import annotations

from typing import Callable

from umt.client import GatewayClient
from umt.desktop.controllers.session import SessionController
from umt.desktop.tasks import TaskManager

WaitUntil = Callable[[Callable[[], bool]], None]  # runs the event loop until the condition holds


def session_with_token(tasks: TaskManager, url: str, token: str, wait_until: WaitUntil) -> SessionController:
    """A SessionController on the gateway at `url`, holding a session the client signed in."""
    session = SessionController(tasks)
    session.set_gateway_url(url)
    wait_until(lambda: session.state.setup_required is False)
    with GatewayClient(url, token) as client:
        session.adopt_session(token, "", client.me(), remember=False)
    assert session.state.signed_in
    return session


def signed_in_session(tasks: TaskManager, url: str, email: str, password: str, wait_until: WaitUntil) -> SessionController:
    """Signs in as `email` through the client, then hands the session to a SessionController."""
    with GatewayClient(url) as client:
        token = client.login(email, password).session.token
    return session_with_token(tasks, url, token, wait_until)
