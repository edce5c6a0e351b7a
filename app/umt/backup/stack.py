"""Backups of the local stack: its gateway's database, its backup folder, and the stopping and
starting of the stack around a restore through its supervisor (the CLI's or the app's)."""

from __future__ import annotations

from pathlib import Path

from umt import secrets
from umt.backup.operations import ProgressCallback, Target, target_of
from umt.runtime.model import Progress, State
from umt.runtime.supervisor import Supervisor
from umt.settings import backup_folder, load_settings


def default_folder() -> Path:
    return backup_folder(load_settings())


def stack_target(supervisor: Supervisor, database_url: str | None = None) -> Target:
    return target_of(supervisor.backend.stack, database_url)


class SupervisorControl:
    """Stops and starts the stack with its supervisor around a restore. `background` (the CLI):
    the background supervisor watching the stack is stopped first and started again afterwards.
    `watching` (the app): this supervisor watches from its own thread, paused meanwhile."""

    def __init__(self, supervisor: Supervisor, *, background: bool = False, watching: bool = False,
                 stack_file: Path | None = None) -> None:
        self.supervisor = supervisor
        self.background = background
        self.watching = watching
        self.stack_file = stack_file
        self._watched = False

    def is_running(self) -> bool:
        return any(status.state == State.RUNNING for status in self.supervisor.backend.statuses())

    def stop(self, progress: ProgressCallback) -> None:
        from umt import launch

        if self.background:
            self._watched = launch.read_record().live_supervisor() is not None
            launch.stop_background_supervisor()
        if self.watching:
            self.supervisor.stop_watching()
        self.supervisor.down(lambda step: progress(Progress(step.step, None)))

    def start(self, progress: ProgressCallback) -> None:
        from umt import launch

        # The restored keys go from the keyring to the files the services read.
        secrets.write_secret_files(dict(self.supervisor.backend.stack.secrets))
        self.supervisor.up(lambda step: progress(Progress(step.step, None)))
        if self.watching:
            self.supervisor.start_watching()
        if self.background and self._watched:
            launch.start_background_supervisor(self.supervisor.backend.name, self.stack_file)
