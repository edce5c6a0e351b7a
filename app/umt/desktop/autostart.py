"""Start the app at login: an XDG autostart entry on Linux; other platforms say so plainly."""

from __future__ import annotations

import os
import shlex
import sys
from dataclasses import dataclass
from pathlib import Path

DESKTOP_ENTRY_NAME = "umt.desktop"


class AutostartUnsupported(Exception):
    """This platform has no start-at-login support in umt yet."""


@dataclass(frozen=True)
class AutostartResult:
    enabled: bool
    path: Path


def supported(platform: str | None = None) -> bool:
    return (platform or sys.platform).startswith("linux")


def unsupported_message(platform: str | None = None) -> str:
    name = {"darwin": "macOS", "win32": "Windows"}.get(platform or sys.platform, platform or sys.platform)
    return f"Starting umt at login is not supported on {name} yet; start it from your applications menu."


def autostart_path() -> Path:
    """~/.config/autostart/umt.desktop, or under XDG_CONFIG_HOME when that is set."""
    config = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(config) / "autostart" / DESKTOP_ENTRY_NAME


def launch_command() -> str:
    """The same interpreter running `-m umt.desktop`, so the entry works inside a virtual environment."""
    return shlex.join([sys.executable, "-m", "umt.desktop"])


def desktop_entry() -> str:
    return "\n".join(
        [
            "[Desktop Entry]",
            "Type=Application",
            "Name=Ultimate Marketing Team",
            "Comment=Starts the umt control center at login",
            f"Exec={launch_command()}",
            "Icon=umt",
            "Terminal=false",
            "X-GNOME-Autostart-enabled=true",
            "",
        ]
    )


def is_enabled() -> bool:
    return supported() and autostart_path().is_file()


def set_enabled(enabled: bool, platform: str | None = None) -> AutostartResult:
    if not supported(platform):
        raise AutostartUnsupported(unsupported_message(platform))
    path = autostart_path()
    if enabled:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(desktop_entry(), encoding="utf-8")
    else:
        path.unlink(missing_ok=True)
    return AutostartResult(enabled, path)
