"""The Content studio against the real native stack (real gateway and agent processes), driven
through its widgets: live scoring, drafting, the workflow, versions, UTM links and errors."""

from __future__ import annotations

import pytest
from shiboken6 import isValid
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence

from umt.desktop.controllers.content import ContentController
from umt.desktop.controllers.sample_data import SampleDataController
from umt.desktop.tasks import TaskManager
from umt.desktop.views.content_studio import ContentStudio

from .conftest import OWNER, unique
from .sessions import signed_in_session


class Answers:
    """The owner's answers to "Save your changes first?", in order; asking with none left fails."""

    def __init__(self):
        self.queue: list[str] = []
        self.asked: list[str] = []

    def __call__(self, title: str) -> str:
        self.asked.append(title)
        assert self.queue, f"asked about unsaved edits to {title!r} unexpectedly"
        return self.queue.pop(0)


@pytest.fixture
def studio(qtbot, session):
    controller = ContentController(session)
    view = ContentStudio(controller, ask_unsaved=Answers())
    qtbot.addWidget(view)
    view.resize(1400, 900)
    view.show()
    controller.load_options()
    controller.reload()
    yield view
    for window in list(view.windows):
        window.ask_unsaved = None
        window.close()


def _brand(owner, **fields):
    return owner.brands.create(name=unique("Bean There"), voice="warm and direct", audience="remote workers", **fields)


def _open(qtbot, studio, item_id):
    """Opens the post in the editor pane, as selecting it in the list does."""
    studio.editor_controller.open(item_id)
    qtbot.waitUntil(lambda: studio.editor.item is not None and studio.editor.item.id == item_id, timeout=10000)
    return studio.editor


def _options_loaded(qtbot, studio, brand_id):
    studio.controller.load_options()
    qtbot.waitUntil(lambda: studio.editor.brand.findData(brand_id) >= 0, timeout=10000)


def test_the_score_panel_names_a_banned_word_as_the_owner_types(qtbot, studio, owner):
    brand = _brand(owner, banned_words=["cheap"], hashtags=["#coffee"])
    item = owner.content.create(channel="linkedin", title=unique("Autumn"), body="Our autumn blend is back.",
                                brand_id=brand.id)
    _options_loaded(qtbot, studio, brand.id)
    editor = _open(qtbot, studio, item.id)
    assert editor.brand.currentData() == brand.id

    editor.body.setFocus()
    editor.body.moveCursor(editor.body.textCursor().MoveOperation.End)
    with qtbot.waitSignal(editor.score_panel.sig_score_shown, timeout=15000,
                          check_params_cb=lambda result: any(c.id == "banned_words" and c.status == "fail"
                                                             for c in result.checks)):
        qtbot.keyClicks(editor.body, " Cheap beans, great taste! Order now at https://beanthere.example/autumn")
    message = editor.score_panel.message_for("Banned words")
    assert "cheap" in message.lower() and "Remove" in message
    assert "utm_source" in editor.score_panel.message_for("Links and UTM")
    assert editor.score_panel.score_label.text() == str(editor.score_panel.result.score)
    assert not editor.score_panel.result.publishable
    # The count beside the channel is the channel's limit and the text's length.
    assert editor.count.text().startswith(f"{len(editor.body.toPlainText())} / 3000")

    with qtbot.waitSignal(editor.score_panel.sig_score_shown, timeout=15000,
                          check_params_cb=lambda result: all(c.id != "banned_words" or c.status == "pass"
                                                             for c in result.checks)):
        editor.body.setPlainText(editor.body.toPlainText().replace("Cheap", "Fresh"))
    assert editor.score_panel.message_for("Banned words") == "No banned words."

    studio.ask_unsaved.queue.append("discard")
    studio.new_post()  # nothing stale: the new post has no score yet
    assert editor.score_panel.result is None and not editor.score_panel.score_label.isVisibleTo(editor)
    assert editor.score_panel.message_for("Banned words") == ""


def _click(qtbot, button):
    qtbot.waitUntil(lambda: button.isVisible() and button.isEnabled(), timeout=5000)
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def _draft(qtbot, editor, brief: str, offline: bool):
    editor.tabs.setCurrentWidget(editor.draft_panel)
    editor.draft_panel.brief.setPlainText(brief)
    editor.draft_panel.offline.setChecked(offline)
    _click(qtbot, editor.draft_panel.draft_button)


def test_an_offline_template_draft_becomes_a_new_labelled_version(qtbot, studio, owner):
    brand = _brand(owner, banned_words=["cheap"], hashtags=["#coffee"])
    item = owner.content.create(channel="x", title=unique("Launch"), body="Placeholder.", brand_id=brand.id)
    _options_loaded(qtbot, studio, brand.id)
    editor = _open(qtbot, studio, item.id)
    editor.keyphrase.setText("autumn blend")

    with qtbot.waitSignal(studio.editor_controller.sig_draft_finished, timeout=30000) as finished:
        _draft(qtbot, editor, "Announce the autumn blend, 20% off until Friday", offline=True)
    outcome = finished.args[0]
    assert outcome.offline and outcome.provider == "template"
    assert "Offline template draft" in editor.draft_panel.result_label.text()
    qtbot.waitUntil(lambda: editor.versions.model.rowCount() == 2, timeout=10000)
    versions = owner.content.versions(item.id)
    assert [v.version for v in versions] == [1, 2] and versions[1].body == outcome.text
    assert editor.body.toPlainText() == outcome.text and "autumn blend" in outcome.text.lower()
    assert "cheap" not in outcome.text.lower()
    assert not editor.draft_panel.cancel_button.isVisible()


def test_an_ai_draft_from_the_model_becomes_a_new_version(qtbot, studio, owner, llm):
    brand = _brand(owner)
    item = owner.content.create(channel="linkedin", title=unique("AI"), body="Old.", brand_id=brand.id)
    _options_loaded(qtbot, studio, brand.id)
    editor = _open(qtbot, studio, item.id)
    llm.behaviour.reply = "Autumn is back at Bean There: maple pecan blend, roasted this week. Order by Friday. #coffee"
    with qtbot.waitSignal(studio.editor_controller.sig_draft_finished, timeout=30000) as finished:
        _draft(qtbot, editor, "Announce the autumn blend", offline=False)
    assert finished.args[0].provider == "llm" and not finished.args[0].offline
    assert "Drafted by the AI model" in editor.draft_panel.result_label.text()
    assert editor.body.toPlainText() == llm.behaviour.reply
    assert llm.requests and "Announce the autumn blend" in str(llm.requests[-1]["body"])
    assert [v.body for v in owner.content.versions(item.id)] == ["Old.", llm.behaviour.reply]


def test_a_down_model_endpoint_is_a_plain_message_and_nothing_changes(qtbot, studio, owner, llm):
    brand = _brand(owner)
    item = owner.content.create(channel="linkedin", title=unique("Down"), body="Keep me.", brand_id=brand.id)
    _options_loaded(qtbot, studio, brand.id)
    editor = _open(qtbot, studio, item.id)
    llm.behaviour.statuses = [503] * 10
    with qtbot.waitSignal(studio.editor_controller.sig_draft_failed, timeout=30000):
        _draft(qtbot, editor, "Say hello", offline=False)
    assert "AI model is not answering" in editor.draft_panel.error.text()
    assert "Offline template" in editor.draft_panel.error.text()
    assert editor.body.toPlainText() == "Keep me."
    assert len(owner.content.versions(item.id)) == 1


def test_cancel_stops_a_running_draft_and_writes_nothing(qtbot, studio, owner, llm):
    brand = _brand(owner)
    item = owner.content.create(channel="linkedin", title=unique("Slow"), body="Before.", brand_id=brand.id)
    _options_loaded(qtbot, studio, brand.id)
    editor = _open(qtbot, studio, item.id)
    llm.behaviour.delay = 3.0
    _draft(qtbot, editor, "A slow one", offline=False)
    qtbot.waitUntil(lambda: studio.editor_controller._draft_job_id is not None, timeout=10000)
    job_id = studio.editor_controller._draft_job_id
    qtbot.waitUntil(lambda: len(llm.requests) > 0 and owner.get_job(job_id).status == "running", timeout=10000)
    assert editor.draft_panel.cancel_button.isVisible() and editor.draft_panel.progress.isVisible()

    with qtbot.waitSignal(studio.editor_controller.sig_draft_cancelled, timeout=5000):
        _click(qtbot, editor.draft_panel.cancel_button)
    assert "Cancelled" in editor.draft_panel.result_label.text()
    assert editor.draft_panel.draft_button.isEnabled() and not editor.draft_panel.cancel_button.isVisible()
    # The job ends (or is cancelled) on the gateway; its text never becomes a version.
    qtbot.waitUntil(lambda: owner.get_job(job_id).status not in ("queued", "running"), timeout=30000)
    qtbot.wait(200)  # let any late delivery arrive, so that its absence means something
    assert len(owner.content.versions(item.id)) == 1
    assert editor.body.toPlainText() == "Before."


def test_workflow_buttons_offer_only_legal_moves_and_an_illegal_one_is_refused_with_the_reason(qtbot, studio, owner):
    item = owner.content.create(channel="linkedin", title=unique("Flow"), body="Ready for the world.")
    editor = _open(qtbot, studio, item.id)
    assert set(editor.move_buttons) == {"in_review", "archived"}

    _click(qtbot, editor.move_buttons["in_review"])
    qtbot.waitUntil(lambda: editor.item.status == "in_review", timeout=10000)
    assert set(editor.move_buttons) == {"approved", "draft", "archived"} and editor.status_label.text() == "In review"
    _click(qtbot, editor.move_buttons["approved"])
    qtbot.waitUntil(lambda: editor.item.status == "approved", timeout=10000)

    # Scheduling without a time: the API's 422 shows at the schedule field.
    _click(qtbot, editor.move_buttons["scheduled"])
    error = editor.errors.fields["scheduled_at"]
    qtbot.waitUntil(error.isVisible, timeout=10000)
    assert "time" in error.text()
    editor.schedule_on.setChecked(True)
    _click(qtbot, editor.move_buttons["scheduled"])
    qtbot.waitUntil(lambda: editor.item.status == "scheduled", timeout=10000)
    assert editor.item.scheduled_at and set(editor.move_buttons) == {"published", "approved", "archived"}

    # Someone else publishes it meanwhile: the stale "Back to approved" is refused with the API's reason.
    owner.content.transition(item.id, "published")
    _click(qtbot, editor.move_buttons["approved"])
    qtbot.waitUntil(editor.errors.general.isVisible, timeout=10000)
    assert "published item cannot become approved" in editor.errors.general.text()
    qtbot.waitUntil(lambda: set(editor.move_buttons) == {"archived"}, timeout=10000)
    assert owner.content.get(item.id).status == "published"


def test_api_errors_appear_at_their_field_and_keep_what_was_typed(qtbot, studio, owner):
    editor = studio.editor
    studio.new_post()
    qtbot.keyClicks(editor.body, "A post without a title yet.")
    _click(qtbot, editor.save_button)
    qtbot.waitUntil(editor.errors.fields["title"].isVisible, timeout=10000)
    assert editor.body.toPlainText() == "A post without a title yet." and editor.item is None

    editor.title.setText("x" * 301)
    _click(qtbot, editor.save_button)
    qtbot.waitUntil(lambda: "300" in editor.errors.fields["title"].text(), timeout=10000)
    assert editor.title.text() == "x" * 301

    title = unique("Titled")
    editor.title.setText(title)
    with qtbot.waitSignal(studio.editor_controller.sig_item_saved, timeout=10000):
        _click(qtbot, editor.save_button)
        assert editor.save_button.text() == "Saving\u2026" and not editor.save_button.isEnabled()
    assert not editor.errors.fields["title"].isVisible() and editor.save_button.isEnabled()
    assert editor.item.title == title and editor.item.body == "A post without a title yet."
    assert set(editor.move_buttons) == {"in_review", "archived"}


def test_versions_show_a_diff_and_restore_makes_a_new_version(qtbot, studio, owner):
    item = owner.content.create(channel="linkedin", title=unique("History"), body="First line.\nSecond line.")
    editor = _open(qtbot, studio, item.id)
    editor.body.setPlainText("First line.\nA better second line.")
    with qtbot.waitSignal(studio.editor_controller.sig_item_saved, timeout=10000):
        _click(qtbot, editor.save_button)
    qtbot.waitUntil(lambda: editor.versions.model.rowCount() == 2, timeout=10000)

    editor.tabs.setCurrentWidget(editor.versions)
    oldest = editor.versions.model.index(1, 0)
    assert oldest.data().startswith("Version 1")
    editor.versions.list.setCurrentIndex(oldest)
    diff = editor.versions.diff.toPlainText()
    assert "\u2212 Second line." in diff and "+ A better second line." in diff
    _click(qtbot, editor.versions.restore_button)
    qtbot.waitUntil(lambda: editor.versions.model.rowCount() == 3, timeout=10000)
    assert editor.body.toPlainText() == "First line.\nSecond line."
    assert [v.body for v in owner.content.versions(item.id)][-1] == "First line.\nSecond line."


def test_the_utm_builder_tags_a_link_with_errors_at_the_field(qtbot, studio, owner):
    campaign = owner.campaigns.create(name=unique("Autumn Blend"))
    item = owner.content.create(channel="linkedin", title=unique("Links"), body="Read more: ",
                                campaign_id=campaign.id)
    studio.controller.load_options()
    qtbot.waitUntil(lambda: studio.editor.campaign.findData(campaign.id) >= 0, timeout=10000)
    editor = _open(qtbot, studio, item.id)
    editor.tabs.setCurrentWidget(editor.utm)
    utm = editor.utm
    # Suggested from the post, lower case with dashes (analytics tools count "Autumn Blend" apart).
    assert utm.inputs["source"].text() == "linkedin" and utm.inputs["medium"].text() == "social"
    assert utm.inputs["campaign"].text() == "-".join(campaign.name.lower().split())
    utm.inputs["url"].setText("beanthere.example/autumn")
    _click(qtbot, utm.build_button)
    qtbot.waitUntil(utm.errors.fields["url"].isVisible, timeout=15000)
    assert "http" in utm.errors.fields["url"].text()

    utm.inputs["url"].setText("https://beanthere.example/autumn?ref=nav")
    _click(qtbot, utm.build_button)
    qtbot.waitUntil(lambda: utm.result.text().startswith("https://"), timeout=15000)
    assert "utm_source=linkedin" in utm.result.text() and "ref=nav" in utm.result.text()
    assert utm.warnings.text() == "" and not utm.errors.general.isVisible()
    editor.body.moveCursor(editor.body.textCursor().MoveOperation.End)
    with qtbot.waitSignal(editor.score_panel.sig_score_shown, timeout=15000,
                          check_params_cb=lambda result: any(c.id == "utm" for c in result.checks)):
        _click(qtbot, utm.insert_button)
    assert editor.body.toPlainText() == "Read more: " + utm.result.text()
    assert editor.score_panel.message_for("Links and UTM").startswith("All 1 link(s) carry UTM")


def test_a_post_opens_in_a_window_of_its_own(qtbot, studio, owner):
    item = owner.content.create(channel="x", title=unique("Window"), body="Short and sweet.")
    editor = _open(qtbot, studio, item.id)
    _click(qtbot, editor.detach_button)
    assert len(studio.windows) == 1
    window = studio.windows[0]
    qtbot.waitUntil(lambda: window.editor.item is not None, timeout=10000)
    assert window.editor.body.toPlainText() == "Short and sweet." and item.title in window.windowTitle()
    assert not window.editor.detach_button.isVisible()
    # Its answers are its own: scoring in the window leaves the pane's panel alone.
    with qtbot.waitSignal(window.editor.score_panel.sig_score_shown, timeout=15000):
        window.editor.score_now()
    assert editor.score_panel.result is None or editor.score_panel.result is not window.editor.score_panel.result

    # Closing it with unsaved edits asks first; "save" closes once the text is stored.
    window.editor.body.setPlainText("Short, sweet and saved on the way out.")
    studio.ask_unsaved.queue.append("cancel")
    window.close()
    assert window.isVisible() and studio.ask_unsaved.asked == [item.title]
    studio.ask_unsaved.queue.append("save")
    window.close()
    qtbot.waitUntil(lambda: not isValid(window), timeout=10000)  # closed and deleted
    assert studio.windows == []
    assert owner.content.get(item.id).body == "Short, sweet and saved on the way out."


def test_the_content_section_is_in_the_sidebar_and_builds_its_page_when_signed_in(qtbot, session, owner):
    from umt.desktop.theme import Theme, palettes
    from umt.desktop.views.sections import SECTIONS, SectionContext

    section = next(s for s in SECTIONS if s.key == "content")
    assert section.needs_session and section.make_page is not None
    title = unique("Sidebar")
    item = owner.content.create(channel="linkedin", title=title, body="Hello.")
    context = SectionContext(stack=None, tasks=session.tasks, theme=Theme("dark", palettes()["dark"]),
                             show_section=lambda key: None, session=session)
    page = section.make_page(context)
    qtbot.addWidget(page)
    assert isinstance(page, ContentStudio)
    assert page.editor.versions._colors["+"] == palettes()["dark"]["ok"]
    page.show()  # the first showing loads the list
    model = page.controller.list_model
    qtbot.waitUntil(lambda: model.total is not None and model.total > 0, timeout=10000)
    qtbot.keyClicks(page.search, title)
    qtbot.waitUntil(lambda: model.total == 1, timeout=10000)
    assert model.row_of(item.id) == 0


def test_an_expired_session_mid_edit_keeps_the_text(qtbot, studio, session, owner):
    item = owner.content.create(channel="linkedin", title=unique("Expiry"), body="Saved text.")
    editor = _open(qtbot, studio, item.id)
    session.client.logout()  # the gateway forgets this session: the next call is a 401
    editor.body.setPlainText("Typed after the session ended, not saved yet.")
    with qtbot.waitSignal(session.sig_session_expired, timeout=10000):
        _click(qtbot, editor.save_button)
    assert editor.body.toPlainText() == "Typed after the session ended, not saved yet."
    assert "Sign in again to save" in editor.errors.general.text() and editor.dirty()
    assert editor.save_button.isEnabled() and editor.save_button.text() == "Save"
    assert owner.content.get(item.id).body == "Saved text."


def test_moving_to_another_post_asks_about_unsaved_edits(qtbot, studio, owner):
    prefix = unique("Switch")
    first = owner.content.create(channel="linkedin", title=f"{prefix} one", body="One.")
    second = owner.content.create(channel="linkedin", title=f"{prefix} two", body="Two.")
    model = studio.controller.list_model
    qtbot.keyClicks(studio.search, prefix)
    qtbot.waitUntil(lambda: model.total == 2 and model.rowCount() == 2, timeout=10000)
    answers = studio.ask_unsaved
    studio.table.selectRow(model.row_of(first.id))
    qtbot.waitUntil(lambda: studio.editor.item is not None and studio.editor.item.id == first.id, timeout=10000)
    studio.editor.body.setPlainText("One, edited.")

    answers.queue.append("cancel")  # stay: the edits and the selection stay
    studio.table.selectRow(model.row_of(second.id))
    assert answers.asked == [f"{prefix} one"] and studio.editor.body.toPlainText() == "One, edited."
    assert studio.table.selectionModel().selectedRows()[0].row() == model.row_of(first.id)

    answers.queue.append("save")  # saved first, then the other post opens
    studio.table.selectRow(model.row_of(second.id))
    qtbot.waitUntil(lambda: studio.editor.item.id == second.id, timeout=10000)
    assert owner.content.get(first.id).body == "One, edited."

    studio.editor.body.setPlainText("Two, edited.")
    answers.queue.append("discard")
    studio.new_post()
    assert studio.editor.item is None and studio.editor.body.toPlainText() == ""
    assert owner.content.get(second.id).body == "Two." and not answers.queue


def test_the_keyboard_reaches_new_search_and_save(qtbot, studio, owner):
    studio.activateWindow()
    studio.editor.body.setFocus()
    qtbot.waitUntil(studio.editor.body.hasFocus, timeout=5000)
    qtbot.keySequence(studio.editor.body, QKeySequence.StandardKey.Find)
    assert studio.search.hasFocus()
    qtbot.keySequence(studio.search, QKeySequence.StandardKey.New)
    assert studio.editor.title.hasFocus() and studio.editor.item is None
    title = unique("Keyboard")
    qtbot.keyClicks(studio.editor.title, title)
    studio.editor.body.setFocus()
    qtbot.keyClicks(studio.editor.body, "Typed, then saved with Ctrl+S.")
    with qtbot.waitSignal(studio.editor_controller.sig_item_saved, timeout=10000):
        qtbot.keySequence(studio.editor.body, QKeySequence.StandardKey.Save)
    assert studio.editor.item.title == title
    names = [w.accessibleName() for w in (studio.brand_filter, studio.campaign_filter, studio.channel_filter,
                                          studio.status_filter, studio.search, studio.table, studio.editor.title,
                                          studio.editor.channel, studio.editor.body, studio.editor.score_panel)]
    assert all(names), names


def test_an_empty_workspace_offers_sample_data_and_shows_it(qtbot, empty_stack):
    tasks = TaskManager()
    session = signed_in_session(tasks, empty_stack.url, OWNER["email"], OWNER["password"],
                                lambda condition: qtbot.waitUntil(condition, timeout=10000))
    studio = ContentStudio(ContentController(session), ask_unsaved=Answers(),
                           sample_data=SampleDataController.for_session(session))
    qtbot.addWidget(studio)
    studio.show()
    model = studio.controller.list_model
    qtbot.waitUntil(lambda: model.total == 0, timeout=10000)
    assert studio.notice_bar.isVisible() and "No posts yet" in studio.notice.text()
    qtbot.waitUntil(studio.sample_button.isVisible, timeout=10000)   # the workspace is checked: nothing in it
    with qtbot.waitSignal(studio.sample_data.sig_filled, timeout=60000):
        _click(qtbot, studio.sample_button)
        assert studio.sample_button.text() == "Adding sample data\u2026"
    qtbot.waitUntil(lambda: model.total is not None and model.total > 0 and studio.brand_filter.count() > 1, timeout=10000)
    assert "Added 1 brand" in studio.notice.text() and not studio.sample_button.isVisible()
    assert studio.brand_filter.itemText(1) == "Crumb & Co Bakery"
    tasks.wait_for_done(10000)
    session.set_gateway_url(None)
