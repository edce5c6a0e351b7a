"""The contract's one decoder: types, limits and unknown fields refused, each error naming the
field in the project's path style with a message a person can read."""

from __future__ import annotations

from datetime import datetime, timezone

import msgspec
import pytest

from umt.contract import (BrandInput, BrandPatch, CampaignPatch, ContentInput, ContentQuery, ContractError,
                          ExperimentInput, SetupInput, convert, decode_json)


@pytest.mark.parametrize("record, body, field, message", [
    (BrandInput, b'{"name": 5}', "name", "must be a string"),
    (BrandInput, b'{}', "name", "is required"),
    (BrandInput, b'[]', None, "must be a JSON object"),
    (BrandInput, b'{"name": "x", "typo": 1}', "typo", "is not a known field"),
    (BrandInput, b'{"name": "x", "hashtags": [1]}', "hashtags[0]", "must be a string"),
    (BrandInput, b'{"name": "x", "hashtags": ["#a", "#a"]}', "hashtags", "must not repeat items"),
    (BrandInput, b'{"name": ""}', "name", "must not be empty"),
    (BrandInput, b'{"name": "x", "voice": "' + b"v" * 4001 + b'"}', "voice", "must be at most 4000 characters"),
    (ContentInput, b'{"channel": "x", "title": "t\\u0000"}', "title", "must not contain NUL characters"),
    (ContentInput, b'{"channel": "x", "title": "t", "scheduled_at": "soon"}', "scheduled_at",
     "must be an ISO 8601 date-time such as 2026-05-01T09:30:00Z"),
    (ContentInput, b'{"channel": "x", "title": "t", "brand_id": 0}', "brand_id", "must be at least 1"),
    (ExperimentInput, b'{"name": "e", "variants": [{"name": "A", "exposures": -1}]}', "variants[0].exposures",
     "must be at least 0"),
    (BrandPatch, b'{}', None, "must change at least one field"),
    (BrandPatch, b'{"name": null}', "name", "must not be null"),
    (SetupInput, b'{"email": "nobody", "name": "n", "password": "long enough!"}', "email",
     "must be an email address"),
])
def test_bad_bodies_name_the_field(record, body, field, message):
    with pytest.raises(ContractError) as refused:
        decode_json(body, record, prefix="")
    assert (refused.value.field, refused.value.message) == (field, message)


def test_a_lone_surrogate_is_not_json():
    """msgspec refuses it while reading (a database could not store it either)."""
    with pytest.raises(msgspec.DecodeError):
        decode_json(b'{"channel": "x", "title": "\\ud800"}', ContentInput)


def test_a_prefix_places_the_error_inside_a_larger_body():
    with pytest.raises(ContractError) as refused:
        decode_json(b'{"name": "e", "variants": [{"name": "A", "conversions": "x"}]}', ExperimentInput,
                    prefix="input")
    assert refused.value.field == "input.variants[0].conversions"


def test_clean_values_come_back_typed():
    item = decode_json(b'{"channel": "x", "title": "t", "scheduled_at": "2026-05-01T09:30:00"}', ContentInput)
    assert item.scheduled_at == datetime(2026, 5, 1, 9, 30, tzinfo=timezone.utc)  # no offset: UTC
    assert decode_json(b'{"name": "C", "budget": 10.239}', CampaignPatch.__mro__[1]).budget == 10.24
    patch = decode_json(b'{"budget": 3}', CampaignPatch)
    assert patch.to_dict() == {"budget": 3}  # what was left out stays out
    setup = decode_json(b'{"email": " Olive@Example.COM ", "name": "n", "password": "long enough!"}', SetupInput)
    assert setup.email == "olive@example.com"


def test_query_strings_are_text_converted_by_the_same_records():
    query = convert({"limit": "5", "status": "draft", "scheduled_from": "2026-01-01T00:00:00Z"}, ContentQuery,
                    from_text=True)
    assert (query.limit, query.offset, query.status) == (5, 0, "draft")
    for params, field, message in [({"status": "gone"}, "status", "must be one of "),
                                   ({"limit": "0"}, "limit", "must be at least 1"),
                                   ({"brand_id": "abc"}, "brand_id", "must be an integer"),
                                   ({"colour": "red"}, "colour", "is not a known query parameter")]:
        with pytest.raises(ContractError) as refused:
            convert(params, ContentQuery, from_text=True, unknown="is not a known query parameter")
        assert refused.value.field == field and refused.value.message.startswith(message), refused.value
