"""The one-time move of an earlier version's Docker volume into the owner's data folder.

Earlier versions kept the gateway's data in the named volume <stack>_gateway-data; the stack now
binds a folder in umt's data folder, the same one native mode uses. When that folder is empty and
the volume exists, a short-lived helper container (the service image, no network) copies the
volume into a staging folder beside it: each SQLite database through SQLite's backup API (one
consistent snapshot, write-ahead log included) with its row counts taken from the original, other
files as they are, everything handed to the host user. The host then checks each copy (SQLite's
integrity check, the same tables and row counts) before renaming the staging folder into place.
The volume is kept; the owner removes it when satisfied.
"""

from __future__ import annotations

import json
import os
import re
import shutil

import docker.errors

from umt.runtime.backend import ProgressCallback, no_progress
from umt.runtime.data_folder import has_data, record_volume_checked, verify_copy, volume_checked
from umt.runtime.docker_config import STACK_LABEL, stack_labels, volume_name
from umt.runtime.errors import RuntimeFailure
from umt.runtime.model import Progress
from umt.runtime.stackfile import ServiceSpec, StackSpec

_COPY_TIMEOUT_S = 600
# Runs inside the helper container: /old is the volume, /new the staging folder.
_COPY_SCRIPT = r"""
import json, os, shutil, sqlite3, sys
uid, gid = int(sys.argv[1]), int(sys.argv[2])
report = {"databases": {}, "files": {}}

def is_sqlite(path):
    with open(path, "rb") as handle:
        return handle.read(16) == b"SQLite format 3\x00"

for root, folders, files in os.walk("/old"):
    relative = os.path.relpath(root, "/old")
    target_folder = os.path.normpath(os.path.join("/new", relative))
    os.makedirs(target_folder, exist_ok=True)
    os.chown(target_folder, uid, gid)
    for name in files:
        source, target = os.path.join(root, name), os.path.join(target_folder, name)
        key = os.path.normpath(os.path.join(relative, name))
        stem, _, suffix = name.rpartition("-")
        if suffix in ("wal", "shm", "journal") and os.path.exists(os.path.join(root, stem)):
            continue   # part of its database, which the backup reads whole
        if is_sqlite(source):
            original = sqlite3.connect(source)
            tables = [row[0] for row in original.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")]
            report["databases"][key] = {t: original.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}
            copy = sqlite3.connect(target)
            original.backup(copy)
            copy.execute("PRAGMA journal_mode=DELETE")   # one self-contained file; the gateway turns WAL on again
            copy.close()
            original.close()
        else:
            shutil.copy2(source, target)
            report["files"][key] = os.path.getsize(target)
        os.chown(target, uid, gid)
print(json.dumps(report))
"""


def move_previous_volume(client, stack: StackSpec, spec: ServiceSpec, image_id: str,
                         progress: ProgressCallback = no_progress) -> None:
    """Moves the service's previous volume into its data folder once; a no-op ever after."""
    folder = spec.data_folder
    if folder is None or spec.previous_volume is None or volume_checked(folder):
        return
    volume = volume_name(stack, spec.previous_volume)
    try:
        client.volumes.get(volume)
    except docker.errors.NotFound:
        record_volume_checked(folder, volume, "no such volume: nothing to move")
        return
    if has_data(folder):
        # Both hold data (native mode ran on the folder meanwhile): the folder is what both modes
        # use now; the volume is left untouched for the owner to look at.
        record_volume_checked(folder, volume, "not moved: the folder already held data")
        progress(Progress(f"Your data is in {folder}; the Docker volume {volume} from an earlier version "
                          f"was left as it is (remove it with docker volume rm {volume} if you do not need it)"))
        return
    _stop_users(client, stack, volume, spec)
    staging = folder.with_name(folder.name + ".moving")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    progress(Progress(f"Moving your data from the Docker volume {volume} to {folder}"))
    try:
        report = _copy(client, stack, image_id, volume, staging, _owner(spec))
        tables, rows = verify_copy(staging, report)
    except RuntimeFailure as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise RuntimeFailure(
            f"Your data in the Docker volume {volume} could not be moved to {folder}, and stays in the "
            f"volume: {exc}"
        ) from None
    if folder.exists():
        for leftover in folder.iterdir():    # only our own record can be here: the folder had no data
            leftover.unlink()
        folder.rmdir()
    staging.rename(folder)
    outcome = f"moved: {tables} tables, {rows} rows, verified"
    record_volume_checked(folder, volume, outcome)
    progress(Progress(
        f"Moved your data from the Docker volume {volume} to {folder} ({tables} tables, {rows} rows, "
        f"checked). Docker and native mode both use that folder now. The volume is kept; remove it "
        f"(docker volume rm {volume}) once you have checked your data."
    ))


def _stop_users(client, stack: StackSpec, volume: str, spec: ServiceSpec) -> None:
    """No container may write to the volume while it is copied: an earlier version's container of
    this stack is stopped (it would be replaced anyway); anyone else's is reason to stop here."""
    for container in client.containers.list(filters={"volume": volume}):
        if container.labels.get(STACK_LABEL) != stack.name:
            raise RuntimeFailure(
                f"The container {container.name} uses the volume {volume}, which holds your data from an "
                f"earlier version. Stop it (docker stop {container.name}), then start again."
            )
        container.stop(timeout=max(0, int(round(spec.stop_grace_s))))


def _copy(client, stack: StackSpec, image_id: str, volume: str, staging, owner: tuple[int, int]) -> dict:
    name = f"{stack.name}-data-move"
    try:   # one left behind by an interrupted attempt
        client.containers.get(name).remove(force=True)
    except docker.errors.NotFound:
        pass
    helper = client.containers.create(
        image_id, ["python", "-c", _COPY_SCRIPT, str(owner[0]), str(owner[1])],
        user="0:0", network_mode="none", read_only=True, tmpfs={"/tmp": "size=64m"},
        # root, but only to read the volume's files and hand the copies to the host user
        cap_drop=["ALL"], cap_add=["CHOWN", "DAC_OVERRIDE", "FOWNER"], security_opt=["no-new-privileges:true"],
        volumes={volume: {"bind": "/old", "mode": "rw"}, str(staging): {"bind": "/new", "mode": "rw"}},
        labels=stack_labels(stack), name=name,
    )
    try:
        helper.start()
        status = helper.wait(timeout=_COPY_TIMEOUT_S).get("StatusCode")
        output = helper.logs(stdout=True, stderr=False).decode("utf-8", "replace").strip()
        errors = helper.logs(stdout=False, stderr=True).decode("utf-8", "replace").strip()
    finally:
        helper.remove(force=True)
    if status != 0:
        raise RuntimeFailure(f"the copy stopped with code {status}: {errors.splitlines()[-1] if errors else 'no message'}")
    try:
        return json.loads(output.splitlines()[-1])
    except (ValueError, IndexError):
        raise RuntimeFailure(f"the copy did not report what it copied: {output[-200:]!r}") from None


def _owner(spec: ServiceSpec) -> tuple[int, int]:
    """Who the service runs as (the host user, by the stack file), who therefore owns the copy."""
    match = re.fullmatch(r"(\d+):(\d+)", spec.user or "")
    if match:
        return int(match.group(1)), int(match.group(2))
    return os.getuid(), os.getgid()
