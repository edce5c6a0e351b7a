"""The Analytics section through its widgets, against the real native stack (gateway and agent
processes, a real SQLite file, real HTTP) and the real SessionController: the sample workspace's
figures on the charts, the table and the grid equal what client.analytics answers; a CSV with a
bad row is refused whole with the row named in the wizard, then a good one goes in and the chart
changes; what is shown exports as CSV and JSON."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, timedelta

import pytest

from umt.desktop.controllers.analytics import AnalyticsController
from umt.desktop.controllers.session import SessionController
from umt.desktop.theme import Theme, palettes
from umt.desktop.views.analytics import AnalyticsPage
from umt.desktop.views.metrics_import import MetricsImportWizard

from .session_fixtures import memory_keyring, owner_stack, signed_in_client  # noqa: F401 (fixtures)

TODAY = date.today()
START = TODAY - timedelta(days=89)   # the page opens on the last 90 days
BERLIN = "Europe/Berlin"


@pytest.fixture(scope="module")
def sample_client(owner_stack):  # noqa: F811
    from umt.demo import fill_sample_data

    client = signed_in_client(owner_stack)
    fill_sample_data(client, today=TODAY)
    yield client
    client.close()


@pytest.fixture
def session(qtbot, tasks, owner_stack, sample_client, memory_keyring):  # noqa: F811
    controller = SessionController(tasks)
    controller.set_gateway_url(owner_stack.url)
    qtbot.waitUntil(lambda: controller.state.setup_required is False, timeout=10000)
    controller.adopt_session(sample_client.token, "", sample_client.me(), remember=False)
    assert controller.state.signed_in
    return controller


@pytest.fixture
def page(qtbot, session):
    view = AnalyticsPage(AnalyticsController(session), Theme("light", palettes()["light"]), today=TODAY,
                         time_zone=BERLIN)
    qtbot.addWidget(view)
    view.resize(1200, 800)
    view.show()
    qtbot.waitUntil(lambda: not view.chart.is_empty() and view.top_model.rowCount() > 0
                    and not view.heatmap_model.is_empty(), timeout=15000)
    return view


def _day_line(report, measure):
    return [(row.first_day, getattr(row, measure)) for row in report.rows if getattr(row, measure) is not None]


def test_the_sample_figures_are_the_gateways(qtbot, qtmodeltester, page, sample_client):
    client = sample_client
    # The chart: engagements per day over the last 90 days, as the gateway sums them.
    expected = _day_line(client.analytics.totals(START, TODAY, by="day"), "engagements")
    assert len(expected) >= 59 and page.chart.shown == {"All posts": expected}
    assert page.chart.axis_y.max() >= max(value for _, value in expected)

    # The top content table: the gateway's ranking, in order, with its figures.
    top = client.analytics.top_content(START, TODAY, measure="engagements", limit=20)
    assert [row[1] for row in page.top_model.rows] == [item.title for item in top.items]
    assert [row[4] for row in page.top_model.rows] == [item.engagements for item in top.items]

    # The grid, in the owner's time zone.
    heatmap = client.analytics.heatmap(START, TODAY, time_zone=BERLIN)
    assert page.heatmap_model.values == {(c.weekday, c.hour): c.engagements for c in heatmap.cells}
    assert BERLIN in page.heatmap_title.text()

    # One line per channel: each the gateway's day totals for that channel.
    page.split.setCurrentIndex(page.split.findData("channel"))
    channels = [row.key for row in client.analytics.totals(START, TODAY, by="channel").rows]
    qtbot.waitUntil(lambda: len(page.chart.shown) == len(channels), timeout=10000)
    labels = {row.key: row.label for row in client.analytics.totals(START, TODAY, by="channel").rows}
    for channel in channels:
        line = _day_line(client.analytics.totals(START, TODAY, by="day", channel=channel), "engagements")
        assert page.chart.shown[labels[channel] or channel] == line

    # The engagement rate, narrowed to one campaign, per campaign (one line).
    campaign_id = next(row.id for row in client.analytics.totals(START, TODAY, by="campaign").rows if row.id)
    qtbot.waitUntil(lambda: page.campaign.count() > 1, timeout=10000)
    page.split.setCurrentIndex(page.split.findData("total"))
    page.measure.setCurrentIndex(page.measure.findData("engagement_rate"))
    page.campaign.setCurrentIndex(page.campaign.findData(campaign_id))
    rates = _day_line(client.analytics.totals(START, TODAY, by="day", campaign_id=campaign_id), "engagement_rate")
    qtbot.waitUntil(lambda: page.chart.shown.get("All posts") == rates, timeout=10000)
    assert page.chart.axis_y.labelFormat().endswith("%%")
    top = client.analytics.top_content(START, TODAY, measure="engagement_rate", limit=20, campaign_id=campaign_id)
    qtbot.waitUntil(lambda: [r[1] for r in page.top_model.rows] == [i.title for i in top.items], timeout=10000)

    for model in (page.top_model, page.heatmap_model):
        qtmodeltester.check(model)


def test_export_writes_the_figures_shown(page, tmp_path):
    page.export_to(str(tmp_path / "shown.json"))
    exported = json.loads((tmp_path / "shown.json").read_text())
    lines = exported["chart"]["lines"]["All posts"]
    assert [(date.fromisoformat(p["day"]), p["engagements"]) for p in lines] == page.chart.shown["All posts"]
    assert [r["Title"] for r in exported["top_content"]["rows"]] == [r[1] for r in page.top_model.rows]
    assert len(exported["heatmap"]["cells"]) == len(page.heatmap_model.values)
    assert exported["heatmap"]["time_zone"] == BERLIN

    page.export_to(str(tmp_path / "shown.csv"))
    rows = list(csv.DictReader(io.StringIO((tmp_path / "shown.csv").read_text())))
    chart = [(r["day"], int(r["value"])) for r in rows if r["table"] == "chart"]
    assert chart == [(day.isoformat(), value) for day, value in page.chart.shown["All posts"]]
    assert sum(r["table"] == "top_content" for r in rows) == page.top_model.rowCount()
    assert sum(r["table"] == "heatmap" for r in rows) == len(page.heatmap_model.values)


def _run_wizard(qtbot, wizard, path, mapping):
    wizard.file_page.choose(str(path))
    assert wizard.file_page.isComplete(), wizard.file_page.problem.text()
    wizard.next()
    assert not wizard.map_page.isComplete()  # the owner's headings are not the import's names
    assert "content_id and day" in wizard.map_page.problem.text()
    for column, heading in mapping.items():
        combo = wizard.map_page.choices[column]
        combo.setCurrentIndex(combo.findText(heading))
    clicks = wizard.map_page.choices["clicks"]
    clicks.setCurrentIndex(clicks.findText("Likes"))
    assert not wizard.map_page.isComplete() and "one field only" in wizard.map_page.problem.text()
    clicks.setCurrentIndex(0)
    assert wizard.map_page.isComplete() and wizard.map_page.problem.text() == ""
    wizard.next()
    assert wizard.preview_page.model.rowCount() == len(wizard.rows)
    wizard.next()
    qtbot.waitUntil(lambda: wizard.result_page.state != "importing", timeout=15000)


def test_a_bad_row_refuses_the_file_whole_then_a_good_one_changes_the_chart(qtbot, qtmodeltester, page,
                                                                            sample_client, tmp_path):
    client = sample_client
    post = client.content.list(status="published", limit=1).items[0]
    before = client.analytics.totals(START, TODAY, by="day")
    # The owner's own headings, mapped in the wizard; row 3 (the second row of figures) is wrong.
    mapping = {"content_id": "Post", "day": "Date", "impressions": "Views", "engagements": "Likes"}
    bad = tmp_path / "bad.csv"
    bad.write_text(f"Date,Post,Views,Likes,Note\n{TODAY},{post.id},5000,400,fine\n"
                   f"{TODAY - timedelta(days=1)},{post.id},-3,10,negative views\n")
    wizard = MetricsImportWizard(page.controller, page)
    qtbot.addWidget(wizard)
    wizard.show()
    _run_wizard(qtbot, wizard, bad, mapping)

    assert wizard.result_page.state == "refused"
    assert "Nothing was imported" in wizard.result_page.status.text()
    assert "row 3" in wizard.result_page.status.text()
    assert [row[:2] for row in wizard.result_page.errors_model.rows] == [[3, "impressions"]]
    assert set(wizard.preview_page.model.row_problems) == {1}  # the preview marks the file's row 3
    assert client.analytics.totals(START, TODAY, by="day").overall == before.overall  # nothing went in
    for model in (wizard.preview_page.model, wizard.result_page.errors_model):
        qtmodeltester.check(model)

    good = tmp_path / "good.csv"
    good.write_text(f"Date,Post,Views,Likes,Note\n{TODAY},{post.id},5000,400,fine\n")
    wizard.restart()
    _run_wizard(qtbot, wizard, good, mapping)
    assert wizard.result_page.state == "imported", wizard.result_page.status.text()

    after = client.analytics.totals(START, TODAY, by="day")
    assert after.overall.engagements == before.overall.engagements + 400
    qtbot.waitUntil(lambda: page.chart.shown.get("All posts") == _day_line(after, "engagements"), timeout=10000)
    assert page.chart.shown["All posts"][-1] == (TODAY, 400)


def test_the_wizard_refuses_a_file_it_cannot_read_in_words(qtbot, page, tmp_path):
    wizard = MetricsImportWizard(page.controller, page)
    qtbot.addWidget(wizard)
    for content, expected in ((b"", "empty"), (b"content_id,day\n", "no rows"), (b"\xff\xfe\x00bad", "UTF-8")):
        path = tmp_path / "metrics.csv"
        path.write_bytes(content)
        wizard.file_page.choose("")
        wizard.file_page.choose(str(path))
        assert not wizard.file_page.isComplete() and expected in wizard.file_page.problem.text()
    wizard.file_page.choose(str(tmp_path / "missing.csv"))
    assert "Cannot read" in wizard.file_page.problem.text()


def test_the_registered_section_builds_the_page(qtbot, session):
    from types import SimpleNamespace

    from umt.desktop.views.sections import SECTIONS

    section = next(s for s in SECTIONS if s.key == "analytics")
    assert section.needs_session
    built = section.make_page(SimpleNamespace(session=session, theme=Theme("dark", palettes()["dark"])))
    qtbot.addWidget(built)
    built.show()
    qtbot.waitUntil(lambda: not built.chart.is_empty(), timeout=15000)


def test_an_empty_range_says_no_data_yet(qtbot, page):
    page.start.setDate(page.start.date().addYears(-1))
    page.end.setDate(page.end.date().addYears(-1))
    qtbot.waitUntil(lambda: page.chart.is_empty() and page.top_model.rowCount() == 0
                    and page.heatmap_model.is_empty(), timeout=10000)
    assert page.chart.empty.text().startswith("No data yet")
    assert page.top_empty.isVisibleTo(page) and not page.top_table.isVisibleTo(page)
    assert page.heatmap_empty.isVisibleTo(page) and not page.heatmap.isVisibleTo(page)


def test_a_newer_range_supersedes_an_older_one_still_loading(qtbot, page, session, sample_client):
    from dataclasses import replace

    from PySide6.QtWidgets import QApplication

    loaded = []
    page.controller.sig_series_loaded.connect(loaded.append)
    week = replace(page.filters(), start=TODAY - timedelta(days=6))
    month = replace(page.filters(), start=TODAY - timedelta(days=29))
    page.controller.load(week)
    page.controller.load(month)  # at once: the week's answer must never arrive
    qtbot.waitUntil(lambda: bool(loaded), timeout=10000)
    assert session.tasks.wait_for_done(10000)
    QApplication.processEvents()
    expected = _day_line(sample_client.analytics.totals(month.start, TODAY, by="day"), "engagements")
    assert len(loaded) == 1 and [(r.first_day, r.engagements) for r in loaded[0][0].rows] == expected
    assert page.chart.shown["All posts"] == expected
