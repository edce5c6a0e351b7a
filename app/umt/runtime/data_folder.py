"""The owner's data folder, one whatever backend runs the service (stack file: a bind mount from
${UMT_DATA_DIR}), and the moves that bring the data of earlier versions into it.

Earlier versions kept the gateway's data in a Docker volume in Docker mode and in
native/<stack>/<service> in native mode. Neither is ever silently replaced by an empty folder:
the native folder is renamed into place (same disk, nothing copied); the Docker volume is copied
by the Docker backend (docker_data.py) and verified here; and while the volume may still hold the
data, native mode refuses to start on an empty folder and says what to do.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import time
from pathlib import Path

from umt.runtime.errors import DataMoveNeeded, RuntimeFailure
from umt.runtime.stackfile import ServiceSpec, StackSpec

# Written into the folder once the Docker backend has looked for the previous volume (and moved
# it, or found none): from then on the folder is the data, in either mode.
VOLUME_CHECKED = ".umt-previous-volume.json"


def has_data(folder: Path) -> bool:
    try:
        return any(entry.name != VOLUME_CHECKED for entry in folder.iterdir())
    except FileNotFoundError:
        return False


def volume_checked(folder: Path) -> bool:
    return (folder / VOLUME_CHECKED).is_file()


def record_volume_checked(folder: Path, volume: str, outcome: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    record = {"volume": volume, "outcome": outcome, "at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    (folder / VOLUME_CHECKED).write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")


def docker_trace(stack: StackSpec, data_dir: Path) -> Path:
    """A folder every Docker start writes (the containers' staged secrets): Docker mode ran here."""
    return data_dir / "docker-secrets" / stack.name


def adopt_native_folder(old: Path, folder: Path) -> str | None:
    """Moves an earlier native mode's data (old) into the shared folder, when only old has data.
    A rename on the same disk: nothing is copied, nothing can be half done. Returns what it did."""
    if not has_data(old) or has_data(folder):
        return None
    folder.parent.mkdir(parents=True, exist_ok=True)
    if folder.exists():
        (folder / VOLUME_CHECKED).unlink(missing_ok=True)
        folder.rmdir()
    old.rename(folder)
    old.mkdir(parents=True, exist_ok=True)   # it stays the service's working folder
    return f"Moved your data from {old} to {folder}, where both Docker and native mode keep it."


def refuse_if_left_in_docker(stack: StackSpec, spec: ServiceSpec, data_dir: Path) -> None:
    """Native mode on an empty folder while an earlier Docker mode's volume may hold the data:
    an empty workspace would look like lost data, so this stops with what to do instead."""
    folder = spec.data_folder
    if folder is None or spec.previous_volume is None or has_data(folder) or volume_checked(folder):
        return
    if not docker_trace(stack, data_dir).exists():
        return   # Docker mode never ran with this data folder: nothing can be left in a volume
    volume = f"{stack.name}_{spec.previous_volume}"
    raise DataMoveNeeded(
        f"Your data from Docker mode is still in the Docker volume {volume}, "
        f"and native mode would start with an empty workspace. Start Docker and start the stack once in "
        f"Docker mode: umt then moves the data into {folder} (a verified copy), and both modes use it "
        f"from then on. If you do not want that data any more, delete {docker_trace(stack, data_dir)}.",
        volume,
    )


def check_folder_owner(folder: Path, spec: ServiceSpec) -> None:
    """A container running as another user than the folder's owner could not write the data."""
    match = re.fullmatch(r"(\d+):(\d+)", spec.user or "")
    if match is None or not hasattr(os, "getuid"):
        return
    owner = folder.stat().st_uid
    if int(match.group(1)) != owner:
        raise RuntimeFailure(
            f"The {spec.name} runs as user {match.group(1)} but its data folder {folder} belongs to user "
            f"{owner}: set UMT_UID and UMT_GID to the folder owner's (umt sets them to yours when it "
            f"starts the stack)."
        )


def table_rows(database: Path) -> dict[str, int]:
    """Row count of each table; raises RuntimeFailure unless the file passes SQLite's integrity check."""
    connection = sqlite3.connect(database)
    try:
        verdict = connection.execute("PRAGMA integrity_check").fetchone()[0]
        if verdict != "ok":
            raise RuntimeFailure(f"the copy of {database.name} fails SQLite's integrity check: {verdict}")
        tables = [row[0] for row in connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]
        return {table: connection.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0] for table in tables}
    except sqlite3.Error as exc:
        raise RuntimeFailure(f"the copy of {database.name} cannot be read as a database: {exc}") from None
    finally:
        connection.close()


def verify_copy(staging: Path, report: dict) -> tuple[int, int]:
    """Checks the copied databases against the counts taken from the originals: same tables, same
    rows, and SQLite's integrity check. Returns (tables, rows); raises RuntimeFailure otherwise."""
    tables = rows = 0
    for name, source_rows in report.get("databases", {}).items():
        copied = table_rows(staging / name)
        if copied != source_rows:
            differences = sorted(t for t in set(copied) | set(source_rows) if copied.get(t) != source_rows.get(t))
            raise RuntimeFailure(f"the copy of {name} differs from the original in {', '.join(differences)}")
        tables += len(copied)
        rows += sum(copied.values())
    for name, size in report.get("files", {}).items():
        if (staging / name).stat().st_size != size:
            raise RuntimeFailure(f"the copy of {name} has not the original's size")
    return tables, rows
