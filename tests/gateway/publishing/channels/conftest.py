"""The real local servers the channel modules are tested against (tests/servers/)."""

from tests.servers.wordpress import wordpress  # noqa: F401 - a session fixture, used by name
