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

import json
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
from umt.runtime.model import ServiceEvent
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
) -> tuple[Supervisor, BackendChoice]:
    """Loads the stack (with `settings`, when None the saved ones), writes its secret files from
    the keyring and picks the backend.

    `choice` "auto" prefers the backend the stack last ran with, so that a later command finds
    the services where an earlier one started them."""
    stack = load_default_stack(settings, stack_file)
    secrets.write_secret_files(dict(stack.secrets))
    if choice == "auto":
        choice = _last_backend() or "auto"
    chosen = open_backend(choice, stack=stack)
    state_file = data_dir() / f"supervisor-{chosen.backend.name}.json"
    return Supervisor(chosen.backend, on_event=on_event, state_file=state_file), chosen


def remember_backend(name: str) -> None:
    (data_dir() / "stack.json").write_text(json.dumps({"backend": name}))


def forget_backend() -> None:
    (data_dir() / "stack.json").unlink(missing_ok=True)


def _last_backend() -> str | None:
    try:
        return json.loads((data_dir() / "stack.json").read_text()).get("backend")
    except (OSError, ValueError):
        return None


# --- the background supervisor -----------------------------------------------------------------
# `umt up` returns once the stack is healthy; a small `umt supervise` process keeps it up from
# then on. One supervisor per data folder: whoever takes over (the desktop app, another `umt up`)
# stops it first, and the desktop starts it again when it quits leaving the stack running.

def _supervisor_pid_file() -> Path:
    return data_dir() / "supervisor.pid"


def start_background_supervisor(backend: str, stack_file: Path | None = None) -> None:
    command = [sys.executable, "-m", "umt.cli"]
    if stack_file:
        command += ["--stack-file", str(stack_file)]
    command += ["supervise", "--backend", backend]
    with open(data_dir() / "supervisor.log", "ab") as log:
        process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True)
    _supervisor_pid_file().write_text(str(process.pid))


def stop_background_supervisor() -> None:
    import psutil

    try:
        daemon = psutil.Process(int(_supervisor_pid_file().read_text()))
        if "supervise" in daemon.cmdline():     # the pid may since belong to another program
            daemon.terminate()
            deadline = time.monotonic() + 5     # time to finish its pass
            while daemon.is_running() and daemon.status() != psutil.STATUS_ZOMBIE and time.monotonic() < deadline:
                time.sleep(0.02)
    except (OSError, ValueError, psutil.Error):
        pass
    _supervisor_pid_file().unlink(missing_ok=True)
