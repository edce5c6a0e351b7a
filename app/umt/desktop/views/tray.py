"""The tray icon (start/stop, open, quit) and the notifiers that show desktop notifications.

Where the desktop has no system tray (some Linux sessions, offscreen tests) the icon is simply not
created; notifications then go to the window's status line."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction, QIcon
from PySide6.QtWidgets import QMainWindow, QMenu, QSystemTrayIcon

from umt.desktop.notify import CRITICAL, WARNING, Notification, Notifier
from umt.desktop.controllers.stack_state import Phase, StackState
from umt.paths import package_folder


def icon(variant: str = "") -> QIcon:
    name = f"umt-{variant}.svg" if variant else "umt.svg"
    return QIcon(str(package_folder("resources") / "icons" / name))


_PHASE_ICON = {Phase.RUNNING: "running", Phase.DEGRADED: "degraded", Phase.ERROR: "error"}


class TrayIcon(QObject):
    sig_open_requested = Signal()
    """The owner asked to show the control center."""

    sig_toggle_requested = Signal()
    """The owner chose Start or Stop from the tray menu."""

    sig_quit_requested = Signal()
    """The owner chose Quit from the tray menu."""

    sig_notification_clicked = Signal(object)
    """The owner clicked the last notification shown (a Notification)."""

    def __init__(self, available: bool | None = None, parent: QObject | None = None):
        super().__init__(parent)
        self.available = QSystemTrayIcon.isSystemTrayAvailable() if available is None else available
        self.menu = QMenu()
        self.open_action = QAction("Open umt", self.menu)
        self.toggle_action = QAction("Start the stack", self.menu)
        self.quit_action = QAction("Quit", self.menu)
        self.open_action.triggered.connect(self.sig_open_requested)
        self.toggle_action.triggered.connect(self.sig_toggle_requested)
        self.quit_action.triggered.connect(self.sig_quit_requested)
        self.menu.addAction(self.open_action)
        self.menu.addAction(self.toggle_action)
        self.menu.addSeparator()
        self.menu.addAction(self.quit_action)
        self.tray: QSystemTrayIcon | None = None
        self.last_message: Notification | None = None
        if self.available:
            self.tray = QSystemTrayIcon(icon(), self)
            self.tray.setContextMenu(self.menu)
            self.tray.setToolTip("umt: stopped")
            self.tray.activated.connect(self._on_tray_activated)
            self.tray.messageClicked.connect(self._on_tray_message_clicked)
            self.tray.show()

    def show_state(self, state: StackState) -> None:
        up = state.phase in (Phase.RUNNING, Phase.DEGRADED)
        self.toggle_action.setText("Stop the stack" if up else "Start the stack")
        self.toggle_action.setEnabled(not state.busy)
        if self.tray is not None:
            self.tray.setIcon(icon(_PHASE_ICON.get(state.phase, "")))
            self.tray.setToolTip(f"umt: {state.title.lower().rstrip('…')}")

    def show_message(self, notification: Notification) -> None:
        if self.tray is None:
            return
        self.last_message = notification    # the tray tells a click, not which message: the last one
        kind = {
            CRITICAL: QSystemTrayIcon.MessageIcon.Critical,
            WARNING: QSystemTrayIcon.MessageIcon.Warning,
        }.get(notification.level, QSystemTrayIcon.MessageIcon.Information)
        self.tray.showMessage(notification.title, notification.message, kind, 10000)

    def hide(self) -> None:
        if self.tray is not None:
            self.tray.hide()

    def _on_tray_message_clicked(self) -> None:
        if self.last_message is not None:
            self.sig_notification_clicked.emit(self.last_message)

    def _on_tray_activated(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        if reason in (QSystemTrayIcon.ActivationReason.Trigger, QSystemTrayIcon.ActivationReason.DoubleClick):
            self.sig_open_requested.emit()


class TrayNotifier(Notifier):
    def __init__(self, tray: TrayIcon):
        self.tray = tray

    def notify(self, notification: Notification) -> None:
        self.tray.show_message(notification)


class StatusBarNotifier(Notifier):
    """Without a tray: the window's status line carries the notification."""

    def __init__(self, window: QMainWindow):
        self.window = window

    def notify(self, notification: Notification) -> None:
        self.window.statusBar().showMessage(f"{notification.title}. {notification.message}", 30000)
