"""Backups of the owner's data: one verified file holding the gateway's database, a manifest and
the keys the data needs, encrypted (archive); consistent copies while the stack runs (snapshot);
making, listing and restoring them (operations); automatic ones (automatic); the local stack's
(stack); and moving a SQLite backup into PostgreSQL (moving, for the `umt` command).

Qt-free: the `umt` command and the desktop's controllers both use it."""

from umt.backup.archive import BackupError, Manifest, read_manifest
from umt.backup.operations import BackupEntry, BackupResult, RestoreResult, create_backup, list_backups, restore_backup

__all__ = ["BackupEntry", "BackupError", "BackupResult", "Manifest", "RestoreResult", "create_backup", "list_backups",
           "read_manifest", "restore_backup"]
