"""The Calendar section through its widgets, against the real native stack (gateway and agent
processes, a real SQLite file, real HTTP): sample data shown, a drag that reschedules (and Undo),
a published post's move refused with the gateway's reason, a conflict flagged, the best-time
overlay as the agent answers, "Plan my month" proposals accepted into scheduled posts, the
iCalendar export and the subscription feed a calendar app reads without a token."""

from __future__ import annotations

import os
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import requests
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from umt.client import GatewayClient
from umt.demo import fill_sample_data
from umt.desktop.controllers.calendar import CalendarController, best_times_from
from umt.desktop.models.calendar import CalendarPost, Proposal, ProposalsModel, flag_conflicts
from umt.desktop.theme import Theme, ThemeManager, palettes
from umt.desktop.views.calendar import CalendarPage

from .session_fixtures import owner_stack, signed_in_session  # noqa: F401 - owner_stack: a fixture

ZONE = ZoneInfo("Europe/Berlin")
RENDERS = Path(os.environ.get("UMT_RENDERS", "/tmp/umt-renders"))


def _client(stack) -> GatewayClient:
    client = GatewayClient(stack.url)
    result = client.login(stack.email, stack.password)
    client.login_second_factor(result.challenge, recovery_code=stack.recovery_code())
    return client


@pytest.fixture(scope="module")
def owner(owner_stack):  # noqa: F811
    """The stack with the sample workspace, and a second signed-in client to check the gateway."""
    client = _client(owner_stack)
    fill_sample_data(client)
    yield owner_stack, client
    client.close()


def _fail(problem):
    raise AssertionError(f"unexpected failure: {problem}")


@pytest.fixture
def page(qtbot, tasks, owner):
    """The Calendar page on a session signed in through the controllers, sized like a window."""
    stack, _ = owner
    session = signed_in_session(qtbot, tasks, stack)
    controller = CalendarController(session, ZONE)
    with qtbot.waitSignal(controller.sig_posts_changed, timeout=10000):
        view = CalendarPage(controller, Theme("light", palettes()["light"]))
    qtbot.addWidget(view)
    view.resize(1400, 1000)
    view.show()
    qtbot.waitExposed(view)
    return view


def _in_view(client, view) -> dict[int, object]:
    """What the gateway holds with a time on the shown days (asked independently of the page)."""
    days = view.grid.days()
    start = datetime.combine(days[0], datetime.min.time(), tzinfo=ZONE)
    end = datetime.combine(days[-1] + timedelta(days=1), datetime.min.time(), tzinfo=ZONE)
    return {i.id: i for i in client.content.iterate(scheduled_from=start, scheduled_to=end - timedelta(microseconds=1))}


def _show(qtbot, view, day: date, mode: str) -> None:
    with qtbot.waitSignal(view.controller.sig_posts_changed, timeout=10000):
        view.show_date(day, mode)


def _drag(qtbot, grid, start: QPoint, end: QPoint) -> None:
    """A real drag on the widget: press, move in steps, release."""
    QTest.mousePress(grid, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, start)
    for step in range(1, 6):
        QTest.mouseMove(grid, start + (end - start) * step / 5)
    QTest.mouseRelease(grid, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, end)


def _render(view, name: str) -> None:
    RENDERS.mkdir(parents=True, exist_ok=True)
    QApplication.processEvents()    # a new style sheet lays the bar out again
    assert view.grab().save(str(RENDERS / f"{name}.png"))


def test_sample_data_shows_every_post_of_the_month_in_the_owners_time_zone(qtbot, page, owner):
    _, client = owner
    expected = _in_view(client, page)
    shown = {post.id: post for post in page.grid.shown_posts()}
    assert expected and shown.keys() == expected.keys()
    for item_id, item in expected.items():
        assert shown[item_id].at == item.scheduled_at.astimezone(ZONE)
        assert shown[item_id].status == item.status and shown[item_id].channel == item.channel
    assert "scheduled" in {p.status for p in shown.values()}
    assert page.grid.days()[0] <= datetime.now(ZONE).date() <= page.grid.days()[-1]
    assert page.title.text() == f"{datetime.now(ZONE).date():%B %Y}"
    manager = ThemeManager(QApplication.instance(), "light")
    try:
        page.set_theme(manager.apply("light"))
        _render(page, "calendar-month-light")
        page.set_theme(manager.apply("dark"))
        _render(page, "calendar-month-dark")
        _show(qtbot, page, datetime.now(ZONE).date(), "week")
        _render(page, "calendar-week-dark")
    finally:
        page.set_theme(manager.apply("light"))


def test_dragging_a_post_reschedules_it_at_the_gateway_and_undo_puts_it_back(qtbot, page, owner):
    _, client = owner
    item = next(i for i in client.content.iterate(status="scheduled") if i.scheduled_at is not None)
    before = item.scheduled_at.astimezone(ZONE)
    _show(qtbot, page, before.date(), "month")
    grid = page.grid
    target_day = before.date() + timedelta(days=1)
    if target_day not in grid.days():
        target_day = before.date() - timedelta(days=1)
    with qtbot.waitSignal(page.controller.sig_post_moved, timeout=10000):
        _drag(qtbot, grid, grid.post_rect(item.id).center(), grid.cell_rect(target_day).center())
    after = datetime.combine(target_day, before.time(), tzinfo=ZONE)
    assert client.content.get(item.id).scheduled_at == after.astimezone(timezone.utc)
    assert grid.post_rect(item.id).intersects(grid.cell_rect(target_day))
    assert page.banner.isVisible() and "moved to" in page.banner.summary.text()
    assert page.banner.action.isVisible() and page.banner.action.text() == "Undo"

    with qtbot.waitSignal(page.controller.sig_post_moved, timeout=10000):
        qtbot.mouseClick(page.banner.action, Qt.MouseButton.LeftButton)
    assert client.content.get(item.id).scheduled_at == before.astimezone(timezone.utc)
    assert "is back on" in page.banner.summary.text()

    # The week view moves a post to another day and hour; the minutes stay.
    _show(qtbot, page, before.date(), "week")
    target = (before.date() + timedelta(days=1)) if before.weekday() < 6 else before.date() - timedelta(days=1)
    hour = (before.hour + 3) % 24
    with qtbot.waitSignal(page.controller.sig_post_moved, timeout=10000):
        _drag(qtbot, grid, grid.post_rect(item.id).center(), grid.cell_rect(target, hour).center())
    moved = client.content.get(item.id).scheduled_at.astimezone(ZONE)
    assert (moved.date(), moved.hour, moved.minute) == (target, hour, before.minute)
    _render(page, "calendar-week-light")


def test_a_published_post_cannot_move_and_the_gateway_says_why(qtbot, page, owner):
    _, client = owner
    item = next(i for i in client.content.iterate(status="published") if i.scheduled_at is not None)
    before = item.scheduled_at
    _show(qtbot, page, before.astimezone(ZONE).date(), "month")
    grid = page.grid
    day = before.astimezone(ZONE).date()
    target = day + timedelta(days=1) if day + timedelta(days=1) in grid.days() else day - timedelta(days=1)
    with qtbot.waitSignal(page.controller.sig_problem_raised, timeout=10000) as problem:
        _drag(qtbot, grid, grid.post_rect(item.id).center(), grid.cell_rect(target).center())
    assert problem.args == ["A published item cannot be rescheduled: its time is part of the record."]
    assert page.banner.summary.text() == problem.args[0] and not page.banner.action.isVisible()
    assert client.content.get(item.id).scheduled_at == before
    assert grid.post_rect(item.id).intersects(grid.cell_rect(day))
    _render(page, "calendar-refused-light")


def test_two_posts_on_one_channel_too_close_together_are_flagged(qtbot, page, owner):
    _, client = owner
    day = datetime.now(ZONE).date() + timedelta(days=2)
    first = datetime.combine(day, datetime.min.time(), tzinfo=ZONE).replace(hour=10)
    ids = []
    for offset, title in ((0, "Rye is back"), (90, "Rye, sliced")):
        item = client.content.create(channel="facebook", title=title, body="Rye.")
        for step in ("in_review", "approved"):
            client.content.transition(item.id, step)
        client.content.transition(item.id, "scheduled", (first + timedelta(minutes=offset)).isoformat())
        ids.append(item.id)
    apart = client.content.create(channel="facebook", title="Rye, later", body="Rye.",
                                  scheduled_at=(first + timedelta(hours=6)).isoformat())
    _show(qtbot, page, day, "week")
    shown = {p.id: p for p in page.grid.shown_posts()}
    assert shown[ids[0]].conflict_with == (ids[1],) and shown[ids[1]].conflict_with == (ids[0],)
    assert shown[apart.id].conflict_with == ()
    _render(page, "calendar-conflict-light")


def _best_times_shown(qtbot, page, client):
    """Turns the overlay on and returns what the page shows and what the agent says, asked directly."""
    page.best_times_box.setChecked(False)
    with qtbot.waitSignal(page.controller.sig_best_times_loaded, timeout=60000) as loaded:
        page.best_times_box.setChecked(True)
    job = client.wait_job(client.submit_job("best_time", {"timezone": ZONE.key}).id, timeout=60)
    return loaded.args[0], best_times_from(job.result_record())


def test_the_best_time_overlay_is_what_the_agent_says(qtbot, page, owner):
    _, client = owner
    _show(qtbot, page, datetime.now(ZONE).date(), "week")
    assert page.best_times_box.isVisible()
    shown, expected = _best_times_shown(qtbot, page, client)
    assert shown == expected and not shown.enough_data      # the sample has five posts with results
    assert page.best_times_note.text().startswith("Not enough data")
    assert page.best_times_note.text().count("ot enough data") == 1
    _render(page, "calendar-best-times-none-light")

    # Twelve more posts that went out at three hours of the week, with their results: enough now.
    # (They stay "scheduled": publishing through the API stamps published_at with now, and the
    # agent times a post by when it went out.)
    today = datetime.now(timezone.utc).date()
    rows = ["content_id,day,impressions,engagements"]
    for index in range(12):
        day = today - timedelta(days=3 + index)
        at = datetime.combine(day, datetime.min.time(), tzinfo=ZONE).replace(hour=(9, 12, 17)[index % 3])
        item = client.content.create(channel="instagram", title=f"Loaf {index}", body="Bread.")
        for step in ("in_review", "approved"):
            client.content.transition(item.id, step)
        client.content.transition(item.id, "scheduled", at.isoformat())
        rows.append(f"{item.id},{day},{3000 + 500 * index},{90 + (60 if at.hour == 12 else 0) + index}")
    client.metrics.import_csv("\n".join(rows) + "\n")
    shown, expected = _best_times_shown(qtbot, page, client)
    assert shown == expected and shown.enough_data, shown.message
    assert shown.best and max(shown.scores.values()) == 1.0
    assert page.best_times_note.text() == shown.message and shown.message.startswith("Best times from")
    _render(page, "calendar-best-times-light")


def test_not_enough_data_is_said_plainly():
    result = type("R", (), {"status": "not_enough_data", "message": "only 2 posts with 1000 impressions", "slots": []})
    best = best_times_from(result)
    assert not best.enough_data and best.message == "only 2 posts with 1000 impressions"


def test_plan_my_month_proposals_accepted_become_scheduled_posts(qtbot, qtmodeltester, page, owner):
    _, client = owner
    waiting = []
    for channel, title in (("instagram", "Bun of the week"), ("linkedin", "Our flour mill"), ("x", "Open late")):
        item = client.content.create(channel=channel, title=title, body=title + ".")
        client.content.transition(item.id, "in_review")
        client.content.transition(item.id, "approved")
        waiting.append(item.id)
    next_month = (datetime.now(ZONE).date().replace(day=28) + timedelta(days=4)).replace(day=1)
    _show(qtbot, page, next_month, "month")
    with qtbot.waitSignal(page.controller.sig_plan_proposed, timeout=120000):
        qtbot.mouseClick(page.plan_button, Qt.MouseButton.LeftButton)
    proposals = page.proposals.proposals()
    assert set(waiting) <= {p.post_id for p in proposals}
    assert all(p.at.year == next_month.year and p.at.month == next_month.month for p in proposals)
    qtmodeltester.check(page.proposals)
    _render(page, "calendar-plan-light")

    rejected = next(p for p in proposals if p.post_id == waiting[0])
    page.proposals_view.selectRow(proposals.index(rejected))
    qtbot.mouseClick(page.reject_button, Qt.MouseButton.LeftButton)
    assert rejected.decision == "rejected"
    qtbot.mouseClick(page.accept_all_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: all(p.decision in ("accepted", "rejected") for p in proposals), timeout=20000)
    for proposal in proposals:
        item = client.content.get(proposal.post_id)
        if proposal is rejected:
            assert item.status == "approved" and item.scheduled_at is None
        else:
            assert item.status == "scheduled" and item.scheduled_at == proposal.at.astimezone(timezone.utc)
    accepted = {p.post_id for p in proposals if p.decision == "accepted"}
    assert accepted <= {p.id for p in page.controller.posts()}     # the shown month has them
    assert accepted <= {p.id for p in page.grid.shown_posts()}
    _render(page, "calendar-plan-accepted-light")


def test_ics_export_and_the_subscription_feed_without_a_token(qtbot, page, owner, tmp_path):
    stack, client = owner
    path = tmp_path / "schedule.ics"
    with qtbot.waitSignal(page.controller.sig_notice_posted, timeout=10000) as notice:
        page.controller.export_ics(path)
    text = path.read_text(encoding="utf-8")
    scheduled = [i for i in client.content.iterate(status="scheduled")]
    assert text.startswith("BEGIN:VCALENDAR") and text.count("BEGIN:VEVENT") == len(scheduled) > 0
    assert notice.args[0] == f"Saved {len(scheduled)} scheduled posts to {path}."

    with qtbot.waitSignal(page.controller.sig_feed_address_ready, timeout=10000):
        qtbot.mouseClick(page.subscribe_button, Qt.MouseButton.LeftButton)
    url = page.feed_address.text()
    assert url.startswith(stack.url + "/feeds/calendar.ics?key=") and page.feed_address.isVisible()
    feed = requests.get(url, timeout=10)     # a calendar app: no Authorization header
    assert feed.status_code == 200 and feed.headers["content-type"].startswith("text/calendar")
    assert _without_stamps(feed.text) == _without_stamps(client.export_calendar())
    assert client.calendar_feed(url).count("BEGIN:VEVENT") == len(scheduled)
    wrong = requests.get(url[:-4] + "abcd", timeout=10)
    assert wrong.status_code == 403 and wrong.json()["error"]["field"] == "key"
    assert requests.get(stack.url + "/feeds/calendar.ics", timeout=10).status_code == 422


def _without_stamps(ics: str) -> list[str]:
    """The calendar without its DTSTAMP lines (the time it was made, to the second)."""
    return [line for line in ics.splitlines() if not line.startswith("DTSTAMP:")]


def test_conflicts_and_the_proposals_model_on_their_own(qtmodeltester):
    at = datetime(2026, 3, 29, 1, 30, tzinfo=ZONE)       # the night the clocks go forward
    posts = [CalendarPost(1, "a", "x", "scheduled", at), CalendarPost(2, "b", "x", "draft", at + timedelta(hours=3)),
             CalendarPost(3, "c", "x", "archived", at + timedelta(hours=1)),
             CalendarPost(4, "d", "instagram", "scheduled", at)]
    flagged = {p.id: p.conflict_with for p in flag_conflicts(posts)}
    assert flagged == {1: (2,), 2: (1,), 3: (), 4: ()}
    model = ProposalsModel()
    model.set_proposals([Proposal(1, "a", "x", at, True), Proposal(2, "b", "instagram", at, False, "failed", "no")])
    qtmodeltester.check(model)
    assert model.data(model.index(1, 3)) == "Refused: no"


def test_a_full_day_says_how_many_more_and_opens_its_week(qtbot):
    from umt.desktop.widgets.calendar_grid import CalendarGrid

    grid = CalendarGrid(Theme("light", palettes()["light"]))
    qtbot.addWidget(grid)
    grid.resize(900, 640)
    day = date(2026, 12, 9)
    grid.set_view("month", day, date(2026, 12, 1), ZONE)
    at = datetime.combine(day, datetime.min.time(), tzinfo=ZONE)
    grid.set_posts([CalendarPost(n, f"Post {n}", "x", "scheduled", at + timedelta(minutes=30 * n)) for n in range(12)])
    shown = grid.shown_posts()
    assert 0 < len(shown) < 12 and [p.id for p in shown] == list(range(len(shown)))   # the earliest first
    more = grid._more[0][0]
    with qtbot.waitSignal(grid.sig_day_opened) as opened:
        qtbot.mouseClick(grid, Qt.MouseButton.LeftButton, pos=more.center())
    assert opened.args == [day]
