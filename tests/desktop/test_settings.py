"""Settings: saved and loaded, limits validated by the stack loader, autostart, theme."""

from __future__ import annotations

import json
import sys
import threading

import pytest

from umt.desktop import autostart
from umt.launch import load_default_stack
from umt.settings import DesktopSettings, load_settings, save_settings, settings_path
from umt.desktop.views.settings_dialog import SettingsDialog
from umt.desktop.theme import palettes, render_stylesheet


def test_settings_round_trip_and_damaged_files(isolated_data):
    settings = DesktopSettings(backend="docker", stack_variables={"UMT_AGENT_MEMORY": "128M"}, theme="dark")
    path = save_settings(settings)
    assert path == settings_path() and path.parent == isolated_data
    assert load_settings() == settings
    path.write_text("{not json")
    assert load_settings() == DesktopSettings()  # tests/faults/test_settings_file.py: the file is kept
    path.write_text(json.dumps({"backend": "kubernetes", "close_to_tray": "yes", "theme": "dark"}))
    loaded = load_settings()
    assert loaded.backend == "auto" and loaded.close_to_tray is True and loaded.theme == "dark"


def test_limits_reach_the_stack_through_the_loader(stack_ports):
    settings = DesktopSettings(stack_variables={"UMT_AGENT_MEMORY": "128M", "UMT_GATEWAY_CPUS": "0.25", "UMT_AGENT_PORT": ""})
    stack = load_default_stack(settings)
    assert stack.services["agent"].limits.memory_bytes == 128 * 1024 * 1024
    assert stack.services["gateway"].limits.cpus == 0.25
    assert stack.services["agent"].health_port == stack_ports["agent"], "an empty value keeps the default"


def test_dialog_refuses_a_bad_limit_with_the_loaders_words(qtbot, stack_ports, settings_controller, monkeypatch):
    monkeypatch.delenv("UMT_GATEWAY_PORT")  # set in the environment, the port's field would be read-only
    dialog = SettingsDialog(DesktopSettings(), False, settings_controller)
    qtbot.addWidget(dialog)
    assert dialog.fields["UMT_AGENT_MEMORY"].placeholderText() == "96M"
    dialog.fields["UMT_AGENT_MEMORY"].setText("lots")
    dialog.accept()
    assert dialog.result() == 0 and dialog.error.isVisibleTo(dialog)
    assert "Agent memory" in dialog.error.text() and "not a size" in dialog.error.text()
    dialog.fields["UMT_AGENT_MEMORY"].setText("1M")
    assert "below 6M" in dialog.validate()
    dialog.fields["UMT_AGENT_MEMORY"].setText("128M")
    dialog.fields["UMT_GATEWAY_CPUS"].setText("many")
    assert "not a number of CPUs" in dialog.validate()
    dialog.fields["UMT_GATEWAY_CPUS"].setText("0.5")
    dialog.fields["UMT_GATEWAY_PORT"].setText("70000")
    assert "not a port number" in dialog.validate()
    dialog.fields["UMT_GATEWAY_PORT"].setText("")
    assert dialog.validate() is None
    dialog.accept()
    assert dialog.result() == 1
    assert dialog.settings().stack_variables == {"UMT_AGENT_MEMORY": "128M", "UMT_GATEWAY_CPUS": "0.5"}
    assert not dialog.close_to_tray.isEnabled(), "no tray: closing quits"


def test_applying_settings_saves_them_writes_autostart_and_switches_theme(qtbot, qapp, make_app, tmp_path):
    from PySide6.QtGui import QPalette

    app = make_app()
    dialog = app.open_settings()
    dialog.theme.setCurrentIndex(dialog.theme.findData("dark"))
    dialog.start_at_login.setChecked(True)
    dialog.backend.setCurrentIndex(dialog.backend.findData("docker"))
    dialog.accept()
    assert app.settings.theme == "dark" and load_settings().backend == "docker"
    assert qapp.palette().color(QPalette.ColorRole.Window).name() == palettes()["dark"]["background"]
    entry = tmp_path / "home" / ".config" / "autostart" / "umt.desktop"
    assert entry.is_file() and f"Exec={sys.executable}" in entry.read_text()
    app.apply_settings(app.settings.with_changes(start_at_login=False, theme="light"))
    assert not entry.exists()
    assert qapp.palette().color(QPalette.ColorRole.Window).name() == palettes()["light"]["background"]


def test_autostart_follows_xdg_config_home_and_says_where_unsupported(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "cfg"))
    result = autostart.set_enabled(True, platform="linux")
    assert result.path == tmp_path / "cfg" / "autostart" / "umt.desktop"
    text = result.path.read_text()
    assert "[Desktop Entry]" in text and "-m umt.desktop" in text
    autostart.set_enabled(False, platform="linux")
    assert not result.path.exists()
    with pytest.raises(autostart.AutostartUnsupported, match="not supported on macOS yet"):
        autostart.set_enabled(True, platform="darwin")
    assert "Windows" in autostart.unsupported_message("win32")


def test_every_theme_fills_every_variable():
    for name, palette in palettes().items():
        stylesheet = render_stylesheet(palette)
        assert "{{" not in stylesheet and palette["background"] in stylesheet, name
    broken = dict(palettes()["light"])
    del broken["accent"]
    with pytest.raises(KeyError, match="accent"):
        render_stylesheet(broken)


def test_the_data_folder_setting_applies_unless_umt_data_dir_is_set(tmp_path):
    from umt.settings import apply_data_folder

    chosen = tmp_path / "elsewhere"
    environ = {}
    apply_data_folder(DesktopSettings(data_folder=str(chosen)), environ)
    # The settings file stays where it was read, for this process and those it starts.
    assert environ == {"UMT_DATA_DIR": str(chosen), "UMT_SETTINGS_FILE": str(settings_path())}
    environ = {"UMT_DATA_DIR": "/explicit"}
    apply_data_folder(DesktopSettings(data_folder=str(chosen)), environ)
    assert environ == {"UMT_DATA_DIR": "/explicit"}
    environ = {}
    apply_data_folder(DesktopSettings(), environ)
    assert environ == {}


def test_the_system_theme_is_followed_when_it_flips(qapp):
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QPalette

    from umt.desktop.theme import ThemeManager

    hints = qapp.styleHints()
    manager = ThemeManager(qapp, "system")
    try:
        assert manager.apply().name == "light"  # offscreen reports no scheme: light
        hints.colorSchemeChanged.emit(Qt.ColorScheme.Dark)  # what the desktop does when it flips
        assert manager.theme.name == "dark"
        assert qapp.palette().color(QPalette.ColorRole.Window).name() == palettes()["dark"]["background"]
        manager.apply("light")  # a choice in the settings wins over the system
        hints.colorSchemeChanged.emit(Qt.ColorScheme.Light)
        hints.colorSchemeChanged.emit(Qt.ColorScheme.Dark)
        assert manager.theme.name == "light"
    finally:
        manager.apply("light")
        manager.deleteLater()


def test_the_llm_endpoint_goes_to_the_stack_and_its_key_to_the_keyring(qtbot, stack_ports, settings_controller):
    from umt import secrets

    dialog = SettingsDialog(DesktopSettings(), False, settings_controller)
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.key_state is not None)
    assert not dialog.forget_key.isVisibleTo(dialog), "no key stored yet: nothing to remove"
    dialog.fields["UMT_LLM_BASE_URL"].setText("http://127.0.0.1:11434/v1")
    dialog.fields["UMT_LLM_MODEL"].setText("llama3.2")
    dialog.api_key.setText("sk-local-1")
    dialog.accept()
    assert dialog.result() == 1
    saved = dialog.settings()
    assert "sk-local-1" not in repr(saved), "the key never goes to the settings file"
    qtbot.waitUntil(lambda: secrets.get_secret(secrets.LLM_API_KEY) == "sk-local-1")
    agent = load_default_stack(saved).services["agent"]
    assert agent.environment["UMT_LLM_BASE_URL"] == "http://127.0.0.1:11434/v1"
    assert agent.environment["UMT_LLM_MODEL"] == "llama3.2" and agent.secrets == ("llm_api_key",)

    again = SettingsDialog(saved, False, settings_controller)
    qtbot.addWidget(again)
    qtbot.waitUntil(lambda: again.key_state is not None)
    assert again.api_key.text() == "" and "stored" in again.api_key.placeholderText()
    again.forget_key.setChecked(True)
    again.accept()
    qtbot.waitUntil(lambda: secrets.get_secret(secrets.LLM_API_KEY) is None)


def test_the_dialog_never_calls_the_keyring_on_the_gui_thread(qtbot, make_app, recording_keyring):
    app = make_app()
    dialog = app.open_settings()
    qtbot.waitUntil(lambda: dialog.key_state is not None)
    assert "ThreadRecordingKeyring" in dialog.storage.text()
    dialog.api_key.setText("sk-from-the-dialog")
    dialog.accept()
    qtbot.waitUntil(lambda: ("umt", "llm_api_key") in recording_keyring.values)

    again = app.open_settings()
    qtbot.waitUntil(lambda: again.key_state is not None)
    assert again.key_state.stored and again.forget_key.isVisibleTo(again)
    again.forget_key.setChecked(True)
    again.accept()
    qtbot.waitUntil(lambda: ("umt", "llm_api_key") not in recording_keyring.values)

    assert len(recording_keyring.threads) >= 4, "reads, a store and a delete reached the keyring"
    assert threading.main_thread() not in recording_keyring.threads


def test_a_keyring_that_fails_is_told_and_the_dialog_still_works(qtbot, make_app, recording_keyring):
    def broken(*_):
        raise RuntimeError("the keyring is locked")

    recording_keyring.get_password = broken
    recording_keyring.set_password = broken
    app = make_app()
    dialog = app.open_settings()
    qtbot.waitUntil(lambda: "could not be read" in dialog.storage.text())
    dialog.api_key.setText("sk-1")
    dialog.accept()
    assert dialog.result() == 1, "the other settings are saved all the same"
    qtbot.waitUntil(lambda: "Could not store the API key" in app.window.statusBar().currentMessage())


def test_a_variable_set_in_the_environment_wins_and_shows_read_only(qtbot, stack_ports, settings_controller):
    saved = DesktopSettings(stack_variables={"UMT_AGENT_PORT": "18999", "UMT_AGENT_MEMORY": "128M"})
    dialog = SettingsDialog(saved, False, settings_controller)
    qtbot.addWidget(dialog)
    port = dialog.fields["UMT_AGENT_PORT"]
    assert port.text() == str(stack_ports["agent"]) and not port.isEnabled()
    assert "UMT_AGENT_PORT" in dialog.environment_note.text() and "UMT_GATEWAY_PORT" in dialog.environment_note.text()
    assert dialog.fields["UMT_AGENT_MEMORY"].isEnabled()
    kept = dialog.settings()
    assert kept.stack_variables == {"UMT_AGENT_PORT": "18999", "UMT_AGENT_MEMORY": "128M"}, "the saved value is kept, not lost"
    agent = load_default_stack(kept).services["agent"]
    assert agent.health_port == stack_ports["agent"] and agent.limits.memory_bytes == 128 * 1024 * 1024


def test_the_base_image_is_a_setting_saved_with_the_stack_variables(qtbot, stack_ports, settings_controller, monkeypatch, isolated_data):
    """Issue 8, item 4: the owner chooses Docker's base image in Settings, not only UMT_BASE_IMAGE."""
    monkeypatch.delenv("UMT_BASE_IMAGE", raising=False)
    dialog = SettingsDialog(DesktopSettings(), False, settings_controller)
    qtbot.addWidget(dialog)
    assert dialog.base_image.placeholderText() == "python:3.12-slim", "empty keeps the stack file's"
    dialog.base_image.setText("umt-base:bookworm")
    dialog.accept()
    assert dialog.result() == 1
    chosen = dialog.settings()
    assert chosen.stack_variables["UMT_BASE_IMAGE"] == "umt-base:bookworm"
    save_settings(chosen)
    assert load_settings().stack_variables["UMT_BASE_IMAGE"] == "umt-base:bookworm"

    monkeypatch.setenv("UMT_BASE_IMAGE", "python:3.12-from-env")   # the environment wins, read-only
    again = SettingsDialog(chosen, False, settings_controller)
    qtbot.addWidget(again)
    assert again.base_image.text() == "python:3.12-from-env" and not again.base_image.isEnabled()
    assert "UMT_BASE_IMAGE" in again.environment_note.text()
    assert again.settings().stack_variables["UMT_BASE_IMAGE"] == "umt-base:bookworm", "the saved value is kept"
