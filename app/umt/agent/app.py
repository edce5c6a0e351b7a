"""The agent's ASGI app factory."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

import umt
from umt.agent.settings import AgentSettings


def create_app(settings: AgentSettings) -> Starlette:
    async def health(_: Request) -> JSONResponse:
        return JSONResponse({"status": "ok", "version": umt.__version__})

    app = Starlette(routes=[Route("/health", health)])
    app.state.settings = settings
    return app
