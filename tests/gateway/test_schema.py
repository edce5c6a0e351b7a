"""The contract's decoder over arbitrary JSON, as the gateway uses it: it either returns a record
or raises ContractError naming a field, never anything else (hypothesis)."""

from __future__ import annotations

import json

from hypothesis import given, settings, strategies as st

from umt.contract import ContractError, convert, decode_json
from umt.contract.tasks import JobSubmission
from umt.gateway import resources, routes_auth  # noqa: F401 - the records the gateway's operations use
from umt.gateway.app import create_app  # noqa: F401
from umt import contract as c

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=30),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=12,
)
RECORDS = [r.input for r in resources.ALL] + [r.patch for r in resources.ALL] + [
    c.SetupInput, c.SecondFactorInput, c.TransitionInput, JobSubmission]


def _names(record) -> set[str]:
    if record is JobSubmission:
        return {"kind", "input"}
    return set(record.__struct_fields__)


@settings(max_examples=300, deadline=None)
@given(record=st.sampled_from(RECORDS), body=JSON | st.dictionaries(st.sampled_from(
    ["name", "title", "channel", "budget", "start", "end", "variants", "hashtags", "day", "content_id", "spend",
     "scheduled_at", "email", "password", "kind", "input", "code", "status"]), JSON, max_size=5))
def test_bodies_decode_or_fail_with_a_field(record, body):
    try:
        decode_json(json.dumps(body).encode(), record)
    except ContractError as failure:
        assert failure.message and failure.message[0].islower()
        sent = set(body) if isinstance(body, dict) else set()
        top = failure.field.split(".")[0].split("[")[0] if failure.field else None
        assert top is None or top in _names(record) | sent or failure.field in sent, failure


@settings(max_examples=300, deadline=None)
@given(resource=st.sampled_from(resources.ALL),
       params=st.dictionaries(st.sampled_from(["limit", "offset", "q", "status", "brand_id", "day_from",
                                               "scheduled_from", "format"]), st.text(max_size=12), max_size=4))
def test_query_strings_parse_or_fail_with_a_field(resource, params):
    try:
        query = convert(params, resource.query, from_text=True, unknown="is not a known query parameter")
    except ContractError as failure:
        assert failure.field in params or failure.field in resource.query.__struct_fields__
    else:
        assert 1 <= query.limit <= 500 and query.offset >= 0
