"""Desktop fixtures: a FakeBackend stack on free loopback ports, the task helper, a controller."""

from __future__ import annotations

import pytest

from umt.desktop.controller import StackController
from umt.desktop.settings import DesktopSettings, load_stack_for
from umt.desktop.tasks import TaskManager
from umt.runtime.choose import BackendChoice

from .fake_backend import FakeBackend


@pytest.fixture
def desktop_settings(stack_ports) -> DesktopSettings:
    return DesktopSettings(backend="native", close_to_tray=False)


@pytest.fixture
def fake_backend(desktop_settings, isolated_data) -> FakeBackend:
    backend = FakeBackend(load_stack_for(desktop_settings), isolated_data)
    yield backend
    for name in backend.running():
        backend.stop_service(name)


@pytest.fixture
def tasks(qapp):
    manager = TaskManager()
    yield manager
    manager.wait_for_done(10000)


@pytest.fixture
def controller(qtbot, tasks, fake_backend, desktop_settings):
    """A controller over the FakeBackend, sampling fast so tests need not wait a second per figure."""
    controller = StackController(
        tasks,
        lambda: desktop_settings,
        opener=lambda settings: BackendChoice(fake_backend, "Fake mode: test services.", None),
        sample_interval_s=0.1,
    )
    yield controller
    done = []
    controller.shutdown(stop_stack=True, on_done=lambda: done.append(True))
    qtbot.waitUntil(lambda: bool(done), timeout=10000)
