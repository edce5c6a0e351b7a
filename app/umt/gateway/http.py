"""Route declarations: each operation names its body, query and reply types (umt.contract
records) once; from that the gateway builds the Starlette route (decoding and checking input,
checking the token) and the OpenAPI document, generated from the same records. Handlers receive a
`Call` (its body and query are records) and return JSON-able data or a Response."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable

import msgspec
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from umt.contract import MAX_INT, ContractError, convert, decode_json
from umt.gateway import idempotency
from umt.gateway.errors import ApiError, NotFound, ValidationFailed


@dataclass
class Call:
    """What a handler gets: the parsed input and the signed-in user."""

    request: Request
    services: Any
    body: Any = None
    query: Any = None
    path: dict[str, int] = field(default_factory=dict)
    user: dict[str, Any] | None = None

    async def run(self, function: Callable, *args: Any) -> Any:
        """Run blocking work (database, hashing) off the event loop."""
        return await self.services.blocking(function, *args)


Handler = Callable[[Call], Awaitable[Any]]


@dataclass
class Operation:
    method: str
    path: str
    handler: Handler
    summary: str
    tag: str
    body: Any = None    # a contract record type (or a tagged union of them)
    query: type | None = None  # a contract record whose fields are the query-string parameters
    reply: Any = None
    status: int = 200
    auth: bool = True
    raw_body: str | None = None  # a media type such as text/csv: the handler reads the body itself
    produces: tuple[str, ...] = ("application/json",)
    errors: tuple[int, ...] = ()
    # Writes accept an Idempotency-Key (gateway/idempotency.py) unless they say otherwise.
    idempotent: bool = True

    @property
    def accepts_idempotency_key(self) -> bool:
        return self.idempotent and self.auth and self.method in ("POST", "PUT", "PATCH", "DELETE")

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
            call.query = parse_query(operation.query, request.query_params)
        elif request.query_params:
            raise ValidationFailed(next(iter(request.query_params.keys())), "is not a known query parameter")
        key = idempotency.key_of(request) if operation.accepts_idempotency_key else None
        if operation.body is not None:
            call.body = await read_body(request, operation.body)
        if key is None:
            response = await respond(call)
        else:
            response = await idempotency.run_once(request, services.engine, call.user["id"], key,
                                                  services.settings.idempotency_retention, lambda: respond(call))
        return response

    async def respond(call: Call) -> Response:
        result = await operation.handler(call)
        if isinstance(result, Response):
            return result
        if result is None:
            return Response(status_code=204)
        # msgspec writes JSON several times faster than json.dumps (and NaN as null, not as NaN).
        return Response(msgspec.json.encode(result), status_code=operation.status, media_type="application/json")

    return Route(operation.path, endpoint, methods=[operation.method])


def parse_query(record: type, params) -> Any:
    """Query-string parameters (always text) as `record`; unknown ones are refused."""
    try:
        return convert(dict(params), record, from_text=True, unknown="is not a known query parameter")
    except ContractError as error:
        raise ValidationFailed(error.field, error.message) from None


async def read_body(request: Request, record: Any) -> Any:
    """The JSON body as `record` (a contract type): a 400 if it is not JSON, a 422 naming the field."""
    content_type = request.headers.get("content-type", "application/json").split(";")[0].strip().lower()
    if content_type not in ("application/json", ""):
        raise ApiError(415, "unsupported_media_type", "send the body as application/json", "Content-Type")
    raw = await request.body()
    if not raw:
        raise ValidationFailed(None, "a JSON body is required")
    try:
        return decode_json(raw, record)  # NaN and Infinity are not JSON: msgspec refuses them
    except ContractError as error:
        raise ValidationFailed(error.field, error.message) from None
    except msgspec.DecodeError as exc:
        raise ApiError(400, "malformed_json", f"the body is not valid JSON: {exc}"[:300]) from None


ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {"error": {
        "type": "object",
        "required": ["code", "message"],
        "properties": {"code": {"type": "string"}, "message": {"type": "string"},
                       "field": {"type": ["string", "null"]}, "details": {}},
    }},
}


# A server-sent event as OpenAPI 3.2 describes one: `data` holds the JSON text of the record.
SSE_EVENT = {
    "type": "object",
    "properties": {"event": {"type": "string"}, "id": {"type": "string"},
                   "data": {"type": "string", "contentMediaType": "application/json"}},
}
REF = "#/components/schemas/{name}"
IDEMPOTENCY_PARAMETER = {
    "name": idempotency.HEADER, "in": "header", "required": False,
    "description": "a unique key per logical write (a UUID): a retry with the same key within a day gets the "
                   "first reply instead of writing again; the same key with another body is a 422",
    "schema": {"type": "string", "minLength": 1, "maxLength": idempotency.MAX_KEY_LENGTH,
               "pattern": "^[\\x21-\\x7e]+$"},
}


def openapi_document(operations: list[Operation], version: str) -> dict[str, Any]:
    """OpenAPI 3.1 (whose schemas are JSON Schema 2020-12, as msgspec writes them), generated
    from the operations' contract records."""
    types = [t for op in operations for t in (op.body, op.reply, op.query) if t is not None]
    refs, components = msgspec.json.schema_components(types, ref_template=REF)
    schema_of = dict(zip(map(id, types), refs))
    components["Error"] = ERROR_SCHEMA
    paths: dict[str, dict[str, Any]] = {}
    for op in operations:
        entry: dict[str, Any] = {"summary": op.summary, "tags": [op.tag],
                                 "operationId": op.handler.__name__.lstrip("_")}
        parameters = [{"name": name, "in": "path", "required": True,
                       "schema": {"type": "integer", "minimum": 0, "maximum": MAX_INT}} for name in op.path_params]
        if op.query is not None:
            parameters += _query_parameters(components[op.query.__name__])
        if op.accepts_idempotency_key:
            parameters.append(IDEMPOTENCY_PARAMETER)
        if parameters:
            entry["parameters"] = parameters
        if op.body is not None:
            entry["requestBody"] = {"required": True,
                                    "content": {"application/json": {"schema": schema_of[id(op.body)]}}}
        elif op.raw_body:
            entry["requestBody"] = {"required": True, "content": {op.raw_body: {"schema": {"type": "string"}}}}
        ok: dict[str, Any] = {"description": "success"}
        if op.status != 204:
            ok["content"] = {media: {"schema": _reply_schema(op, media, schema_of)} for media in op.produces}
        error_codes = set(op.errors) | {400, 422}
        if op.auth:
            error_codes.add(401)
        if op.path_params:
            error_codes.add(404)
        if op.body is not None or op.raw_body:
            error_codes |= {413, 415}
        if op.method != "GET":
            error_codes.add(507)  # the disk holding the data is full
        responses = {str(op.status): ok}
        for code in sorted(error_codes):
            responses[str(code)] = {"description": "error",
                                    "content": {"application/json": {"schema": {"$ref": REF.format(name="Error")}}}}
        entry["responses"] = responses
        if op.auth:
            entry["security"] = [{"bearer": []}]
        paths.setdefault(op.path, {})[op.method.lower()] = entry
    return {
        "openapi": "3.1.0",
        "info": {"title": "Ultimate Marketing Team gateway", "version": version},
        "paths": paths,
        "components": {"schemas": components,
                       "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
    }


def _query_parameters(component: dict[str, Any]) -> list[dict[str, Any]]:
    required = set(component.get("required", ()))
    parameters = []
    for name, schema in component["properties"].items():
        schema = dict(schema)
        options = [s for s in schema.pop("anyOf", []) if s.get("type") != "null"]
        if options:  # an optional parameter is left out, never sent as null
            schema = {**options[0], **{k: v for k, v in schema.items() if k != "default" or v is not None}}
        if schema.get("default", 0) is None:
            del schema["default"]
        parameters.append({"name": name, "in": "query", "required": name in required, "schema": schema})
    return parameters


def _reply_schema(op: Operation, media: str, schema_of: dict[int, Any]) -> dict[str, Any]:
    if media == "application/json":
        return schema_of[id(op.reply)] if op.reply is not None else {}
    if media == "text/event-stream":
        return SSE_EVENT
    return {"type": "string"}
