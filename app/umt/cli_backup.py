"""`umt backup`, `umt restore` and `umt backups`: the owner's data in one verified file and back."""

from __future__ import annotations

import getpass
import json
import sys
from pathlib import Path

from umt import launch
from umt.runtime.model import Progress
from umt.runtime.record import ROLE_APP

EXIT_FAILED = 1
EXIT_USAGE = 2


def add_commands(command) -> None:
    """Adds the three commands through cli.py's `command(name, handler, help, …)`."""
    backup = command("backup", _backup, "back up the data (database and keys) into one file, while the stack runs")
    backup.add_argument("--to", type=Path, help="a folder, or a file name ending in .umtbackup (default: the backup folder)")
    backup.add_argument("--passphrase-file", type=Path, help="a file whose first line is the passphrase (asked when left out)")
    backup.add_argument("--database-url", help="back up this PostgreSQL database with pg_dump instead of the stack's")
    restore = command("restore", _restore, "restore a backup: the current data is backed up first, the stack restarted")
    restore.add_argument("path", type=Path)
    restore.add_argument("--passphrase-file", type=Path, help="a file whose first line is the passphrase (asked when left out)")
    restore.add_argument("--yes", action="store_true", help="do not ask before replacing the current data")
    restore.add_argument("--database-url", help="move a SQLite backup into this (empty) PostgreSQL database instead")
    command("backups", _backups, "list the backups in the backup folder", as_json=True)


def _progress(step: Progress) -> None:
    percent = "" if step.fraction is None else f"[{step.fraction * 100:3.0f}%] "
    print(f"{percent}{step.step}", file=sys.stderr, flush=True)


def _passphrase(args, confirm: bool) -> str | None:
    if args.passphrase_file is not None:
        try:
            return args.passphrase_file.read_text(encoding="utf-8").splitlines()[0]
        except (OSError, IndexError):
            print(f"umt: cannot read a passphrase from {args.passphrase_file}", file=sys.stderr)
            return None
    if not sys.stdin.isatty():
        print("umt: give the passphrase with --passphrase-file (no terminal to ask it on)", file=sys.stderr)
        return None
    first = getpass.getpass("Passphrase for the backup's keys: ")
    if confirm and getpass.getpass("The same passphrase again: ") != first:
        print("umt: the two passphrases differ; nothing was done", file=sys.stderr)
        return None
    return first


def _backup(args) -> int:
    from umt.backup import BackupError, create_backup
    from umt.backup.operations import Target, target_of
    from umt.backup.stack import default_folder

    stack = launch.load_default_stack(path=args.stack_file)
    target = Target(stack.name, database_url=args.database_url) if args.database_url else target_of(stack)
    passphrase = _passphrase(args, confirm=True)
    if passphrase is None:
        return EXIT_USAGE
    try:
        result = create_backup(target, args.to or default_folder(), passphrase=passphrase, progress=_progress)
    except BackupError as exc:
        print(f"umt: {exc}", file=sys.stderr)
        return EXIT_FAILED
    print(f"Backed up in {result.seconds:.1f} s: {_summary(result.manifest)}", file=sys.stderr)
    print(result.path)
    return 0


def _summary(manifest) -> str:
    tables = ", ".join(f"{count} {table}" for table, count in sorted(manifest.tables.items()) if count)
    return (f"made {manifest.created_at} by umt {manifest.umt_version}, schema version {manifest.schema_version}, "
            f"{manifest.rows} rows ({tables})")


def _restore(args) -> int:
    from umt.backup import BackupError, read_manifest
    from umt.backup.archive import PASSPHRASE

    try:
        manifest = read_manifest(args.path)
    except BackupError as exc:
        print(f"umt: {exc}", file=sys.stderr)
        return EXIT_FAILED
    print(f"{args.path.name}: {_summary(manifest)}", file=sys.stderr)
    record = launch.read_record()
    watcher = record.live_supervisor()
    if not args.database_url and record.wants_running and watcher is not None and watcher.role == ROLE_APP:
        print("umt: the desktop app supervises this stack: restore from its Settings (Backups), or quit it first.",
              file=sys.stderr)
        return EXIT_FAILED
    if not args.yes:
        where = "that PostgreSQL database" if args.database_url else "the current data (it is backed up first)"
        if not sys.stdin.isatty() or input(f"Replace {where} with this backup? [y/N] ").strip().lower() not in ("y", "yes"):
            print("umt: nothing restored (confirm with --yes)", file=sys.stderr)
            return EXIT_USAGE
    passphrase = None
    if manifest.protection == PASSPHRASE:
        passphrase = _passphrase(args, confirm=False)
        if passphrase is None:
            return EXIT_USAGE
    try:
        if args.database_url:
            from umt.backup.moving import move_into_postgres

            moved = move_into_postgres(args.path, args.database_url, passphrase=passphrase, progress=_progress)
            print(f"Moved {sum(moved.values())} rows in {len(moved)} tables into PostgreSQL; counted and equal.",
                  file=sys.stderr)
            return 0
        return _restore_local(args, passphrase)
    except BackupError as exc:
        print(f"umt: {exc}", file=sys.stderr)
        return EXIT_FAILED


def _restore_local(args, passphrase: str | None) -> int:
    from umt.backup import restore_backup
    from umt.backup.stack import SupervisorControl, default_folder, stack_target

    supervisor, chosen = launch.open_stack("auto", stack_file=args.stack_file, actor="umt restore")
    try:
        control = SupervisorControl(supervisor, background=True, stack_file=args.stack_file)
        result = restore_backup(args.path, stack_target(supervisor), passphrase=passphrase, control=control,
                                safety_folder=default_folder(), progress=_progress)
    finally:
        chosen.backend.close()
    if result.safety_backup is not None:
        print(f"The data it replaced is kept in {result.safety_backup}", file=sys.stderr)
    if result.set_aside is not None:
        print(f"The damaged database is kept as {result.set_aside}", file=sys.stderr)
    print(f"Restored in {result.seconds:.1f} s.", file=sys.stderr)
    return 0


def _backups(args) -> int:
    from umt.backup import list_backups
    from umt.backup.stack import default_folder

    folder = default_folder()
    entries = list_backups(folder)
    if args.json:
        print(json.dumps({"folder": str(folder), "backups": [
            {"path": str(e.path), "problem": e.problem, "manifest": e.manifest.to_json() if e.manifest else None}
            for e in entries]}, indent=2))
        return 0
    print(f"Backups in {folder}:" if entries else f"No backups in {folder} yet.", file=sys.stderr)
    for entry in entries:
        if entry.manifest is None:
            print(f"{entry.path.name}  (unreadable: {entry.problem})")
        else:
            m = entry.manifest
            print(f"{entry.path.name}  {m.created_at}  {m.reason:<14} schema {m.schema_version}  {m.rows} rows  "
                  f"keys: {m.protection}")
    return 0
