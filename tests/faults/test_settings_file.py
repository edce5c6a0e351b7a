"""A corrupted settings file."""

from __future__ import annotations

import logging
import subprocess
import sys

import pytest

from umt.settings import DesktopSettings, load_settings, save_settings, settings_path

DAMAGES = {
    "truncated": b'{"backend": "docker", "theme": "da',
    "binary": b"\x00\xff\xfe garbage \x89PNG",
    "not an object": b'["docker"]',
    "empty": b"",
}


@pytest.mark.faults
@pytest.mark.parametrize("damage", DAMAGES)
def test_a_damaged_settings_file_gives_defaults_a_warning_and_is_kept_beside(isolated_data, caplog, damage):
    """Promise: a settings file that cannot be read as settings gives the defaults with a warning,
    and the original is kept beside it (settings.json.broken-<time>), so that saving the new
    settings never overwrites what the owner may want back."""
    path = save_settings(DesktopSettings(backend="native"))
    path.write_bytes(DAMAGES[damage])
    with caplog.at_level(logging.WARNING, logger="umt.settings"):
        assert load_settings() == DesktopSettings()
    kept = list(isolated_data.glob("settings.json.broken-*"))
    assert len(kept) == 1 and kept[0].read_bytes() == DAMAGES[damage]
    assert str(kept[0]) in caplog.text and "damaged" in caplog.text
    assert not path.exists()
    save_settings(DesktopSettings(theme="dark"))  # the next save writes a fresh file...
    assert load_settings().theme == "dark"
    assert kept[0].read_bytes() == DAMAGES[damage]  # ...and the damaged one is still there


@pytest.mark.faults
def test_the_umt_command_starts_on_defaults_and_says_so(isolated_data):
    """Promise (as above) through the real `umt` command: it runs, and its warning names the kept file."""
    settings_path().write_bytes(DAMAGES["truncated"])
    run = subprocess.run([sys.executable, "-c", "import sys, umt.cli; sys.exit(umt.cli.main())", "--help"], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    kept = list(isolated_data.glob("settings.json.broken-*"))
    assert len(kept) == 1 and kept[0].name in run.stderr and "using the defaults" in run.stderr
