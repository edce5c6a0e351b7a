"""The validation layer over arbitrary JSON: it either returns clean values or raises the API's
ValidationFailed naming a field, never anything else (hypothesis)."""

from __future__ import annotations

from hypothesis import given, settings, strategies as st

from umt.gateway import resources, routes_auth, routes_jobs
from umt.gateway.crud import list_query
from umt.gateway.errors import ValidationFailed

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=12,
)
SCHEMAS = [r.input for r in resources.ALL] + [routes_auth.setup_input, routes_auth.second_factor_input,
                                              routes_jobs.job_input]


def _field_names(schema, value):
    return {*schema.fields, *(value or {})} if isinstance(value, dict) else set(schema.fields)


@settings(max_examples=300, deadline=None)
@given(schema=st.sampled_from(SCHEMAS), body=JSON | st.dictionaries(st.sampled_from(
    ["name", "title", "channel", "budget", "start", "end", "variants", "hashtags", "day", "content_id", "spend",
     "scheduled_at", "email", "password", "kind", "input", "code"]), JSON, max_size=5), partial=st.booleans())
def test_bodies_parse_or_fail_with_a_field(schema, body, partial):
    try:
        clean = schema.parse(body, partial=partial)
    except ValidationFailed as failure:
        assert failure.status == 422
        names = _field_names(schema, body)
        # An unknown key is named as sent (it may itself contain "." or "["); a known one by its path.
        assert failure.field is None or failure.field in names or failure.field.split(".")[0].split("[")[0] in names
    else:
        assert set(clean) <= set(schema.fields)


@settings(max_examples=300, deadline=None)
@given(resource=st.sampled_from(resources.ALL),
       params=st.dictionaries(st.sampled_from(["limit", "offset", "q", "status", "brand_id", "day_from",
                                               "scheduled_from", "format"]), st.text(max_size=12), max_size=4))
def test_query_strings_parse_or_fail_with_a_field(resource, params):
    schema = list_query(resource)
    try:
        clean = schema.parse_query(params)
    except ValidationFailed as failure:
        assert failure.field in params or failure.field in schema.fields
    else:
        assert 1 <= clean["limit"] <= 500 and clean["offset"] >= 0
