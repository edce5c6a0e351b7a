"""Backups from the window: "Back up now" (with the owner's passphrase), the list of backups, what
a backup holds, and "Restore…". Everything runs off the GUI thread through desktop/tasks.py; a
restore runs on the stack's serialized queue (StackController.with_supervisor), so it can never
interleave with a start or a stop. Progress and outcomes come back as signals."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from PySide6.QtCore import QObject, Signal

from umt.backup import BackupError, create_backup, list_backups, read_manifest, restore_backup
from umt.backup.operations import target_of
from umt.backup.stack import SupervisorControl
from umt.desktop.controllers.stack import StackController
from umt.desktop.tasks import TaskHandle, TaskManager
from umt.runtime.model import Progress
from umt.runtime.supervisor import Supervisor
from umt.settings import DesktopSettings, backup_folder


class BackupsController(QObject):
    sig_progress_changed = Signal(object)
    """A step of the backup or restore under way (a runtime Progress)."""

    sig_backup_finished = Signal(object)
    """A backup was written and verified (a BackupResult)."""

    sig_restore_finished = Signal(object)
    """A restore swapped the data and the stack is back, when it ran (a RestoreResult)."""

    sig_operation_failed = Signal(str)
    """A backup or restore failed or was refused, in words for the owner; nothing was changed."""

    sig_backups_listed = Signal(object)
    """The backups in the backup folder, newest first (a list of BackupEntry)."""

    def __init__(self, tasks: TaskManager, stack: StackController, settings: Callable[[], DesktopSettings],
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._tasks = tasks
        self._stack = stack
        self._settings = settings
        self.busy = False

    @property
    def folder(self) -> Path:
        return backup_folder(self._settings())

    def _report(self, step: Progress) -> None:   # worker thread
        self._tasks.call_in_gui(self.sig_progress_changed.emit, step)

    def _failed(self, exc: BaseException) -> None:
        self.busy = False
        words = str(exc) if isinstance(exc, BackupError) else f"{type(exc).__name__}: {exc}"
        self.sig_operation_failed.emit(words[:1].upper() + words[1:])

    def refresh(self) -> TaskHandle:
        folder = self.folder
        return self._tasks.run(lambda: list_backups(folder), self.sig_backups_listed.emit, self._failed,
                               "list the backups", key="backups:list")

    def back_up_now(self, passphrase: str) -> TaskHandle | None:
        """A manual backup of the running stack's data, its keys sealed with `passphrase`."""
        if self.busy:
            return None
        self.busy = True
        folder, settings = self.folder, self._settings()

        def work():
            from umt import launch

            return create_backup(target_of(launch.load_default_stack(settings)), folder, passphrase=passphrase,
                                 progress=self._report)

        return self._tasks.run(work, self._on_backup_done, self._failed, "back up the data")

    def _on_backup_done(self, result) -> None:
        self.busy = False
        self.sig_backup_finished.emit(result)
        self.refresh()

    def read_manifest(self, path: Path, on_done: Callable[[object], None], on_error: Callable[[BaseException], None]) -> TaskHandle:
        """What a backup holds (date, versions, rows per table), for the dialog before a restore."""
        return self._tasks.run(lambda: read_manifest(path), on_done, on_error, "read the backup", key="backups:manifest")

    def restore(self, path: Path, passphrase: str | None) -> TaskHandle | None:
        """Restores `path`: checks it, backs up the current data, stops the stack when it runs,
        swaps the data, starts the stack again (the stack's own queue, never beside a start)."""
        if self.busy:
            return None
        self.busy = True
        folder = self.folder

        def work(supervisor: Supervisor):
            return restore_backup(path, target_of(supervisor.backend.stack), passphrase=passphrase,
                                  control=SupervisorControl(supervisor, watching=True), safety_folder=folder, progress=self._report)

        return self._stack.with_supervisor(work, self._on_restore_done, self._failed, "restore the backup")

    def _on_restore_done(self, result) -> None:
        self.busy = False
        self._stack.data_restored()
        self.sig_restore_finished.emit(result)
        self.refresh()
