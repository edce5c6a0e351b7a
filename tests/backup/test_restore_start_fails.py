"""A restore whose stack cannot start again (another program took the gateway's port meanwhile):
the backup's data is in place, the message says so and where the replaced data is kept."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from umt import launch
from umt.backup import BackupError, create_backup, read_manifest, restore_backup
from umt.backup.stack import SupervisorControl, stack_target
from umt.backup.snapshot import inspect_sqlite
from umt.settings import DesktopSettings


class PortTakenWhileStopped(SupervisorControl):
    """The real supervisor; between the stop and the start another program binds the gateway's port."""

    def stop(self, progress) -> None:
        super().stop(progress)
        self.squatter = socket.socket()
        self.squatter.bind(("127.0.0.1", self.supervisor.backend.stack.services["gateway"].health_port))
        self.squatter.listen()


def test_a_restore_whose_stack_cannot_start_says_the_data_is_in_place(stack_ports, isolated_data):
    supervisor, chosen = launch.open_stack("native", DesktopSettings(backend="native"))
    control = PortTakenWhileStopped(supervisor)
    try:
        supervisor.up()
        target = stack_target(supervisor)
        made = create_backup(target, isolated_data / "backups", reason="daily").path
        with pytest.raises(BackupError) as refused:
            restore_backup(made, target, control=control, safety_folder=isolated_data / "backups")
        message = str(refused.value)
        assert "the backup's data is in place, but the stack did not start" in message
        assert f"port {stack_ports['gateway']}" in message.lower() or str(stack_ports["gateway"]) in message
        assert read_manifest(Path(message.split("kept in ")[1].rstrip("."))).reason == "before-restore"
        assert inspect_sqlite(target.sqlite_file)[1] == read_manifest(made).tables
    finally:
        if hasattr(control, "squatter"):
            control.squatter.close()
        supervisor.down()
        chosen.backend.close()
