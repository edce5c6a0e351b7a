"""The agent's ASGI app factory: stateless task endpoints over HTTP.

POST /v1/tasks/{kind} with a JSON object (the kind's input in umt.contract) -> 200 {"result": ...}, or 4xx {"error": {code, message,
field}}. With `Accept: application/x-ndjson` the reply streams {"progress", "step"} lines and then
one {"result": ...} or {"error": ...} line. A failing LLM without fallback is a 502 (an upstream
failed, the input was fine). GET /v1/tasks lists the kinds and their input schemas."""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import time

from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

import umt
from umt import heap
from umt.agent.settings import AgentSettings
from umt.agent.tasks import TASKS, TaskKind
from umt.agent.errors import InputError, TaskFailed

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


def _decode(kind: TaskKind, body: bytes):
    """The body as the kind's input record (umt.contract); unknown fields are refused."""
    import msgspec

    if not body.strip():
        raise InputError("", "The request body is empty; send a JSON object.", "malformed_json", 400)
    try:
        return kind.decode(body)
    except msgspec.DecodeError as error:
        raise InputError("", f"The request body is not valid JSON: {error}", "malformed_json", 400) from None


def _execute(kind: TaskKind, run, task, progress, settings: AgentSettings) -> tuple[int, dict]:
    """Runs a parsed task in a worker thread; every outcome becomes (status, reply body)."""
    started = time.perf_counter()
    try:
        result = run(task, progress, settings) if kind.needs_settings else run(task, progress)
    except (InputError, TaskFailed) as error:
        return error.status, error.as_json()
    except TaskCancelled:
        return 499, {"error": {"code": "cancelled", "message": "The client went away.", "field": None}}
    except Exception:  # noqa: BLE001 - a bug must still answer in the contract's shape
        log.exception("task %s failed", kind.name)
        return 500, {"error": {"code": "internal_error", "message": f"The {kind.name} task failed unexpectedly; "
                                                                    f"see the agent's log.", "field": None}}
    log.debug("task %s done in %.1f ms", kind.name, 1000 * (time.perf_counter() - started))
    return 200, {"result": result}


async def _give_back_memory() -> None:
    """Returns freed heap pages to the OS once a reply is sent (glibc keeps them otherwise, and the
    agent's idle memory creeps up by a few MiB over its first tasks)."""
    heap.give_back()


def _in_thread(function, *args):
    # The loop's own executor, not anyio's: anyio's asyncio backend costs ~1 MiB of idle memory.
    return asyncio.get_running_loop().run_in_executor(None, function, *args)


def _line(payload: dict) -> bytes:
    return (json.dumps(payload, separators=(",", ":")) + "\n").encode()


async def _until_disconnect(receive) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass


class ProgressStream:
    """An NDJSON reply: progress lines while the task runs in a thread, then its result or error.

    A plain ASGI response (not Starlette's StreamingResponse, which needs anyio's task groups):
    it watches for the client leaving and then stops the task at its next progress report."""

    def __init__(self, kind: TaskKind, run, task, settings: AgentSettings):
        self.kind, self.run, self.task, self.settings = kind, run, task, settings

    async def __call__(self, scope, receive, send) -> None:
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

        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", NDJSON.encode()), (b"cache-control", b"no-store")]})
        worker = _in_thread(_execute, self.kind, self.run, self.task, progress, self.settings)
        gone = asyncio.ensure_future(_until_disconnect(receive))
        try:
            await send({"type": "http.response.body", "body": _line({"progress": 0.0, "step": "started"}),
                        "more_body": True})
            while True:
                getter = asyncio.ensure_future(queue.get())
                done, _ = await asyncio.wait({getter, worker, gone}, return_when=asyncio.FIRST_COMPLETED)
                if gone in done:
                    getter.cancel()
                    return
                if getter in done:
                    await send({"type": "http.response.body", "body": _line(getter.result()), "more_body": True})
                    continue
                getter.cancel()
                lines = [_line(queue.get_nowait()) for _ in range(queue.qsize())]
                lines.append(_line(worker.result()[1]))
                await send({"type": "http.response.body", "body": b"".join(lines), "more_body": False})
                return
        finally:
            cancelled.set()
            gone.cancel()
            await _give_back_memory()


def create_app(settings: AgentSettings) -> Starlette:
    async def health(_: Request) -> JSONResponse:
        return JSONResponse({"status": "ok", "service": "agent", "version": umt.__version__})

    async def list_tasks(_: Request) -> JSONResponse:
        return JSONResponse({"tasks": [kind.describe() for kind in TASKS.values()],
                             "llm": {"configured": settings.llm_configured, "model": settings.llm_model}})

    async def run_task(request: Request) -> Response | ProgressStream:
        name = request.path_params["kind"]
        kind = TASKS.get(name)
        if kind is None:
            return error_reply(404, "unknown_task", f"There is no task {name!r}; the tasks are "
                                                    f"{', '.join(TASKS)}.", None)
        try:
            body = await _read_body(request, settings.max_body_bytes)

            def prepare():
                parse, run = kind.load()
                return run, parse(_decode(kind, body))

            run, task = await _in_thread(prepare)
        except InputError as error:
            return JSONResponse(error.as_json(), status_code=error.status)
        if NDJSON in request.headers.get("accept", ""):
            return ProgressStream(kind, run, task, settings)
        status, reply = await _in_thread(_execute, kind, run, task, lambda fraction, step: None, settings)
        return JSONResponse(reply, status_code=status, background=BackgroundTask(_give_back_memory))

    async def http_error(_: Request, error: HTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed"}.get(error.status_code, "http_error")
        return error_reply(error.status_code, code, str(error.detail), None)

    async def server_error(_: Request, error: Exception) -> JSONResponse:
        # A bug, never an expected outcome: still answer in the contract's shape.
        return error_reply(500, "internal_error", "The agent failed unexpectedly; see its log.", None)

    app = Starlette(
        routes=[Route("/health", health), Route("/v1/tasks", list_tasks),
                Route("/v1/tasks/{kind}", run_task, methods=["POST"])],
        exception_handlers={HTTPException: http_error, Exception: server_error},
    )
    app.state.settings = settings
    return app
