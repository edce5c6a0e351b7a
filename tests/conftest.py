"""Root test fixtures: every test gets its own data folder and keyring, and Qt renders offscreen."""

from __future__ import annotations

import os
import secrets
import socket
import uuid

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# An isolated keyring for the whole run: never the real user's keychain.
os.environ["PYTHON_KEYRING_BACKEND"] = "keyrings.alt.file.PlaintextKeyring"


@pytest.fixture(autouse=True)
def isolated_data(tmp_path, monkeypatch):
    """A fresh UMT_DATA_DIR and keyring file per test."""
    data = tmp_path / "umt-data"
    data.mkdir()
    monkeypatch.setenv("UMT_DATA_DIR", str(data))
    # Docker is machine-wide: a test's stack never carries the name of the user's own stack.
    monkeypatch.setenv("UMT_STACK_NAME", f"umttest-{uuid.uuid4().hex[:8]}")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    (tmp_path / "home").mkdir()
    return data


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def stack_ports(monkeypatch):
    """Free loopback ports for the stack's services, set the way users set them."""
    ports = {"gateway": free_port(), "agent": free_port()}
    monkeypatch.setenv("UMT_GATEWAY_PORT", str(ports["gateway"]))
    monkeypatch.setenv("UMT_AGENT_PORT", str(ports["agent"]))
    return ports


def _require(variable: str) -> bool:
    return os.environ.get(variable, "") not in ("", "0")


def pytest_collection_modifyitems(config, items):
    """Docker/PostgreSQL tests skip where the engine is missing, unless CI requires them."""
    docker_reason = None
    if any("docker" in item.keywords for item in items):
        from umt.runtime.diagnosis import diagnose_docker

        diagnosis = diagnose_docker()
        docker_reason = None if diagnosis.ok else diagnosis.summary
    postgres_missing = not os.environ.get("UMT_TEST_POSTGRES_URL")
    for item in items:
        if "docker" in item.keywords and docker_reason:
            if _require("UMT_REQUIRE_DOCKER"):
                item.add_marker(pytest.mark.usefixtures("_docker_required_but_missing"))
            else:
                item.add_marker(pytest.mark.skip(reason=f"no Docker engine: {docker_reason}"))
        if "postgres" in item.keywords and postgres_missing:
            if _require("UMT_REQUIRE_POSTGRES"):
                item.add_marker(pytest.mark.usefixtures("_postgres_required_but_missing"))
            else:
                item.add_marker(pytest.mark.skip(reason="no PostgreSQL: set UMT_TEST_POSTGRES_URL"))


@pytest.fixture
def _docker_required_but_missing():
    from umt.runtime.diagnosis import diagnose_docker

    pytest.fail(f"UMT_REQUIRE_DOCKER is set but Docker is not usable: {diagnose_docker().summary}")


@pytest.fixture
def _postgres_required_but_missing():
    pytest.fail("UMT_REQUIRE_POSTGRES is set but UMT_TEST_POSTGRES_URL is not")


@pytest.fixture(autouse=True)
def channel_key(monkeypatch) -> str:
    """The gateway refuses to start without a channel key (it encrypts credentials at rest): every
    in-process gateway gets one. Native stacks get theirs as a secret file (the runtime drops UMT_*)."""
    key = secrets.token_urlsafe(32)
    monkeypatch.setenv("UMT_CHANNEL_KEY", key)
    return key
