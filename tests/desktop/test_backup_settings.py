"""Settings → Backups: the folder, the daily backup and how many are kept, saved with the rest and
read by the automatic backups (umt.settings.backup_folder)."""

from __future__ import annotations

from umt.desktop.views.settings_dialog import SettingsDialog
from umt.settings import DesktopSettings, backup_folder, load_settings, save_settings


def test_the_backup_settings_are_shown_changed_and_saved(qtbot, stack_ports, settings_controller, isolated_data, tmp_path):
    dialog = SettingsDialog(DesktopSettings(), False, settings_controller)
    qtbot.addWidget(dialog)
    assert dialog.backup_folder.placeholderText() == str(isolated_data / "backups")   # the default, shown
    assert dialog.daily_backups.isChecked() and (dialog.keep_daily.value(), dialog.keep_weekly.value()) == (7, 4)
    qtbot.keyClicks(dialog.backup_folder, str(tmp_path / "on-another-disk"))
    dialog.daily_backups.setChecked(False)
    dialog.keep_daily.setValue(14)
    dialog.keep_weekly.setValue(8)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.grab().save(str(tmp_path / "settings-backups.png"))
    chosen = dialog.settings()
    assert (chosen.backup_folder, chosen.daily_backups, chosen.backups_keep_daily, chosen.backups_keep_weekly) == (
        str(tmp_path / "on-another-disk"), False, 14, 8)
    save_settings(chosen)
    assert backup_folder(load_settings()) == tmp_path / "on-another-disk"
    assert load_settings().backups_keep_weekly == 8
