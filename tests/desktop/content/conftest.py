"""The Content studio's fixtures: ONE real native stack (gateway and agent as real processes) for
the package, with the agent's AI model pointed at a fake OpenAI-compatible endpoint (the one
boundary we cannot reach), an owner signed in through the client, and a SessionController per test."""

from __future__ import annotations

import uuid
from contextlib import contextmanager
from dataclasses import dataclass

import pytest

from tests.agent.conftest import FakeLLM
from tests.conftest import free_port
from umt.client import GatewayClient

OWNER = {"email": "owner@example.com", "name": "Olive Owner", "password": "correct horse battery"}


@dataclass
class ContentStack:
    url: str
    llm: FakeLLM
    owner: GatewayClient  # signed in; for arranging data through the API


@contextmanager
def native_stack(root, llm: FakeLLM):
    """A native stack (real gateway and agent processes) in `root`, with an owner signed in."""
    from umt import launch

    with pytest.MonkeyPatch.context() as env:
        for name in ("data", "home", "xdg-data"):
            (root / name).mkdir()
        env.setenv("UMT_DATA_DIR", str(root / "data"))
        env.setenv("HOME", str(root / "home"))
        env.setenv("XDG_DATA_HOME", str(root / "xdg-data"))
        env.setenv("UMT_STACK_NAME", f"umttest-{uuid.uuid4().hex[:8]}")
        env.setenv("UMT_GATEWAY_PORT", str(free_port()))
        env.setenv("UMT_AGENT_PORT", str(free_port()))
        env.setenv("UMT_LLM_BASE_URL", llm.base_url)
        env.setenv("UMT_LLM_MODEL", "test-model")
        supervisor, _ = launch.open_stack("native")
        try:
            supervisor.up(timeout_s=90)
            owner = GatewayClient(supervisor.gateway_url)
            owner.setup_owner(**OWNER)
            yield ContentStack(url=supervisor.gateway_url, llm=llm, owner=owner)
            owner.close()
        finally:
            supervisor.stop_watching()
            supervisor.down()


@pytest.fixture(scope="package")
def content_stack(tmp_path_factory):
    llm = FakeLLM()
    try:
        with native_stack(tmp_path_factory.mktemp("content-stack"), llm) as stack:
            yield stack
    finally:
        llm.close()


@pytest.fixture
def empty_stack(tmp_path, content_stack):
    """A stack of its own with nothing in it yet (the package's stack fills up as tests run)."""
    with native_stack(_mkdir(tmp_path / "empty-stack"), content_stack.llm) as stack:
        yield stack


@pytest.fixture
def llm(content_stack):
    """The fake model endpoint, answering promptly again after each test."""
    from tests.agent.conftest import FakeLLMBehaviour

    content_stack.llm.behaviour = FakeLLMBehaviour()
    yield content_stack.llm
    content_stack.llm.behaviour = FakeLLMBehaviour()


@pytest.fixture
def owner(content_stack) -> GatewayClient:
    return content_stack.owner


@pytest.fixture
def session(qtbot, content_stack):
    """The app's SessionController on the package's stack, signed in as the owner through the client."""
    from umt.desktop.tasks import TaskManager

    from .sessions import signed_in_session

    tasks = TaskManager()
    session = signed_in_session(tasks, content_stack.url, OWNER["email"], OWNER["password"],
                                lambda condition: qtbot.waitUntil(condition, timeout=10000))
    yield session
    tasks.wait_for_done(10000)
    session.set_gateway_url(None)


def unique(prefix: str) -> str:
    return f"{prefix} {uuid.uuid4().hex[:6]}"


def _mkdir(path):
    path.mkdir()
    return path
