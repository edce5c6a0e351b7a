"""The open export (issue 12 §3) through the real gateway: a populated install exported as one zip,
imported into a fresh install (its own database), gives the same rows, counted and compared field
by field with the references followed; a non-empty install, a foreign file and a bad row are
refused clearly and leave nothing behind."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
import zipfile
from dataclasses import replace
from datetime import date, datetime, timezone

import pytest

from tests.gateway.conftest import OWNER, Gateway, fresh_postgres_database
from tests.gateway.webhook_target import WebhookTarget
from umt.client import GatewayClient
from umt.client.errors import ApiError, Conflict
from umt.demo import fill_sample_data
from umt.gateway.archive import PARTS

NAMES = [part.name for part in PARTS]
SECRET = "webhook-signing-secret-0123456789"


@pytest.fixture
def target():
    server = WebhookTarget().start()
    yield server
    server.stop()


@pytest.fixture
def fresh(gateway_settings, tmp_path):
    """A second, empty install with its own database of the same kind, its owner signed in."""
    drop = None
    if gateway_settings.database_url.startswith("sqlite"):
        folder = tmp_path / "second"
        folder.mkdir()
        settings = replace(gateway_settings, data_dir=folder, database_url=f"sqlite:///{folder / 'umt.db'}")
    else:
        url, drop = fresh_postgres_database(os.environ["UMT_TEST_POSTGRES_URL"])
        settings = replace(gateway_settings, database_url=url)
    second = Gateway(settings)
    with GatewayClient(second.url) as client:
        client.setup_owner(**OWNER)
        yield client
    second.stop()
    if drop:
        drop()


def _populate(owner, target) -> None:
    fill_sample_data(owner, today=date(2026, 5, 4))
    account = owner.create_channel(kind="webhook", name="n8n", credentials={"url": f"{target.url}/hook",
                                                                           "signing_secret": SECRET})
    item = owner.content.create(channel="webhook", title="Rye on Tuesdays", body="Fresh rye bread")
    owner.content.transition(item.id, "in_review")
    owner.content.transition(item.id, "approved")
    owner.publish(item.id, [account.id], at=datetime(2030, 1, 1, tzinfo=timezone.utc))  # queued, far ahead
    gone = owner.brands.create(name="A brand deleted before the export")   # ids with gaps: renumbering matters
    owner.campaigns.create(name="Orphan campaign", brand_id=gone.id)       # its brand_id becomes null
    owner.brands.create(name="=cmd|' /C calc'!A0", voice="Plain; \"quoted\", and\nmultiline")
    owner.brands.delete(gone.id)
    post = next(owner.content.iterate())
    owner.content.update(post.id, body=post.body + " Now with oat milk.")  # a second version


def _parts(archive: bytes) -> dict[str, list[dict]]:
    with zipfile.ZipFile(io.BytesIO(archive)) as z:
        return {name: json.loads(z.read(f"{name}.json"))["items"] for name in NAMES}


def _canonical(parts: dict[str, list[dict]], imported: bool = False) -> dict[str, list[dict]]:
    """Rows with ids replaced by their position and references by the position of the row they name
    (`imported`: as an import sets them, e.g. channel accounts waiting for a reconnect)."""
    position = {name: {row["id"]: index for index, row in enumerate(rows)} for name, rows in parts.items()}
    out = {}
    for part in PARTS:
        rows = []
        for row in parts[part.name]:
            row = {k: v for k, v in row.items() if k != "id"} | (part.on_import if imported else {})
            for column, target in part.references.items():
                if row[column] is not None:
                    row[column] = ("->", target, position[target][row[column]])
            rows.append(row)
        out[part.name] = rows
    return out


def test_an_export_imported_into_a_fresh_install_has_the_same_rows(owner, fresh, target):
    _populate(owner, target)
    archive = owner.export_archive()
    exported = _parts(archive)
    counts = {name: len(rows) for name, rows in exported.items()}
    assert counts["brands"] == 2 and counts["campaigns"] == 4 and counts["metrics"] > 100
    assert counts["content_versions"] > counts["content"] > 0 and counts["experiments"] == 1

    assert fresh.import_archive(archive) == counts
    again = _parts(fresh.export_archive())
    assert _canonical(again) == _canonical(exported, imported=True)       # same content, references followed
    assert counts["channel_accounts"] == 1 and counts["deliveries"] == 1
    [channel] = fresh.list_channels().items
    assert channel.status == "needs_reconnect" and not channel.has_credentials  # credentials never travel
    assert [d.status for d in fresh.list_deliveries().items] == ["queued"]
    assert [b["id"] for b in again["brands"]] != [b["id"] for b in exported["brands"]]   # renumbered
    # and through the ordinary API too:
    assert fresh.content.list().total == owner.content.list().total
    assert fresh.metrics.list().total == owner.metrics.list().total
    item = next(fresh.content.iterate())
    assert [v.body for v in fresh.content.versions(item.id)] == [v.body for v in owner.content.versions(
        next(owner.content.iterate()).id)]


def test_the_archive_holds_csv_twins_a_readme_and_a_manifest(owner, target):
    _populate(owner, target)
    with zipfile.ZipFile(io.BytesIO(owner.export_archive())) as z:
        names = set(z.namelist())
        everything = "".join(z.read(name).decode() for name in names)
        assert names == {"README.md", "manifest.json"} | {f"{n}.{ext}" for n in NAMES for ext in ("json", "csv")}
        manifest = json.loads(z.read("manifest.json"))
        readme = z.read("README.md").decode()
        brands = list(csv.DictReader(io.StringIO(z.read("brands.csv").decode())))
    assert manifest["format"] == "umt-archive" and manifest["counts"]["brands"] == 2
    assert SECRET not in everything and "credentials_encrypted" not in everything and "lease_owner" not in everything
    assert all(f"`{n}.json`" in readme for n in NAMES) and "not in the archive" in readme.lower()
    assert brands[1]["name"].startswith("'=cmd")            # a spreadsheet shows it as text, never runs it
    assert brands[1]["voice"] == "Plain; \"quoted\", and\nmultiline"


def test_an_install_that_holds_data_refuses_an_import_and_keeps_its_data(owner, fresh, target):
    _populate(owner, target)
    archive = owner.export_archive()
    fresh.brands.create(name="Already here")
    with pytest.raises(Conflict) as refused:
        fresh.import_archive(archive)
    assert refused.value.code == "not_empty" and "1 brands" in refused.value.message
    assert [b.name for b in fresh.brands.list().items] == ["Already here"] and fresh.content.list().total == 0


def _rewritten(archive: bytes, name: str, change) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(archive)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == name:
                data = change(data)
            if data is not None:
                target.writestr(info.filename, data)
    return out.getvalue()


def test_a_bad_archive_is_refused_naming_the_problem_and_nothing_is_imported(owner, fresh, target):
    _populate(owner, target)
    archive = owner.export_archive()
    with pytest.raises(ApiError) as not_zip:
        fresh.import_archive(b"name,day\n1,2\n")
    assert not_zip.value.status == 400 and not_zip.value.code == "not_an_archive"

    def too_long_title(data: bytes) -> bytes:
        content = json.loads(data)
        content["items"][-1]["title"] = "x" * 301
        return json.dumps(content).encode()

    with pytest.raises(ApiError) as bad_row:
        fresh.import_archive(_rewritten(archive, "content.json", too_long_title))
    assert bad_row.value.status == 422 and bad_row.value.field == "content.title"
    assert "content.json item" in bad_row.value.message
    with pytest.raises(ApiError) as missing:
        fresh.import_archive(_rewritten(archive, "metrics.json", lambda data: None))
    assert missing.value.status == 422 and missing.value.field == "metrics.json"

    def newer(data: bytes) -> bytes:
        return json.dumps({**json.loads(data), "format_version": 99}).encode()

    with pytest.raises(ApiError, match="newer than this umt reads"):
        fresh.import_archive(_rewritten(archive, "manifest.json", newer))
    # all or nothing: the brands and campaigns before the bad content row were not kept
    assert fresh.brands.list().total == 0 and fresh.campaigns.list().total == 0
    assert sum(fresh.import_archive(archive).values()) > 0                 # and the good archive still goes in


def test_umt_export_and_umt_import_on_the_command_line(owner, fresh, target, tmp_path):
    _populate(owner, target)
    path = tmp_path / "moving" / "umt-archive.zip"
    path.parent.mkdir()

    def umt(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "umt.cli", *args, "--email", OWNER["email"]],
                              input=OWNER["password"] + "\n", capture_output=True, text=True, timeout=60)

    exported = umt("export", str(path), "--url", owner.base_url)
    assert exported.returncode == 0, exported.stderr
    assert "2 brands" in exported.stdout and path.exists() and not path.with_name(path.name + ".partial").exists()
    imported = umt("import", str(path), "--url", fresh.base_url)
    assert imported.returncode == 0, imported.stderr
    assert "2 brands" in imported.stdout and fresh.brands.list().total == 2
    twice = umt("import", str(path), "--url", fresh.base_url)
    assert twice.returncode == 1 and "only into an empty install" in twice.stderr
