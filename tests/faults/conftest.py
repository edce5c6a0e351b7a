"""The fault-injection suite (issue 12): each test's docstring names the promise it checks.
The in-process gateway fixtures are the gateway suite's, on SQLite."""

from __future__ import annotations

import pytest

from tests.gateway.conftest import (anonymous, fake_agent, gateway, gateway_settings, owner,  # noqa: F401
                                    real_agent, signing_key)


@pytest.fixture
def database_url(isolated_data):
    return f"sqlite:///{isolated_data / 'umt.db'}"
