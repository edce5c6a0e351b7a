"""Brands and Campaigns through their widgets, against the real gateway over real HTTP on a real
SQLite file: create, refuse with the field named, edit, filter, a campaign's content."""

from __future__ import annotations

import secrets
from datetime import date, timedelta
from types import SimpleNamespace

import pytest
from PySide6.QtCore import Qt

from tests.conftest import free_port
from tests.gateway.conftest import OWNER, Gateway
from umt.client import GatewayClient
from umt.desktop.controllers.records import RecordsController
from umt.desktop.views.brands import BrandsPage
from umt.desktop.views.campaigns import CampaignsPage, campaign_status
from umt.gateway.settings import GatewaySettings


class DirectSession:
    """SessionController's `call` over a real signed-in client (until the real session lands here)."""

    def __init__(self, tasks, client):
        self._tasks, self._client, self._generation = tasks, client, {}

    def call(self, fn, on_done=None, on_error=None, *, key=None, description=""):
        generation = self._generation[key] = self._generation.get(key, 0) + 1

        def current(callback):
            def deliver(value):
                if callback is not None and (key is None or self._generation[key] == generation):
                    callback(value)
            return deliver

        self._tasks.run(lambda: fn(self._client), current(on_done), current(on_error), description)


@pytest.fixture
def signed_in(isolated_data, monkeypatch):
    monkeypatch.setenv("UMT_SIGNING_KEY", secrets.token_urlsafe(32))
    settings = GatewaySettings(data_dir=isolated_data, database_url=f"sqlite:///{isolated_data / 'umt.db'}",
                               agent_url=f"http://127.0.0.1:{free_port()}", secrets_dir=isolated_data / "none")
    gateway = Gateway(settings)
    client = GatewayClient(gateway.url)
    client.setup_owner(**OWNER)
    yield client
    client.close()
    gateway.stop()


@pytest.fixture
def session(tasks, signed_in):
    return DirectSession(tasks, signed_in)


def _type(qtbot, widget, text):
    widget.clear()
    qtbot.keyClicks(widget, text)


def test_a_brand_is_created_refused_at_its_field_and_edited(qtbot, qtmodeltester, session, signed_in):
    page = BrandsPage(RecordsController(session, "brands"))
    qtbot.addWidget(page)
    page.show()

    # Refused: the API names the field, the message sits under it, and what was typed stays.
    page.voice.setPlainText("Warm and plain")
    page.hashtags.set_items(["#bakery", "two words"])
    page.save_button.click()
    qtbot.waitUntil(lambda: page.form.error_text("name") != "", timeout=5000)
    assert "empty" in page.form.error_text("name") or "required" in page.form.error_text("name")
    assert page.voice.toPlainText() == "Warm and plain"

    _type(qtbot, page.name, "Crumb & Co")
    page.save_button.click()
    qtbot.waitUntil(lambda: page.form.error_text("hashtags") != "", timeout=5000)
    assert page.name.text() == "Crumb & Co"

    page.hashtags.set_items(["#bakery", "#local"])
    page.banned_words.set_items(["cheap", "guarantee"])
    page.sample_posts.setPlainText("Fresh rye at 7.\n\nSourdough class on Saturday.")
    page.save_button.click()
    qtbot.waitUntil(lambda: page.current_id is not None, timeout=5000)
    stored = signed_in.brands.get(page.current_id)
    assert stored.banned_words == ["cheap", "guarantee"]
    assert stored.sample_posts == ["Fresh rye at 7.", "Sourdough class on Saturday."]
    qtbot.waitUntil(lambda: page.model.rowCount() == 1, timeout=5000)
    assert page.list.currentIndex().row() == 0
    qtmodeltester.check(page.model)

    # Edit, then search narrows the list.
    page.voice.setPlainText("Warm, plain, a little playful")
    page.save_button.click()
    qtbot.waitUntil(lambda: signed_in.brands.get(page.current_id).voice == "Warm, plain, a little playful",
                    timeout=5000)
    signed_in.brands.create(name="Other shop")
    page.reload()
    qtbot.waitUntil(lambda: page.model.rowCount() == 2, timeout=5000)
    _render(page, "brands")
    _type(qtbot, page.search, "crumb")
    qtbot.waitUntil(lambda: page.model.rowCount() == 1, timeout=5000)
    _type(qtbot, page.search, "nothing like it")
    qtbot.waitUntil(lambda: page.model.rowCount() == 0 and page.list_note.text() == "Nothing matches.", timeout=5000)


def test_campaigns_filter_by_brand_and_status_and_show_their_content(qtbot, qtmodeltester, session, signed_in):
    bakery = signed_in.brands.create(name="Bakery")
    cafe = signed_in.brands.create(name="Cafe")
    today = date.today()
    running = signed_in.campaigns.create(name="Spring rye", brand_id=bakery.id, channels=["instagram"],
                                         start=str(today - timedelta(days=3)), end=str(today + timedelta(days=3)))
    signed_in.campaigns.create(name="Winter menu", brand_id=cafe.id,
                               start=str(today - timedelta(days=90)), end=str(today - timedelta(days=60)))
    signed_in.content.create(channel="instagram", title="Rye is back", campaign_id=running.id)

    page = CampaignsPage(RecordsController(session, "campaigns"), RecordsController(session, "brands"))
    qtbot.addWidget(page)
    page.show()
    qtbot.waitUntil(lambda: page.model.rowCount() == 2 and page.brand_filter.count() == 3, timeout=5000)
    qtmodeltester.check(page.model)

    page.brand_filter.setCurrentIndex(page.brand_filter.findData(bakery.id))
    qtbot.waitUntil(lambda: page.model.rowCount() == 1, timeout=5000)
    page.brand_filter.setCurrentIndex(0)
    page.status_filter.setCurrentIndex(page.status_filter.findData("ended"))
    qtbot.waitUntil(lambda: page.model.rowCount() == 1 and "Winter" in page.model.data(page.model.index(0)), timeout=5000)
    page.status_filter.setCurrentIndex(0)
    qtbot.waitUntil(lambda: page.model.rowCount() == 2, timeout=5000)

    row = page.model.row_of(running.id)
    page.list.setCurrentIndex(page.model.index(row))
    assert page.name.text() == "Spring rye" and page.brand.currentData() == bakery.id
    qtbot.waitUntil(lambda: page.content_model.rowCount() == 1, timeout=5000)
    qtmodeltester.check(page.content_model)
    assert "Rye is back" in page.content_model.data(page.content_model.index(0))

    # An end before the start is refused at the end field; nothing typed is lost.
    page.start.set_value(today)
    page.end.set_value(today - timedelta(days=1))
    page.save_button.click()
    qtbot.waitUntil(lambda: page.form.error_text("end") != "", timeout=5000)
    assert page.name.text() == "Spring rye"

    page.end.set_value(today + timedelta(days=30))
    checked = [page.channels.item(r) for r in range(page.channels.count()) if page.channels.item(r).text() == "linkedin"]
    checked[0].setCheckState(Qt.CheckState.Checked)
    page.budget.setValue(250.5)
    page.save_button.click()
    qtbot.waitUntil(lambda: page.status.text() == "Saved.", timeout=5000)
    stored = signed_in.campaigns.get(running.id)
    assert set(stored.channels) == {"instagram", "linkedin"} and float(stored.budget) == 250.5
    _render(page, "campaigns")


def test_campaign_status_follows_the_dates():
    today = date(2026, 5, 10)
    dates = lambda start, end: SimpleNamespace(start=start, end=end)  # noqa: E731 (a campaign's dates)
    assert campaign_status(dates(date(2026, 5, 11), None), today) == "planned"
    assert campaign_status(dates(date(2026, 5, 1), date(2026, 5, 10)), today) == "running"
    assert campaign_status(dates(None, date(2026, 5, 9)), today) == "ended"
    assert campaign_status(dates(None, None), today) == "undated"


def _render(page, name):
    """A picture to look at when RENDER_DIR is set (tools render the full app with sample data)."""
    import os

    folder = os.environ.get("RENDER_DIR")
    if folder:
        from PySide6.QtWidgets import QApplication

        page.resize(1000, 680)
        QApplication.processEvents()
        page.grab().save(os.path.join(folder, f"{name}.png"))
