"""The real local servers the channel modules are tested against (tests/servers/): a Bluesky PDS
from npm, an SMTP server, WordPress."""

from __future__ import annotations

import os

import pytest

from tests.conftest import free_port
from tests.servers import bluesky_pds
from tests.servers.smtp import smtp_certificates, smtp_server  # noqa: F401 - fixtures, used by name
from tests.servers.wordpress import wordpress  # noqa: F401


@pytest.fixture(scope="session")
def pds():
    """One real PDS for the session, with its rate limits on (as on bsky.social)."""
    missing = bluesky_pds.missing_tools()
    if missing:
        if os.environ.get("CI", "") not in ("", "0", "false"):
            pytest.fail(f"CI runs the Bluesky tests, but {missing}")
        pytest.skip(f"the Bluesky PDS needs Node.js: {missing}")
    server = bluesky_pds.Pds(bluesky_pds.install(), free_port(), rate_limits=True).start()
    try:
        yield server
    finally:
        server.stop()
