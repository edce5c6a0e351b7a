from umt.agent.app import create_app
from umt.agent.settings import AgentSettings
from umt.serve import serve

settings = AgentSettings.from_env()
serve(create_app(settings), settings.host, settings.port, "agent")
