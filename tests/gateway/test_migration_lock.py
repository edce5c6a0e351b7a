"""PostgreSQL only: several gateways starting at once on one empty database migrate it exactly once,
under an advisory lock, and all of them serve. They connect as the server stack's do: the password
from the `database_password` secret file, not from the URL."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
import requests
from sqlalchemy import text
from sqlalchemy.engine import make_url

from tests.conftest import free_port
from tests.gateway.conftest import fresh_postgres_database
from tests.runtime.helpers import wait_for
from umt.gateway import migrations
from umt.gateway.db import make_engine

pytestmark = pytest.mark.postgres
GATEWAYS = 4


@pytest.fixture
def database_url():
    url, drop = fresh_postgres_database(os.environ["UMT_TEST_POSTGRES_URL"])
    yield url
    drop()


def _start_gateway(database_url: str, isolated_data, index: int) -> tuple[subprocess.Popen, str]:
    """A gateway as the server stack starts it: the URL without its password, which (like the
    signing key) comes from a secret file."""
    url = make_url(database_url)
    secrets = isolated_data / "secrets"
    secrets.mkdir(exist_ok=True)
    (secrets / "database_password").write_text(url.password + "\n")
    (secrets / "gateway_signing_key").write_text("k" * 43)
    (secrets / "channel_key").write_text("c" * 43)
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "UMT_SIGNING_KEY", "UMT_CHANNEL_KEY")}
    env.update(DATABASE_URL=database_url.replace(f":{url.password}@", "@"), UMT_SECRETS_DIR=str(secrets),
               UMT_PORT=str(port), UMT_DATA_DIR=str(isolated_data / f"gateway-{index}"), UMT_LOG_LEVEL="INFO",
               UMT_AGENT_URL=f"http://127.0.0.1:{free_port()}")
    process = subprocess.Popen([sys.executable, "-m", "umt.gateway"], env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    return process, f"http://127.0.0.1:{port}"


def test_gateways_starting_together_migrate_once(database_url, isolated_data):
    started = [_start_gateway(database_url, isolated_data, i) for i in range(GATEWAYS)]
    logs = []
    try:
        for process, url in started:
            def healthy(process=process, url=url):
                if process.poll() is not None:
                    raise AssertionError(f"a gateway exited with {process.returncode}:\n{process.stdout.read()}")
                try:
                    return requests.get(url + "/health", timeout=1).ok
                except requests.ConnectionError:
                    return False

            wait_for(healthy, timeout_s=60, every_s=0.1, what=f"the gateway at {url} to answer")
    finally:
        for process, _ in started:
            process.terminate()
        for process, _ in started:
            logs.append(process.communicate(timeout=30)[0])
    output = "\n".join(logs)
    # Each step was logged by exactly one gateway, and none met an error.
    for number in range(1, migrations.LATEST + 1):
        assert output.count(f"migrating the database to version {number}:") == 1, output
    assert "Traceback" not in output and " ERROR " not in output, output
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            versions = connection.execute(text("SELECT version FROM schema_version ORDER BY version")).scalars().all()
    finally:
        engine.dispose()
    assert versions == list(range(1, migrations.LATEST + 1))
