"""A full disk under the gateway's data folder."""

from __future__ import annotations

import sqlite3
import subprocess
import uuid

import pytest
import requests

from tests.faults.processes import GatewayProcess
from tests.gateway.conftest import OWNER
from umt.client import GatewayClient

SIZE = "3m"


@pytest.fixture
def small_disk(tmp_path):
    """A 3 MiB filesystem (tmpfs) as the data folder's disk. Mounting needs root, as in CI."""
    mountpoint = tmp_path / "small-disk"
    mountpoint.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={SIZE}", "tmpfs", str(mountpoint)],
                             capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small filesystem here (CI runs as root and can): {mounted.stderr.strip()}")
    try:
        yield mountpoint
    finally:
        subprocess.run(["umount", "-l", str(mountpoint)], check=False)


@pytest.mark.faults
def test_a_full_disk_is_a_clear_507_loses_nothing_and_writes_work_again_when_space_returns(small_disk):
    """Promise: when the disk holding the data is full, a write is refused with a clear JSON error
    (507 disk_full), nothing stored is damaged or lost, the gateway keeps answering reads, and
    writes work again as soon as there is room."""
    data = small_disk / "data"
    data.mkdir()
    gateway = GatewayProcess(data).start()
    try:
        client = GatewayClient(gateway.url)
        client.setup_owner(**OWNER)
        headers = {"Authorization": f"Bearer {client.token}"}
        filler = small_disk / "someone-elses-big-file"
        filler.write_bytes(b"\0" * (1024 * 1024))  # the rest of the disk fills with our writes
        stored, refused = {}, None
        for number in range(400):
            body = {"title": f"post {number}", "channel": "x", "body": f"{number} " + "words " * 1500}
            reply = requests.post(gateway.url + "/api/v1/content", json=body, timeout=30,
                                  headers={**headers, "Idempotency-Key": str(uuid.uuid4())})
            if reply.status_code != 201:
                refused = reply
                break
            stored[reply.json()["id"]] = body["body"]
        assert refused is not None, "the disk never filled up"
        assert refused.status_code == 507, refused.text
        assert refused.json()["error"]["code"] == "disk_full"
        assert "disk" in refused.json()["error"]["message"] and "free some space" in refused.json()["error"]["message"]
        assert len(stored) >= 5
        # Reads still work while the disk is full, and every stored post is whole.
        assert requests.get(gateway.url + "/health", timeout=5).status_code == 200
        assert {item.id: item.body for item in client.content.iterate()} == stored
        again = requests.post(gateway.url + "/api/v1/content", timeout=30, headers=headers,
                              json={"title": "again", "channel": "x", "body": "words " * 1500})
        assert again.status_code == 507, "still full: refused again, not half-stored"

        filler.unlink()  # space returns
        brand = client.brands.create(name="Room again")
        item = client.content.create(title="after", channel="x", body="room again")
        stored[item.id] = "room again"
        assert client.brands.get(brand.id).name == "Room again"
    finally:
        gateway.stop()
    check = sqlite3.connect(data / "umt.db")
    try:
        assert check.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        rows = dict(check.execute("SELECT id, body FROM content_items").fetchall())
    finally:
        check.close()
    assert rows == stored
    gateway.start()  # and it starts again on that data
    try:
        assert {item.id for item in GatewayClient(gateway.url, client.token).content.iterate()} == set(stored)
    finally:
        gateway.stop()
