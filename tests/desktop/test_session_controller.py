"""The SessionController and AccountController against the real native stack (real gateway and
agent processes over HTTP): who is signed in, calls off the GUI thread, the one place a 401 is
handled, superseded calls, job streams, and "Remember me" in the keyring only."""

from __future__ import annotations

import threading

from umt.client import GatewayClient
from umt.client.errors import NotFound
from umt.desktop.controllers.account import AccountController
from umt.desktop.controllers.session import SessionController
from umt.desktop.tasks import TaskManager




def _signed_in(qtbot, tasks, stack, remember=False, code=False) -> tuple[SessionController, AccountController]:
    """Signed in through the controllers; with a recovery code unless `code` (the gateway takes
    each 30-second TOTP step once, so codes are kept for the tests about them)."""
    session = SessionController(tasks)
    account = AccountController(session)
    session.set_gateway_url(stack.url)
    qtbot.waitUntil(lambda: session.state.setup_required is False, timeout=10000)
    assert not session.state.signed_in and session.state.message == "Sign in to continue."
    needs_code = []
    account.sign_in(stack.email, stack.password, remember, needs_code.append, _fail)
    qtbot.waitUntil(lambda: needs_code == [True], timeout=10000)
    done = []
    if code:
        account.second_factor(done.append, _fail, code=stack.authenticator.code(qtbot.waitUntil))
    else:
        account.second_factor(done.append, _fail, recovery_code=stack.recovery_code())
    qtbot.waitUntil(lambda: session.state.signed_in, timeout=10000)
    assert done == [None]
    return session, account


def _fail(problem):
    raise AssertionError(f"unexpected failure: {problem}")


def test_stopped_stack_and_a_gateway_that_needs_sign_in(qtbot, tasks, owner_stack):
    session = SessionController(tasks)
    assert session.state.gateway_url is None and session.state.can_start
    assert session.state.message == "The stack is stopped. Start it to sign in."
    failures = []
    session.call(lambda client: client.me(), _fail, failures.append)
    qtbot.waitUntil(lambda: bool(failures), timeout=5000)
    assert "not running" in str(failures[0])

    with qtbot.waitSignal(session.sig_state_changed, timeout=10000,
                          check_params_cb=lambda state: state.setup_required is False):
        session.set_gateway_url(owner_stack.url)
    assert session.state.gateway_url == owner_stack.url and not session.state.signed_in
    assert not session.state.remember_available     # the suite's keyrings.alt file is a plain file

    session.set_gateway_url(None, "The stack is stopping.", can_start=False)
    assert session.state == session.state.__class__(None, None, False, None, "The stack is stopping.")


def test_sign_in_with_code_calls_and_sign_out(qtbot, tasks, owner_stack):
    session, account = _signed_in(qtbot, tasks, owner_stack, code=True)
    assert session.state.user.email == owner_stack.email and session.state.message == ""
    token = session.client.token
    brands = []
    session.call(lambda client: client.brands.create(name="Acme Bakery"), brands.append, _fail)
    qtbot.waitUntil(lambda: bool(brands), timeout=10000)
    assert brands[0].name == "Acme Bakery"

    errors = []
    session.call(lambda client: client.brands.get(999999), _fail, errors.append)
    qtbot.waitUntil(lambda: bool(errors), timeout=10000)
    assert isinstance(errors[0], NotFound)      # other errors reach the caller untouched

    account.sign_out()
    qtbot.waitUntil(lambda: not session.state.signed_in, timeout=10000)
    assert session.state.message == "Signed out." and not session.state.session_expired
    with GatewayClient(owner_stack.url, token) as old:
        try:
            old.me()
        except Exception as exc:  # noqa: BLE001
            assert type(exc).__name__ == "Unauthorized"
        else:
            raise AssertionError("the token still works after signing out")


def test_wrong_password_and_wrong_code_are_problems_not_expiry(qtbot, tasks, owner_stack):
    session = SessionController(tasks)
    account = AccountController(session)
    session.set_gateway_url(owner_stack.url)
    qtbot.waitUntil(lambda: session.state.setup_required is False, timeout=10000)
    problems = []
    with qtbot.assertNotEmitted(session.sig_session_expired):
        account.sign_in(owner_stack.email, "not the password", False, _fail, problems.append)
        qtbot.waitUntil(lambda: bool(problems), timeout=10000)
    assert problems[0].message == "Wrong email or password." and problems[0].field == "password"

    needs_code = []
    account.sign_in(owner_stack.email, owner_stack.password, False, needs_code.append, _fail)
    qtbot.waitUntil(lambda: bool(needs_code), timeout=10000)
    account.second_factor(_fail, problems.append, code="000000")
    qtbot.waitUntil(lambda: len(problems) == 2, timeout=10000)
    assert problems[1].message == "The code is wrong, expired or already used." and problems[1].field == "code"
    assert account.awaiting_second_factor      # a wrong code: the same challenge takes another try
    done = []
    account.second_factor(done.append, _fail, recovery_code=owner_stack.recovery_code())
    qtbot.waitUntil(lambda: session.state.signed_in, timeout=10000)


def test_a_401_signs_out_once_and_the_calls_run_again_after_signing_in_again(qtbot, tasks, owner_stack):
    session, account = _signed_in(qtbot, tasks, owner_stack)
    with GatewayClient(owner_stack.url, session.client.token) as other_device:
        other_device.logout()       # the session ends elsewhere (signed out on another device)
    errors, results, expiries = [], [], []
    session.sig_session_expired.connect(lambda: expiries.append(True))
    for n in range(3):              # three calls in flight: one expiry, not three
        session.call(lambda client, n=n: (n, client.me().email), results.append, errors.append)
    qtbot.waitUntil(lambda: session.state.session_expired, timeout=10000)
    _settle(qtbot, tasks)
    assert expiries == [True] and errors == [] and results == []
    assert not session.state.signed_in and session.state.message.startswith("Your session has expired")

    session.call(lambda client: (3, client.me().email), results.append, errors.append)   # made since
    qtbot.waitUntil(lambda: len(expiries) == 2, timeout=10000)      # asks again
    assert errors == [] and results == []

    # Signed in again: every waiting call runs, with the new session.
    needs_code = []
    account.sign_in(owner_stack.email, owner_stack.password, False, needs_code.append, _fail)
    qtbot.waitUntil(lambda: bool(needs_code), timeout=10000)
    account.second_factor(lambda _: None, _fail, recovery_code=owner_stack.recovery_code())
    qtbot.waitUntil(lambda: len(results) == 4, timeout=10000)
    assert sorted(results) == [(n, owner_stack.email) for n in range(4)] and errors == []

    # Expired again, and the owner signs out instead: the waiting call's handler hears of the 401.
    with GatewayClient(owner_stack.url, session.client.token) as other_device:
        other_device.logout()
    session.call(lambda client: client.me(), _fail, errors.append)
    qtbot.waitUntil(lambda: session.state.session_expired, timeout=10000)
    assert errors == []
    session.signed_out()
    assert len(errors) == 1 and type(errors[0]).__name__ == "Unauthorized"


def _settle(qtbot, tasks) -> None:
    """Every background call finished and its result delivered on the GUI thread."""
    tasks.wait_for_done(10000)
    delivered = []
    tasks.call_in_gui(delivered.append, True)
    qtbot.waitUntil(lambda: bool(delivered), timeout=5000)


def test_a_newer_call_with_the_same_key_supersedes_the_older(qtbot, tasks, owner_stack):
    session, _ = _signed_in(qtbot, tasks, owner_stack)
    release = threading.Event()
    results = []

    def slow(client):
        release.wait(10)
        return ("old", client.me().email)

    session.call(slow, results.append, _fail, key="search")
    session.call(lambda client: ("new", client.me().email), results.append, _fail, key="search")
    qtbot.waitUntil(lambda: bool(results), timeout=10000)
    release.set()
    tasks.wait_for_done(10000)
    marker = []
    tasks.call_in_gui(marker.append, True)
    qtbot.waitUntil(lambda: bool(marker), timeout=5000)
    assert results == [("new", owner_stack.email)]


def test_follow_job_streams_changes_and_cancel_stops_callbacks(qtbot, tasks, owner_stack):
    session, _ = _signed_in(qtbot, tasks, owner_stack)
    submitted = []
    session.call(lambda client: client.submit_job("score", {"text": "Fresh bread daily! #bakery", "channel": "x"}),
                 submitted.append, _fail)
    qtbot.waitUntil(lambda: bool(submitted), timeout=10000)
    events, finals = [], []
    session.follow_job(submitted[0].id, events.append, finals.append, _fail)
    qtbot.waitUntil(lambda: bool(finals), timeout=30000)
    assert finals[0].status == "done" and 0 <= finals[0].result["score"] <= 100
    assert events and events[-1].status == "done"

    cancelled = session.follow_job(submitted[0].id, _fail, _fail, _fail)
    cancelled.cancel()
    tasks.wait_for_done(10000)
    marker = []
    tasks.call_in_gui(marker.append, True)
    qtbot.waitUntil(lambda: bool(marker), timeout=5000)     # no callback of the cancelled follow ran


def test_remember_me_keeps_the_session_in_the_keyring_off_the_gui_thread(qtbot, owner_stack, memory_keyring):
    first_tasks = TaskManager()
    session, account = _signed_in(qtbot, first_tasks, owner_stack, remember=True)
    assert session.state.remember_available
    qtbot.waitUntil(lambda: ("umt", "remembered_session") in memory_keyring.items, timeout=5000)
    first_tasks.wait_for_done(5000)

    # The next start of the app: the session comes back from the keyring, no password asked.
    tasks = TaskManager()
    restored = SessionController(tasks)
    restored.set_gateway_url(owner_stack.url)
    qtbot.waitUntil(lambda: restored.state.signed_in, timeout=10000)
    assert restored.state.user.email == owner_stack.email and restored.remembered

    restored.signed_out()       # signing out forgets it
    qtbot.waitUntil(lambda: ("umt", "remembered_session") not in memory_keyring.items, timeout=5000)
    tasks.wait_for_done(5000)
    assert memory_keyring.calls_by_thread and "MainThread" not in memory_keyring.calls_by_thread

    # Without remember: nothing is kept, and a revoked remembered token is forgotten at start.
    memory_keyring.items[("umt", "remembered_session")] = '{"token": "revoked", "expires_at": "2099-01-01"}'
    again = SessionController(tasks)
    again.set_gateway_url(owner_stack.url)
    qtbot.waitUntil(lambda: again.state.setup_required is False, timeout=10000)
    assert not again.state.signed_in
    qtbot.waitUntil(lambda: ("umt", "remembered_session") not in memory_keyring.items, timeout=5000)
    tasks.wait_for_done(5000)
    first_tasks.deleteLater()
    tasks.deleteLater()


def test_the_session_follows_the_stack_controllers_phases(qtbot, controller, tasks):
    """With the FakeBackend's stack: starting, running (the gateway URL), stopping, stopped."""
    from umt.desktop.controllers.stack_state import failure
    from umt.runtime.errors import PortInUse

    session = SessionController(tasks)
    session.follow_stack(controller)
    assert session.state.gateway_url is None and session.state.can_start
    states = []
    session.sig_state_changed.connect(states.append)
    controller.start()
    qtbot.waitUntil(lambda: session.state.gateway_url is not None, timeout=20000)
    assert states[0].message == "The stack is starting…" and not states[0].can_start
    assert session.state.gateway_url == controller.gateway_url
    controller.stop()
    qtbot.waitUntil(lambda: session.state.gateway_url is None and session.state.can_start, timeout=20000)
    assert any(s.message == "The stack is stopping." for s in states)
    controller.sig_state_changed.emit(failure(PortInUse(8710, "gateway", "nginx")))
    assert session.state.can_start and session.state.message.startswith("The stack could not start. A port is")
