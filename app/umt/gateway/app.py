"""The gateway's ASGI app factory."""

from __future__ import annotations

import contextlib

import anyio
from sqlalchemy import create_engine, text
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

import umt
from umt.gateway.settings import GatewaySettings
from umt.healthcheck import probe


def create_app(settings: GatewaySettings) -> Starlette:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = create_engine(settings.effective_database_url, pool_pre_ping=True)

    async def health(_: Request) -> JSONResponse:
        return JSONResponse({"status": "ok"})

    async def ready(_: Request) -> JSONResponse:
        checks = {}
        try:
            def ping() -> None:
                with engine.connect() as connection:
                    connection.execute(text("SELECT 1"))

            await anyio.to_thread.run_sync(ping)
            checks["database"] = "ok"
        except Exception as exc:  # noqa: BLE001 - any database failure means not ready
            checks["database"] = f"failed: {type(exc).__name__}"
        agent_ok = await anyio.to_thread.run_sync(probe, settings.agent_url.rstrip("/") + "/health", 1.0)
        checks["agent"] = "ok" if agent_ok else "unreachable"
        ok = all(v == "ok" for v in checks.values())
        return JSONResponse({"status": "ready" if ok else "not ready", "checks": checks}, status_code=200 if ok else 503)

    async def version(_: Request) -> JSONResponse:
        return JSONResponse({"name": "umt-gateway", "version": umt.__version__})

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette):
        yield
        engine.dispose()

    app = Starlette(
        routes=[Route("/health", health), Route("/ready", ready), Route("/version", version)],
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.engine = engine
    return app
