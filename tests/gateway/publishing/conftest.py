"""The real local servers the channel modules are tested against (tests/servers/)."""

from tests.servers.smtp import smtp_certificates, smtp_server  # noqa: F401 - fixtures, used by name
from tests.servers.wordpress import wordpress  # noqa: F401
