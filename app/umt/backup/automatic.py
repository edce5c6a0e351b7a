"""Automatic backups: before the gateway migrates its database to a newer schema, and daily while
the stack runs (a chore of whichever supervisor runs it: the app's, or the background one when the
window is closed), with retention. Their keys are sealed with the keyring's backup key: no prompt.

Retention touches daily backups only: manual backups and those made before an upgrade or a
restore are the owner's to delete."""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from umt.backup import snapshot
from umt.backup.archive import BackupError
from umt.backup.operations import BackupEntry, create_backup, list_backups, newest_backup, target_of
from umt.backup.schema import latest_schema_version
from umt.runtime.errors import DatabaseDamaged
from umt.runtime.stackfile import ServiceSpec, StackSpec
from umt.settings import backup_folder, load_settings

DAILY = "daily"
BEFORE_UPGRADE = "before-upgrade"
DAY = timedelta(days=1)
CHECK_EVERY_S = 600.0   # how often the supervisor's chore looks whether a day has passed
FIRST_CHECK_AFTER_S = 120.0   # not in the first minutes of a start: the stack is busy coming up


def _created(entry: BackupEntry) -> datetime:
    return datetime.fromisoformat(entry.manifest.created_at.replace("Z", "+00:00"))


def before_gateway_start(stack: StackSpec, spec: ServiceSpec) -> Path | None:
    """Called before the stack's gateway starts: refuses a damaged database (naming the newest
    backup to restore), and backs up one whose schema is older than this gateway's, which is
    about to migrate it. Returns the backup made, if any."""
    if spec.name != "gateway" or spec.data_folder is None:
        return None    # not umt's gateway, or one whose data this computer does not hold
    target = target_of(stack)
    if target.kind != "sqlite":
        return None    # a PostgreSQL server's upgrades are backed up by its operator's pg_dump
    folder = backup_folder(load_settings())
    damage = snapshot.damage_of(target.sqlite_file)
    if damage is not None:
        newest = newest_backup(folder)
        raise DatabaseDamaged(target.sqlite_file, damage, None if newest is None else newest.path)
    version = snapshot.sqlite_schema_version(target.sqlite_file)
    if version is None or version >= latest_schema_version():
        return None
    return create_backup(target, folder, reason=BEFORE_UPGRADE).path


class DailyBackup:
    """The supervisor's chore: one automatic backup a day while the stack runs, then retention."""

    name = "the daily backup"

    def __init__(self, stack: StackSpec) -> None:
        self.stack = stack
        self._next_check = time.monotonic() + FIRST_CHECK_AFTER_S

    def __call__(self) -> Path | None:
        if time.monotonic() < self._next_check:
            return None
        self._next_check = time.monotonic() + CHECK_EVERY_S
        return self.run_if_due()

    def run_if_due(self, now: datetime | None = None) -> Path | None:
        settings = load_settings()
        if not settings.daily_backups:
            return None
        target = target_of(self.stack)
        if target.kind != "sqlite" or not target.sqlite_file.is_file():
            return None
        now = now or datetime.now(timezone.utc)
        folder = backup_folder(settings)
        dailies = [e for e in list_backups(folder) if e.manifest is not None and e.manifest.reason == DAILY
                   and e.manifest.stack == self.stack.name]
        if dailies and now - _created(dailies[0]) < DAY:
            return None
        made = create_backup(target, folder, reason=DAILY).path
        prune(folder, self.stack.name, settings.backups_keep_daily, settings.backups_keep_weekly)
        return made


def prune(folder: Path, stack: str, keep_daily: int, keep_weekly: int) -> list[Path]:
    """Deletes the daily backups retention does not keep: the newest of each of the last
    `keep_daily` days that have one, and the newest of each of the last `keep_weekly` weeks."""
    dailies = [e for e in list_backups(folder) if e.manifest is not None and e.manifest.reason == DAILY
               and e.manifest.stack == stack]    # newest first
    keep: set[Path] = set()
    for period, limit in ((lambda d: d.date(), keep_daily), (lambda d: tuple(d.isocalendar())[:2], keep_weekly)):
        seen: list = []
        for entry in dailies:
            key = period(_created(entry))
            if key not in seen and len(seen) < max(0, limit):
                seen.append(key)
                keep.add(entry.path)
    deleted = []
    for entry in dailies:
        if entry.path not in keep:
            try:
                entry.path.unlink()
                deleted.append(entry.path)
            except OSError as exc:
                raise BackupError(f"the old backup {entry.path} could not be deleted ({exc})") from None
    return deleted
