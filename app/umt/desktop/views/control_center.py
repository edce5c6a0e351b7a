"""The control center page: the Start/Stop control, the services, live resources and history.
While the workspace is connected to a server, it shows that server's health instead, read-only.

It shows what the StackController reports and forwards what the owner asks for; it runs no work."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from umt.desktop.controllers.backups import BackupsController
from umt.desktop.controllers.stack import Snapshot, StackController
from umt.desktop.controllers.stack_state import UP_PHASES, Phase, StackState
from umt.desktop.models.history import ResourceHistory
from umt.desktop.models.stack import ResourcesTableModel, ServicesTableModel
from umt.desktop.theme import Theme
from umt.desktop.views.backups import BackupsBar, RestoreDialog
from umt.desktop.widgets.banner import Banner
from umt.desktop.widgets.charts import HistoryCharts
from umt.desktop.widgets.resources_view import ResourcesView
from umt.desktop.widgets.server_health import ServerHealthCard
from umt.desktop.widgets.services_view import ServicesView
from umt.desktop.widgets.stack_control import StackControl


def _heading(text: str) -> QLabel:
    label = QLabel(text)
    label.setProperty("role", "section")
    return label


class ControlCenterPage(QWidget):
    sig_logs_requested = Signal(str)
    """The owner asked for logs (a service name, or '' for the first service)."""

    sig_settings_requested = Signal()
    """The owner asked for the settings dialog."""

    sig_use_native_requested = Signal()
    """The owner accepted the banner's offer to run the services without Docker."""

    sig_message_posted = Signal(str)
    """A passing message for the window's status line (an operation that failed)."""

    sig_restore_requested = Signal(str)
    """The owner asked to restore a backup (its path): the banner's offer, or a file chosen."""

    sig_server_disconnect_requested = Signal()
    """The owner wants to leave the server and work with this computer's stack."""

    sig_server_refresh_requested = Signal()
    """The owner asked to look at the server's health now."""

    def __init__(self, controller: StackController, theme: Theme, parent=None):
        super().__init__(parent)
        self.controller = controller
        self.backups: BackupsController | None = None
        self.history = ResourceHistory()
        self.services_model = ServicesTableModel(self)
        self.resources_model = ResourcesTableModel(self)

        self.banner = Banner()
        self.stack_control = StackControl()
        self.services_view = ServicesView(self.services_model, theme)
        self.resources_view = ResourcesView(self.resources_model, theme)
        self.charts = HistoryCharts(self.history, theme)

        self.server_card = ServerHealthCard()
        self.server_card.hide()
        # This computer's stack: hidden while connected to a server.
        self.local = QWidget()
        local = QVBoxLayout(self.local)
        local.setContentsMargins(0, 0, 0, 0)
        local.setSpacing(8)
        local.addWidget(self.banner)
        local.addWidget(self.stack_control)
        self._local_layout = local     # the backups line goes under the Start/Stop control (set_backups)
        self.backups_bar: BackupsBar | None = None
        local.addWidget(_heading("Services"))
        local.addWidget(self.services_view)
        local.addWidget(_heading("Resources against each service's limits"))
        local.addWidget(self.resources_view)
        local.addWidget(_heading("Last 10 minutes"))
        local.addWidget(self.charts, 1)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 12, 16, 12)
        layout.setSpacing(8)
        layout.addWidget(self.server_card)
        layout.addWidget(self.local, 1)
        layout.addStretch(0)  # takes the room of the hidden local part while on a server

        self.stack_control.sig_toggle_requested.connect(controller.toggle)
        # Logs opens the log that tells more about the state shown (the build's, a failed service's).
        self.stack_control.sig_logs_requested.connect(lambda: self.sig_logs_requested.emit(controller.state.log))
        self.stack_control.sig_settings_requested.connect(self.sig_settings_requested)
        self.services_view.sig_restart_requested.connect(controller.restart_service)
        self.services_view.sig_logs_requested.connect(self.sig_logs_requested)
        self.banner.sig_action_requested.connect(self._on_banner_action_requested)
        self.server_card.sig_disconnect_requested.connect(self.sig_server_disconnect_requested)
        self.server_card.sig_refresh_requested.connect(self.sig_server_refresh_requested)
        controller.sig_state_changed.connect(self._on_controller_state_changed)
        controller.sig_snapshot_taken.connect(self._on_controller_snapshot_taken)
        controller.sig_statuses_changed.connect(self.services_model.set_statuses)
        controller.sig_backend_opened.connect(self._on_controller_backend_opened)
        controller.sig_docker_diagnosed.connect(self._on_controller_docker_diagnosed)
        controller.sig_operation_failed.connect(self._on_controller_operation_failed)
        self._on_controller_state_changed(controller.state)

    def set_backups(self, backups: BackupsController) -> None:
        """Shows the backups line under the Start/Stop control (the app makes its controller)."""
        self.backups = backups
        self.backups_bar = BackupsBar(backups)
        self.backups_bar.sig_restore_chosen.connect(self.sig_restore_requested)
        self._local_layout.insertWidget(self._local_layout.indexOf(self.stack_control) + 1, self.backups_bar)

    def open_restore(self, path: str) -> None:
        """Reads what the backup holds, then shows it in the restore dialog (or why it cannot be read)."""
        self.backups.read_manifest(
            Path(path), lambda manifest: RestoreDialog(self.backups, Path(path), manifest, self.window()).open(),
            lambda exc: self.sig_message_posted.emit(f"Could not read the backup: {exc}"))

    def _on_banner_action_requested(self) -> None:
        offer = self.controller.state.restore_offer
        if offer and self.controller.state.phase == Phase.ERROR:
            self.sig_restore_requested.emit(offer)
        else:
            self.sig_use_native_requested.emit()

    def set_theme(self, theme: Theme) -> None:
        self.services_view.set_theme(theme)
        self.resources_view.set_theme(theme)
        self.charts.set_theme(theme)

    def show_server(self, health) -> None:
        """A ServerHealth while connected to a server (read-only: no Start or Stop), None otherwise."""
        on_server = health is not None
        if on_server:
            self.server_card.show_health(health)
        self.server_card.setVisible(on_server)
        self.local.setVisible(not on_server)

    # --- controller → page ---------------------------------------------------------------------
    def _on_controller_state_changed(self, state: StackState) -> None:
        up = state.phase in UP_PHASES
        self.stack_control.show_state(state)
        self.services_view.set_restart_enabled(up)
        self.stack_control.show_address(self.controller.gateway_url if up else None)
        if state.restore_offer:
            self.banner.show_message("Restore your newest backup?", f"It is {Path(state.restore_offer).name}; the "
                                     "restore shows what it holds before anything changes.", "Restore the newest backup…", "error")
        elif state.native_helps:
            self._offer_native("Run the services without Docker?", "Native mode runs them as local processes, with no image to build.", "error")
        elif self.banner.property("severity") == "error" and state.phase != Phase.ERROR:
            self.banner.hide()   # the error is over: the stack runs, or the backend changed

    def _on_controller_snapshot_taken(self, snapshot: Snapshot) -> None:
        names = self.controller.service_names
        self.services_model.set_statuses(snapshot.statuses)
        self.resources_model.set_stats(names, snapshot.stats)
        self.history.add(snapshot.stats)
        self.charts.set_services(names)
        self.charts.refresh(snapshot.at)
        host = snapshot.host
        self.resources_view.show_host(host.cpu_percent, host.memory_used_bytes, host.memory_total_bytes)

    def _on_controller_backend_opened(self, choice) -> None:
        self.history.clear()

    def _on_controller_docker_diagnosed(self, diagnosis) -> None:
        if diagnosis is None or diagnosis.ok:
            self.banner.hide()
            return
        forced = self.controller.state.phase == Phase.ERROR
        self._offer_native(
            diagnosis.summary,
            diagnosis.advice if forced else f"{diagnosis.advice} Until then, umt runs the services as local processes.",
            "error" if forced else "warning",
        )

    def _offer_native(self, summary: str, advice: str, severity: str) -> None:
        """The one offer of native mode, for Docker missing and for a build that failed."""
        self.banner.show_message(summary, advice, "Use native mode", severity)

    def _on_controller_operation_failed(self, what: str, exc: BaseException) -> None:
        self.sig_message_posted.emit(f"Could not {what}: {exc}")
