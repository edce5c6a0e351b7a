"""Fixtures of the runtime tests."""

from __future__ import annotations

import pytest


@pytest.fixture
def engine():
    """A docker-py client for checking what the engine recorded."""
    import docker  # only where a test asks for the engine

    client = docker.from_env()
    yield client
    client.close()
