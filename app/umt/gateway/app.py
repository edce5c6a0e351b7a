"""The gateway's ASGI app factory: wires settings, database, accounts, jobs and routes."""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable

import anyio
import msgspec
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

import umt
from umt.gateway import (migrations, routes_analytics, routes_auth, routes_data, routes_home, routes_jobs,
                         routes_publishing, routes_score)
from umt.gateway.accounts import Accounts, purge_expired_sessions
from umt.gateway.agent_client import AgentClient
from umt.gateway.crud import Crud
from umt.gateway.db import is_disk_full, make_engine, reading, request_transaction, with_secret_password
from umt.gateway.errors import ApiError, Unauthorized
from umt.gateway.http import build_route, openapi_document
from umt.gateway.jobs import JobRunner
from umt.gateway.publishing.channel_accounts import ChannelAccounts
from umt.gateway.publishing.credentials import Cipher, load_channel_key
from umt.gateway.publishing.deliveries import Deliveries
from umt.gateway.publishing.outbox import Outbox
from umt.gateway.security import load_signing_key
from umt.gateway.settings import GatewaySettings
from umt.gateway.tables import utcnow
from umt.healthcheck import probe

log = logging.getLogger(__name__)
# CSV imports may be larger than ordinary JSON bodies.
LARGE_BODY_PATHS = {"/api/v1/metrics/import": 16 * 1024 * 1024, "/api/v1/import/archive": 256 * 1024 * 1024}


class Services:
    """What route handlers reach through `call.services`."""

    def __init__(self, settings: GatewaySettings, signing_key: bytes, cipher: Cipher) -> None:
        self.settings = settings
        # A connection per request thread, per job worker, and for the lease and pruning threads.
        self.engine = make_engine(with_secret_password(settings.effective_database_url, settings.secrets_dir),
                                  connections=settings.request_threads + settings.job_workers + 2)
        self.cipher = cipher
        self.accounts = Accounts(self.engine, signing_key, settings, cipher)
        self.crud = Crud(self.engine)
        # One keep-alive client of the agent for the job runner and synchronous scoring.
        self.agent = AgentClient(settings.agent_url, settings.agent_timeout_seconds)
        self.runner = JobRunner(self.engine, settings, self.agent)
        self.channels = ChannelAccounts(self.engine, cipher)
        self.deliveries = Deliveries(self.engine, self.channels)
        self.outbox = Outbox(settings, self.channels, self.deliveries)
        # The requests' blocking work runs here. A plain executor, not anyio's to_thread: under
        # concurrent load anyio's bookkeeping per call (backend lookup, capacity limiter, cancel
        # scopes) was a quarter of the gateway's CPU time, two calls per authenticated request
        # (profile in bench/bench_concurrency.py). Few threads: the work is mostly Python, holding
        # the interpreter lock; more threads only take turns with it, each with its own connection.
        self.threads = ThreadPoolExecutor(max_workers=settings.request_threads, thread_name_prefix="umt-request")

    async def blocking(self, function: Callable[..., Any], *args: Any) -> Any:
        """Runs blocking work (database, hashing) off the event loop, in the request threads."""
        # With the request's context: an Idempotency-Key's transaction reaches the handler's writes
        # through a context variable (db.writing), which run_in_executor alone would not carry.
        if request_transaction.get() is not None:
            # A keyed request holds SQLite's write lock: it finishes on anyio's threads, never
            # waiting for a request thread that an unkeyed writer holds while it waits for that lock.
            return await anyio.to_thread.run_sync(function, *args)
        context = contextvars.copy_context()
        return await asyncio.get_running_loop().run_in_executor(self.threads, context.run, function, *args)

    async def authenticate(self, request: Request) -> dict[str, Any]:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthorized()
        return await self.blocking(self.accounts.user_for_token, token.strip())

    def start(self) -> None:
        start = migrations.upgrade(self.engine, cipher=self.cipher)
        if start != migrations.LATEST:
            log.info("database upgraded from schema version %d to %d", start, migrations.LATEST)
        with self.engine.begin() as connection:
            purge_expired_sessions(connection, utcnow())
        self.runner.start()
        self.outbox.start()

    def stop(self) -> None:
        self.outbox.stop()
        self.runner.stop()
        self.threads.shutdown(wait=True, cancel_futures=True)
        self.agent.close()
        self.engine.dispose()


class BodyLimit:
    """Refuse bodies over the limit with 413 before reading them whole (pure ASGI middleware)."""

    def __init__(self, app, limit: int) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        limit = LARGE_BODY_PATHS.get(scope["path"], self.limit)
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            return await _too_large(limit)(scope, receive, send)
        received = 0

        async def limited_receive():
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > limit:
                raise ApiError(413, "too_large", f"the body is larger than {limit} bytes", "body")
            return message

        await self.app(scope, limited_receive, send)


def _too_large(limit: int) -> JSONResponse:
    return JSONResponse(ApiError(413, "too_large", f"the body is larger than {limit} bytes", "body").body(),
                        status_code=413)


async def _api_error(_: Request, exc: ApiError) -> JSONResponse:
    return JSONResponse(exc.body(), status_code=exc.status, headers=exc.headers)


async def _http_error(_: Request, exc: HTTPException) -> JSONResponse:
    code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
    return JSONResponse(ApiError(exc.status_code, code, str(exc.detail)).body(), status_code=exc.status_code,
                        headers=exc.headers)


async def _database_unavailable(_: Request, exc: DBAPIError) -> JSONResponse:
    if is_disk_full(exc):
        # The transaction was rolled back whole: nothing half-written, and writes work again once
        # there is room (tests/faults/test_full_disk.py).
        log.error("a write failed, the disk holding the database is full: %s", exc.orig)
        return JSONResponse(ApiError(507, "disk_full", "the disk holding umt's data is full, so nothing was saved; "
                                                       "free some space on it and try again").body(), status_code=507)
    if not exc.connection_invalidated:
        return await _unexpected(_, exc)
    log.warning("lost the database connection: %s", exc.orig)
    return JSONResponse(ApiError(503, "database_unavailable", "the database connection dropped; try again").body(),
                        status_code=503, headers={"Retry-After": "1"})


async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
    log.error("unexpected error: %s", exc, exc_info=exc)
    return JSONResponse(ApiError(500, "internal", "the gateway failed; see its log").body(), status_code=500)


def create_app(settings: GatewaySettings) -> Starlette:
    """Raises MissingSigningKey or MissingChannelKey when a key is not provided: the gateway must
    not start without them."""
    signing_key = load_signing_key(settings.secrets_dir)
    cipher = Cipher(load_channel_key(settings.secrets_dir))
    if not settings.database_url:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    services = Services(settings, signing_key, cipher)
    operations = (routes_home.operations() + routes_auth.operations() + routes_data.operations()
                  + routes_jobs.operations() + routes_score.operations() + routes_analytics.operations()
                  + routes_publishing.operations())
    # Kept as the bytes it is sent as: the dict of a document this size costs the idle gateway
    # about half a MiB more.
    document = msgspec.json.encode(openapi_document(operations, umt.__version__))

    async def health(_: Request) -> JSONResponse:
        # Names itself, so that `umt doctor` tells the stack's own gateway from a stranger on its port.
        return JSONResponse({"status": "ok", "service": "gateway", "version": umt.__version__})

    async def ready(_: Request) -> JSONResponse:
        checks = {}
        try:
            def ping() -> None:
                with reading(services.engine) as connection:
                    connection.execute(text("SELECT 1"))

            await anyio.to_thread.run_sync(ping)
            checks["database"] = "ok"
        except Exception as exc:  # noqa: BLE001 - any database failure means not ready
            checks["database"] = f"failed: {type(exc).__name__}"
        agent_ok = await anyio.to_thread.run_sync(probe, settings.agent_url.rstrip("/") + "/health", 1.0)
        checks["agent"] = "ok" if agent_ok else "unreachable"
        # Without the agent the gateway still serves the owner's data; jobs wait for the agent.
        if checks["database"] != "ok":
            return JSONResponse({"status": "not ready", "checks": checks}, status_code=503)
        return JSONResponse({"status": "ready" if agent_ok else "degraded", "checks": checks})

    async def version(_: Request) -> JSONResponse:
        return JSONResponse({"name": "umt-gateway", "version": umt.__version__})

    async def openapi(_: Request) -> JSONResponse:
        return Response(document, media_type="application/json")

    @contextlib.asynccontextmanager
    async def lifespan(_app):
        await anyio.to_thread.run_sync(services.start)
        try:
            yield
        finally:
            await anyio.to_thread.run_sync(services.stop)

    app = Starlette(
        routes=[Route("/health", health), Route("/ready", ready), Route("/version", version),
                Route("/openapi.json", openapi)] + [build_route(op, services) for op in operations],
        exception_handlers={ApiError: _api_error, HTTPException: _http_error, DBAPIError: _database_unavailable,
                            Exception: _unexpected},
        lifespan=lifespan,
    )
    app.add_middleware(BodyLimit, limit=settings.max_body_bytes)
    app.state.settings = settings
    app.state.services = services
    app.state.engine = services.engine
    return app
