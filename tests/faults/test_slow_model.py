"""A model endpoint that hangs, or trickles a byte now and then."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
from dataclasses import replace

import psutil
import pytest
import requests

from tests.conftest import free_port
from tests.runtime.helpers import wait_for
from umt.client import JobFailed

LLM_TIMEOUT_S = 1


class BadModelServer:
    """An "OpenAI-compatible" endpoint on loopback that never finishes a reply: `hang` reads the
    request and says nothing; `trickle` sends a header byte every 0.2 s, which resets any per-read
    timeout, for ever. It counts the connections still open."""

    def __init__(self, mode: str) -> None:
        self.mode = mode
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.base_url = f"http://127.0.0.1:{self.port}/v1"
        self.open: set[socket.socket] = set()
        self.accepted = 0
        self.lock = threading.Lock()
        self.stop = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self.stop.is_set():
            try:
                connection, _ = self.listener.accept()
            except OSError:
                return
            with self.lock:
                self.open.add(connection)
                self.accepted += 1
            threading.Thread(target=self._serve, args=(connection,), daemon=True).start()

    def _serve(self, connection: socket.socket) -> None:
        try:
            connection.recv(65536)  # the request
            connection.settimeout(0.2)
            trickle = b"HTTP/1.1 200 OK\r\n" + b"X-Thinking: " + b"." * 10**6
            position = 0
            while not self.stop.is_set():
                if self.mode == "trickle":
                    connection.sendall(trickle[position:position + 1])
                    position += 1
                try:
                    if connection.recv(1) == b"":
                        return  # the client closed it
                except socket.timeout:
                    continue
        except OSError:
            return
        finally:
            with self.lock:
                self.open.discard(connection)
            connection.close()

    def still_open(self) -> int:
        with self.lock:
            return len(self.open)

    def close(self) -> None:
        self.stop.set()
        self.listener.close()


@pytest.fixture(params=["hang", "trickle"])
def bad_model(request):
    server = BadModelServer(request.param)
    yield server
    server.close()


@pytest.fixture
def agent_process(isolated_data, bad_model):
    port = free_port()
    env = {**os.environ, "UMT_PORT": str(port), "UMT_LLM_BASE_URL": bad_model.base_url, "UMT_LLM_MODEL": "slowpoke",
           "UMT_LLM_TIMEOUT": str(LLM_TIMEOUT_S), "UMT_LLM_RETRIES": "1", "UMT_LLM_BACKOFF": "0.05",
           "UMT_SECRETS_DIR": str(isolated_data / "no-secrets")}
    log = open(isolated_data.parent / "agent.log", "wb")
    process = subprocess.Popen([sys.executable, "-m", "umt.agent"], env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"

    def healthy() -> bool:
        assert process.poll() is None, (isolated_data.parent / "agent.log").read_text()
        try:
            return requests.get(url + "/health", timeout=1).ok
        except requests.RequestException:
            return False

    wait_for(healthy, timeout_s=60, what="the agent process")
    yield process, url
    process.terminate()
    process.wait(timeout=15)
    log.close()


@pytest.fixture
def gateway_settings(gateway_settings, agent_process):
    return replace(gateway_settings, agent_url=agent_process[1])


@pytest.mark.faults
def test_drafting_against_a_stuck_model_times_out_with_a_message_and_nothing_piles_up(owner, bad_model,
                                                                                      agent_process):
    """Promise: when the model endpoint hangs (or trickles bytes, which no per-read timeout
    catches), each draft job fails within its time limit with a message that says so, and no
    connection or drafting thread is left behind, however many drafts were asked for."""
    jobs = [owner.submit_job("draft", {"brief": f"Spring sale {n}", "channel": "x", "brand": {"name": "Acme"},
                                       "provider": "llm", "variants": 2})
            for n in range(4)]
    for job in jobs:
        with pytest.raises(JobFailed) as failed:
            # Two attempts of 1 s each per job, two jobs at a time: far less than this.
            owner.wait_job(job.id, timeout=30)
        assert failed.value.code == "llm_unavailable"
        assert f"no answer within {LLM_TIMEOUT_S} s" in failed.value.message, failed.value.message
        assert "slowpoke" not in failed.value.message or "127.0.0.1" in failed.value.message
    assert bad_model.accepted >= 8  # each job tried twice: the model was really asked
    wait_for(lambda: bad_model.still_open() == 0, timeout_s=10, what="the model's connections to close")
    agent = psutil.Process(agent_process[0].pid)

    def agent_connections_to_the_model() -> list:
        return [c for c in agent.net_connections(kind="tcp") if c.raddr and c.raddr.port == bad_model.port]

    assert agent_connections_to_the_model() == []
    # The agent still answers at once, and its threads did not pile up.
    assert requests.get(agent_process[1] + "/health", timeout=2).ok
    assert agent.num_threads() < 20
