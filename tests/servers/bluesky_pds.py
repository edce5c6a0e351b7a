"""A real Bluesky Personal Data Server (npm's @atproto/pds, pinned in bluesky/package-lock.json)
on 127.0.0.1, run by node as a child process. Installed once into a cache folder outside the
repository (bluesky/install.sh); CI installs it in .ci/run."""

from __future__ import annotations

import itertools
import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

from umt.gateway.publishing import web

HERE = Path(__file__).parent / "bluesky"
# Read at import: the tests give every test its own HOME.
CACHE = os.environ.get("UMT_TEST_SERVERS_CACHE") or os.path.expanduser("~/.cache/umt-test-servers")


def missing_tools() -> str | None:
    absent = [tool for tool in ("node", "npm") if shutil.which(tool) is None]
    return f"{' and '.join(absent)} not installed" if absent else None


def install() -> Path:
    """The installed PDS's folder (npm ci into the cache the first time: about 4-6 minutes)."""
    done = subprocess.run(["bash", str(HERE / "install.sh")], capture_output=True, text=True,
                          env={**os.environ, "UMT_TEST_SERVERS_CACHE": CACHE}, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"installing the PDS failed: {done.stderr[-2000:]}")
    return Path(done.stdout.strip().splitlines()[-1])


class Pds:
    def __init__(self, installed: Path, port: int, rate_limits: bool = False) -> None:
        self.installed = installed
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.rate_limits = rate_limits
        self.data = Path(tempfile.mkdtemp(prefix="umt-pds-"))
        self.process: subprocess.Popen | None = None
        self.started_in: float | None = None
        self._accounts = itertools.count(1)

    def start(self) -> "Pds":
        begun = time.monotonic()
        log = open(self.data / "pds.log", "w")      # a file, not a pipe nobody reads: it never fills
        self.process = subprocess.Popen(
            ["node", str(HERE / "start.js"), str(self.port), str(self.data)] + (["rate-limits"] if self.rate_limits else []),
            env={**os.environ, "NODE_PATH": str(self.installed / "node_modules"), "LOG_ENABLED": "false"},
            stdin=subprocess.PIPE,      # closed when this process dies: the PDS then stops too
            stdout=subprocess.PIPE, stderr=log, text=True, start_new_session=True)
        log.close()
        line = self.process.stdout.readline()   # "ready <url>", or nothing when it died
        if not line.startswith("ready"):
            self.process.wait(timeout=10)
            raise RuntimeError(f"the PDS did not start: {(self.data / 'pds.log').read_text()[-2000:]}")
        self.started_in = time.monotonic() - begun
        return self

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=5)
        shutil.rmtree(self.data, ignore_errors=True)

    def xrpc(self, method: str, *, token: str | None = None, post: bool = False, **body) -> dict:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        if body or post:
            answer = web.request("POST", f"{self.url}/xrpc/{method}", json=body or None, headers=headers)
        else:
            answer = web.request("GET", f"{self.url}/xrpc/{method}", headers=headers)
        assert answer.status == 200, (method, answer.status, answer.text())
        return answer.json()

    def create_account(self, name: str) -> dict:
        """A new account `nameN.test` and an app password for it: {handle, did, app_password, access}."""
        name = f"{name}{next(self._accounts)}"
        handle = f"{name}.test"
        made = self.xrpc("com.atproto.server.createAccount", handle=handle, email=f"{name}@example.test",
                         password=f"main-password-{name}")
        app = self.xrpc("com.atproto.server.createAppPassword", token=made["accessJwt"], name="umt")
        return {"handle": handle, "did": made["did"], "app_password": app["password"], "access": made["accessJwt"]}

    def records(self, account: dict, collection: str = "app.bsky.feed.post") -> list[dict]:
        return self.xrpc(f"com.atproto.repo.listRecords?repo={account['did']}&collection={collection}")["records"]
