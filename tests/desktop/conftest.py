"""Desktop fixtures: a FakeBackend stack on free loopback ports, the task helper, a controller."""

from __future__ import annotations

import threading

import keyring
import keyring.errors
import pytest
from keyring.backend import KeyringBackend

from umt.desktop.controllers.stack import StackController
from umt.launch import load_default_stack
from umt.settings import DesktopSettings
from umt.desktop.tasks import TaskManager
from umt.runtime.choose import BackendChoice
from umt.runtime.supervisor import Supervisor

from .fake_backend import FakeBackend
from .session_fixtures import fresh_stack, memory_keyring, owner_stack  # noqa: F401  (the real stack, signed in or not)


def fake_opener(backend, note="Fake mode: test services.", diagnosis=None):
    """Opens as the app's host does: the real Supervisor over the given backend."""

    def open_stack(settings, on_event):
        return Supervisor(backend, on_event=on_event), BackendChoice(backend, note, diagnosis)

    return open_stack


class FakeHost:
    """The StackHost of the tests: opens with `open_stack` (settings, on_event); notes what the
    real host (umt.launch) would tell the rest of the machine instead of telling it."""

    def __init__(self, open_stack):
        self._open_stack = open_stack
        self.calls: list[str] = []

    def open(self, settings, on_event):
        return self._open_stack(settings, on_event)

    def take_over_supervision(self) -> None:
        self.calls.append("take over")

    def hand_over_supervision(self, backend: str) -> None:
        self.calls.append(f"hand over ({backend})")


@pytest.fixture
def desktop_settings(stack_ports) -> DesktopSettings:
    return DesktopSettings(backend="native", close_to_tray=False)


@pytest.fixture
def fake_backend(desktop_settings, isolated_data) -> FakeBackend:
    backend = FakeBackend(load_default_stack(desktop_settings), isolated_data)
    yield backend
    for name in backend.running():
        backend.stop_service(name)


@pytest.fixture
def tasks(qapp):
    manager = TaskManager()
    yield manager
    manager.wait_for_done(10000)


@pytest.fixture
def settings_controller(tasks):
    from umt.desktop.controllers.settings import SettingsController

    return SettingsController(tasks)


class ThreadRecordingKeyring(KeyringBackend):
    """An in-memory keyring that notes the thread of every call (the GUI thread must never call)."""

    priority = 1

    def __init__(self):
        super().__init__()
        self.values: dict[tuple[str, str], str] = {}
        self.threads: list[threading.Thread] = []

    def get_password(self, service, username):
        self.threads.append(threading.current_thread())
        return self.values.get((service, username))

    def set_password(self, service, username, password):
        self.threads.append(threading.current_thread())
        self.values[(service, username)] = password

    def delete_password(self, service, username):
        self.threads.append(threading.current_thread())
        if self.values.pop((service, username), None) is None:
            raise keyring.errors.PasswordDeleteError(username)


@pytest.fixture
def recording_keyring():
    previous = keyring.get_keyring()
    recorder = ThreadRecordingKeyring()
    keyring.set_keyring(recorder)
    yield recorder
    keyring.set_keyring(previous)


@pytest.fixture
def controller(qtbot, tasks, fake_backend, desktop_settings):
    """A controller over the FakeBackend, sampling fast so tests need not wait a second per figure."""
    controller = StackController(
        tasks,
        lambda: desktop_settings,
        host=FakeHost(fake_opener(fake_backend)),
        sample_interval_s=0.1,
    )
    yield controller
    done = []
    controller.shutdown(stop_stack=True, on_done=lambda: done.append(True))
    qtbot.waitUntil(lambda: bool(done), timeout=10000)


class RecordingNotifier:
    """The notifier tests observe: it keeps what it was asked to show."""

    def __init__(self):
        self.shown = []

    def notify(self, notification) -> None:
        self.shown.append(notification)

    def titles(self) -> list[str]:
        return [n.title for n in self.shown]


@pytest.fixture
def make_app(qtbot, qapp, fake_backend, desktop_settings):
    """Builds the whole desktop app over the FakeBackend (or another opener), and tears it down."""
    from umt.desktop.app import DesktopApp

    built = []

    def make(settings=None, opener=None, answers=("stop",), tray_available=False):
        answers = list(answers)
        asked = []

        def ask_quit():
            asked.append(True)
            return answers.pop(0)

        host = FakeHost(opener or fake_opener(fake_backend))
        app = DesktopApp(
            qapp,
            settings=settings or desktop_settings,
            host=host,
            notifier=RecordingNotifier(),
            ask_quit=ask_quit,
            tray_available=tray_available,
            sample_interval_s=0.1,
        )
        app.asked = asked
        app.host = host
        built.append(app)
        return app

    yield make
    for app in built:
        if not app.quitting:
            app.ask_quit = lambda: "stop"
            app.request_quit()
        qtbot.waitUntil(lambda: app.window.quitting, timeout=15000)
        app.tasks.wait_for_done(10000)
        if app.logs_window is not None:
            app.logs_window.deleteLater()
        app.tray.hide()
        app.window.deleteLater()
        app.deleteLater()
