"""Routes for the marketing data: CRUD for every resource, content workflow, import and exports."""

from __future__ import annotations

import hmac
import json

from msgspec import UNSET
from starlette.responses import Response

from umt import contract as c
from umt.contract.resources import CalendarFeed, CalendarFeedQuery
from umt.gateway import archive, content as content_service, exports, resources
from umt.gateway.crud import Resource
from umt.gateway.errors import ApiError
from umt.gateway.http import Call, Operation
from umt.gateway.security import calendar_feed_key


def crud_operations(resource: Resource) -> list[Operation]:
    base, item = f"/api/v1/{resource.name}", f"/api/v1/{resource.name}/{{id}}"

    async def list_items(call: Call):
        return await call.run(call.services.crud.list, resource, call.query)

    async def create_item(call: Call):
        return await call.run(call.services.crud.create, resource, call.body.to_dict())

    async def get_item(call: Call):
        return await call.run(call.services.crud.get, resource, call.path["id"])

    async def update_item(call: Call):
        return await call.run(call.services.crud.update, resource, call.path["id"], call.body.to_dict())

    async def delete_item(call: Call):
        await call.run(call.services.crud.delete, resource, call.path["id"])

    for function, verb in ((list_items, "list"), (create_item, "create"), (get_item, "get"),
                           (update_item, "update"), (delete_item, "delete")):
        function.__name__ = f"{verb}_{resource.name}"
    tag, what = resource.name, resource.singular
    return [
        Operation("GET", base, list_items, f"list {resource.name}, filtered and paginated", tag,
                  query=resource.query, reply=c.Page[resource.reply]),
        Operation("POST", base, create_item, f"create a {what}", tag, body=resource.input, reply=resource.reply,
                  status=201, errors=(409,)),
        Operation("GET", item, get_item, f"one {what}", tag, reply=resource.reply),
        Operation("PATCH", item, update_item, f"change some fields of a {what}", tag, body=resource.patch,
                  reply=resource.reply, errors=(409,)),
        Operation("DELETE", item, delete_item, f"delete a {what}", tag, status=204),
    ]


async def transition_content(call: Call):
    return await call.run(content_service.transition, call.services.engine, call.path["id"],
                          call.body.status, None if call.body.scheduled_at is UNSET else call.body.scheduled_at)


async def content_versions(call: Call):
    return await call.run(content_service.versions, call.services.engine, call.path["id"])


async def import_metrics(call: Call):
    content_type = call.request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type not in ("text/csv", "text/plain", "application/csv"):
        raise ApiError(415, "unsupported_media_type", "send the metrics as text/csv", "Content-Type")
    raw = await call.request.body()
    rows = await call.run(exports.parse_metrics_csv, raw)
    return await call.run(exports.import_metrics, call.services.engine, rows)


def export_operation(resource: Resource) -> Operation:
    async def export(call: Call):
        rows = await call.run(exports.export_rows, call.services.engine, resource)
        name = f"umt-{resource.name}"
        if call.query.format == "csv":
            columns = [c.name for c in resource.table.columns]
            return Response(exports.to_csv(rows, columns), media_type="text/csv; charset=utf-8",
                            headers={"Content-Disposition": f'attachment; filename="{name}.csv"'})
        return Response(json.dumps({"items": rows}), media_type="application/json",
                        headers={"Content-Disposition": f'attachment; filename="{name}.json"'})

    export.__name__ = f"export_{resource.name}"
    return Operation("GET", f"/api/v1/exports/{resource.name}", export,
                     f"all {resource.name} as CSV or JSON", "exports", query=c.ExportQuery,
                     reply=c.Export[resource.reply],
                     produces=("application/json", "text/csv"))


async def export_archive(call: Call):
    data = await call.run(archive.export_archive, call.services.engine)
    return Response(data, media_type="application/zip",
                    headers={"Content-Disposition": 'attachment; filename="umt-archive.zip"'})


async def import_archive(call: Call):
    content_type = call.request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type not in ("application/zip", "application/octet-stream"):
        raise ApiError(415, "unsupported_media_type", "send the archive as application/zip", "Content-Type")
    raw = await call.request.body()
    return {"imported": await call.run(archive.import_archive, call.services.engine, raw)}


async def export_calendar(call: Call):
    rows = await call.run(content_service.scheduled_items, call.services.engine, call.query.start,
                          call.query.end)
    return Response(exports.calendar(rows), media_type="text/calendar; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="umt-schedule.ics"'})


async def calendar_feed_address(call: Call):
    key = calendar_feed_key(call.services.accounts.key)
    return {"url": f"{str(call.request.base_url).rstrip('/')}/feeds/calendar.ics?key={key}"}


async def calendar_feed(call: Call):
    # No bearer token: a calendar app cannot send one. The secret in the address stands in for it.
    if not hmac.compare_digest(call.query.key.encode(), calendar_feed_key(call.services.accounts.key).encode()):
        raise ApiError(403, "bad_feed_key", "this calendar feed address is not valid (any more)", "key")
    return await export_calendar(call)


def operations() -> list[Operation]:
    ops: list[Operation] = []
    for resource in resources.ALL:
        ops += crud_operations(resource)
    ops += [
        Operation("POST", "/api/v1/content/{id}/transition", transition_content,
                  "move a content item to another status (illegal moves are refused)", "content",
                  body=c.TransitionInput, reply=resources.content.reply, errors=(409,)),
        Operation("GET", "/api/v1/content/{id}/versions", content_versions, "the text history of a content item",
                  "content", reply=c.ContentVersions),
        Operation("POST", "/api/v1/metrics/import", import_metrics,
                  "import metrics from CSV: every row valid or nothing imported", "metrics", raw_body="text/csv",
                  reply=c.ImportResult),
    ]
    ops += [export_operation(r) for r in resources.ALL]
    ops += [
        Operation("GET", "/api/v1/export/archive", export_archive,
                  "everything the owner made as one zip of JSON and CSV files with a README of the format",
                  "exports", produces=("application/zip",)),
        Operation("POST", "/api/v1/import/archive", import_archive,
                  "restore an archive from GET /api/v1/export/archive into this install, which must hold no "
                  "data yet (409 otherwise); ids are renumbered, references kept", "exports",
                  # Declared as octet-stream (a zip is accepted under its own type too): what
                  # OpenAPI tools generate and send for a binary body.
                  raw_body="application/octet-stream", reply=c.ArchiveImport, errors=(409,)),
    ]
    ops.append(Operation("GET", "/api/v1/exports/calendar.ics", export_calendar,
                         "scheduled content as an iCalendar file", "exports", query=c.CalendarQuery,
                         produces=("text/calendar",)))
    ops += [
        Operation("GET", "/api/v1/exports/calendar-feed", calendar_feed_address,
                  "the secret, read-only address of the schedule for a calendar app to subscribe to", "exports",
                  reply=CalendarFeed),
        Operation("GET", "/feeds/calendar.ics", calendar_feed,
                  "the scheduled content as an iCalendar feed, for the holder of the feed's secret key", "exports",
                  query=CalendarFeedQuery, auth=False, produces=("text/calendar",), errors=(403,)),
    ]
    return ops
