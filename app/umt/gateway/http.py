"""Route declarations: each operation names its body, query and reply schemas once; from that
the gateway builds the Starlette route (parsing and validating input, checking the token) and the
OpenAPI document. Handlers receive a `Call` and return JSON-able data or a Response."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable

import anyio
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from umt.gateway.errors import ApiError, NotFound, ValidationFailed
from umt.gateway.schema import MAX_INT, Schema


@dataclass
class Call:
    """What a handler gets: the parsed input and the signed-in user."""

    request: Request
    services: Any
    body: Any = None
    query: dict[str, Any] = field(default_factory=dict)
    path: dict[str, int] = field(default_factory=dict)
    user: dict[str, Any] | None = None

    async def run(self, function: Callable, *args: Any) -> Any:
        """Run blocking work (database, hashing) off the event loop."""
        return await anyio.to_thread.run_sync(function, *args)


Handler = Callable[[Call], Awaitable[Any]]


@dataclass
class Operation:
    method: str
    path: str
    handler: Handler
    summary: str
    tag: str
    body: Schema | None = None
    query: Schema | None = None
    reply: Schema | None = None
    status: int = 200
    auth: bool = True
    partial_body: bool = False
    raw_body: str | None = None  # a media type such as text/csv: the handler reads the body itself
    produces: tuple[str, ...] = ("application/json",)
    errors: tuple[int, ...] = ()

    @property
    def path_params(self) -> list[str]:
        return [part[1:-1] for part in self.path.split("/") if part.startswith("{")]


def build_route(operation: Operation, services: Any) -> Route:
    async def endpoint(request: Request) -> Response:
        call = Call(request=request, services=services)
        if operation.auth:
            call.user = await services.authenticate(request)
        for name in operation.path_params:
            raw = request.path_params[name]
            if not (raw.isascii() and raw.isdigit()) or len(raw) > 10 or int(raw) > MAX_INT:
                raise NotFound("resource", name)
            call.path[name] = int(raw)
        if operation.query is not None:
            call.query = operation.query.parse_query(request.query_params)
        elif request.query_params:
            raise ValidationFailed(next(iter(request.query_params.keys())), "is not a known query parameter")
        if operation.body is not None:
            call.body = operation.body.parse(await read_json(request), partial=operation.partial_body)
        result = await operation.handler(call)
        if isinstance(result, Response):
            return result
        if result is None:
            return Response(status_code=204)
        return JSONResponse(result, status_code=operation.status)

    return Route(operation.path, endpoint, methods=[operation.method])


async def read_json(request: Request) -> Any:
    content_type = request.headers.get("content-type", "application/json").split(";")[0].strip().lower()
    if content_type not in ("application/json", ""):
        raise ApiError(415, "unsupported_media_type", "send the body as application/json", "Content-Type")
    raw = await request.body()
    if not raw:
        raise ValidationFailed(None, "a JSON body is required")
    try:
        return json.loads(raw, parse_constant=_refuse_constant)
    except (ValueError, RecursionError) as exc:
        raise ApiError(400, "malformed_json", f"the body is not valid JSON: {exc}"[:300]) from None


def _refuse_constant(name: str) -> None:
    # Python's json reads NaN and Infinity, which are not JSON and could not be sent back out.
    raise ValueError(f"{name} is not a JSON value")


ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {"error": {
        "type": "object",
        "required": ["code", "message"],
        "properties": {"code": {"type": "string"}, "message": {"type": "string"},
                       "field": {"type": "string", "nullable": True}, "details": {}},
    }},
}


# A server-sent event as OpenAPI 3.2 describes one: `data` holds the JSON text of the record.
SSE_EVENT = {
    "type": "object",
    "properties": {"event": {"type": "string"}, "id": {"type": "string"},
                   "data": {"type": "string", "contentMediaType": "application/json"}},
}


def _reply_schema(op: Operation, media: str) -> dict[str, Any]:
    if media == "application/json":
        return op.reply.json_schema() if op.reply else {}
    if media == "text/event-stream":
        return SSE_EVENT
    return {"type": "string"}


def openapi_document(operations: list[Operation], version: str) -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    components: dict[str, Any] = {"Error": ERROR_SCHEMA}

    def register(schema: Schema | None) -> None:
        for found in ([schema, *schema.nested()] if schema else []):
            components[found.name] = found.component()

    for op in operations:
        entry: dict[str, Any] = {"summary": op.summary, "tags": [op.tag],
                                 "operationId": op.handler.__name__.lstrip("_")}
        parameters = [{"name": name, "in": "path", "required": True,
                       "schema": {"type": "integer", "minimum": 0, "maximum": MAX_INT}} for name in op.path_params]
        if op.query is not None:
            parameters += [{"name": name, "in": "query", "required": spec.required, "schema": spec.json_schema()}
                           for name, spec in op.query.fields.items()]
        if parameters:
            entry["parameters"] = parameters
        if op.body is not None:
            register(op.body)
            entry["requestBody"] = {"required": True,
                                    "content": {"application/json": {"schema": op.body.json_schema()}}}
        elif op.raw_body:
            entry["requestBody"] = {"required": True, "content": {op.raw_body: {"schema": {"type": "string"}}}}
        register(op.reply)
        ok: dict[str, Any] = {"description": "success"}
        if op.status != 204:
            ok["content"] = {media: {"schema": _reply_schema(op, media)} for media in op.produces}
        error_codes = set(op.errors) | {400, 422}
        if op.auth:
            error_codes.add(401)
        if op.path_params:
            error_codes.add(404)
        if op.body is not None or op.raw_body:
            error_codes |= {413, 415}
        responses = {str(op.status): ok}
        for code in sorted(error_codes):
            responses[str(code)] = {"description": "error",
                                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
        entry["responses"] = responses
        if op.auth:
            entry["security"] = [{"bearer": []}]
        paths.setdefault(op.path, {})[op.method.lower()] = entry
    return {
        "openapi": "3.0.3",
        "info": {"title": "Ultimate Marketing Team gateway", "version": version},
        "paths": paths,
        "components": {"schemas": components,
                       "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
    }
