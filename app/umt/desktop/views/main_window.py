"""The main window: a sidebar of sections (as Docker Desktop and Podman Desktop have) beside the
current section's page, the Stack and View menus, and the status line.

It shows what the controllers report and forwards what the owner asks for; it runs no work. The
sections are listed in views/sections.py; their pages are built the first time they are shown."""

from __future__ import annotations

from typing import Sequence

from PySide6.QtCore import Signal
from PySide6.QtGui import QAction, QActionGroup, QCloseEvent, QIcon, QKeySequence
from PySide6.QtWidgets import QApplication, QHBoxLayout, QLabel, QMainWindow, QMessageBox, QStackedWidget, QWidget

from umt.desktop.controllers.stack import StackController
from umt.desktop.controllers.stack_state import UP_PHASES, StackState
from umt.desktop.tasks import TaskManager
from umt.desktop.theme import Theme
from umt.desktop.views.control_center import ControlCenterPage
from umt.desktop.views.section_placeholder import SectionPlaceholderPage, SessionGatedPage
from umt.desktop.views.sections import CONTROL_CENTER, SECTIONS, Section, SectionContext, shortcut_for
from umt.desktop.widgets.sidebar import Sidebar


# The status line names the mode only: why (Docker missing…) is the banner's to say, once.
_MODE_WORDS = {"docker": "Docker mode: the services run as containers.", "native": "Native mode: the services run as local processes."}


class MainWindow(QMainWindow):
    sig_close_requested = Signal()
    """The owner closed the window; the app decides between hiding to the tray and quitting."""

    sig_logs_requested = Signal(str)
    """The owner asked for logs (a service name, or '' for the first service)."""

    sig_settings_requested = Signal()
    """The owner asked for the settings dialog."""

    sig_quit_requested = Signal()
    """The owner chose Quit from the menu."""

    sig_use_native_requested = Signal()
    """The owner accepted the banner's offer to run the services without Docker."""

    sig_visibility_changed = Signal(bool)
    """The window was shown (True) or hidden, e.g. to the tray (False)."""

    sig_section_shown = Signal(str)
    """Another section is shown (its key)."""

    sig_server_requested = Signal()
    """The owner chose "Connect to a server…"."""

    def __init__(
        self,
        controller: StackController,
        tasks: TaskManager,
        theme: Theme,
        icon: QIcon,
        sections: Sequence[Section] = SECTIONS,
        parent=None,
    ):
        super().__init__(parent)
        self.controller = controller
        self.setWindowTitle("Ultimate Marketing Team")
        self.setWindowIcon(icon)
        self.resize(1180, 780)
        self.quitting = False
        self.sections = {section.key: section for section in sections}
        self.context = SectionContext(controller, tasks, theme, self.show_section)
        self._pages: dict[str, QWidget] = {}
        self._shown_key = ""
        self._local_note: str | None = None     # the local mode's note, kept while on a server

        self.sidebar = Sidebar()
        self.pages = QStackedWidget()
        self.pages.setAccessibleName("Section")
        central = QWidget()
        layout = QHBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.sidebar)
        layout.addWidget(self.pages, 1)
        self.setCentralWidget(central)
        self.backend_note = QLabel()
        self.backend_note.setProperty("role", "muted")
        self.statusBar().addPermanentWidget(self.backend_note)

        self._build_stack_menu()
        self._build_view_menu(sections)
        self.sidebar.set_theme(theme)
        self.sidebar.sig_section_chosen.connect(self.show_section)
        controller.sig_state_changed.connect(self._on_controller_state_changed)
        controller.sig_backend_opened.connect(self._on_controller_backend_opened)
        self._on_controller_state_changed(controller.state)

        self.control_center: ControlCenterPage = self.page(CONTROL_CENTER)
        self.control_center.sig_logs_requested.connect(self.sig_logs_requested)
        self.control_center.sig_settings_requested.connect(self.sig_settings_requested)
        self.control_center.sig_use_native_requested.connect(self.sig_use_native_requested)
        self.control_center.sig_message_posted.connect(lambda text: self.statusBar().showMessage(text, 15000))
        self.show_section(sections[0].key)

    # --- sections ------------------------------------------------------------------------------
    def page(self, key: str) -> QWidget:
        """The section's page, built now if it was never shown."""
        page = self._pages.get(key)
        if page is None:
            section = self.sections[key]
            if section.make_page is None:
                page = SectionPlaceholderPage(section, self.context)
            elif section.needs_session:
                page = SessionGatedPage(section, self.context)
            else:
                page = section.make_page(self.context)
            page.setAccessibleName(section.title)
            self._pages[key] = page
            self.pages.addWidget(page)
        return page

    def show_section(self, key: str) -> None:
        if key not in self.sections:
            raise KeyError(f"no section '{key}'")
        page = self.page(key)
        self.sidebar.select(key)
        self._view_actions[key].setChecked(True)
        if self._shown_key == key:
            return
        self._shown_key = key
        focus = QApplication.focusWidget()
        leaving = self.pages.currentWidget()
        self.pages.setCurrentWidget(page)
        if focus is not None and leaving is not None and leaving is not page and leaving.isAncestorOf(focus):
            self.sidebar.setFocus()  # the focus was on a page now hidden: keep it somewhere visible
        self.sig_section_shown.emit(key)

    @property
    def current_section(self) -> str:
        return self._shown_key

    def _build_view_menu(self, sections: Sequence[Section]) -> None:
        view = self.menuBar().addMenu("&View")
        group = QActionGroup(self)
        group.setExclusive(True)
        self._view_actions: dict[str, QAction] = {}
        for position, section in enumerate(sections):
            shortcut = shortcut_for(position)
            self.sidebar.add_section(section.key, section.title, section.icon, shortcut)
            action = QAction(section.title, self)
            action.setCheckable(True)
            if shortcut:
                action.setShortcut(QKeySequence(shortcut))
            action.triggered.connect(lambda _checked=False, key=section.key: self.show_section(key))
            group.addAction(action)
            view.addAction(action)
            self._view_actions[section.key] = action

    def _build_stack_menu(self) -> None:
        stack = self.menuBar().addMenu("&Stack")
        # Ctrl+R starts a stopped stack; on a running one it restarts it, after asking (a stop
        # interrupts the owner's work, and Ctrl+R is pressed by habit to reload).
        self.start_action = QAction("&Start", self)
        self.start_action.setShortcut(QKeySequence("Ctrl+R"))
        self.start_action.triggered.connect(self._on_start_action_triggered)
        self.stop_action = QAction("S&top", self)
        self.stop_action.triggered.connect(self.controller.stop)
        logs = QAction("&Logs…", self)
        logs.setShortcut(QKeySequence("Ctrl+L"))
        logs.triggered.connect(lambda: self.sig_logs_requested.emit(""))
        self.server_action = QAction("Connect to a se&rver…", self)
        self.server_action.triggered.connect(self.sig_server_requested)
        settings = QAction("S&ettings…", self)
        settings.setShortcut(QKeySequence.StandardKey.Preferences)
        settings.triggered.connect(self.sig_settings_requested)
        quit_action = QAction("&Quit", self)
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.sig_quit_requested)
        for action in (self.start_action, self.stop_action, logs, self.server_action, settings):
            stack.addAction(action)
        stack.addSeparator()
        stack.addAction(quit_action)

    def set_on_server(self, url: str | None) -> None:
        """While the workspace works with the server at `url`, Start and Stop (this computer's stack)
        step aside and the status line names the server; None: back to this computer's stack."""
        self.start_action.setVisible(url is None)
        self.stop_action.setVisible(url is None)
        if url is not None:
            self._local_note = self._local_note or self.backend_note.text()
            self.backend_note.setText(f"Server mode: the services run on {url}.")
        elif self._local_note is not None:
            self.backend_note.setText(self._local_note)
            self._local_note = None

    def set_theme(self, theme: Theme) -> None:
        self.context.theme = theme
        self.sidebar.set_theme(theme)
        for page in self._pages.values():
            set_theme = getattr(page, "set_theme", None)
            if set_theme is not None:
                set_theme(theme)

    # --- controller → window -------------------------------------------------------------------
    def _on_controller_state_changed(self, state: StackState) -> None:
        up = state.phase in UP_PHASES
        self.start_action.setText("&Restart…" if up else "&Start")
        self.start_action.setEnabled(not state.busy)
        self.stop_action.setEnabled(up and not state.busy)

    def _on_start_action_triggered(self) -> None:
        if self.controller.state.phase not in UP_PHASES:
            self.controller.start()
        elif self.ask_restart():
            self.controller.restart()

    def ask_restart(self) -> bool:
        """Whether the owner wants the running stack stopped and started again."""
        answer = QMessageBox.question(
            self,
            "Restart the stack",
            "Restart the stack? Every service stops and starts again; work in progress in the services is interrupted.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel,
        )
        return answer == QMessageBox.StandardButton.Yes

    def _on_controller_backend_opened(self, choice) -> None:
        note = _MODE_WORDS.get(choice.backend.name, choice.note)
        if self.start_action.isVisible():
            self.backend_note.setText(note)
        else:
            self._local_note = note     # on a server: shown again when back on this computer

    # --- showing and closing -----------------------------------------------------------------
    def showEvent(self, event) -> None:
        super().showEvent(event)
        self.sig_visibility_changed.emit(True)

    def hideEvent(self, event) -> None:
        super().hideEvent(event)
        self.sig_visibility_changed.emit(False)

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.quitting:
            event.accept()
            return
        event.ignore()
        self.sig_close_requested.emit()
