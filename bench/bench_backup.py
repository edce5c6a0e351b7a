"""Backup and restore of a gateway database with 10,000 posts and 100,000 daily metric rows,
printed as JSON: the manual backup (passphrase-sealed keys, verified after writing), the restore
into an empty data folder (a new laptop), the restore over existing data (which first makes the
automatic backup of what it replaces), and what each start adds (the damage and schema checks). Real files, the same code as `umt backup`/`umt restore`.

    .venv/bin/python bench/bench_backup.py [--posts 10000] [--metrics-per-post 10] [--repeat 3]

Targets (issue 12): backup <= 5 s, restore <= 10 s. The medians of --repeat runs are reported."""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--posts", type=int, default=10_000)
    parser.add_argument("--metrics-per-post", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="umt-bench-backup-") as work:
        work = Path(work)
        # Its own data folder and keyring file: never the owner's.
        os.environ["UMT_DATA_DIR"] = str(work / "data")
        os.environ["PYTHON_KEYRING_BACKEND"] = "keyrings.alt.file.PlaintextKeyring"
        os.environ["XDG_DATA_HOME"] = str(work / "xdg")
        from tests.backup.filled import make_database
        from umt import secrets
        from umt.backup import create_backup, restore_backup
        from umt.backup.operations import Target
        from umt.backup.snapshot import damage_of, inspect_sqlite, sqlite_schema_version

        database = work / "gateway-data" / "umt.db"
        database.parent.mkdir(parents=True)
        started = time.perf_counter()
        make_database(database, posts=args.posts, metrics_per_post=args.metrics_per_post)
        filled_s = time.perf_counter() - started
        secrets.set_secret(secrets.GATEWAY_SIGNING_KEY, "k" * 64)
        target = Target("bench", sqlite_file=database)
        rows = inspect_sqlite(database)[1]
        backups, fresh, over = [], [], []
        for run in range(args.repeat):
            started = time.perf_counter()
            made = create_backup(target, work / "backups", passphrase="bench passphrase")
            backups.append(time.perf_counter() - started)
            elsewhere = Target("bench", sqlite_file=work / f"new-laptop-{run}" / "umt.db")
            started = time.perf_counter()
            restore_backup(made.path, elsewhere, passphrase="bench passphrase", safety_folder=work / "safety")
            fresh.append(time.perf_counter() - started)
            started = time.perf_counter()
            restore_backup(made.path, target, passphrase="bench passphrase", safety_folder=work / "safety")
            over.append(time.perf_counter() - started)
            assert inspect_sqlite(elsewhere.sqlite_file)[1] == rows == inspect_sqlite(database)[1]
        # What every start adds before the gateway runs (umt.backup.automatic.before_gateway_start).
        started = time.perf_counter()
        assert damage_of(database) is None and sqlite_schema_version(database) is not None
        start_check_s = time.perf_counter() - started
        print(json.dumps({
            "rows": {"content_items": rows["content_items"], "metrics": rows["metrics"], "all": sum(rows.values())},
            "database_bytes": database.stat().st_size,
            "backup_file_bytes": made.path.stat().st_size,
            "fill_s": round(filled_s, 2),
            "backup_s": round(statistics.median(backups), 3),
            "restore_into_empty_s": round(statistics.median(fresh), 3),
            "restore_over_existing_s": round(statistics.median(over), 3),
            "start_check_s": round(start_check_s, 3),
            "runs": {"backup_s": [round(x, 3) for x in backups], "restore_into_empty_s": [round(x, 3) for x in fresh],
                     "restore_over_existing_s": [round(x, 3) for x in over]},
            "targets": {"backup_s": 5.0, "restore_s": 10.0},
            "met": statistics.median(backups) <= 5.0 and max(statistics.median(fresh), statistics.median(over)) <= 10.0,
        }, indent=2))


if __name__ == "__main__":
    main()
