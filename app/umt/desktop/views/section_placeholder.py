"""The page of a section that cannot show its own page yet: what the section is for, and the
next step towards using it (start the stack; sign in), following the stack's state. A section
that needs a session shows its own page only while signed in (SessionGatedPage)."""

from __future__ import annotations

from PySide6.QtWidgets import QStackedWidget, QVBoxLayout, QWidget

from umt.desktop.controllers.stack_state import UP_PHASES, Phase, StackState
from umt.desktop.theme import Theme
from umt.desktop.views.sections import CONTROL_CENTER, Section, SectionContext
from umt.desktop.widgets.empty_state import EmptyState
from umt.desktop.widgets.icons import themed_icon

START, SIGN_IN, OPEN_CONTROL_CENTER = "start", "sign_in", "control_center"


class SectionPlaceholderPage(QWidget):
    def __init__(self, section: Section, context: SectionContext, parent=None):
        super().__init__(parent)
        self.section = section
        self.context = context
        self.empty = EmptyState(section.title, section.purpose)
        self.empty.setAccessibleName(section.title)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 24, 24, 24)
        layout.addWidget(self.empty)
        self.empty.sig_action_requested.connect(self._on_empty_action_requested)
        context.stack.sig_state_changed.connect(self._on_stack_state_changed)
        self.set_theme(context.theme)
        self._on_stack_state_changed(context.stack.state)

    def set_theme(self, theme: Theme) -> None:
        self.empty.set_icon(themed_icon(self.section.icon, theme.colors["text_muted"], 56))

    def _on_stack_state_changed(self, state: StackState) -> None:
        if state.phase in UP_PHASES:
            if self.context.request_sign_in is not None:
                self.empty.set_status("The stack is running. Sign in to start working.")
                self.empty.set_action("Sign in", SIGN_IN)
            else:
                self.empty.set_status("The stack is running.")
                self.empty.set_action(None)
        elif state.busy:
            self.empty.set_status(f"The stack is {state.phase.value}…")
            self.empty.set_action(None)
        elif state.phase == Phase.ERROR:
            self.empty.set_status(f"The stack could not start: {state.title.lower()}.")
            self.empty.set_action("Open the control center", OPEN_CONTROL_CENTER)
        else:
            self.empty.set_status(f"The stack is stopped. Start it to work on {self.section.title.lower()}.")
            self.empty.set_action("Start the stack", START)

    def _on_empty_action_requested(self, key: str) -> None:
        if key == START:
            self.context.stack.start()
        elif key == SIGN_IN and self.context.request_sign_in is not None:
            self.context.request_sign_in()
        elif key == OPEN_CONTROL_CENTER:
            self.context.show_section(CONTROL_CENTER)


class SessionGatedPage(QStackedWidget):
    """A section that needs someone signed in: its empty state while the stack does not run (with
    Start), the workspace's one sign-in page while nobody is signed in (every gated section shares
    it and takes it in when shown: one wizard, one half-done sign-in), its page once signed in.

    An expired session keeps the page in view, with whatever is being typed; the app's dialog
    asks to sign in again over it."""

    def __init__(self, section: Section, context: SectionContext, parent=None):
        super().__init__(parent)
        self.section = section
        self.context = context
        self.placeholder = SectionPlaceholderPage(section, context)
        self.page: QWidget | None = None
        self.addWidget(self.placeholder)
        session = context.session
        if session is not None:
            session.sig_state_changed.connect(self._on_session_state_changed)
            self._on_session_state_changed(session.state)

    @property
    def showing_page(self) -> bool:
        return self.page is not None and self.currentWidget() is self.page

    def set_theme(self, theme: Theme) -> None:
        self.placeholder.set_theme(theme)
        set_page_theme = getattr(self.page, "set_theme", None)
        if set_page_theme is not None:
            set_page_theme(theme)

    def showEvent(self, event) -> None:
        sign_in_page = self.context.sign_in_page
        if sign_in_page is not None and sign_in_page.parent() is not self and self.context.session is not None:
            self._on_session_state_changed(self.context.session.state)   # take the sign-in page in
        super().showEvent(event)

    def _on_session_state_changed(self, state) -> None:
        sign_in_page = self.context.sign_in_page
        if state.signed_in or (state.session_expired and self.showing_page):
            if self.page is None:
                self.page = self.section.make_page(self.context)
                self.page.setAccessibleName(self.section.title)
                self.addWidget(self.page)
            self.setCurrentWidget(self.page)
        elif state.gateway_url is not None and sign_in_page is not None:
            if sign_in_page.parent() is not self and (self.isVisible() or sign_in_page.parent() is None):
                self.addWidget(sign_in_page)
            # Shown elsewhere: this section is hidden now, and takes the page in when shown.
            self.setCurrentWidget(sign_in_page if sign_in_page.parent() is self else self.placeholder)
        else:
            self.setCurrentWidget(self.placeholder)  # the page stays built: what was typed is kept
