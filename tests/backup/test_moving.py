"""Moving (issue 13 §4): a SQLite backup made on the laptop, restored into a server's PostgreSQL
with `umt restore PATH --database-url …`; counted and verified, then served by a real gateway on
PostgreSQL over HTTP (every row there, new ids after the copied ones)."""

from __future__ import annotations

import os
import secrets as random_tokens

import pytest
from sqlalchemy import create_engine, func, select

from tests.backup.test_cli_backup import umt
from tests.conftest import free_port
from tests.gateway.conftest import fresh_postgres_database
from tests.gateway.fake_agent import FakeAgent
from tests.gateway.servers import ThreadedServer
from umt import demo, secrets
from umt.backup import create_backup, read_manifest
from umt.backup.operations import Target
from umt.client import GatewayClient
from umt.gateway import tables
from umt.gateway.app import create_app
from umt.gateway.settings import GatewaySettings

pytestmark = pytest.mark.postgres
PASSWORD = "correct horse battery staple"


def serve_gateway(database_url: str, data_dir, agent_url: str) -> ThreadedServer:
    settings = GatewaySettings(data_dir=data_dir, database_url=database_url, agent_url=agent_url,
                               secrets_dir=data_dir / "no-secrets")
    return ThreadedServer(create_app(settings), free_port()).start()


def counted(url: str) -> dict[str, int]:
    with GatewayClient(url) as client:
        client.login("owner@example.com", PASSWORD)
        return {name: getattr(client, name).list().total for name in ("brands", "campaigns", "content", "metrics")}


@pytest.fixture
def postgres_url():
    url, drop = fresh_postgres_database(os.environ["UMT_TEST_POSTGRES_URL"])
    yield url
    drop()


def test_a_sqlite_backup_moves_into_postgresql_counted_and_served(isolated_data, postgres_url, tmp_path, monkeypatch):
    key = random_tokens.token_urlsafe(32)
    monkeypatch.setenv("UMT_SIGNING_KEY", key)        # the laptop's gateway and the server's share the key
    secrets.set_secret(secrets.GATEWAY_SIGNING_KEY, key)
    agent = FakeAgent()
    agent.server = ThreadedServer(agent.app(), free_port()).start()
    laptop = serve_gateway(f"sqlite:///{isolated_data / 'umt.db'}", isolated_data, agent.server.url)
    try:
        with GatewayClient(laptop.url) as client:
            client.setup_owner("owner@example.com", "Ada Owner", PASSWORD)
            demo.fill_sample_data(client, lambda fraction, step: None)
        on_the_laptop = counted(laptop.url)
        passphrase = tmp_path / "passphrase.txt"
        passphrase.write_text("moving day passphrase\n")
        made = create_backup(Target("laptop", sqlite_file=isolated_data / "umt.db"), tmp_path,
                             passphrase=passphrase.read_text().strip()).path
    finally:
        laptop.stop()

    secrets.delete_secret(secrets.GATEWAY_SIGNING_KEY)     # the server's keyring starts empty
    moved = umt("restore", str(made), "--database-url", postgres_url, "--passphrase-file", str(passphrase), "--yes")
    assert moved.returncode == 0, moved.stderr
    assert "counted and equal" in moved.stderr
    assert secrets.get_secret(secrets.GATEWAY_SIGNING_KEY) == key

    manifest = read_manifest(made)
    engine = create_engine(postgres_url)
    with engine.connect() as connection:
        in_postgres = {t.name: connection.execute(select(func.count()).select_from(t)).scalar_one()
                       for t in tables.metadata.sorted_tables}
    engine.dispose()
    assert in_postgres == manifest.tables

    again = umt("restore", str(made), "--database-url", postgres_url, "--passphrase-file", str(passphrase), "--yes")
    assert again.returncode == 1 and "already holds data" in again.stderr     # never over existing data

    server = serve_gateway(postgres_url, isolated_data, agent.server.url)
    try:
        assert counted(server.url) == on_the_laptop
        with GatewayClient(server.url) as client:
            client.login("owner@example.com", PASSWORD)
            newest = max(brand.id for brand in client.brands.list().items)
            assert client.brands.create(name="Made on the server").id == newest + 1   # the sequence follows the copy
    finally:
        server.stop()
        agent.release.set()
        agent.server.stop()


def test_a_postgresql_gateway_is_backed_up_with_pg_dump_and_restored_counted(isolated_data, tmp_path, monkeypatch):
    key = random_tokens.token_urlsafe(32)
    monkeypatch.setenv("UMT_SIGNING_KEY", key)
    secrets.set_secret(secrets.GATEWAY_SIGNING_KEY, key)
    source_url, drop_source = fresh_postgres_database(os.environ["UMT_TEST_POSTGRES_URL"])
    target_url, drop_target = fresh_postgres_database(os.environ["UMT_TEST_POSTGRES_URL"])
    agent = FakeAgent()
    agent.server = ThreadedServer(agent.app(), free_port()).start()
    try:
        server = serve_gateway(source_url, isolated_data, agent.server.url)
        try:
            with GatewayClient(server.url) as client:
                client.setup_owner("owner@example.com", "Ada Owner", PASSWORD)
                demo.fill_sample_data(client, lambda fraction, step: None)
            before = counted(server.url)
            passphrase = tmp_path / "passphrase.txt"
            passphrase.write_text("server passphrase\n")
            made = umt("backup", "--database-url", source_url, "--passphrase-file", str(passphrase), "--to", str(tmp_path))
            assert made.returncode == 0, made.stderr
        finally:
            server.stop()
        manifest = read_manifest(made.stdout.strip())
        assert manifest.database == "postgresql" and manifest.tables["metrics"] == before["metrics"]
        restored = umt("restore", made.stdout.strip(), "--database-url", target_url, "--passphrase-file", str(passphrase), "--yes")
        assert restored.returncode == 0, restored.stderr
        server = serve_gateway(target_url, isolated_data, agent.server.url)
        try:
            assert counted(server.url) == before
        finally:
            server.stop()
    finally:
        agent.release.set()
        agent.server.stop()
        drop_source()
        drop_target()
