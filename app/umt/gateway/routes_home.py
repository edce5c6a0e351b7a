"""`GET /`: what this service is. A browser (the control center's "Gateway:" link) gets a short
page that points to the API document and the health checks; anything else gets the same as JSON."""

from __future__ import annotations

import html

from starlette.responses import HTMLResponse, JSONResponse

import umt
from umt.contract import About
from umt.gateway.http import Call, Operation

NAME = "Ultimate Marketing Team gateway"

PAGE = """<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>{name}</title>
<style>body{{font-family:system-ui,sans-serif;max-width:40em;margin:3em auto;padding:0 1em;line-height:1.5}}</style>
</head>
<body>
<h1>{name}</h1>
<p>Version {version}. This is the local HTTP API of the Ultimate Marketing Team desktop app:
use the desktop app to work with your brands, campaigns and posts.</p>
<ul>
<li><a href="/openapi.json">/openapi.json</a>: the API document (OpenAPI), under <code>/api/v1</code></li>
<li><a href="/health">/health</a>: whether the gateway is up</li>
<li><a href="/ready">/ready</a>: whether its database and agent answer</li>
</ul>
</body>
</html>
"""


def _prefers_html(accept: str) -> bool:
    """True when the Accept header ranks text/html above JSON (browsers do; `*/*` alone does not)."""
    weights: dict[str, float] = {}
    for part in accept.split(","):
        media, *params = part.split(";")
        weight = 1.0
        for param in params:
            key, _, value = param.strip().partition("=")
            if key == "q":
                try:
                    weight = float(value)
                except ValueError:
                    weight = 0.0
        weights[media.strip().lower()] = weight
    json_weight = max(weights.get(m, 0.0) for m in ("application/json", "application/*", "*/*"))
    return weights.get("text/html", 0.0) > json_weight


async def about(call: Call):
    body = {"name": NAME, "version": umt.__version__, "api": "/api/v1", "openapi": "/openapi.json"}
    headers = {"Vary": "Accept"}
    if _prefers_html(call.request.headers.get("accept", "")):
        return HTMLResponse(PAGE.format(name=html.escape(NAME), version=html.escape(umt.__version__)),
                            headers=headers)
    return JSONResponse(body, headers=headers)


def operations() -> list[Operation]:
    return [
        Operation("GET", "/", about, "what this service is: a short page for a browser, else JSON", "service",
                  auth=False, reply=About, produces=("application/json", "text/html")),
    ]
