"""Making, listing and restoring backups of the gateway's data.

A backup is made while the stack runs (a consistent snapshot), verified after writing and kept as
one file (umt.backup.archive). A restore checks the backup first (its schema version, its keys,
its database), makes an automatic backup of the current data, stops the gateway, swaps the data,
starts it again and waits for its health."""

from __future__ import annotations

import os
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Protocol

import umt
from umt import sealed as sealing
from umt import secrets
from umt.backup import archive, snapshot
from umt.backup.archive import BackupError, Manifest
from umt.backup.schema import latest_schema_version
from umt.runtime.errors import RuntimeFailure
from umt.runtime.model import Progress
from umt.runtime.stackfile import StackSpec

ProgressCallback = Callable[[Progress], None]
DATABASE_FILE = "umt.db"   # the gateway's file in its data folder (GatewaySettings.effective_database_url)
# The keys the data needs elsewhere; the channel key (channel credentials, TOTP secrets) is taken
# when the keyring has one.
SECRET_NAMES = (secrets.GATEWAY_SIGNING_KEY, secrets.CHANNEL_KEY)
REQUIRED_SECRETS = (secrets.GATEWAY_SIGNING_KEY,)


def no_progress(step: Progress) -> None:
    pass


@dataclass(frozen=True)
class Target:
    """Where a gateway keeps its data: a SQLite file in its data folder, or a PostgreSQL URL."""
    stack: str
    sqlite_file: Path | None = None
    database_url: str | None = None

    @property
    def kind(self) -> str:
        return "sqlite" if self.database_url is None else "postgresql"

    def describe(self) -> str:
        return str(self.sqlite_file) if self.database_url is None else "the PostgreSQL database"


def target_of(stack: StackSpec, database_url: str | None = None) -> Target:
    """The gateway's database as the stack file sets it up (DATABASE_URL, else umt.db in its data folder)."""
    gateway = stack.services.get("gateway")
    if gateway is None:
        raise BackupError(f"the stack {stack.name} has no gateway: there is nothing to back up")
    url = database_url or gateway.environment.get("DATABASE_URL") or ""
    if url.startswith("postgres"):
        return Target(stack.name, database_url=url)
    if gateway.data_folder is None:
        raise BackupError("the gateway keeps no data folder on this computer (no bind mount for UMT_DATA_DIR)")
    return Target(stack.name, sqlite_file=gateway.data_folder / DATABASE_FILE)


@dataclass(frozen=True)
class BackupResult:
    path: Path
    manifest: Manifest
    seconds: float


def backup_key() -> bytes:
    """The key that seals automatic backups' secrets, made once and kept in the keyring."""
    stored = secrets.get_secret(secrets.BACKUP_KEY)
    if not stored:
        stored = sealing.key_as_text(sealing.new_key())
        secrets.set_secret(secrets.BACKUP_KEY, stored)
    return sealing.key_from_text(stored)


def _secret_values() -> dict[str, str]:
    values = {name: value for name in SECRET_NAMES if (value := secrets.get_secret(name))}
    missing = [name for name in REQUIRED_SECRETS if name not in values]
    if missing:
        raise BackupError(f"the keyring holds no {', '.join(missing)} yet: start the stack once, then back up")
    return values


def _file_name(stack: str, reason: str, folder: Path) -> Path:
    stamp = datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S")
    path = folder / f"umt-{stack}-{stamp}-{reason}{archive.SUFFIX}"
    serial = 1
    while path.exists():
        serial += 1
        path = folder / f"umt-{stack}-{stamp}-{reason}-{serial}{archive.SUFFIX}"
    return path


def create_backup(target: Target, destination: Path, *, passphrase: str | None = None, reason: str = "manual",
                  progress: ProgressCallback = no_progress) -> BackupResult:
    """Backs up the gateway's database into `destination` (a folder, or a file name ending in
    .umtbackup) and verifies the written file. Without a passphrase the secrets are sealed with
    the keyring's backup key (automatic backups)."""
    folder = destination if destination.suffix != archive.SUFFIX else destination.parent
    try:
        return _create_backup(target, folder, destination, passphrase, reason, progress)
    except OSError as exc:   # a folder that cannot be written, a full disk: words, not a traceback
        raise BackupError(f"the backup could not be written in {folder}: {exc.strerror or exc}") from None


def _create_backup(target: Target, folder: Path, destination: Path, passphrase: str | None, reason: str,
                   progress: ProgressCallback) -> BackupResult:
    started = time.monotonic()
    folder.mkdir(parents=True, exist_ok=True)
    path = destination if destination.suffix == archive.SUFFIX else _file_name(target.stack, reason, folder)
    values = _secret_values()
    with tempfile.TemporaryDirectory(dir=folder, prefix=".umt-backup-") as work, \
            ThreadPoolExecutor(1, thread_name_prefix="umt-keys") as pool:
        # The passphrase's key derivation (seconds, by design) runs beside the copy and its checks.
        sealing_keys = pool.submit(archive.seal, values, passphrase=passphrase) if passphrase is not None else None
        copy = Path(work) / (archive.SQLITE_MEMBER if target.kind == "sqlite" else archive.POSTGRES_MEMBER)
        progress(Progress(f"Copying the database {target.describe()}", 0.0))
        if target.kind == "sqlite":
            snapshot.copy_sqlite(target.sqlite_file, copy, lambda f: progress(Progress("Copying the database", 0.6 * f)))
            progress(Progress("Checking the copy (integrity, rows per table)", 0.6))
            schema_version, tables = snapshot.inspect_sqlite(copy)
        else:
            tables = snapshot.dump_postgres(target.database_url, copy)
            progress(Progress("Reading the dump back", 0.6))
            dumped = snapshot.check_postgres_dump(copy)
            if sorted(tables) != dumped:
                raise BackupError(f"the dump holds the data of {len(dumped)} tables, the database has {len(tables)}")
            schema_version = snapshot.postgres_schema_version(tables, target.database_url)
        sealed = sealing_keys.result() if sealing_keys is not None else archive.seal(values, keyring_key=backup_key())
        manifest = Manifest(
            created_at=datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            umt_version=umt.__version__, schema_version=schema_version, database=target.kind, tables=tables,
            protection=sealed["protection"], secrets=tuple(sorted(values)), reason=reason, stack=target.stack)
        progress(Progress(f"Writing {path.name}", 0.75))
        archive.write_archive(path, manifest, copy, sealed)
    progress(Progress("Reading the backup back to verify it", 0.9))
    archive.check_archive(path)
    if archive.read_manifest(path) != manifest:
        raise BackupError(f"the backup {path} does not read back as written")
    progress(Progress(f"Backed up {manifest.rows} rows in {len(tables)} tables to {path}", 1.0))
    return BackupResult(path, manifest, time.monotonic() - started)


@dataclass(frozen=True)
class BackupEntry:
    path: Path
    manifest: Manifest | None
    problem: str | None = None


def list_backups(folder: Path) -> list[BackupEntry]:
    """The backups in a folder, newest first; a file that cannot be read is listed with why."""
    entries = []
    for path in folder.glob(f"*{archive.SUFFIX}") if folder.is_dir() else ():
        try:
            entries.append(BackupEntry(path, archive.read_manifest(path)))
        except BackupError as exc:
            entries.append(BackupEntry(path, None, str(exc)))
    return sorted(entries, key=lambda e: (e.manifest.created_at if e.manifest else "", e.path.stat().st_mtime_ns),
                  reverse=True)


def newest_backup(folder: Path) -> BackupEntry | None:
    return next((entry for entry in list_backups(folder) if entry.manifest is not None), None)


# --- restoring ----------------------------------------------------------------------------------

class StackControl(Protocol):
    """Stops and starts the gateway around a restore (umt.backup.stack has the supervisor's)."""

    def is_running(self) -> bool: ...
    def stop(self, progress: ProgressCallback) -> None: ...
    def start(self, progress: ProgressCallback) -> None: ...   # returns once the stack is healthy


@dataclass(frozen=True)
class RestoreResult:
    manifest: Manifest
    safety_backup: Path | None     # the automatic backup of the data the restore replaced
    set_aside: Path | None         # a damaged database file, kept beside the restored one
    seconds: float


def check_restorable(path: Path, passphrase: str | None) -> tuple[Manifest, dict[str, str]]:
    """The manifest and the unsealed secrets, or BackupError saying plainly why the backup is refused."""
    manifest, sealed = _checked_manifest(path)
    return manifest, _open_keys(sealed, passphrase)


def _checked_manifest(path: Path) -> tuple[Manifest, dict]:
    """The manifest and the sealed keys of a backup this umt can restore. (The members' checksums
    are checked as they are unpacked: zipfile verifies each one's CRC at its end.)"""
    manifest = archive.read_manifest(path)
    latest = latest_schema_version()
    if manifest.schema_version > latest:
        raise BackupError(f"this backup comes from a newer umt (schema version {manifest.schema_version}; this umt "
                          f"knows up to {latest}): update umt first, then restore it")
    sealed = archive.read_sealed_secrets(path)
    if sealed is None or not set(REQUIRED_SECRETS) <= set(manifest.secrets):
        raise BackupError("this backup holds no keys (the gateway's signing key): its data could not be used "
                          "on this computer, so it is refused")
    return manifest, sealed


def _open_keys(sealed: dict, passphrase: str | None) -> dict[str, str]:
    keyring_key = backup_key() if sealed.get("protection") == archive.KEYRING and secrets.get_secret(secrets.BACKUP_KEY) else None
    values = archive.unseal(sealed, passphrase=passphrase, keyring_key=keyring_key)
    if not set(REQUIRED_SECRETS) <= set(values):
        raise BackupError("this backup's keys lack the gateway's signing key: it is refused")
    return values


def restore_backup(path: Path, target: Target, *, passphrase: str | None = None, control: StackControl | None = None,
                   safety_folder: Path, progress: ProgressCallback = no_progress) -> RestoreResult:
    """Restores a SQLite backup into the gateway's data folder, stopping and starting the stack
    around the swap when `control` says it runs. Nothing is changed before every check passed."""
    try:
        return _restore_backup(path, target, passphrase, control, safety_folder, progress)
    except OSError as exc:   # a full disk while unpacking, a folder that cannot be written
        raise BackupError(f"the restore of {path.name} into {target.describe()} failed: {exc.strerror or exc}") from None


def _restore_backup(path: Path, target: Target, passphrase: str | None, control: StackControl | None,
                    safety_folder: Path, progress: ProgressCallback) -> RestoreResult:
    started = time.monotonic()
    progress(Progress(f"Checking {path.name}", 0.0))
    manifest, sealed = _checked_manifest(path)
    if manifest.database != "sqlite" or target.kind != "sqlite":
        raise BackupError("this restore copies a SQLite backup into a SQLite gateway; to move a SQLite backup into "
                          "PostgreSQL use `umt restore PATH --database-url postgresql://…`")
    database = target.sqlite_file
    database.parent.mkdir(parents=True, exist_ok=True)
    staged = database.with_name(database.name + ".restoring")
    try:
        # The passphrase's key derivation (seconds, by design) runs beside the unpacking; the keys
        # are opened (or the passphrase refused) before anything of the current data changes.
        with ThreadPoolExecutor(1, thread_name_prefix="umt-keys") as pool:
            opening = pool.submit(_open_keys, sealed, passphrase)
            progress(Progress("Unpacking the database", 0.1))
            archive.extract_database(path, manifest, staged)
            progress(Progress("Checking the unpacked database (integrity, rows per table)", 0.3))
            _, tables = snapshot.inspect_sqlite(staged)
            values = opening.result()
        if tables != manifest.tables:
            raise BackupError("the database in this backup does not hold the rows its manifest counts: it is damaged")
        damage = snapshot.damage_of(database)
        safety = None
        if database.is_file() and damage is None:
            progress(Progress("Backing up the current data first", 0.4))
            safety = create_backup(target, safety_folder, reason="before-restore").path
        running = control is not None and control.is_running()
        if running:
            progress(Progress("Stopping the stack", 0.6))
            control.stop(progress)
        set_aside = _set_aside(database, damage, progress) if damage is not None else None
        for suffix in ("-wal", "-shm", "-journal"):
            database.with_name(database.name + suffix).unlink(missing_ok=True)
        os.replace(staged, database)
    finally:
        staged.unlink(missing_ok=True)
    for name, value in values.items():
        secrets.set_secret(name, value)
    if running:
        progress(Progress("Starting the stack with the restored data", 0.8))
        try:
            control.start(progress)
        except RuntimeFailure as exc:
            kept = f" The data it replaced is kept in {safety}." if safety else ""
            raise BackupError(f"the backup's data is in place, but the stack did not start with it: {exc}{kept}") from None
    progress(Progress(f"Restored {manifest.rows} rows in {len(manifest.tables)} tables from {manifest.created_at}", 1.0))
    return RestoreResult(manifest, safety, set_aside, time.monotonic() - started)


def restore_postgres_backup(path: Path, url: str, *, passphrase: str | None = None,
                            progress: ProgressCallback = no_progress) -> Manifest:
    """Restores a PostgreSQL backup (pg_dump's) into the database at `url` with pg_restore, in one
    transaction. The server's gateway is stopped by its operator first (docker compose stop gateway)."""
    progress(Progress(f"Checking {path.name}", 0.0))
    manifest, values = check_restorable(path, passphrase)
    with tempfile.TemporaryDirectory(prefix="umt-restore-") as work:
        dump = Path(work) / archive.POSTGRES_MEMBER
        archive.extract_database(path, manifest, dump)
        progress(Progress("Restoring with pg_restore", 0.3))
        snapshot.restore_postgres(url, dump)
    for name, value in values.items():
        secrets.set_secret(name, value)
    progress(Progress(f"Restored {manifest.rows} rows in {len(manifest.tables)} tables", 1.0))
    return manifest


def _set_aside(database: Path, damage: str, progress: ProgressCallback) -> Path:
    """A damaged database is never deleted: it is kept beside the restored one, renamed."""
    stamp = datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S")
    aside = database.with_name(f"{database.name}.damaged-{stamp}")
    os.replace(database, aside)
    progress(Progress(f"The current database is damaged ({damage}): kept as {aside.name}", 0.7))
    return aside
