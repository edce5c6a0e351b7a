"""The content list against the real native stack: 10,000 items paged with canFetchMore/fetchMore,
filters, and search as you type where a newer request supersedes an older one. qtmodeltester on
every model of the section."""

from __future__ import annotations

import time

import pytest
from PySide6.QtCore import Qt

from umt.desktop.controllers.content import ContentController
from umt.contract.channels import channel_for
from umt.desktop.models.content import ContentListModel, VersionListModel
from umt.desktop.models.content_records import ContentVersion
from umt.desktop.views.content_studio import ContentStudio

from .bulk import create_items
from .conftest import unique

COUNT = 10_000


@pytest.fixture(scope="package")
def bulk_brand(content_stack):
    """A brand with 10,000 posts, created once through the API."""
    owner = content_stack.owner
    brand = owner.brands.create(name=unique("Bulk"))
    started = time.perf_counter()
    assert create_items(content_stack.url, owner.token, COUNT, brand_id=brand.id) == COUNT
    print(f"\ncreated {COUNT} items through the API in {time.perf_counter() - started:.1f} s")
    return brand


@pytest.fixture
def studio(qtbot, session):
    controller = ContentController(session, page_size=200)
    view = ContentStudio(controller)
    qtbot.addWidget(view)
    view.resize(1400, 900)
    view.show()
    return view


def _filter_by_brand(qtbot, studio, brand_id):
    studio.controller.load_options()
    qtbot.waitUntil(lambda: studio.brand_filter.findData(brand_id) >= 0, timeout=10000)
    studio.brand_filter.setCurrentIndex(studio.brand_filter.findData(brand_id))
    studio.apply_filters()


def test_ten_thousand_items_open_a_page_at_a_time_and_scroll_to_the_end(qtbot, qtmodeltester, studio, bulk_brand):
    model = studio.controller.list_model
    _filter_by_brand(qtbot, studio, bulk_brand.id)
    qtbot.waitUntil(lambda: model.rowCount() == 200, timeout=10000)
    assert model.total == COUNT and model.canFetchMore() and studio.count_label.text() == "10,000 posts"
    first = model.index(0, ContentListModel.COL_TITLE)
    item = model.data(first, ContentListModel.ROLE_ITEM)
    assert first.data() == item.title and item.title.startswith("Post ") and item.brand_id == bulk_brand.id
    assert model.index(0, ContentListModel.COL_BRAND).data() == bulk_brand.name
    assert model.index(0, ContentListModel.COL_CHANNEL).data() == channel_for(item.channel).label
    assert model.index(0, ContentListModel.COL_STATUS).data() == "Draft"

    # The view asks for more as the owner scrolls; each answer appends one page.
    while model.rowCount() < COUNT:
        rows = model.rowCount()
        studio.table.scrollToBottom()
        qtbot.waitUntil(lambda: model.rowCount() > rows, timeout=10000)
    assert not model.canFetchMore() and model.rowCount() == COUNT
    assert len({model.data(model.index(r, 0), ContentListModel.ROLE_ITEM_ID) for r in range(COUNT)}) == COUNT
    assert sorted(int(model.index(r, 0).data().split()[1]) for r in range(COUNT)) == list(range(COUNT))
    # Checked once, full: the tester re-runs all its tests on every insertion, O(rows) each.
    qtmodeltester.check(model)


def test_search_as_you_type_shows_only_the_newest_answer(qtbot, qtmodeltester, studio, session, bulk_brand):
    model = studio.controller.list_model
    _filter_by_brand(qtbot, studio, bulk_brand.id)
    qtbot.waitUntil(lambda: model.total == COUNT, timeout=10000)
    qtmodeltester.check(model)  # and it stays attached through the resets and pages below
    # Every keystroke sends its own search at once: the older answers are superseded, never shown.
    totals = []
    model.sig_total_changed.connect(totals.append)
    for end in range(1, len("Post 0999") + 1):
        studio.search.setText("Post 0999"[:end])
        studio.apply_filters()
    qtbot.waitUntil(lambda: model.total == 10, timeout=10000)
    assert totals == [10]
    assert sorted(model.index(r, 0).data()[:10] for r in range(10)) == [f"Post 0999{d}" for d in range(10)]

    studio.search.setText("")
    studio.channel_filter.setCurrentIndex(studio.channel_filter.findData("x"))
    studio.apply_filters()
    qtbot.waitUntil(lambda: model.total == COUNT // 5, timeout=10000)
    assert {model.index(r, ContentListModel.COL_CHANNEL).data() for r in range(model.rowCount())} == {"X post"}
    studio.status_filter.setCurrentIndex(studio.status_filter.findData("published"))
    studio.apply_filters()
    qtbot.waitUntil(lambda: model.total == 0, timeout=10000)
    assert model.rowCount() == 0 and not model.canFetchMore()


def test_an_empty_workspace_says_what_to_do(qtbot, studio):
    model = studio.controller.list_model
    studio.status_filter.setCurrentIndex(studio.status_filter.findData("archived"))
    studio.search.setText("no post is called this")
    studio.apply_filters()
    qtbot.waitUntil(lambda: model.total == 0, timeout=10000)
    assert studio.count_label.text() == "0 posts" and not studio.notice_bar.isVisible()  # filtered, not empty
    assert not studio.sample_button.isVisible()


def test_the_versions_model(qtmodeltester):
    model = VersionListModel()
    model.set_rows([ContentVersion(v, f"Title {v}", f"Body {v}\nmore", f"2026-11-30T10:0{v}:00Z") for v in (1, 2, 3)])
    assert [model.index(r, 0).data(VersionListModel.ROLE_VERSION) for r in range(3)] == [3, 2, 1]
    assert model.index(0, 0).data() == "Version 3 · 30 Nov 10:03"
    assert model.index(0, 0).data(Qt.ItemDataRole.ToolTipRole) == "Title 3\n\nBody 3\nmore"
    qtmodeltester.check(model)
    model.set_rows([])
    qtmodeltester.check(model)


def test_an_unstarted_list_model_is_empty_and_fetches_nothing(qtmodeltester):
    model = ContentListModel()
    assert model.rowCount() == 0 and not model.canFetchMore()
    qtmodeltester.check(model)
