"""`umt backup`, `umt restore`, `umt backups` as real subprocesses against the real native stack:
backup → more work → restore into the running stack → wipe → restore into the stopped stack, each
time counted over the gateway's HTTP API."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest

from umt import demo, secrets
from umt.client import GatewayClient

PASSWORD = "correct horse battery staple"


def umt(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "umt.cli", *args], capture_output=True, text=True,
                          env=dict(os.environ), timeout=timeout, stdin=subprocess.DEVNULL)


@pytest.fixture
def stack_down_afterwards(stack_ports):
    yield stack_ports
    umt("down")


def counted(url: str) -> dict[str, int]:
    with GatewayClient(url) as client:
        client.login("owner@example.com", PASSWORD)
        return {name: getattr(client, name).list().total for name in ("brands", "campaigns", "content", "metrics")}


def test_backup_then_restore_into_the_running_and_into_a_wiped_stack(stack_down_afterwards, isolated_data, tmp_path):
    up = umt("up", "--backend", "native")
    assert up.returncode == 0, up.stderr
    url = up.stdout.strip()
    with GatewayClient(url) as client:
        client.setup_owner("owner@example.com", "Ada Owner", PASSWORD)
        demo.fill_sample_data(client, lambda fraction, step: None)
    backed_up = counted(url)
    assert backed_up["metrics"] > 100 and backed_up["content"] > 5

    passphrase = tmp_path / "passphrase.txt"
    passphrase.write_text("the owner's own passphrase\n")
    made = umt("backup", "--passphrase-file", str(passphrase))
    assert made.returncode == 0, made.stderr
    path = made.stdout.strip()
    assert path.endswith(".umtbackup") and "[100%]" in made.stderr and "Backed up" in made.stderr
    # (the supervisor's daily backup may come too, on a slow run: these are the owner's)
    listed = [b for b in json.loads(umt("backups", "--json").stdout)["backups"] if b["manifest"]["reason"] != "daily"]
    assert [b["path"] for b in listed] == [path]
    assert listed[0]["manifest"]["tables"]["metrics"] == backed_up["metrics"]

    with GatewayClient(url) as client:       # work done after the backup, which the restore undoes
        client.login("owner@example.com", PASSWORD)
        client.brands.create(name="Made after the backup")
    assert counted(url)["brands"] == backed_up["brands"] + 1

    wrong = tmp_path / "wrong.txt"
    wrong.write_text("not the passphrase\n")
    refused = umt("restore", path, "--passphrase-file", str(wrong), "--yes")
    assert refused.returncode == 1 and "wrong passphrase" in refused.stderr and "Traceback" not in refused.stderr
    assert counted(url)["brands"] == backed_up["brands"] + 1     # nothing changed

    unconfirmed = umt("restore", path, "--passphrase-file", str(passphrase))
    assert unconfirmed.returncode == 2 and "nothing restored" in unconfirmed.stderr

    restored = umt("restore", path, "--passphrase-file", str(passphrase), "--yes")
    assert restored.returncode == 0, restored.stderr
    assert "Stopping the stack" in restored.stderr and "Restored" in restored.stderr
    assert counted(url) == backed_up
    status = json.loads(umt("status", "--json").stdout)
    assert {s["health"] for s in status["services"]} == {"healthy"}
    assert status["supervisor"] is not None and status["supervisor"]["role"] == "background"   # watched again
    reasons = sorted(b["manifest"]["reason"] for b in json.loads(umt("backups", "--json").stdout)["backups"]
                     if b["manifest"]["reason"] != "daily")
    assert reasons == ["before-restore", "manual"]

    # A new laptop: no data folder content, no keys in the keyring.
    assert umt("down").returncode == 0
    gateway_data = next(isolated_data.glob("gateway-data/*"))
    shutil.rmtree(gateway_data)
    secrets.delete_secret(secrets.GATEWAY_SIGNING_KEY)
    again = umt("restore", path, "--passphrase-file", str(passphrase), "--yes")
    assert again.returncode == 0, again.stderr
    assert "Stopping" not in again.stderr     # it was stopped: swapped, not started
    assert secrets.get_secret(secrets.GATEWAY_SIGNING_KEY) is not None
    assert umt("up", "--backend", "native").returncode == 0
    assert counted(url) == backed_up
