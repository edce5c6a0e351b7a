"""Every bad request gets a 4xx JSON error naming the field, never a 500 (raw HTTP on purpose)."""

from __future__ import annotations

import http.client
import json

import pytest
import requests

import umt


@pytest.fixture
def raw(gateway, owner):
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {owner.token}"
    session.base = gateway.url
    yield session
    session.close()


def _error(response, status: int) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    error = response.json()["error"]
    assert set(error) >= {"code", "message", "field"}
    return error


def test_malformed_json(raw):
    for body in (b"{not json", b"", b"[1, 2", b"\xff\xfe", b'{"name": }'):
        response = raw.post(raw.base + "/api/v1/brands", data=body, headers={"Content-Type": "application/json"})
        assert response.status_code in (400, 422), body
        _error(response, response.status_code)


def test_nan_and_infinity_are_not_json(raw):
    """Python's json module reads them; stored in a job's input they could never be sent back."""
    for constant in (b"NaN", b"Infinity", b"-Infinity"):
        body = b'{"kind": "sample_size", "input": {"baseline_rate": ' + constant + b"}}"
        response = raw.post(raw.base + "/api/v1/jobs", data=body, headers={"Content-Type": "application/json"})
        assert _error(response, 400)["code"] == "malformed_json"


def test_deep_nesting_is_refused_not_crashed(raw):
    body = "[" * 100_000 + "]" * 100_000
    response = raw.post(raw.base + "/api/v1/jobs", data=body, headers={"Content-Type": "application/json"})
    assert response.status_code in (400, 413, 422)


def test_wrong_types_name_the_field(raw):
    cases = [
        ("/api/v1/brands", {"name": 5}, "name"),
        ("/api/v1/brands", {"name": "x", "hashtags": "#one"}, "hashtags"),
        ("/api/v1/brands", {"name": "x", "hashtags": [1]}, "hashtags[0]"),
        ("/api/v1/brands", {}, "name"),
        ("/api/v1/brands", [], None),
        ("/api/v1/campaigns", {"name": "x", "budget": "lots"}, "budget"),
        ("/api/v1/campaigns", {"name": "x", "start": "31/12/2026"}, "start"),
        ("/api/v1/campaigns", {"name": "x", "brand_id": True}, "brand_id"),
        ("/api/v1/content", {"channel": "x", "title": "t", "scheduled_at": "soon"}, "scheduled_at"),
        ("/api/v1/content", {"channel": "Not A Channel", "title": "t"}, "channel"),
        ("/api/v1/content", {"channel": "x", "title": "t\u0000"}, "title"),
        ("/api/v1/content", {"channel": "x", "title": "t" * 301}, "title"),
        ("/api/v1/metrics", {"content_id": 1, "day": "2026-01-01", "clicks": 1.5}, "clicks"),
        ("/api/v1/jobs", {"kind": "poem"}, "kind"),
        ("/api/v1/jobs", {"kind": "draft", "input": []}, "input"),
        ("/api/v1/jobs", {"kind": "draft", "input": {"brand_id": "one"}}, "input.brand_id"),
        ("/api/v1/jobs", {"kind": "draft", "input": {"brand_id": 404, "brief": "b", "channel": "x"}},
         "input.brand_id"),
        ("/api/v1/jobs", {"kind": "draft", "input": {"brief": "b", "channel": "x"}}, "input.brand"),
        ("/api/v1/jobs", {"kind": "draft", "input": {"brief": "b", "brand": {"name": "A"}, "channel": "myspace"}},
         "input.channel"),
        ("/api/v1/jobs", {"kind": "experiment", "input": {"variants": [
            {"name": "A", "exposures": 10, "conversions": 1}, {"name": "B", "exposures": -1, "conversions": 0}]}},
         "input.variants[1].exposures"),
        ("/api/v1/jobs", {"kind": "utm", "input": {"url": "https://a.example", "source": "s", "medium": "m",
                                                   "campaign": "c", "colour": "red"}}, "input.colour"),
        ("/api/v1/jobs", {"kind": "sample_size", "input": {"baseline_rate": 1.5, "minimum_detectable_effect": 0.1}},
         "input.baseline_rate"),
    ]
    for path, body, field in cases:
        error = _error(raw.post(raw.base + path, json=body), 422)
        assert error["field"] == field, (path, body, error)


def test_values_the_database_could_not_store_are_refused_by_the_api(raw):
    """PostgreSQL's INTEGER is 32-bit and its text cannot hold NUL or lone surrogates: the API
    must refuse such values itself, or the database error would surface as a 500."""
    too_big = 2**31
    assert _error(raw.get(f"{raw.base}/api/v1/content?brand_id={too_big}"), 422)["field"] == "brand_id"
    assert _error(raw.get(f"{raw.base}/api/v1/content/{too_big}"), 404)["field"] == "id"
    assert _error(raw.post(raw.base + "/api/v1/content", json={"channel": "x", "title": "t", "campaign_id": too_big}),
                  422)["field"] == "campaign_id"
    assert _error(raw.post(raw.base + "/api/v1/jobs", json={"kind": "score", "input": {"content_id": too_big}}),
                  422)["field"] == "input.content_id"
    surrogate = b'{"name": "\\ud800"}'  # a lone surrogate: msgspec refuses it as JSON
    assert _error(raw.post(raw.base + "/api/v1/brands", data=surrogate, headers={"Content-Type": "application/json"}),
                  400)["code"] == "malformed_json"


def test_search_text_is_literal(owner):
    owner.brands.create(name="100% Coffee")
    owner.brands.create(name="1000 Teas")
    assert [b.name for b in owner.brands.list(q="100%").items] == ["100% Coffee"]
    assert owner.brands.list(q="_").total == 0


def test_patch_with_nothing_or_null_for_required(raw, owner):
    brand = owner.brands.create(name="Acme")
    assert _error(raw.patch(f"{raw.base}/api/v1/brands/{brand.id}", json={}), 422)["field"] is None
    assert _error(raw.patch(f"{raw.base}/api/v1/brands/{brand.id}", json={"name": None}), 422)["field"] == "name"


def test_unknown_ids_and_routes(raw):
    assert _error(raw.get(raw.base + "/api/v1/brands/999"), 404)["field"] == "id"
    assert _error(raw.get(raw.base + "/api/v1/brands/abc"), 404)["field"] == "id"
    assert _error(raw.get(raw.base + "/api/v1/brands/99999999999999999999999"), 404)["field"] == "id"
    assert _error(raw.get(raw.base + "/api/v1/brands/%C2%B2"), 404)["field"] == "id"  # '²' is a digit to str.isdigit
    assert _error(raw.get(raw.base + "/api/v1/nothing-here"), 404)["code"] == "not_found"
    assert _error(raw.put(raw.base + "/api/v1/brands/1", json={}), 405)["code"] == "method_not_allowed"
    assert _error(raw.get(raw.base + "/api/v1/jobs/31337"), 404)["field"] == "id"


def test_oversized_bodies(raw, gateway):
    limit = gateway.settings.max_body_bytes
    big = json.dumps({"name": "x", "voice": "y" * limit})
    assert _error(raw.post(raw.base + "/api/v1/brands", data=big, headers={"Content-Type": "application/json"}),
                  413)["field"] == "body"

    def chunks():  # no Content-Length: the limit holds while streaming too
        for _ in range(limit // 1024 + 10):
            yield b" " * 1024

    response = raw.post(raw.base + "/api/v1/brands", data=chunks(), headers={"Content-Type": "application/json"})
    assert _error(response, 413)["code"] == "too_large"


def test_wrong_media_type(raw):
    response = raw.post(raw.base + "/api/v1/brands", data="name=x",
                        headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert _error(response, 415)["field"] == "Content-Type"
    response = raw.post(raw.base + "/api/v1/metrics/import", json={"rows": []})
    assert _error(response, 415)["field"] == "Content-Type"


def test_unauthenticated_requests_are_refused_everywhere(gateway, owner):
    document = owner.openapi()
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            if "security" not in operation:
                continue
            url = gateway.url + path.replace("{id}", "1")
            response = requests.request(method.upper(), url, json={})
            assert _error(response, 401)["field"] == "Authorization", (method, path)


def test_non_utf8_and_garbage_bytes_do_not_crash(gateway, owner):
    connection = http.client.HTTPConnection("127.0.0.1", int(gateway.url.rsplit(":", 1)[1]), timeout=5)
    connection.request("POST", "/api/v1/brands", body=b'{"name": "\xff\xfe"}',
                       headers={"Content-Type": "application/json", "Authorization": f"Bearer {owner.token}"})
    response = connection.getresponse()
    assert response.status == 400 and json.loads(response.read())["error"]["code"] == "malformed_json"
    connection.close()


def test_health_ready_version_and_openapi(gateway, anonymous, fake_agent):
    assert anonymous.health() == {"status": "ok", "service": "gateway", "version": umt.__version__}
    assert anonymous.version()["name"] == "umt-gateway"
    ready = requests.get(gateway.url + "/ready").json()
    assert ready == {"status": "ready", "checks": {"database": "ok", "agent": "ok"}}
    document = anonymous.openapi()
    assert document["openapi"].startswith("3.") and "/api/v1/content/{id}/transition" in document["paths"]
    brand = document["components"]["schemas"]["BrandInput"]
    assert brand["required"] == ["name"] and brand["additionalProperties"] is False
