"""Can Qt open a window here? Checks, before any window opens, that the system libraries Qt's X11
platform plugin (libqxcb.so) links to are installed, and says how to install the missing ones.

Qt itself names only the first library it misses ("could not load the Qt platform plugin xcb"),
and a fresh Debian misses several (libxcb-cursor0, libxcb-icccm4, libxcb-keysyms1…). The dynamic
loader's own view (`ldd`, which follows the plugin's dependencies transitively) names them all.
Qt-free: `umt doctor` runs it too, and importing PySide6 is not needed to find the plugin.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

# Debian/Ubuntu package of each library libqxcb.so and libQt6XcbQpa.so may miss (Debian 12 names).
DEBIAN_PACKAGES = {
    "libxcb-cursor.so.0": "libxcb-cursor0",
    "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxcb-image.so.0": "libxcb-image0",
    "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-util.so.1": "libxcb-util1",
    "libxcb-randr.so.0": "libxcb-randr0",
    "libxcb-shm.so.0": "libxcb-shm0",
    "libxcb-sync.so.1": "libxcb-sync1",
    "libxcb-xfixes.so.0": "libxcb-xfixes0",
    "libxcb-render.so.0": "libxcb-render0",
    "libxcb-shape.so.0": "libxcb-shape0",
    "libxcb-xkb.so.1": "libxcb-xkb1",
    "libxcb-xinerama.so.0": "libxcb-xinerama0",
    "libxcb-xinput.so.0": "libxcb-xinput0",
    "libxcb-glx.so.0": "libxcb-glx0",
    "libxcb.so.1": "libxcb1",
    "libX11-xcb.so.1": "libx11-xcb1",
    "libX11.so.6": "libx11-6",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
    "libxkbcommon.so.0": "libxkbcommon0",
    "libGL.so.1": "libgl1",
    "libEGL.so.1": "libegl1",
    "libOpenGL.so.0": "libopengl0",
    "libfontconfig.so.1": "libfontconfig1",
    "libfreetype.so.6": "libfreetype6",
    "libdbus-1.so.3": "libdbus-1-3",
    "libglib-2.0.so.0": "libglib2.0-0",
}
_NOT_FOUND = re.compile(r"^\s*(\S+)\s+=>\s+not found", re.MULTILINE)


@dataclass(frozen=True)
class PlatformCheck:
    ok: bool
    message: str                      # one paragraph: what is the case and what to do
    missing: tuple[str, ...] = ()     # the sonames the loader cannot find
    install_command: str = ""         # e.g. "sudo apt-get install libxcb-cursor0 libxcb-icccm4"


def platform_name(env: Mapping[str, str] | None = None) -> str:
    """The platform plugin Qt will try first: QT_QPA_PLATFORM's first entry, else Qt's default
    on this system (xcb on Linux outside a Wayland session)."""
    env = os.environ if env is None else env
    chosen = env.get("QT_QPA_PLATFORM", "").split(";")[0].split(":")[0].strip()
    if chosen:
        return chosen
    if not sys.platform.startswith("linux"):
        return {"darwin": "cocoa", "win32": "windows"}.get(sys.platform, sys.platform)
    wayland = env.get("WAYLAND_DISPLAY") or env.get("XDG_SESSION_TYPE") == "wayland"
    return "wayland" if wayland else "xcb"


def xcb_plugin() -> Path | None:
    """PySide6's libqxcb.so, found without importing PySide6."""
    spec = importlib.util.find_spec("PySide6")
    if spec is None or not spec.submodule_search_locations:
        return None
    for folder in spec.submodule_search_locations:
        plugin = Path(folder) / "Qt" / "plugins" / "platforms" / "libqxcb.so"
        if plugin.is_file():
            return plugin
    return None


def missing_libraries(library: Path, env: Mapping[str, str] | None = None) -> tuple[str, ...] | None:
    """The shared libraries the dynamic loader cannot find for `library` and everything it links
    to, in the loader's order; None when that cannot be told (no ldd, or ldd failed)."""
    ldd = shutil.which("ldd")
    if ldd is None:
        return None
    try:
        result = subprocess.run(
            [ldd, str(library)], capture_output=True, text=True, timeout=20,
            env=None if env is None else dict(env),
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    found = _NOT_FOUND.findall(result.stdout)
    if result.returncode != 0 and not found:
        return None
    return tuple(dict.fromkeys(found))


def install_command(missing: tuple[str, ...], os_release: Path = Path("/etc/os-release")) -> str:
    """The command that installs the missing libraries on this distribution (apt or dnf), or ""."""
    family = _distribution_family(os_release)
    if family == "debian":
        known = [DEBIAN_PACKAGES[name] for name in missing if name in DEBIAN_PACKAGES]
        unknown = [name for name in missing if name not in DEBIAN_PACKAGES]
        command = "sudo apt-get install " + " ".join(dict.fromkeys(known)) if known else ""
        for name in unknown:   # one we have no package for: the loader's name is still searchable
            command += f"{'; ' if command else ''}apt-file search {name}"
        return command
    if family == "fedora":
        # dnf installs by what a package provides: the loader's names need no table.
        return "sudo dnf install " + " ".join(f"'{name}()(64bit)'" for name in missing)
    return ""


def check_platform(env: Mapping[str, str] | None = None, plugin: Path | None = None,
                   os_release: Path = Path("/etc/os-release")) -> PlatformCheck:
    """Whether Qt's platform plugin will load here; on Linux with xcb only (other platforms and
    offscreen rendering need none of these libraries)."""
    platform = platform_name(env)
    if platform != "xcb":
        return PlatformCheck(True, f"Qt uses the {platform} platform here; nothing to check.")
    plugin = plugin or xcb_plugin()
    if plugin is None:
        return PlatformCheck(True, "PySide6's X11 plugin is not installed here; nothing to check.")
    missing = missing_libraries(plugin)
    if missing is None:
        return PlatformCheck(True, "Could not ask the system's loader (ldd) about Qt's X11 plugin; not checked.")
    if not missing:
        return PlatformCheck(True, "Qt's X11 platform plugin finds every library it needs.")
    command = install_command(missing, os_release)
    how = f"Install them with:\n    {command}" if command else "Install them with your system's package manager."
    return PlatformCheck(
        False,
        f"The app cannot open its window: Qt's X11 platform plugin needs system libraries that are not "
        f"installed: {', '.join(missing)}. {how}",
        missing,
        command,
    )


def _distribution_family(os_release: Path) -> str:
    try:
        fields = dict(
            line.split("=", 1) for line in os_release.read_text(encoding="utf-8").splitlines() if "=" in line
        )
    except OSError:
        return ""
    names = " ".join(fields.get(k, "").strip('"').lower() for k in ("ID", "ID_LIKE")).split()
    if any(n in ("debian", "ubuntu") for n in names):
        return "debian"
    if any(n in ("fedora", "rhel", "centos") for n in names):
        return "fedora"
    return ""
