"""Backups of real SQLite files (no stack): made while a writer holds the database, verified,
restored with counts, and refused plainly when they cannot be used."""

from __future__ import annotations

import json
import sqlite3
import zipfile
from datetime import datetime, timedelta, timezone

import pytest

from tests.backup.filled import make_database
from umt import secrets
from umt.backup import BackupError, create_backup, read_manifest, restore_backup
from umt.backup import archive
from umt.backup.automatic import prune
from umt.backup.operations import Target, list_backups
from umt.backup.snapshot import damage_of, inspect_sqlite
from umt.gateway.migrations import LATEST

PASSPHRASE = "a long passphrase for tests"


@pytest.fixture
def live(tmp_path):
    """A gateway database with data, its signing key in the keyring, and where backups go."""
    folder = tmp_path / "gateway-data"
    folder.mkdir()
    database = folder / "umt.db"
    make_database(database, posts=30, metrics_per_post=4)
    secrets.set_secret(secrets.GATEWAY_SIGNING_KEY, "signing-key-1")
    return Target("teststack", sqlite_file=database), tmp_path / "backups"


def counts(database):
    return inspect_sqlite(database)[1]


def corrupt(database):
    """Overwrites the file's middle pages and its header: what a failing disk leaves."""
    with open(database, "r+b") as handle:
        handle.seek(0)
        handle.write(b"this is no longer a SQLite file header")
        handle.seek(8192)
        handle.write(b"\xff" * 8192)


def test_a_backup_made_while_a_writer_holds_the_database_is_complete_and_verified(live):
    target, folder = live
    writer = sqlite3.connect(target.sqlite_file)
    writer.execute("PRAGMA journal_mode=WAL")
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("INSERT INTO brands (name, voice, audience, banned_words, hashtags, sample_posts, keyphrases, "
                   "created_at, updated_at) VALUES ('uncommitted', '', '', '[]', '[]', '[]', '[]', '2026-01-01', '2026-01-01')")
    steps = []
    result = create_backup(target, folder, passphrase=PASSPHRASE, progress=steps.append)
    writer.rollback()
    writer.close()
    manifest = read_manifest(result.path)
    assert manifest.tables == counts(target.sqlite_file)          # the committed data, not the open transaction
    assert manifest.tables["content_items"] == 30 and manifest.tables["metrics"] == 120
    assert manifest.schema_version == LATEST and manifest.protection == archive.PASSPHRASE
    assert manifest.secrets == (secrets.GATEWAY_SIGNING_KEY,)     # no channel key on this computer: absent, not an error
    assert [s.fraction for s in steps][-1] == 1.0 and all(a <= b for a, b in zip([s.fraction for s in steps], [s.fraction for s in steps][1:]))
    with zipfile.ZipFile(result.path) as packed:
        assert "signing-key-1" not in packed.read(archive.SECRETS).decode()   # sealed, not written out
        assert set(packed.namelist()) == {archive.MANIFEST, archive.SECRETS, archive.SQLITE_MEMBER}


def test_backup_wipe_restore_brings_back_every_row_and_the_keys(live):
    target, folder = live
    before = counts(target.sqlite_file)
    made = create_backup(target, folder, passphrase=PASSPHRASE).path
    for path in target.sqlite_file.parent.iterdir():
        path.unlink()
    secrets.delete_secret(secrets.GATEWAY_SIGNING_KEY)
    result = restore_backup(made, target, passphrase=PASSPHRASE, safety_folder=folder)
    assert counts(target.sqlite_file) == before
    assert secrets.get_secret(secrets.GATEWAY_SIGNING_KEY) == "signing-key-1"
    assert result.safety_backup is None        # nothing was there to keep


def test_a_restore_backs_up_the_current_data_first(live):
    target, folder = live
    made = create_backup(target, folder, passphrase=PASSPHRASE).path
    make_database(target.sqlite_file, posts=5, metrics_per_post=1)     # newer work the restore replaces
    newer = counts(target.sqlite_file)
    result = restore_backup(made, target, passphrase=PASSPHRASE, safety_folder=folder)
    assert result.safety_backup is not None and read_manifest(result.safety_backup).reason == "before-restore"
    assert read_manifest(result.safety_backup).tables == newer
    assert counts(target.sqlite_file)["content_items"] == 30


def test_a_wrong_passphrase_is_refused_and_nothing_changes(live):
    target, folder = live
    made = create_backup(target, folder, passphrase=PASSPHRASE).path
    make_database(target.sqlite_file, posts=1, metrics_per_post=1)
    before = target.sqlite_file.read_bytes()
    with pytest.raises(BackupError, match="wrong passphrase"):
        restore_backup(made, target, passphrase="not it", safety_folder=folder)
    with pytest.raises(BackupError, match="protected by a passphrase"):
        restore_backup(made, target, passphrase=None, safety_folder=folder)
    assert target.sqlite_file.read_bytes() == before
    assert [e.manifest.reason for e in list_backups(folder)] == ["manual"]   # no safety backup: nothing was begun


def test_a_backup_from_a_newer_schema_is_refused(live):
    target, folder = live
    with sqlite3.connect(target.sqlite_file) as connection:
        connection.execute("INSERT INTO schema_version (version) VALUES (?)", (LATEST + 1,))
    made = create_backup(target, folder, passphrase=PASSPHRASE).path
    assert read_manifest(made).schema_version == LATEST + 1
    with pytest.raises(BackupError, match=f"newer umt \\(schema version {LATEST + 1}; this umt knows up to {LATEST}\\)"):
        restore_backup(made, target, passphrase=PASSPHRASE, safety_folder=folder)


def test_a_backup_without_its_keys_is_refused(live, tmp_path):
    target, folder = live
    made = create_backup(target, folder, passphrase=PASSPHRASE).path
    stripped = tmp_path / "stripped.umtbackup"
    with zipfile.ZipFile(made) as source, zipfile.ZipFile(stripped, "w") as out:
        for name in source.namelist():
            if name != archive.SECRETS:
                out.writestr(name, source.read(name))
    with pytest.raises(BackupError, match="holds no keys"):
        restore_backup(stripped, target, passphrase=PASSPHRASE, safety_folder=folder)


def test_an_automatic_backup_needs_no_passphrase_here_and_is_refused_elsewhere(live):
    target, folder = live
    made = create_backup(target, folder, reason="daily").path
    manifest = read_manifest(made)
    assert manifest.protection == archive.KEYRING and manifest.automatic
    assert json.loads(zipfile.ZipFile(made).read(archive.MANIFEST))["secrets"]["protection"] == "keyring"
    restore_backup(made, target, safety_folder=folder)
    secrets.delete_secret(secrets.BACKUP_KEY)      # another computer: its keyring has no such key
    with pytest.raises(BackupError, match="another computer"):
        restore_backup(made, target, safety_folder=folder)


def test_a_damaged_database_is_found_refused_for_backup_and_set_aside_by_a_restore(live):
    target, folder = live
    made = create_backup(target, folder, passphrase=PASSPHRASE).path
    corrupt(target.sqlite_file)
    assert damage_of(target.sqlite_file) is not None
    with pytest.raises(BackupError, match="may be damaged|is damaged"):
        create_backup(target, folder, passphrase=PASSPHRASE)
    damaged_bytes = target.sqlite_file.read_bytes()
    result = restore_backup(made, target, passphrase=PASSPHRASE, safety_folder=folder)
    assert result.set_aside is not None and result.set_aside.read_bytes() == damaged_bytes   # kept, never deleted
    assert damage_of(target.sqlite_file) is None and counts(target.sqlite_file)["content_items"] == 30


def test_a_file_that_is_not_a_backup_is_named_plainly(tmp_path):
    stray = tmp_path / "notes.umtbackup"
    stray.write_text("hello")
    with pytest.raises(BackupError, match="not a readable umt backup"):
        read_manifest(stray)
    assert list_backups(tmp_path)[0].problem is not None


def test_retention_keeps_the_newest_of_the_last_days_and_weeks(live):
    target, folder = live
    made = [create_backup(target, folder, reason="daily").path for _ in range(12)]
    manual = create_backup(target, folder, passphrase=PASSPHRASE).path
    start = datetime(2026, 3, 2, 12, tzinfo=timezone.utc)          # a Monday; two backups a day for six days
    for index, path in enumerate(made):
        when = start + timedelta(days=index // 2, hours=index % 2)
        _rewrite_created_at(path, when)
    deleted = prune(folder, "teststack", keep_daily=3, keep_weekly=2)
    kept = sorted(read_manifest(p).created_at for p in made if p.exists())
    # the newest of Sat 7, Fri 6, Thu 5 (days); of week 10 (the same Sat 7); nothing older exists in week 9
    assert kept == ["2026-03-05T13:00:00Z", "2026-03-06T13:00:00Z", "2026-03-07T13:00:00Z"]
    assert len(deleted) == 9 and manual.exists()


def _rewrite_created_at(path, when):
    with zipfile.ZipFile(path) as source:
        members = {name: source.read(name) for name in source.namelist()}
    manifest = json.loads(members[archive.MANIFEST])
    manifest["created_at"] = when.isoformat().replace("+00:00", "Z")
    members[archive.MANIFEST] = json.dumps(manifest).encode()
    with zipfile.ZipFile(path, "w") as out:
        for name, data in members.items():
            out.writestr(name, data)


def test_a_backup_under_concurrent_writes_holds_whole_transactions_only(live, tmp_path):
    """Each write adds a post and its metric in one transaction: a consistent snapshot holds as
    many new posts as new metrics, however the copy and the writes interleave."""
    import threading

    target, folder = live
    base = counts(target.sqlite_file)
    stop, under_way = threading.Event(), threading.Event()
    written = []

    def write() -> None:
        connection = sqlite3.connect(target.sqlite_file, timeout=30, isolation_level=None)
        connection.execute("PRAGMA journal_mode=WAL")
        while not stop.is_set():
            connection.execute("BEGIN IMMEDIATE")
            post = connection.execute(
                "INSERT INTO content_items (channel, title, body, status, scores, version, created_at, updated_at) "
                "VALUES ('x', 'w', '', 'draft', '{}', 1, '2026-01-01', '2026-01-01')").lastrowid
            connection.execute("INSERT INTO metrics (content_id, day, impressions, clicks, engagements, conversions, spend) "
                               "VALUES (?, '2026-02-01', 1, 0, 0, 0, 0)", (post,))
            connection.execute("COMMIT")
            written.append(post)
            if len(written) == 50:
                under_way.set()
        connection.close()

    writer = threading.Thread(target=write)
    writer.start()
    try:
        assert under_way.wait(30)
        made = [create_backup(target, folder, reason="daily") for _ in range(3)]
    finally:
        stop.set()
        writer.join()
    for result in made:
        tables = result.manifest.tables
        added_posts = tables["content_items"] - base["content_items"]
        assert added_posts > 0 and tables["metrics"] - base["metrics"] == added_posts
        assert inspect_sqlite(_unpacked(result.path, tmp_path))[1] == tables


def _unpacked(path, tmp_path):
    target = tmp_path / f"{path.stem}.db"
    target.write_bytes(zipfile.ZipFile(path).read(archive.SQLITE_MEMBER))
    return target


def test_a_backup_file_changed_on_disk_is_refused_and_nothing_changes(live):
    target, folder = live
    made = create_backup(target, folder, reason="daily").path
    make_database(target.sqlite_file, posts=2, metrics_per_post=1)
    before = target.sqlite_file.read_bytes()
    with zipfile.ZipFile(made) as packed:
        member = packed.getinfo(archive.SQLITE_MEMBER)
        start = member.header_offset + 30 + len(member.filename.encode()) + len(member.extra)
    data = bytearray(made.read_bytes())
    data[start + member.compress_size // 2] ^= 0xFF          # one byte in the middle of the database
    made.write_bytes(bytes(data))
    with pytest.raises(BackupError, match="damaged"):
        restore_backup(made, target, safety_folder=folder)
    assert target.sqlite_file.read_bytes() == before
    assert not target.sqlite_file.with_name("umt.db.restoring").exists()
