"""`GET /` says what the gateway is: an HTML page for a browser, JSON for anything else."""

from __future__ import annotations

import re

import requests

import umt


def test_a_browser_gets_a_page_that_says_what_this_is(gateway):
    reply = requests.get(gateway.url + "/", timeout=5, headers={
        "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"})  # as Firefox sends it
    assert reply.status_code == 200 and reply.headers["content-type"].startswith("text/html")
    assert "Accept" in reply.headers["vary"]
    page = reply.text
    assert "<h1>Ultimate Marketing Team gateway</h1>" in page and f"Version {umt.__version__}" in page
    assert set(re.findall(r'href="([^"]+)"', page)) == {"/openapi.json", "/health", "/ready"}
    assert "use the desktop app" in page
    for link in ("/openapi.json", "/health"):  # the links lead somewhere
        assert requests.get(gateway.url + link, timeout=5).status_code == 200


def test_anything_else_gets_json(gateway, anonymous):
    expected = {"name": "Ultimate Marketing Team gateway", "version": umt.__version__, "api": "/api/v1",
                "openapi": "/openapi.json"}
    for accept in (None, "*/*", "application/json", "application/json, text/html", "text/html;q=0.5, */*"):
        reply = requests.get(gateway.url + "/", timeout=5, headers={"Accept": accept} if accept else {})
        assert reply.status_code == 200 and reply.headers["content-type"] == "application/json", accept
        assert reply.json() == expected, accept
    assert anonymous.about().to_dict() == expected


def test_the_new_operations_are_in_the_openapi_document(anonymous):
    paths = anonymous.openapi()["paths"]
    assert set(paths["/"]["get"]["responses"]["200"]["content"]) == {"application/json", "text/html"}
    assert "security" not in paths["/"]["get"]
    assert paths["/api/v1/score"]["post"]["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ScoreRequest"}
    assert {"200", "401", "422", "503"} <= set(paths["/api/v1/score"]["post"]["responses"])
    assert {"200", "404", "409"} <= set(paths["/api/v1/jobs/{id}/cancel"]["post"]["responses"])
