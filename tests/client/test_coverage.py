"""Every route the gateway serves has a client method: a new operation without one fails here.

The table below says which GatewayClient method calls each route; the test reads the routes from
a real gateway app (so an operation added anywhere is seen) and checks both directions."""

from __future__ import annotations

import operator

from umt.client import GatewayClient

RESOURCES = ("brands", "campaigns", "content", "experiments", "metrics")
CLIENT_METHODS: dict[str, str] = {
    "GET /health": "health",
    "GET /ready": "ready",
    "GET /version": "version",
    "GET /openapi.json": "openapi",
    "GET /": "about",
    "POST /api/v1/score": "score",
    "POST /api/v1/jobs/{id}/cancel": "cancel_job",
    "GET /api/v1/auth/status": "setup_required",
    "POST /api/v1/auth/setup": "setup_owner",
    "POST /api/v1/auth/login": "login",
    "POST /api/v1/auth/login/second-factor": "login_second_factor",
    "POST /api/v1/auth/logout": "logout",
    "GET /api/v1/auth/me": "me",
    "POST /api/v1/auth/2fa/enrol": "enrol_totp",
    "POST /api/v1/auth/2fa/confirm": "confirm_totp",
    "POST /api/v1/auth/2fa/disable": "disable_totp",
    "POST /api/v1/auth/2fa/recovery-codes": "regenerate_recovery_codes",
    "POST /api/v1/auth/password": "change_password",
    **{f"GET /api/v1/{name}": f"{name}.list" for name in RESOURCES},
    **{f"POST /api/v1/{name}": f"{name}.create" for name in RESOURCES},
    **{f"GET /api/v1/{name}/{{id}}": f"{name}.get" for name in RESOURCES},
    **{f"PATCH /api/v1/{name}/{{id}}": f"{name}.update" for name in RESOURCES},
    **{f"DELETE /api/v1/{name}/{{id}}": f"{name}.delete" for name in RESOURCES},
    **{f"GET /api/v1/exports/{name}": f"{name}.export" for name in RESOURCES},
    "POST /api/v1/content/{id}/transition": "content.transition",
    "GET /api/v1/content/{id}/versions": "content.versions",
    "POST /api/v1/metrics/import": "metrics.import_csv",
    "GET /api/v1/exports/calendar.ics": "export_calendar",
    "GET /api/v1/export/archive": "export_archive",
    "POST /api/v1/import/archive": "import_archive",
    "GET /api/v1/exports/calendar-feed": "calendar_feed_address",
    "GET /feeds/calendar.ics": "calendar_feed",
    "POST /api/v1/jobs": "submit_job",
    "GET /api/v1/jobs": "list_jobs",
    "GET /api/v1/jobs/{id}": "get_job",
    "GET /api/v1/jobs/{id}/events": "job_events",
    "GET /api/v1/analytics/totals": "analytics.totals",
    "GET /api/v1/analytics/top-content": "analytics.top_content",
    "GET /api/v1/analytics/heatmap": "analytics.heatmap",
    "GET /api/v1/channels": "list_channels",
    "POST /api/v1/channels": "create_channel",
    "GET /api/v1/channels/{id}": "get_channel",
    "PATCH /api/v1/channels/{id}": "update_channel",
    "DELETE /api/v1/channels/{id}": "delete_channel",
    "POST /api/v1/channels/{id}/test": "test_channel",
    "GET /api/v1/channel-kinds": "channel_kinds",
    "GET /api/v1/channels/{id}/recipients": "list_recipients",
    "POST /api/v1/channels/{id}/recipients": "add_recipients",
    "DELETE /api/v1/channels/{id}/recipients/{rid}": "remove_recipient",
    "GET /unsubscribe": "unsubscribe",
    "POST /api/v1/content/{id}/deliveries": "publish",
    "POST /api/v1/content/{id}/deliveries/retry": "retry_failed",
    "GET /api/v1/deliveries": "list_deliveries",
    "POST /api/v1/deliveries/{id}/retry": "retry_delivery",
    "POST /api/v1/deliveries/{id}/cancel": "cancel_delivery",
}


def served_routes(app) -> set[str]:
    return {f"{method} {route.path}" for route in app.routes for method in (route.methods or ()) if method != "HEAD"}


def test_every_gateway_route_has_a_client_method(gateway):
    served = served_routes(gateway.app)
    missing = sorted(served - CLIENT_METHODS.keys())
    assert not missing, f"routes with no GatewayClient method (add one, and a line to CLIENT_METHODS): {missing}"
    gone = sorted(CLIENT_METHODS.keys() - served)
    assert not gone, f"CLIENT_METHODS names routes the gateway does not serve: {gone}"
    client = GatewayClient(gateway.url)
    for route, method in CLIENT_METHODS.items():
        assert callable(operator.attrgetter(method)(client)), (route, method)


def test_the_openapi_document_lists_only_served_routes(gateway, anonymous):
    """The table is checked against the app's routes; the document must not name others."""
    document = anonymous.openapi()
    documented = {f"{method.upper()} {path}" for path, methods in document["paths"].items() for method in methods}
    assert documented <= served_routes(gateway.app)
