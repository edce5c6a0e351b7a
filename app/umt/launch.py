"""Opens the stack for a host-side program (the CLI, the desktop): environment, secrets, backend,
supervisor. The one place that joins the runtime with the keyring and the saved settings.

Where a stack variable (UMT_GATEWAY_PORT, UMT_AGENT_MEMORY, UMT_LLM_MODEL, …) comes from, first
found wins:
  1. the process environment (`UMT_GATEWAY_PORT=9000 umt up`, or the desktop started so);
  2. the saved settings (the desktop's Settings dialog, settings.json in the data folder);
  3. the stack file's default.
The desktop and the `umt` command load the stack alike, so both run the same stack. The
settings dialog shows a variable the environment sets as such, read-only. (UMT_DATA_DIR follows
the same rule: see umt.settings.apply_data_folder.)
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable, Mapping

import umt
from umt import secrets
from umt.paths import data_dir, default_stack_file
from umt.runtime.choose import BackendChoice, open_backend
from umt.runtime.model import ServiceEvent, State
from umt.runtime.record import ROLE_BACKGROUND, RecordFile, StackRecord
from umt.runtime.stackfile import StackSpec, load_stack
from umt.runtime.supervisor import Supervisor
from umt.settings import DesktopSettings, load_settings


def stack_environment(settings: DesktopSettings | None = None, environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The variables the stack file is read with: the process environment, then the user's
    settings (when None, the saved ones) for what the environment leaves unset, then where this
    data folder keeps the services' secret files."""
    env = dict(os.environ if environ is None else environ)
    settings = load_settings() if settings is None else settings
    for name, value in settings.stack_overrides().items():
        env.setdefault(name, value)   # the environment wins over the saved settings
    env.setdefault("UMT_SECRETS_DIR", str(data_dir() / "secrets"))
    # The gateway's data folder lies in umt's data folder in both modes; in Docker its container
    # runs as this user, so that the files stay the owner's.
    env.setdefault("UMT_DATA_DIR", str(data_dir()))
    if hasattr(os, "getuid"):
        env.setdefault("UMT_UID", str(os.getuid()))
        env.setdefault("UMT_GID", str(os.getgid()))
    env.setdefault("UMT_VERSION", umt.__version__)
    return env


def load_default_stack(settings: DesktopSettings | None = None, path: Path | None = None) -> StackSpec:
    """The stack as `settings` (when None, the saved ones) would start it. Raises StackFileError
    with the loader's own message, so a limit is validated by exactly the loading that applies it."""
    return load_stack(path or default_stack_file(), stack_environment(settings))


def open_stack(
    choice: str = "auto",
    settings: DesktopSettings | None = None,
    on_event: Callable[[ServiceEvent], None] | None = None,
    stack_file: Path | None = None,
    actor: str = "umt",
) -> tuple[Supervisor, BackendChoice]:
    """Loads the stack (with `settings`, when None the saved ones), writes its secret files from
    the keyring and picks the backend.

    `choice` "auto" takes the backend the stack record names while the stack is meant to run
    (else one whose services are found running), so that every command finds the services where
    another one started them. `actor` names who the supervisor's changes are by, for the record."""
    stack = load_default_stack(settings, stack_file)
    secrets.write_secret_files(dict(stack.secrets))
    if choice == "auto":
        record = read_record()
        choice = record.backend if record.wants_running and record.backend in ("docker", "native") else _running_native(stack) or "auto"
    chosen = open_backend(choice, stack=stack)
    state_file = data_dir() / f"supervisor-{chosen.backend.name}.json"
    supervisor = Supervisor(chosen.backend, on_event=on_event, state_file=state_file, record=record_file(), actor=actor)
    _add_backups(supervisor, stack)
    return supervisor, chosen


def _add_backups(supervisor: Supervisor, stack: StackSpec) -> None:
    """Automatic backups ride on the supervisor: one before the gateway migrates older data (and
    a damaged database stops the start, naming the newest backup), one a day while it runs."""
    from umt.backup import automatic
    from umt.backup.archive import BackupError
    from umt.runtime.errors import RuntimeFailure

    def before_start(spec) -> None:
        try:
            automatic.before_gateway_start(stack, spec)
        except BackupError as exc:
            raise RuntimeFailure(f"The backup made before the gateway upgrades its data failed, so the stack was not "
                                 f"started and the data is untouched: {exc}") from None

    supervisor.before_start = before_start
    supervisor.chores.append(automatic.DailyBackup(stack))


def record_file() -> RecordFile:
    """The stack record of this data folder: which backend runs the stack, who supervises it."""
    return RecordFile(data_dir() / "stack.json")


def read_record() -> StackRecord:
    return record_file().read()


def _running_native(stack: StackSpec) -> str | None:
    """'native' when this data folder's native processes run although no record says so (a record
    lost, or left by an older umt): they are what a command must find, not an idle Docker engine."""
    from umt.runtime.native_backend import NativeBackend

    backend = NativeBackend(stack, data_dir())
    try:
        return "native" if any(s.state == State.RUNNING for s in backend.statuses()) else None
    finally:
        backend.close()


# --- the background supervisor -----------------------------------------------------------------
# `umt up` returns once the stack is healthy; a small `umt supervise` process keeps it up from
# then on. One supervisor per data folder, named in the stack record: whoever takes over (the
# desktop app, another `umt up`) stops it first, and the desktop starts it again when it quits
# leaving the stack running.

CLAIM_TIMEOUT_S = 15.0


def start_background_supervisor(backend: str, stack_file: Path | None = None) -> int | None:
    """Starts `umt supervise` and returns once it is recorded as the stack's supervisor (its pid),
    or None when another live process supervises the stack already."""
    if read_record().live_supervisor() is not None:
        return None
    command = [sys.executable, "-m", "umt.cli"]
    if stack_file:
        command += ["--stack-file", str(stack_file)]
    command += ["supervise", "--backend", backend]
    with open(data_dir() / "supervisor.log", "ab") as log:
        process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True)
    deadline = time.monotonic() + CLAIM_TIMEOUT_S
    while time.monotonic() < deadline and process.poll() is None:
        supervisor = read_record().supervisor
        if supervisor is not None and supervisor.pid == process.pid:
            return process.pid
        time.sleep(0.05)
    return process.pid if process.poll() is None else None


def stop_background_supervisor() -> None:
    """Stops the background supervisor of this data folder, if one runs (not the app)."""
    import psutil

    supervisor = read_record().live_supervisor()
    daemon = None if supervisor is None or supervisor.role != ROLE_BACKGROUND or supervisor.is_this_process else supervisor.process()
    daemon = daemon or _legacy_background_supervisor()
    try:
        if daemon is None:
            return
        daemon.terminate()
        deadline = time.monotonic() + 5     # time to finish its pass
        while daemon.is_running() and daemon.status() != psutil.STATUS_ZOMBIE and time.monotonic() < deadline:
            time.sleep(0.02)
    except (OSError, psutil.Error):
        pass


def _legacy_background_supervisor():
    """A daemon an earlier umt version started, known only by its pid file: it goes too."""
    import psutil

    pid_file = data_dir() / "supervisor.pid"
    try:
        daemon = psutil.Process(int(pid_file.read_text()))
        return daemon if "supervise" in daemon.cmdline() else None   # the pid may since be another program's
    except (OSError, ValueError, psutil.Error):
        return None
    finally:
        pid_file.unlink(missing_ok=True)
