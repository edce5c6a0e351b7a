"""The composition root: builds the settings, theme, task helper, controller, windows and tray,
and owns the decisions that span them (close to tray, quit, settings, native fallback)."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from umt.desktop import autostart
from umt.desktop.controllers.account import AccountController
from umt.desktop.controllers.delivery_watch import DeliveryWatcher
from umt.desktop.controllers.server import ServerController
from umt.desktop.controllers.session import SessionController
from umt.desktop.controllers.backups import BackupsController
from umt.desktop.controllers.settings import SettingsController
from umt.desktop.controllers.stack import StackController, StackHost
from umt.desktop.views.logs_window import LogsWindow
from umt.desktop.views.main_window import MainWindow
from umt.desktop.notify import Notification, Notifier, delivery_failed, notification_for
from umt.settings import DesktopSettings, load_settings, save_settings, settings_path
from umt.desktop.views.settings_dialog import SettingsDialog
from umt.desktop.controllers.stack_state import UP_PHASES, Phase
from umt.desktop.tasks import TaskManager
from umt.desktop.theme import Theme, ThemeManager
from umt.desktop.views.tray import StatusBarNotifier, TrayIcon, TrayNotifier, icon
from umt.desktop.views.account_menu import AccountButton
from umt.desktop.views.connect_server import ConnectServerDialog
from umt.desktop.views.sign_in_again import SessionExpiryPrompter
from umt.desktop.views.sign_in_page import SignInPage

QUIT_STOP, QUIT_LEAVE, QUIT_CANCEL = "stop", "leave", "cancel"
QuitQuestion = Callable[[], str]


class DesktopApp(QObject):
    sig_quit_finished = Signal()
    """Supervision has ended (and the stack stopped when asked): the event loop may end."""

    def __init__(
        self,
        qapp: QApplication,
        settings: DesktopSettings | None = None,
        host: StackHost | None = None,
        notifier: Notifier | None = None,
        ask_quit: QuitQuestion | None = None,
        tray_available: bool | None = None,
        sample_interval_s: float = 1.0,
        settings_file: Path | None = None,
    ):
        super().__init__(qapp)
        self.settings_file = settings_file or settings_path()  # fixed now: the data folder may move
        self.settings = settings if settings is not None else load_settings(self.settings_file)
        self.themes = ThemeManager(qapp, self.settings.theme, parent=self)
        theme = self.themes.apply()
        self.tasks = TaskManager(self)
        self.controller = StackController(self.tasks, lambda: self.settings, host, sample_interval_s, self)
        self.settings_controller = SettingsController(self.tasks, self)
        self.window = MainWindow(self.controller, self.tasks, theme, icon())
        self.backups = BackupsController(self.tasks, self.controller, lambda: self.settings, self)
        self.window.control_center.set_backups(self.backups)
        self.window.control_center.sig_restore_requested.connect(self.window.control_center.open_restore)
        # The workspace's session: one client, one signed-in state, one sign-in page that every
        # workspace section shows while nobody is signed in, one "sign in again" dialog. Sections
        # are built on first show, after this: they find the session in their context.
        self.session = SessionController(self.tasks, parent=self)
        self.account = AccountController(self.session, self)
        self.session.follow_stack(self.controller)
        self.sign_in_page = SignInPage(self.session, self.account)
        self.sign_in_page.sig_start_requested.connect(self.controller.start)
        self.window.context.session = self.session
        self.window.context.sign_in_page = self.sign_in_page
        self.account_button = AccountButton(self.session, self.account)
        self.window.statusBar().addPermanentWidget(self.account_button)
        self.expiry_prompter = SessionExpiryPrompter(self.session, self.account, self._active_window, self)
        # Or the workspace works with a server's stack: its own health card, the same session.
        self.server = ServerController(self.session, parent=self)
        self.server_dialog: ConnectServerDialog | None = None
        self.tray = TrayIcon(tray_available, self)
        self.notifier = notifier or (TrayNotifier(self.tray) if self.tray.available else StatusBarNotifier(self.window))
        self.ask_quit = ask_quit or self._ask_quit
        self.logs_window: LogsWindow | None = None
        self.quitting = False
        self._told_about_tray = False

        self.themes.sig_theme_changed.connect(self._on_themes_theme_changed)
        self.controller.sig_service_event_received.connect(self._on_controller_service_event_received)
        self.controller.sig_state_changed.connect(self.tray.show_state)
        self.window.sig_close_requested.connect(self._on_window_close_requested)
        self.window.sig_quit_requested.connect(self.request_quit)
        self.window.sig_settings_requested.connect(self.open_settings)
        self.window.sig_logs_requested.connect(self.show_logs)
        self.window.sig_use_native_requested.connect(self.use_native_mode)
        self.window.sig_visibility_changed.connect(self.controller.set_watched)
        self.tray.sig_open_requested.connect(self.show_window)
        self.tray.sig_toggle_requested.connect(self.controller.toggle)
        self.tray.sig_quit_requested.connect(self.request_quit)
        self.tasks.sig_task_failed.connect(self._on_tasks_task_failed)
        # A delivery that fails while the app is open: a notification; clicking it opens the post.
        self.delivery_watch = DeliveryWatcher(self.session, self)
        self.delivery_watch.sig_delivery_failed.connect(self._on_delivery_watch_delivery_failed)
        self.tray.sig_notification_clicked.connect(self._on_tray_notification_clicked)
        self.settings_controller.sig_key_change_failed.connect(self._on_settings_controller_key_change_failed)
        self.window.sig_server_requested.connect(self.open_server_dialog)
        self.window.control_center.sig_server_disconnect_requested.connect(self.server.disconnect)
        self.window.control_center.sig_server_refresh_requested.connect(self.server.refresh_health)
        self.server.sig_health_changed.connect(self.window.control_center.show_server)
        self.server.sig_connected.connect(self._on_server_connected)
        self.server.sig_connect_failed.connect(self._on_server_connect_failed)
        self.server.sig_disconnected.connect(self._on_server_disconnected)

    def _active_window(self) -> QWidget:
        return QApplication.activeWindow() or self.window

    def start(self) -> None:
        """Shows the window and opens the stack in the background (adopting one that runs), or
        connects to the server the owner connected to last time."""
        self.show_window()
        if self.settings.server_url:
            self.window.statusBar().showMessage(f"Connecting to {self.settings.server_url}…")
            self.server.connect_to(self.settings.server_url, self.settings.server_certificate)
        else:
            self.controller.open()

    def show_window(self) -> None:
        self.window.showNormal()
        self.window.raise_()
        self.window.activateWindow()

    # --- closing and quitting ------------------------------------------------------------------
    def _on_window_close_requested(self) -> None:
        if self.settings.close_to_tray and self.tray.available:
            self.window.hide()
            if not self._told_about_tray and self.controller.state.phase in UP_PHASES:
                self._told_about_tray = True
                self.tray.show_message(
                    Notification("umt keeps running", "The stack runs on; open umt or quit it from the tray icon.")
                )
            return
        self.request_quit()

    def request_quit(self) -> None:
        """Quits; when the stack runs, asks first whether to stop it or leave it running."""
        if self.quitting:
            return
        stop = False
        if self.controller.state.phase in UP_PHASES or self.controller.state.busy:
            answer = self.ask_quit()
            if answer == QUIT_CANCEL:
                return
            stop = answer == QUIT_STOP
        self.quitting = True
        self.window.statusBar().showMessage("Stopping the stack…" if stop else "Closing…")
        self.controller.shutdown(stop, self._on_controller_shut_down)

    def _on_controller_shut_down(self) -> None:
        # Drops what is queued, gives what runs a moment (a key being stored) with the window live.
        self.tasks.shutdown(on_done=lambda _ended: self._on_tasks_shut_down())

    def _on_tasks_shut_down(self) -> None:
        if self.logs_window is not None:
            self.logs_window.close()
        self.window.quitting = True
        self.window.close()
        self.tray.hide()
        self.sig_quit_finished.emit()

    def _ask_quit(self) -> str:
        box = QMessageBox(self.window)
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle("Quit umt")
        box.setText("The stack is running. Stop it before quitting?")
        box.setInformativeText("If you leave it running, the services keep working and umt takes them over when it opens again.")
        stop = box.addButton("Stop and quit", QMessageBox.ButtonRole.AcceptRole)
        leave = box.addButton("Quit, keep running", QMessageBox.ButtonRole.DestructiveRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(stop)
        box.exec()
        clicked = box.clickedButton()
        return QUIT_STOP if clicked is stop else QUIT_LEAVE if clicked is leave else QUIT_CANCEL

    # --- settings ------------------------------------------------------------------------------
    def open_settings(self) -> SettingsDialog:
        dialog = SettingsDialog(self.settings, self.tray.available, self.settings_controller, self.window)
        dialog.accepted.connect(lambda: self.apply_settings(dialog.settings()))
        dialog.open()  # window-modal, without a nested event loop
        return dialog

    def apply_settings(self, settings: DesktopSettings) -> None:
        previous, self.settings = self.settings, settings
        save_settings(settings, self.settings_file)
        if settings.theme != previous.theme:
            self.themes.apply(settings.theme)
        if settings.start_at_login != previous.start_at_login and autostart.supported():
            try:
                autostart.set_enabled(settings.start_at_login)
            except OSError as exc:
                self.window.statusBar().showMessage(f"Could not change the login item: {exc}", 15000)
        notes = []
        stack_changed = (settings.backend, settings.stack_variables) != (previous.backend, previous.stack_variables)
        if settings.backend != previous.backend and self.controller.state.phase in (Phase.STOPPED, Phase.ERROR):
            self.controller.open()  # shows the new backend's note and Docker banner now
        elif stack_changed and self.controller.state.phase in UP_PHASES:
            notes.append("Backend, limits, ports and base image apply at the next start.")
        if settings.data_folder != previous.data_folder:
            notes.append("The data folder applies the next time umt opens.")
        if notes:
            self.window.statusBar().showMessage("Saved. " + " ".join(notes), 15000)

    def use_native_mode(self) -> None:
        """The banner's offer: run the services as local processes from now on."""
        failed = self.controller.state.phase == Phase.ERROR
        self.apply_settings(self.settings.with_changes(backend="native"))
        self.window.control_center.banner.hide()
        if failed:
            self.controller.start()

    # --- a server ------------------------------------------------------------------------------
    def open_server_dialog(self) -> ConnectServerDialog:
        if self.server_dialog is None:
            self.server_dialog = ConnectServerDialog(self.settings.server_url, self.settings.server_certificate,
                                                     self.window)
            self.server_dialog.sig_connect_requested.connect(self.server.connect_to)
            self.server_dialog.finished.connect(self._on_server_dialog_finished)
        self.server_dialog.open()  # window-modal, without a nested event loop
        return self.server_dialog

    def _on_server_dialog_finished(self, _result: int) -> None:
        self.server_dialog.deleteLater()
        self.server_dialog = None

    def _on_server_connected(self, url: str, certificate: str) -> None:
        if self.server_dialog is not None:
            self.server_dialog.show_connected()
        self.window.statusBar().showMessage(f"Connected to {url}.", 15000)
        self.window.set_on_server(url)
        self.window.show_section("control_center")
        if (url, certificate) != (self.settings.server_url, self.settings.server_certificate):
            self.apply_settings(self.settings.with_changes(server_url=url, server_certificate=certificate))

    def _on_server_connect_failed(self, message: str) -> None:
        if self.server_dialog is None:      # the server from last time: ask again, saying why
            self.open_server_dialog()
        self.server_dialog.show_error(message)
        self.window.statusBar().clearMessage()

    def _on_server_disconnected(self) -> None:
        self.apply_settings(self.settings.with_changes(server_url="", server_certificate=""))
        self.window.set_on_server(None)
        self.window.statusBar().showMessage("Working with this computer's stack.", 15000)
        if self.controller.backend is None:
            self.controller.open()

    # --- logs and notifications ----------------------------------------------------------------
    def show_logs(self, service: str = "") -> LogsWindow:
        if self.logs_window is None:
            self.logs_window = LogsWindow(self.controller)
            self.logs_window.setWindowIcon(icon())
        self.logs_window.show_service(service)
        return self.logs_window

    def _on_controller_service_event_received(self, event) -> None:
        notification = notification_for(event)
        if notification is not None:
            self.notifier.notify(notification)

    def _on_delivery_watch_delivery_failed(self, failure) -> None:
        self.notifier.notify(delivery_failed(failure.title, failure.channel, failure.reason, failure.content_id,
                                             failure.unknown))

    def _on_tray_notification_clicked(self, notification: Notification) -> None:
        self.show_window()
        if notification.content_id is not None:
            self.open_post(notification.content_id)

    def open_post(self, content_id: int):
        """Shows the post in a window of its own, from the Content studio (None while signed out)."""
        self.window.show_section("content")
        studio = getattr(self.window.page("content"), "page", None)
        return studio.open_window(content_id) if studio is not None else None

    def _on_themes_theme_changed(self, theme: Theme) -> None:
        self.window.set_theme(theme)

    def _on_settings_controller_key_change_failed(self, exc: BaseException) -> None:
        self.window.statusBar().showMessage(f"Could not store the API key in the keyring: {exc}", 15000)

    def _on_tasks_task_failed(self, description: str, exc: BaseException) -> None:
        self.window.statusBar().showMessage(f"Could not {description}: {exc}", 15000)

