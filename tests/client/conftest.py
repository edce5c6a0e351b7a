"""The client is tested against the real gateway (SQLite; the gateway suite covers PostgreSQL)."""

from __future__ import annotations

import pytest

from tests.gateway.conftest import (anonymous, fake_agent, gateway, gateway_settings, owner,  # noqa: F401
                                    signing_key)


@pytest.fixture
def database_url(isolated_data):
    return f"sqlite:///{isolated_data / 'umt.db'}"
