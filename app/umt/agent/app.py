"""The agent's ASGI app factory: stateless task endpoints over HTTP.

POST /v1/tasks/{kind} with a JSON object -> 200 {"result": ...}, or 4xx {"error": {code, message,
field}}. With `Accept: application/x-ndjson` the reply streams {"progress", "step"} lines and then
one {"result": ...} or {"error": ...} line. A failing LLM without fallback is a 502 (an upstream
failed, the input was fine). GET /v1/tasks lists the kinds and their fields."""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import time

import anyio.to_thread
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

import umt
from umt.agent.settings import AgentSettings
from umt.agent.tasks import TASKS, TaskKind
from umt.agent.validation import Fields, InputError

log = logging.getLogger(__name__)
NDJSON = "application/x-ndjson"
# Progress lines are sent at most this often (fraction of the task), plus every change of step.
PROGRESS_STEP = 0.01


class TaskCancelled(Exception):
    """The client went away; the worker thread stops at its next progress report."""


def error_reply(status: int, code: str, message: str, field: str | None = None) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message, "field": field}}, status_code=status)


async def _read_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length", "")
    too_large = InputError("", f"The request body is larger than {limit} bytes.", "body_too_large", 413)
    if declared.isdigit() and int(declared) > limit:
        raise too_large
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise too_large
        chunks.append(chunk)
    return b"".join(chunks)


def _reject_constant(name: str):
    raise ValueError(f"{name} is not valid JSON")


def _decode(body: bytes) -> Fields:
    if not body.strip():
        raise InputError("", "The request body is empty; send a JSON object.", "malformed_json", 400)
    try:
        data = json.loads(body, parse_constant=_reject_constant)
    except (ValueError, RecursionError) as error:
        raise InputError("", f"The request body is not valid JSON: {error}", "malformed_json", 400) from None
    return Fields(data)


def _execute(kind: TaskKind, run, task, progress, settings: AgentSettings) -> tuple[int, dict]:
    """Runs a parsed task in a worker thread; every outcome becomes (status, reply body)."""
    from umt.agent.drafting import DraftUnavailable

    started = time.perf_counter()
    try:
        result = run(task, progress, settings) if kind.needs_settings else run(task, progress)
    except InputError as error:
        return error.status, error.as_json()
    except DraftUnavailable as error:
        return 502, {"error": {"code": "llm_unavailable", "message": str(error), "field": None}}
    except TaskCancelled:
        return 499, {"error": {"code": "cancelled", "message": "The client went away.", "field": None}}
    except Exception:  # noqa: BLE001 - a bug must still answer in the contract's shape
        log.exception("task %s failed", kind.name)
        return 500, {"error": {"code": "internal_error", "message": f"The {kind.name} task failed unexpectedly; "
                                                                    f"see the agent's log.", "field": None}}
    log.debug("task %s done in %.1f ms", kind.name, 1000 * (time.perf_counter() - started))
    return 200, {"result": result}


def _line(payload: dict) -> bytes:
    return (json.dumps(payload, separators=(",", ":")) + "\n").encode()


def _stream(kind: TaskKind, run, task, settings: AgentSettings):
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue = asyncio.Queue()
    cancelled = threading.Event()
    last = {"fraction": -1.0, "step": None}

    def progress(fraction: float, step: str) -> None:
        if cancelled.is_set():
            raise TaskCancelled()
        fraction = max(0.0, min(1.0, fraction))
        if fraction - last["fraction"] >= PROGRESS_STEP or step != last["step"] or fraction == 1.0:
            last.update(fraction=fraction, step=step)
            loop.call_soon_threadsafe(queue.put_nowait, {"progress": round(fraction, 4), "step": step})

    async def lines():
        worker = asyncio.ensure_future(anyio.to_thread.run_sync(
            _execute, kind, run, task, progress, settings, abandon_on_cancel=True))
        try:
            yield _line({"progress": 0.0, "step": "started"})
            while True:
                getter = asyncio.ensure_future(queue.get())
                done, _ = await asyncio.wait({getter, worker}, return_when=asyncio.FIRST_COMPLETED)
                if getter in done:
                    yield _line(getter.result())
                    continue
                getter.cancel()
                while not queue.empty():
                    yield _line(queue.get_nowait())
                _, reply = worker.result()
                yield _line(reply)
                return
        finally:
            cancelled.set()

    return StreamingResponse(lines(), media_type=NDJSON, headers={"Cache-Control": "no-store"})


def create_app(settings: AgentSettings) -> Starlette:
    async def health(_: Request) -> JSONResponse:
        return JSONResponse({"status": "ok", "version": umt.__version__})

    async def list_tasks(_: Request) -> JSONResponse:
        return JSONResponse({"tasks": [kind.describe() for kind in TASKS.values()],
                             "llm": {"configured": settings.llm_configured, "model": settings.llm_model}})

    async def run_task(request: Request) -> Response:
        name = request.path_params["kind"]
        kind = TASKS.get(name)
        if kind is None:
            return error_reply(404, "unknown_task", f"There is no task {name!r}; the tasks are "
                                                    f"{', '.join(TASKS)}.", None)
        try:
            body = await _read_body(request, settings.max_body_bytes)

            def prepare():
                parse, run = kind.load()
                return run, parse(_decode(body))

            run, task = await anyio.to_thread.run_sync(prepare)
        except InputError as error:
            return JSONResponse(error.as_json(), status_code=error.status)
        if NDJSON in request.headers.get("accept", ""):
            return _stream(kind, run, task, settings)
        status, reply = await anyio.to_thread.run_sync(
            _execute, kind, run, task, lambda fraction, step: None, settings)
        return JSONResponse(reply, status_code=status)

    async def http_error(_: Request, error: HTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed"}.get(error.status_code, "http_error")
        return error_reply(error.status_code, code, str(error.detail), None)

    app = Starlette(
        routes=[Route("/health", health), Route("/v1/tasks", list_tasks),
                Route("/v1/tasks/{kind}", run_task, methods=["POST"])],
        exception_handlers={HTTPException: http_error},
    )
    app.state.settings = settings
    return app
