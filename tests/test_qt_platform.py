"""Before the window opens: which system libraries Qt's X11 platform plugin misses, and the command
that installs them. The dynamic loader (ldd) really misses a library here: a copy of PySide6's
plugin whose DT_NEEDED entry names a library that exists nowhere."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

from umt.qt_platform import check_platform, install_command, missing_libraries, platform_name, xcb_plugin

ABSENT = b"libumtmissing.so.0"     # as long as the name it replaces, so the ELF layout stays put
REPLACED = b"libxcb-cursor.so.0"

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux") or shutil.which("ldd") is None or xcb_plugin() is None,
    reason="the X11 platform plugin and ldd exist on Linux only",
)


@pytest.fixture
def plugin_missing_a_library(tmp_path):
    """PySide6's libqxcb.so, copied beside a link to Qt's libraries (its RUNPATH is
    $ORIGIN/../../lib) with one needed library renamed to one that no system has."""
    original = xcb_plugin()
    platforms = tmp_path / "plugins" / "platforms"
    platforms.mkdir(parents=True)
    (tmp_path / "lib").symlink_to(original.parents[2] / "lib")
    content = original.read_bytes()
    assert content.count(REPLACED + b"\0") == 1 and len(ABSENT) == len(REPLACED)
    copy = platforms / "libqxcb.so"
    copy.write_bytes(content.replace(REPLACED + b"\0", ABSENT + b"\0"))
    return copy


def _os_release(tmp_path, text: str):
    path = tmp_path / "os-release"
    path.write_text(text)
    return path


def test_the_loader_names_the_library_the_plugin_misses(plugin_missing_a_library):
    missing = missing_libraries(plugin_missing_a_library)
    assert missing is not None and "libumtmissing.so.0" in missing
    assert "libxcb-cursor.so.0" not in missing                 # renamed away: not needed any more
    # Everything else it reports is really absent for this machine's loader too.
    real = missing_libraries(xcb_plugin())
    assert set(missing) - {"libumtmissing.so.0"} == set(real)


def test_the_check_prints_the_install_command_for_the_distribution(plugin_missing_a_library, tmp_path):
    debian = _os_release(tmp_path, 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\n')
    check = check_platform({"QT_QPA_PLATFORM": "xcb"}, plugin=plugin_missing_a_library, os_release=debian)
    assert not check.ok and "libumtmissing.so.0" in check.missing
    assert "libumtmissing.so.0" in check.message and check.install_command in check.message
    assert "apt-file search libumtmissing.so.0" in check.install_command

    fedora = _os_release(tmp_path, 'ID=fedora\nVERSION_ID=40\n')
    check = check_platform({"QT_QPA_PLATFORM": "xcb"}, plugin=plugin_missing_a_library, os_release=fedora)
    assert check.install_command.startswith("sudo dnf install ")
    assert "'libumtmissing.so.0()(64bit)'" in check.install_command


def test_debian_and_ubuntu_get_the_package_names(tmp_path):
    ubuntu = _os_release(tmp_path, "ID=ubuntu\nID_LIKE=debian\n")
    missing = ("libxcb-cursor.so.0", "libxcb-icccm.so.4", "libxcb-keysyms.so.1")
    assert install_command(missing, ubuntu) == "sudo apt-get install libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1"
    assert install_command(missing, _os_release(tmp_path, "ID=arch\n")) == ""


def test_only_the_x11_platform_is_checked(plugin_missing_a_library):
    assert platform_name({"QT_QPA_PLATFORM": "offscreen"}) == "offscreen"
    assert platform_name({"QT_QPA_PLATFORM": "wayland;xcb"}) == "wayland"
    assert platform_name({"WAYLAND_DISPLAY": "wayland-0"}) == "wayland"
    assert platform_name({}) == "xcb"
    assert check_platform({"QT_QPA_PLATFORM": "offscreen"}, plugin=plugin_missing_a_library).ok


def test_the_app_and_the_doctor_report_what_this_machine_misses():
    """`umt desktop` stops before Qt aborts, and `umt doctor` says the same, on this machine as it is."""
    env = {k: v for k, v in os.environ.items() if k not in ("WAYLAND_DISPLAY", "XDG_SESSION_TYPE", "DISPLAY")}
    env["QT_QPA_PLATFORM"] = "xcb"
    missing = missing_libraries(xcb_plugin())
    doctor = subprocess.run([sys.executable, "-m", "umt.cli", "doctor", "--json"], capture_output=True, text=True,
                            env=env, timeout=60)
    import json

    check = {c["check"]: c for c in json.loads(doctor.stdout)["checks"]}["desktop window"]
    assert check["ok"] == (not missing)
    for name in missing:
        assert name in check["message"]
    if missing:   # with every library present the app would open a window: not for a test
        app = subprocess.run([sys.executable, "-m", "umt.cli", "desktop"], capture_output=True, text=True,
                             env=env, timeout=60)
        assert app.returncode == 1 and "Traceback" not in app.stderr
        assert all(name in app.stderr for name in missing) and "could not load" not in app.stderr.lower()
