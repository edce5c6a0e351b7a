"""CSV import of metrics (all or nothing, per-row errors), CSV/JSON exports, iCalendar export."""

from __future__ import annotations

import csv
import io
import json
from datetime import date

import pytest

from umt.client import ValidationFailed
from umt.contract import ImportResult


@pytest.fixture
def items(owner):
    return [owner.content.create(channel="x", title=f"Item {n}") for n in range(2)]


def test_import_inserts_then_updates(owner, items):
    a, b = items[0].id, items[1].id
    csv_text = (f"content_id,day,impressions,clicks,engagements,conversions,spend\r\n"
                f"{a},2026-05-01,100,10,7,1,2.50\r\n{a},2026-05-02,80,,3,0,0\r\n{b},2026-05-01,5,0,0,0,0\r\n")
    assert owner.metrics.import_csv(csv_text) == ImportResult(inserted=3, updated=0)
    assert owner.metrics.import_csv(f"\ufeffday,content_id,impressions\n2026-05-01,{a},150\n") == ImportResult(
        inserted=0, updated=1)
    rows = {(r.content_id, r.day): r for r in owner.metrics.iterate()}
    assert rows[(a, date(2026, 5, 1))].impressions == 150 and rows[(a, date(2026, 5, 2))].clicks == 0
    assert rows[(a, date(2026, 5, 1))].spend == 0  # a re-import replaces the whole row


def test_a_bad_row_imports_nothing_and_every_error_is_reported(owner, items):
    a = items[0].id
    csv_text = (f"content_id,day,impressions,clicks\n{a},2026-05-01,100,10\n{a},2026-13-01,5,1\n"
                f"{a},2026-05-03,-4,1\n{a},2026-05-04,1\nabc,2026-05-05,1,1\n{a},2026-05-01,1,1\n")
    with pytest.raises(ValidationFailed) as failed:
        owner.metrics.import_csv(csv_text)
    assert failed.value.code == "import_failed"
    assert [(e["row"], e["field"]) for e in failed.value.details] == [
        (3, "day"), (4, "impressions"), (5, None), (6, "content_id"), (7, "day")]
    assert owner.metrics.list().total == 0


def test_unknown_content_ids_import_nothing(owner, items):
    with pytest.raises(ValidationFailed) as failed:
        owner.metrics.import_csv(f"content_id,day\n{items[0].id},2026-05-01\n9999,2026-05-01\n")
    assert failed.value.details == [{"row": 3, "field": "content_id", "message": "no content item has id 9999"}]
    assert owner.metrics.list().total == 0


@pytest.mark.parametrize("body, field", [
    (b"", "body"), (b"content_id,day,colour\n1,2026-01-01,red\n", "colour"), (b"day\n2026-01-01\n", "content_id"),
    (b"content_id,day\n", "body"), (b"\xff\xfe\x00", "body"), (b"content_id,content_id,day\n", "body"),
])
def test_bad_csv_files(owner, items, body, field):
    with pytest.raises(ValidationFailed) as failed:
        owner.metrics.import_csv(body)
    assert failed.value.status == 400 and failed.value.field == field


def test_exports_as_csv_and_json(owner, items):
    owner.brands.create(name='Comma, "Quotes"', hashtags=["#a", "#b"])
    exported = json.loads(owner.brands.export("json"))["items"]
    assert exported[0]["name"] == 'Comma, "Quotes"'
    table = list(csv.DictReader(io.StringIO(owner.brands.export("csv"))))
    assert table[0]["name"] == 'Comma, "Quotes"' and json.loads(table[0]["hashtags"]) == ["#a", "#b"]
    owner.content.create(channel="x", title='=HYPERLINK("http://evil.example")')
    content_rows = list(csv.DictReader(io.StringIO(owner.content.export("csv"))))
    assert [r["title"] for r in content_rows] == ["Item 0", "Item 1", '\'=HYPERLINK("http://evil.example")']
    with pytest.raises(ValidationFailed) as refused:
        owner.content.export("xml")
    assert refused.value.field == "format"


def _unfold(ics: str) -> list[str]:
    assert "\n" not in ics.replace("\r\n", "")  # every line ends in CRLF
    return ics.replace("\r\n ", "").split("\r\n")


def test_calendar_holds_scheduled_content_only(owner):
    title = "Ünïcode launch; with, commas \\ and a long title " + "é" * 60
    scheduled = owner.content.create(channel="linkedin", title=title, body="line one\nline two")
    for status in ("in_review", "approved"):
        owner.content.transition(scheduled.id, status)
    owner.content.transition(scheduled.id, "scheduled", "2026-09-01T08:30:00+02:00")
    owner.content.create(channel="x", title="Draft only", scheduled_at="2026-09-02T08:00:00Z")
    ics = owner.export_calendar()
    assert all(len(line.encode()) <= 75 for line in ics.split("\r\n"))  # folded
    lines = _unfold(ics)
    assert lines[0] == "BEGIN:VCALENDAR" and lines[-2] == "END:VCALENDAR" and lines[-1] == ""
    assert lines.count("BEGIN:VEVENT") == 1
    assert "DTSTART:20260901T063000Z" in lines
    summary = next(line for line in lines if line.startswith("SUMMARY:"))
    assert summary == "SUMMARY:[linkedin] " + title.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    assert "DESCRIPTION:line one\\nline two" in lines
    assert f"UID:content-{scheduled.id}@umt.local" in lines
    from datetime import datetime, timezone

    later = owner.export_calendar(start=datetime(2026, 10, 1, tzinfo=timezone.utc))
    assert "BEGIN:VEVENT" not in later
