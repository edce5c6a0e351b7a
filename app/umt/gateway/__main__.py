"""The gateway: HTTP API, auth and data."""
import sys

from umt.gateway.app import create_app
from umt.gateway.db import DatabaseDamaged, DatabaseUnsupported, check_sqlite_file
from umt.gateway.publishing.credentials import MissingChannelKey
from umt.gateway.security import MissingSigningKey
from umt.gateway.settings import GatewaySettings
from umt.serve import serve

settings = GatewaySettings.from_env()
try:
    check_sqlite_file(settings.effective_database_url)
    app = create_app(settings)
except (MissingSigningKey, MissingChannelKey, DatabaseUnsupported, DatabaseDamaged) as exc:
    print(f"umt gateway cannot start: {exc}", file=sys.stderr)
    sys.exit(78)  # EX_CONFIG: a configuration problem, restarting will not help
serve(app, settings.host, settings.port, "gateway")
