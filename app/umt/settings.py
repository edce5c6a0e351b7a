"""The user's settings: a small JSON file in umt's data folder, written by the desktop app's
settings dialog. Their stack part (UMT_* variables: ports, limits, the LLM endpoint) is laid under
the process environment when the stack file is loaded, by the desktop and the `umt` command
alike: a variable set in the environment wins over its saved value (umt.launch states the whole
order). This module reads and writes the file only; it imports nothing that loads the stack."""

from __future__ import annotations

import json
import logging
import os
from dataclasses import asdict, dataclass, field, fields, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterable, Mapping, MutableMapping

from umt.paths import data_dir

log = logging.getLogger(__name__)

BACKEND_CHOICES = ("auto", "docker", "native")
SETTINGS_FILE = "settings.json"
# Where the settings file is once a chosen data folder took over UMT_DATA_DIR: the settings stay in
# umt's own folder, and the processes this one starts (the background supervisor) read them there.
SETTINGS_FILE_VARIABLE = "UMT_SETTINGS_FILE"

# Per-service knobs interpolated in the stack file; an empty value keeps the stack file's default.
LIMIT_VARIABLES = {
    "gateway": {"memory": "UMT_GATEWAY_MEMORY", "cpus": "UMT_GATEWAY_CPUS", "port": "UMT_GATEWAY_PORT"},
    "agent": {"memory": "UMT_AGENT_MEMORY", "cpus": "UMT_AGENT_CPUS", "port": "UMT_AGENT_PORT"},
}
# The agent's language-model endpoint; its API key lives in the keyring (umt.secrets).
LLM_VARIABLES = ("UMT_LLM_BASE_URL", "UMT_LLM_MODEL")
# The image Docker builds the services' image from (the stack file's BASE_IMAGE build arg).
BASE_IMAGE_VARIABLE = "UMT_BASE_IMAGE"


@dataclass(frozen=True)
class DesktopSettings:
    backend: str = "auto"
    stack_variables: Mapping[str, str] = field(default_factory=dict)  # UMT_* name -> value
    start_stack_on_open: bool = False
    start_at_login: bool = False
    close_to_tray: bool = True
    data_folder: str = ""  # empty: umt's data folder (UMT_DATA_DIR or the platform's); read at app start
    theme: str = "system"
    # Backups (umt.backup): the folder (empty: "backups" in the data folder), the daily backup made
    # while the stack runs, and how many of those are kept: the newest of each of the last N days
    # and of the last M weeks.
    backup_folder: str = ""
    daily_backups: bool = True
    backups_keep_daily: int = 7
    backups_keep_weekly: int = 4
    # A server the workspace connects to instead of this computer's stack (empty: this computer),
    # and the certificate file the owner pinned for it (empty: the system's trust store).
    server_url: str = ""
    server_certificate: str = ""

    def stack_overrides(self) -> dict[str, str]:
        """The user's non-empty UMT_* values; the stack loads with them where the environment sets none."""
        return {k: v.strip() for k, v in self.stack_variables.items() if v and v.strip()}

    def with_changes(self, **changes) -> "DesktopSettings":
        return replace(self, **changes)


def backup_folder(settings: DesktopSettings) -> Path:
    return Path(settings.backup_folder).expanduser() if settings.backup_folder.strip() else data_dir() / "backups"


def set_in_environment(names: Iterable[str], environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """Of the stack variables `names`, those the environment sets, with their values: for these a
    saved value does not apply (the environment wins), so the settings dialog shows them read-only."""
    environ = os.environ if environ is None else environ
    return {name: environ[name] for name in names if environ.get(name, "").strip()}


def apply_data_folder(settings: DesktopSettings, environ: MutableMapping[str, str] | None = None) -> Path:
    """Makes the chosen data folder umt's data folder for this process and its services, unless
    UMT_DATA_DIR was set explicitly (that always wins). Called once, when the app opens."""
    environ = os.environ if environ is None else environ
    if settings.data_folder and not environ.get("UMT_DATA_DIR"):
        environ.setdefault(SETTINGS_FILE_VARIABLE, str(settings_path()))
        environ["UMT_DATA_DIR"] = str(Path(settings.data_folder).expanduser())
    return data_dir()


def settings_path() -> Path:
    override = os.environ.get(SETTINGS_FILE_VARIABLE)
    return Path(override) if override else data_dir() / SETTINGS_FILE


def load_settings(path: Path | None = None) -> DesktopSettings:
    """The saved settings; defaults for a missing file, and for unknown or damaged entries. A file
    that cannot be read as settings at all is moved aside (kept, never overwritten) with a warning."""
    path = path or settings_path()
    try:
        raw = json.loads(path.read_bytes().decode("utf-8"))
    except FileNotFoundError:
        return DesktopSettings()
    except OSError as exc:
        log.warning("cannot read the settings file %s (%s); using the defaults", path, exc.strerror or exc)
        return DesktopSettings()
    except ValueError as exc:  # not UTF-8, or not JSON
        _keep_damaged(path, f"it is not JSON: {exc}")
        return DesktopSettings()
    if not isinstance(raw, dict):
        _keep_damaged(path, f"it holds a JSON {type(raw).__name__}, not an object")
        return DesktopSettings()
    defaults = DesktopSettings()
    known = {}
    for spec in fields(DesktopSettings):
        value = raw.get(spec.name, getattr(defaults, spec.name))
        expected = type(getattr(defaults, spec.name))
        if spec.name == "stack_variables":
            value = {str(k): str(v) for k, v in value.items()} if isinstance(value, dict) else {}
        elif not isinstance(value, expected):
            value = getattr(defaults, spec.name)
        known[spec.name] = value
    if known["backend"] not in BACKEND_CHOICES:
        known["backend"] = defaults.backend
    return DesktopSettings(**known)


def _keep_damaged(path: Path, why: str) -> Path | None:
    """Moves a damaged settings file beside itself as settings.json.broken-<UTC time>, so that the
    next save cannot overwrite what the owner may want to recover by hand."""
    kept = path.with_name(f"{path.name}.broken-{datetime.now(timezone.utc):%Y%m%dT%H%M%SZ}")
    try:
        path.replace(kept)
    except OSError as exc:
        log.warning("the settings file %s is damaged (%s) and could not be moved aside (%s); using the defaults",
                    path, why, exc.strerror or exc)
        return None
    log.warning("the settings file %s is damaged (%s); using the defaults. The damaged file is kept as %s",
                path, why, kept)
    return kept


def save_settings(settings: DesktopSettings, path: Path | None = None) -> Path:
    path = path or settings_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    payload = asdict(settings)
    payload["stack_variables"] = dict(settings.stack_variables)
    with open(temporary, "w", encoding="utf-8") as handle:
        handle.write(json.dumps(payload, indent=2, sort_keys=True))
        handle.flush()
        os.fsync(handle.fileno())  # on disk before the rename: a power cut leaves the old or the new file
    temporary.replace(path)  # atomic: a crash never leaves half a settings file
    return path
