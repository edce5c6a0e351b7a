"""Gateway fixtures: the real gateway under uvicorn on a free loopback port, on a real SQLite file
in the per-test data folder or a fresh PostgreSQL database, with a fake agent on another port."""

from __future__ import annotations

import os
import secrets
import time
import warnings
from dataclasses import replace

import pytest

from tests.conftest import free_port
from tests.gateway.fake_agent import FakeAgent
from tests.gateway.servers import ThreadedServer
from umt.client import GatewayClient
from umt.gateway.app import create_app
from umt.gateway.settings import GatewaySettings

OWNER = {"email": "owner@example.com", "name": "Olive Owner", "password": "correct horse battery"}


def fresh_postgres_database(admin_url: str):
    """A new, empty database for one test; dropped afterwards."""
    import psycopg
    from sqlalchemy.engine import make_url

    name = f"umt_test_{secrets.token_hex(6)}"
    url = make_url(admin_url.replace("postgresql://", "postgresql+psycopg://", 1))
    plain = url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(plain, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')

    def drop() -> None:
        # An autovacuum worker on the new database cannot be ended by a non-superuser: wait it out.
        for attempt in range(50):
            try:
                with psycopg.connect(plain, autocommit=True) as connection:
                    connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                return
            except (psycopg.errors.InsufficientPrivilege, psycopg.errors.ObjectInUse):
                time.sleep(0.1)
        warnings.warn(f"could not drop the test database {name}; it stays behind")

    return url.set(database=name).render_as_string(hide_password=False), drop


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request, isolated_data):
    if request.param == "sqlite":
        yield f"sqlite:///{isolated_data / 'umt.db'}"
        return
    url, drop = fresh_postgres_database(os.environ["UMT_TEST_POSTGRES_URL"])
    yield url
    drop()


@pytest.fixture
def signing_key(monkeypatch) -> str:
    key = secrets.token_urlsafe(32)
    monkeypatch.setenv("UMT_SIGNING_KEY", key)
    return key


@pytest.fixture
def fake_agent():
    agent = FakeAgent()
    server = ThreadedServer(agent.app(), free_port()).start()
    agent.server = server
    yield agent
    agent.release.set()
    agent.server.stop()


@pytest.fixture
def real_agent():
    """The real agent app under uvicorn; a module points the gateway at it by overriding
    `gateway_settings` with `replace(gateway_settings, agent_url=real_agent.url)`."""
    from umt.agent.app import create_app as create_agent
    from umt.agent.settings import AgentSettings

    server = ThreadedServer(create_agent(AgentSettings()), free_port()).start()
    yield server
    server.stop()


@pytest.fixture
def gateway_settings(isolated_data, database_url, fake_agent, signing_key) -> GatewaySettings:
    return GatewaySettings(
        data_dir=isolated_data, database_url=database_url, agent_url=fake_agent.server.url,
        secrets_dir=isolated_data / "no-secrets", lockout_threshold=3, lockout_base_seconds=1.0,
        lockout_max_seconds=4.0, job_retry_base_seconds=0.2, max_body_bytes=64 * 1024,
    )


class Gateway:
    """A running gateway; `restart()` stops it and starts a new one on the same database."""

    def __init__(self, settings: GatewaySettings) -> None:
        self.settings = settings
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._start()

    def _start(self) -> None:
        self.app = create_app(self.settings)
        self.server = ThreadedServer(self.app, self.port).start()

    @property
    def engine(self):
        return self.app.state.engine

    def restart(self, **changes) -> None:
        self.server.stop()
        self.settings = replace(self.settings, **changes)
        self._start()

    def stop(self) -> None:
        self.server.stop()


@pytest.fixture
def gateway(gateway_settings):
    running = Gateway(gateway_settings)
    yield running
    running.stop()


@pytest.fixture
def anonymous(gateway):
    with GatewayClient(gateway.url) as client:
        yield client


@pytest.fixture
def owner(gateway):
    """A client signed in as the owner, set up through the API."""
    with GatewayClient(gateway.url) as client:
        client.setup_owner(**OWNER)
        yield client

