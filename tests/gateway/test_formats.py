"""Properties of the file formats the gateway writes, over arbitrary text (hypothesis)."""

from __future__ import annotations

import csv
import io
from types import SimpleNamespace
from datetime import datetime, timezone

from hypothesis import given, settings, strategies as st

from umt.gateway.exports import calendar, to_csv

TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=300)


def _unescape(value: str) -> str:
    out, chars = [], iter(value)
    for char in chars:
        if char == "\\":
            following = next(chars)
            out.append("\n" if following == "n" else following)
        else:
            out.append(char)
    return "".join(out)


@settings(max_examples=200, deadline=None)
@given(title=TEXT, body=TEXT)
def test_calendar_lines_fold_and_escape_reversibly(title, body):
    row = SimpleNamespace(id=7, channel="blog", title=title, body=body,
                          scheduled_at=datetime(2026, 5, 1, 9, tzinfo=timezone.utc))
    ics = calendar([row])
    physical = ics.split("\r\n")
    assert physical[-1] == "" and all(len(line.encode("utf-8")) <= 75 for line in physical)
    assert "\n" not in ics.replace("\r\n", "") and "\r" not in ics.replace("\r\n", "")
    lines = ics.replace("\r\n ", "").split("\r\n")
    summary = next(line for line in lines if line.startswith("SUMMARY:"))[len("SUMMARY:"):]
    description = next(line for line in lines if line.startswith("DESCRIPTION:"))[len("DESCRIPTION:"):]
    def normalize(text: str) -> str:  # newlines become \n; other control characters go
        text = "".join(c for c in text if c in "\t\r\n" or not (ord(c) < 32 or ord(c) == 127))
        return text.replace("\r\n", "\n").replace("\r", "\n")

    assert _unescape(summary) == normalize(f"[blog] {title}")
    assert _unescape(description) == normalize(body)


@settings(max_examples=200, deadline=None)
@given(values=st.lists(TEXT, min_size=1, max_size=5))
def test_csv_export_reads_back(values):
    rows = [{"id": n, "text": value} for n, value in enumerate(values)]
    read = list(csv.DictReader(io.StringIO(to_csv(rows, ["id", "text"]), newline="")))
    for original, back in zip(values, read):
        expected = "'" + original if original[:1] in ("=", "+", "-", "@", "\t", "\r") else original
        assert back["text"] == expected
