"""The OpenAPI document is generated from umt.contract: job inputs per kind (discriminated by
`kind`), never a free-form object, and every body's record refuses unknown fields."""

from __future__ import annotations

from umt.contract.tasks import TASK_KINDS


def _component(document, ref: str) -> dict:
    return document["components"]["schemas"][ref.rsplit("/", 1)[1]]


def test_job_inputs_are_a_schema_per_kind(anonymous):
    document = anonymous.openapi()
    assert document["openapi"] == "3.1.0"
    body = document["paths"]["/api/v1/jobs"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert body["discriminator"]["propertyName"] == "kind"
    assert set(body["discriminator"]["mapping"]) == set(TASK_KINDS)
    for kind, ref in body["discriminator"]["mapping"].items():
        request = _component(document, ref)
        assert request["properties"]["kind"] == {"enum": [kind]} and request["required"] == ["kind", "input"]
        job_input = _component(document, request["properties"]["input"]["$ref"])
        assert job_input["additionalProperties"] is False and job_input["properties"], kind
    stored = document["components"]["schemas"]["Job"]["properties"]["input"]
    assert {option["$ref"].rsplit("/", 1)[1] for option in stored["anyOf"]} == {
        kind.input.__name__ for kind in TASK_KINDS.values()}


def test_every_request_body_refuses_unknown_fields(anonymous):
    document = anonymous.openapi()
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            schema = operation.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
            if schema is None:
                continue
            schema = schema.get("items", schema) if schema.get("type") == "array" else schema  # a list of records
            refs = [option["$ref"] for option in schema.get("anyOf", [schema])]
            for ref in refs:
                assert _component(document, ref)["additionalProperties"] is False, (method, path, ref)
