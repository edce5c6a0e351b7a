"""The gateway as the native stack runs it (`python -m umt.gateway`, its own process), for tests
that kill it with SIGKILL and start it again on the same data folder and port."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import requests

from tests.conftest import free_port
from tests.runtime.helpers import wait_for

SIGNING_KEY = "fault-injection-signing-key-" + "k" * 24


class GatewayProcess:
    def __init__(self, data_dir: Path, *, agent_url: str | None = None, **env: str) -> None:
        self.data_dir = data_dir
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {k: v for k, v in os.environ.items() if k not in ("UMT_SIGNING_KEY", "DATABASE_URL")}
        self.env.update(UMT_DATA_DIR=str(data_dir), UMT_SECRETS_DIR=str(data_dir / "no-secrets"),
                        UMT_PORT=str(self.port), UMT_SIGNING_KEY=SIGNING_KEY,
                        UMT_AGENT_URL=agent_url or f"http://127.0.0.1:{free_port()}", **env)
        self.log = data_dir.parent / f"gateway-{self.port}.log"
        self.process: subprocess.Popen | None = None

    def start(self, wait: bool = True) -> "GatewayProcess":
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen([sys.executable, "-m", "umt.gateway"], env=self.env, stdout=log,
                                            stderr=subprocess.STDOUT)
        if wait:
            self.wait_healthy()
        return self

    def wait_healthy(self, timeout_s: float = 60) -> None:
        def healthy() -> bool:
            assert self.process.poll() is None, f"the gateway exited: {self.output()}"
            try:
                return requests.get(self.url + "/health", timeout=1).ok
            except requests.RequestException:
                return False

        wait_for(healthy, timeout_s=timeout_s, every_s=0.05, what="the gateway process to answer")

    def kill(self) -> None:
        """SIGKILL: no shutdown code runs, as when the machine's OOM killer or a crash ends it."""
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-3000:] if self.log.exists() else ""
