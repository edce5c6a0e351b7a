"""The main window's sidebar of sections: the registry, switching by mouse, arrows and Ctrl+N,
accessible names, pages built on first show, and the empty state's next action."""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QLabel, QLineEdit

from umt.desktop.controllers.session import SessionState
from umt.desktop.controllers.stack_state import Phase, failure
from umt.desktop.views.main_window import MainWindow
from umt.desktop.views.section_placeholder import SessionGatedPage
from umt.desktop.views.sections import SECTIONS, Section
from umt.desktop.tasks import TaskManager
from umt.desktop.theme import Theme, palettes
from umt.desktop.views.tray import icon


def _window(qtbot, controller, sections=SECTIONS, theme="light") -> MainWindow:
    window = MainWindow(controller, TaskManager(), Theme(theme, palettes()[theme]), icon(), sections)
    window.quitting = True  # closing it in teardown is no question to the owner
    qtbot.addWidget(window)
    return window


def _empty(window):
    """The empty state of the section shown (inside its session gate, for a section that has one)."""
    page = window.pages.currentWidget()
    return page.placeholder.empty if isinstance(page, SessionGatedPage) else page.empty


def test_the_sidebar_lists_the_sections_in_order_with_names_and_shortcuts(qtbot, controller):
    window = _window(qtbot, controller)
    sidebar = window.sidebar
    assert sidebar.keys() == [section.key for section in SECTIONS]   # the workspace sections follow these four
    assert sidebar.keys()[:4] == ["control_center", "content", "campaigns", "brands"]
    assert [sidebar.item(r).text() for r in range(4)] == ["Control center", "Content", "Campaigns", "Brands"]
    assert sidebar.accessibleName() == "Sections"
    assert sidebar.item(1).data(Qt.ItemDataRole.AccessibleTextRole) == "Content"
    assert sidebar.item(1).toolTip() == "Content (Ctrl+2)"
    assert all(not sidebar.item(r).icon().isNull() for r in range(sidebar.count()))
    assert window.current_section == "control_center" and sidebar.currentRow() == 0
    assert window.pages.currentWidget() is window.control_center
    assert window.control_center.accessibleName() == "Control center"
    assert set(window._pages) == {"control_center"}, "other pages are built when first shown"


def test_switching_by_click_arrow_keys_and_ctrl_number(qtbot, controller):
    window = _window(qtbot, controller)
    with qtbot.waitActive(window):
        window.show()
        window.activateWindow()
    shown = []
    window.sig_section_shown.connect(shown.append)

    sidebar = window.sidebar
    qtbot.mouseClick(sidebar.viewport(), Qt.MouseButton.LeftButton, pos=sidebar.visualItemRect(sidebar.item(2)).center())
    assert window.current_section == "campaigns" and window.pages.currentWidget().accessibleName() == "Campaigns"

    sidebar.setFocus()
    qtbot.keyClick(sidebar, Qt.Key.Key_Down)
    assert window.current_section == "brands"
    qtbot.keyClick(sidebar, Qt.Key.Key_Up)
    assert window.current_section == "campaigns"

    qtbot.keyClick(sidebar, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
    assert window.current_section == "content" and sidebar.currentRow() == 1
    qtbot.keyClick(window.focusWidget(), Qt.Key.Key_1, Qt.KeyboardModifier.ControlModifier)
    assert window.pages.currentWidget() is window.control_center
    assert shown == ["campaigns", "brands", "campaigns", "content", "control_center"]
    view_menu = window.menuBar().actions()[1].menu()
    assert [a.text() for a in view_menu.actions()] == [section.title for section in SECTIONS]
    assert [a.text() for a in view_menu.actions()][:4] == ["Control center", "Content", "Campaigns", "Brands"]
    assert view_menu.actions()[0].isChecked()


def test_a_section_is_one_registry_entry_and_its_page_is_built_once(qtbot, controller):
    built = []

    def make_page(context):
        built.append(context)
        page = QLabel("Notes page")
        page.themes = []
        page.set_theme = page.themes.append
        return page

    notes = Section("notes", "Notes", "calendar", "Keep notes.", make_page)
    window = _window(qtbot, controller, [*SECTIONS, notes])
    assert window.sidebar.item(len(SECTIONS)).toolTip() == f"Notes (Ctrl+{len(SECTIONS) + 1})"
    assert built == []
    window.show_section("notes")
    window.show_section("content")
    window.show_section("notes")
    assert len(built) == 1 and built[0].stack is controller
    page = window.pages.currentWidget()
    assert page.text() == "Notes page" and page.accessibleName() == "Notes"
    dark = Theme("dark", palettes()["dark"])
    window.set_theme(dark)
    assert page.themes == [dark] and window.context.theme is dark


def test_an_empty_section_offers_to_start_the_stack_then_to_sign_in(qtbot, controller, fake_backend):
    window = _window(qtbot, controller)
    window.show_section("brands")
    assert isinstance(window.pages.currentWidget(), SessionGatedPage), "Brands needs a session: no session, no page"
    empty = _empty(window)
    assert empty.title.text() == "Brands" and "banned words" in empty.text.text()
    assert empty.action.text() == "Start the stack" and empty.action_key == "start"
    assert "stopped" in empty.status.text()

    controller.open()
    qtbot.waitUntil(lambda: controller.backend is not None)
    qtbot.mouseClick(empty.action, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: controller.state.phase == Phase.RUNNING, timeout=10000)
    assert sorted(fake_backend.running()) == ["agent", "gateway"]
    assert empty.status.text() == "The stack is running." and not empty.action.isVisibleTo(empty), "no sign-in page: no dead button"

    asked = []
    window.context.request_sign_in = lambda: asked.append(True)
    window.show_section("content")
    assert isinstance(window.pages.currentWidget(), SessionGatedPage), "Content needs a session too"
    content = _empty(window)
    assert content.action.text() == "Sign in"
    qtbot.mouseClick(content.action, Qt.MouseButton.LeftButton)
    assert asked == [True]


def test_an_empty_section_sends_the_owner_to_the_control_center_after_a_failed_start(qtbot, controller):
    window = _window(qtbot, controller)
    window.show_section("campaigns")
    empty = _empty(window)
    controller._set_state(failure(RuntimeError("boom")))  # as a failed start publishes it
    assert "could not start" in empty.status.text() and empty.action.text() == "Open the control center"
    qtbot.mouseClick(empty.action, Qt.MouseButton.LeftButton)
    assert window.current_section == "control_center"


class SignInStates(QObject):
    """What the gate reads of the SessionController: its `state` (a real SessionState) and
    `sig_state_changed`; here the states are set by hand."""

    sig_state_changed = Signal(object)

    def __init__(self):
        super().__init__()
        self.state = SessionState("http://127.0.0.1:1", False, False, None)

    def set_signed_in(self, signed_in: bool, expired: bool = False) -> None:
        self.state = SessionState("http://127.0.0.1:1", False, signed_in, None, session_expired=expired)
        self.sig_state_changed.emit(self.state)


def test_a_section_that_needs_a_session_shows_its_page_only_while_signed_in(qtbot, controller):
    built = []

    def make_page(context):
        page = QLineEdit()
        page.setAccessibleName("Editor")
        built.append(page)
        return page

    notes = Section("notes", "Notes", "content", "Keep notes.", make_page, needs_session=True)
    window = _window(qtbot, controller, [*SECTIONS[:1], notes])
    session = SignInStates()
    window.context.session = session
    window.show_section("notes")
    gate = window.pages.currentWidget()
    assert gate.currentWidget() is gate.placeholder and built == [], "signed out: the empty state, no page"
    session.set_signed_in(True)
    assert gate.currentWidget() is built[0] and gate.currentWidget().accessibleName() == "Notes"
    built[0].setText("a draft in progress")
    session.set_signed_in(False, expired=True)  # the session expired: the page stays (a dialog asks again)
    assert gate.currentWidget() is built[0]
    session.set_signed_in(False)  # signed out
    assert gate.currentWidget() is gate.placeholder
    session.set_signed_in(True)
    assert len(built) == 1 and gate.currentWidget().text() == "a draft in progress", "what was typed is kept"


def test_every_section_icon_renders_in_both_themes(qapp):
    from umt.desktop.widgets.icons import icon_path, themed_icon

    for name in ("control-center", "content", "campaigns", "brands", "calendar", "experiments", "analytics", "channels"):
        assert icon_path(name).is_file(), name
        for theme in ("light", "dark"):
            image = themed_icon(name, palettes()[theme]["text"]).pixmap(24, 24).toImage()
            assert any(image.pixelColor(x, y).alpha() for x in range(image.width()) for y in range(image.height())), name
