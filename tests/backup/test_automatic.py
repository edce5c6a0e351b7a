"""Automatic backups (before the gateway migrates older data, daily while the stack runs) and a
damaged database at start: refused with a plain message that offers the newest backup."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from tests.backup.filled import make_database
from tests.backup.test_backup_files import corrupt
from tests.conftest import free_port
from tests.runtime.helpers import wait_for
from umt import launch, secrets
from umt.backup import create_backup, list_backups, read_manifest
from umt.backup.automatic import DailyBackup
from umt.backup.operations import target_of
from umt.gateway import migrations
from umt.gateway.db import make_engine
from umt.settings import DesktopSettings, save_settings
from tests.backup.test_cli_backup import umt


def gateway_database(isolated_data: Path) -> Path:
    folder = isolated_data / "gateway-data" / os.environ["UMT_STACK_NAME"]
    folder.mkdir(parents=True, exist_ok=True)
    return folder / "umt.db"


@pytest.fixture
def stack_down_afterwards(stack_ports):
    yield stack_ports
    umt("down")


def test_the_gateway_refuses_a_damaged_database_and_names_the_file(isolated_data):
    database = isolated_data / "umt.db"
    make_database(database)
    corrupt(database)
    before = database.read_bytes()
    env = dict(os.environ, UMT_DATA_DIR=str(isolated_data), UMT_SIGNING_KEY="k" * 64, UMT_PORT=str(free_port()),
               UMT_SECRETS_DIR=str(isolated_data / "no-secrets"))
    run = subprocess.run([sys.executable, "-m", "umt.gateway"], env=env, capture_output=True, text=True, timeout=60)
    assert run.returncode == 78, run.stderr
    assert f"the database file {database} is damaged" in run.stderr and "umt restore" in run.stderr
    assert database.read_bytes() == before        # refused, not "repaired" or migrated


def test_umt_up_on_a_damaged_database_offers_the_newest_backup_and_its_restore_mends_it(stack_down_afterwards, isolated_data):
    database = gateway_database(isolated_data)
    make_database(database, posts=12)
    secrets.set_secret(secrets.GATEWAY_SIGNING_KEY, "s" * 64)
    stack = launch.load_default_stack()
    older = create_backup(target_of(stack), isolated_data / "backups", reason="daily").path
    newest = create_backup(target_of(stack), isolated_data / "backups", reason="daily").path
    assert older != newest
    corrupt(database)
    up = umt("up", "--backend", "native")
    assert up.returncode == 1
    assert f"The database file {database} is damaged" in up.stderr
    assert f"Restore your newest backup: umt restore {newest}" in up.stderr and "Traceback" not in up.stderr
    restored = umt("restore", str(newest), "--yes")
    assert restored.returncode == 0, restored.stderr
    assert "The damaged database is kept as" in restored.stderr
    assert umt("up", "--backend", "native").returncode == 0
    assert sorted(p.name.split(".damaged-")[0] for p in database.parent.glob("umt.db.damaged-*")) == ["umt.db"]


def test_data_at_an_older_schema_is_backed_up_before_the_gateway_migrates_it(stack_down_afterwards, isolated_data):
    database = gateway_database(isolated_data)
    engine = make_engine(f"sqlite:///{database}")
    migrations.upgrade(engine, target=migrations.LATEST - 1)     # what the previous umt left
    engine.dispose()
    secrets.set_secret(secrets.GATEWAY_SIGNING_KEY, "s" * 64)
    up = umt("up", "--backend", "native")
    assert up.returncode == 0, up.stderr
    made = [e for e in list_backups(isolated_data / "backups") if e.manifest.reason == "before-upgrade"]
    assert len(made) == 1 and made[0].manifest.schema_version == migrations.LATEST - 1
    engine = make_engine(f"sqlite:///{database}")
    assert migrations.current_version(engine) == migrations.LATEST    # and then the gateway migrated it
    engine.dispose()
    umt("down")
    assert umt("up", "--backend", "native").returncode == 0            # at LATEST now: no second backup
    assert len([e for e in list_backups(isolated_data / "backups") if e.manifest.reason == "before-upgrade"]) == 1


def test_the_running_stacks_supervisor_makes_the_daily_backup(stack_ports, isolated_data, tmp_path):
    save_settings(DesktopSettings(backup_folder=str(tmp_path / "chosen-folder")))
    supervisor, chosen = launch.open_stack("native")
    daily = next(chore for chore in supervisor.chores if isinstance(chore, DailyBackup))
    try:
        supervisor.up()
        daily._next_check = 0.0          # due now, not two minutes after the start
        supervisor.start_watching(interval_s=0.05)
        made = wait_for(lambda: list_backups(tmp_path / "chosen-folder"), timeout_s=30, what="the daily backup")
        assert made[0].manifest.reason == "daily" and made[0].manifest.protection == "keyring"
        assert made[0].manifest.tables["schema_version"] == migrations.LATEST
    finally:
        supervisor.stop_watching()
        supervisor.down()
        chosen.backend.close()


def test_a_daily_backup_is_made_once_a_day_and_old_ones_are_pruned(isolated_data):
    make_database(gateway_database(isolated_data))
    secrets.set_secret(secrets.GATEWAY_SIGNING_KEY, "s" * 64)
    save_settings(DesktopSettings(backups_keep_daily=2, backups_keep_weekly=0))
    daily = DailyBackup(launch.load_default_stack())
    first = daily.run_if_due()
    assert first is not None and daily.run_if_due() is None       # one a day
    later = datetime.now(timezone.utc) + timedelta(days=1, minutes=1)
    assert daily.run_if_due(now=later) is not None                 # (the clock moved a day: the next one)
    save_settings(DesktopSettings(daily_backups=False))
    assert daily.run_if_due(now=later + timedelta(days=2)) is None  # switched off in Settings
    assert all(read_manifest(e.path).reason == "daily" for e in list_backups(isolated_data / "backups"))


def test_a_failing_daily_backup_is_reported_and_supervision_goes_on(stack_ports, isolated_data, tmp_path):
    from umt.desktop.notify import notification_for
    from umt.runtime.model import EventKind, State

    not_a_folder = tmp_path / "a-file"
    not_a_folder.write_text("the backup folder setting names a file")
    save_settings(DesktopSettings(backup_folder=str(not_a_folder)))
    events = []
    supervisor, chosen = launch.open_stack("native", on_event=events.append)
    daily = next(chore for chore in supervisor.chores if isinstance(chore, DailyBackup))
    try:
        supervisor.up()
        daily._next_check = 0.0
        supervisor.start_watching(interval_s=0.05)
        failed = wait_for(lambda: [e for e in events if e.kind == EventKind.CHORE_FAILED], timeout_s=30,
                          what="the daily backup's failure")
        assert failed[0].detail.startswith("the daily backup failed: the backup could not be written in")
        assert notification_for(failed[0]).title == "The daily backup failed"
        assert {s.state for s in supervisor.statuses()} == {State.RUNNING}
        assert not [e for e in events if e.kind in (EventKind.DIE, EventKind.RESTART)]
    finally:
        supervisor.stop_watching()
        supervisor.down()
        chosen.backend.close()
