"""PostgreSQL only: the gateway survives its database connections being cut."""

from __future__ import annotations

import pytest

from tests.gateway.conftest import fresh_postgres_database
from umt.client import ApiError


@pytest.fixture(params=[pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request):
    import os

    url, drop = fresh_postgres_database(os.environ["UMT_TEST_POSTGRES_URL"])
    yield url
    drop()


def test_dropped_connections_give_one_503_then_recover(owner, gateway, database_url):
    import psycopg
    from sqlalchemy.engine import make_url

    owner.brands.create(name="Acme")
    name = make_url(database_url).database
    admin = make_url(database_url).set(drivername="postgresql", database="postgres")
    with psycopg.connect(admin.render_as_string(hide_password=False), autocommit=True) as connection:
        cut = connection.execute("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                                 "WHERE datname = %s AND pid <> pg_backend_pid()", (name,)).fetchone()[0]
    assert cut >= 1
    outcomes = []
    for _ in range(3):
        try:
            outcomes.append(owner.brands.list().total)
        except ApiError as error:
            outcomes.append(error.status)
    # The stale connection fails one request with 503 (not 500); SQLAlchemy then renews the pool.
    assert outcomes == [503, 1, 1], outcomes
