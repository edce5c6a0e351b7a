from umt.gateway.app import create_app
from umt.gateway.settings import GatewaySettings
from umt.serve import serve

settings = GatewaySettings.from_env()
serve(create_app(settings), settings.host, settings.port, "gateway")
