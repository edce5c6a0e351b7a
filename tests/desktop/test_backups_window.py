"""Backups through the window, against the real native stack: "Back up now" with a passphrase,
the restore dialog showing what the backup holds, a wrong passphrase refused in place, the
restore bringing every row back (counted over HTTP); and a damaged database at start offering
the newest backup. The dialogs are rendered to PNGs under the test's folder."""

from __future__ import annotations

import shutil

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from tests.backup.filled import make_database
from tests.backup.test_backup_files import corrupt
from umt import demo, secrets
from umt.backup import create_backup, list_backups
from umt.backup.operations import target_of
from umt.client import GatewayClient
from umt.desktop.app import DesktopApp
from umt.desktop.controllers.stack_state import Phase
from umt.desktop.views.backups import BackupDialog, RestoreDialog
from umt.settings import DesktopSettings

from .conftest import RecordingNotifier

PASSWORD = "correct horse battery staple"
PASSPHRASE = "bread and butter, every morning"


def make_app(qapp) -> DesktopApp:
    return DesktopApp(qapp, settings=DesktopSettings(backend="native", close_to_tray=False), notifier=RecordingNotifier(),
                      ask_quit=lambda: "stop", tray_available=False, sample_interval_s=0.25)


def quit_app(qtbot, app) -> None:
    with qtbot.waitSignal(app.sig_quit_finished, timeout=30000):
        app.request_quit()
    app.window.deleteLater()
    app.deleteLater()


def start(qtbot, app) -> None:
    app.start()
    qtbot.waitUntil(lambda: app.controller.backend is not None, timeout=10000)
    qtbot.mouseClick(app.window.control_center.stack_control.button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: app.controller.state.phase in (Phase.RUNNING, Phase.ERROR), timeout=60000)


def dialog_of(kind):
    found = [w for w in QApplication.topLevelWidgets() if isinstance(w, kind) and w.isVisible()]
    return found[0] if found else None


def counted(url: str) -> dict[str, int]:
    with GatewayClient(url) as client:
        client.login("owner@example.com", PASSWORD)
        return {name: getattr(client, name).list().total for name in ("brands", "campaigns", "content", "metrics")}


def test_back_up_now_then_restore_through_the_window(qtbot, qapp, stack_ports, tmp_path):
    app = make_app(qapp)
    try:
        start(qtbot, app)
        assert app.controller.state.phase == Phase.RUNNING, app.controller.state
        url = app.controller.gateway_url
        with GatewayClient(url) as client:
            client.setup_owner("owner@example.com", "Ada Owner", PASSWORD)
            demo.fill_sample_data(client, lambda fraction, step: None)
        backed_up = counted(url)
        page = app.window.control_center
        bar = page.backups_bar
        qtbot.waitUntil(lambda: "No backups yet" in bar.summary.text(), timeout=5000)

        qtbot.mouseClick(bar.back_up, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: dialog_of(BackupDialog) is not None, timeout=5000)
        dialog = dialog_of(BackupDialog)
        qtbot.keyClicks(dialog.passphrase, PASSPHRASE)
        qtbot.keyClicks(dialog.again, PASSPHRASE + "!")
        qtbot.mouseClick(dialog.action, Qt.MouseButton.LeftButton)
        assert dialog.error.isVisible() and "differ" in dialog.error.text()       # nothing started
        dialog.again.setText(PASSPHRASE)
        qtbot.mouseClick(dialog.action, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: dialog.result.isVisible() or dialog.error.isVisible(), timeout=30000)
        assert not dialog.error.isVisible(), dialog.error.text()
        assert "Backed up and verified" in dialog.result.text() and dialog.progress.value() == 100
        dialog.grab().save(str(tmp_path / "backup-dialog.png"))
        qtbot.waitUntil(lambda: "Newest backup" in bar.summary.text(), timeout=5000)
        dialog.close()
        path = next(e.path for e in list_backups(app.backups.folder) if e.manifest.reason == "manual")

        with GatewayClient(url) as client:         # work after the backup, which the restore undoes
            client.login("owner@example.com", PASSWORD)
            client.brands.create(name="Made after the backup")

        page.open_restore(str(path))
        qtbot.waitUntil(lambda: dialog_of(RestoreDialog) is not None, timeout=5000)
        restore = dialog_of(RestoreDialog)
        shown = {restore.tables.item(r, 0).text(): restore.tables.item(r, 1).text() for r in range(restore.tables.rowCount())}
        assert shown["Daily metrics"] == f"{backed_up['metrics']:,}" and shown["Posts"] == f"{backed_up['content']:,}"
        assert shown["Brands"] == "1" and "schema_version" not in shown
        restore.grab().save(str(tmp_path / "restore-dialog.png"))
        qtbot.keyClicks(restore.passphrase, "not the passphrase")
        qtbot.mouseClick(restore.action, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: restore.error.isVisible(), timeout=30000)
        assert "Wrong passphrase" in restore.error.text() and restore.action.isEnabled()
        assert counted(url)["brands"] == backed_up["brands"] + 1          # refused: nothing changed
        restore.passphrase.setText(PASSPHRASE)
        qtbot.mouseClick(restore.action, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: restore.result.isVisible() or restore.error.isVisible(), timeout=60000)
        assert not restore.error.isVisible(), restore.error.text()
        restore.grab().save(str(tmp_path / "restore-done.png"))
        assert counted(url) == backed_up
        assert "kept in" in restore.result.text()          # the data it replaced was backed up first
        restore.close()

        # Wiped: the stack stopped from the window, its data folder and keys gone (a new laptop).
        qtbot.mouseClick(page.stack_control.button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: app.controller.state.phase == Phase.STOPPED, timeout=30000)
        database = target_of(app.controller.backend.stack).sqlite_file
        shutil.rmtree(database.parent)
        secrets.delete_secret(secrets.GATEWAY_SIGNING_KEY)
        page.open_restore(str(path))
        qtbot.waitUntil(lambda: dialog_of(RestoreDialog) is not None, timeout=5000)
        restore = dialog_of(RestoreDialog)
        qtbot.keyClicks(restore.passphrase, PASSPHRASE)
        qtbot.mouseClick(restore.action, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: restore.result.isVisible() or restore.error.isVisible(), timeout=60000)
        assert not restore.error.isVisible(), restore.error.text()
        assert app.controller.state.phase == Phase.STOPPED and database.is_file()   # swapped; started by the owner
        restore.close()
        qtbot.mouseClick(page.stack_control.button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: app.controller.state.phase in (Phase.RUNNING, Phase.ERROR) and not app.controller.state.busy,
                        timeout=60000)
        assert app.controller.state.phase == Phase.RUNNING, app.controller.state
        assert counted(url) == backed_up
    finally:
        quit_app(qtbot, app)


def test_a_damaged_database_at_start_offers_the_newest_backup(qtbot, qapp, stack_ports, isolated_data, tmp_path):
    from umt import launch

    stack = launch.load_default_stack(DesktopSettings(backend="native"))
    database = target_of(stack).sqlite_file
    database.parent.mkdir(parents=True)
    make_database(database, posts=7)
    secrets.set_secret(secrets.GATEWAY_SIGNING_KEY, "s" * 64)
    newest = create_backup(target_of(stack), isolated_data / "backups", reason="daily").path
    corrupt(database)
    app = make_app(qapp)
    try:
        start(qtbot, app)
        state = app.controller.state
        assert state.phase == Phase.ERROR and state.restore_offer == str(newest)
        banner = app.window.control_center.banner
        assert banner.isVisible() and banner.action.text() == "Restore the newest backup…"
        app.window.grab().save(str(tmp_path / "damaged-banner.png"))
        qtbot.mouseClick(banner.action, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: dialog_of(RestoreDialog) is not None, timeout=5000)
        restore = dialog_of(RestoreDialog)
        assert restore.path == newest and not restore.passphrase.isVisible()     # automatic: keyring-sealed
        qtbot.mouseClick(restore.action, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: restore.result.isVisible() or restore.error.isVisible(), timeout=60000)
        assert not restore.error.isVisible(), restore.error.text()
        assert "damaged database file is kept" in restore.result.text()
        assert app.controller.state.phase == Phase.STOPPED and not banner.isVisible()   # the error is over
        restore.close()
        qtbot.mouseClick(app.window.control_center.stack_control.button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: app.controller.state.phase in (Phase.RUNNING, Phase.ERROR) and not app.controller.state.busy,
                        timeout=60000)
        assert app.controller.state.phase == Phase.RUNNING, app.controller.state
    finally:
        quit_app(qtbot, app)
