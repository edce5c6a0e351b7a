"""The `umt` command, run as a real subprocess with the native backend."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.runtime.helpers import wait_for


def umt(*args: str, env_extra: dict | None = None, timeout: float = 90) -> subprocess.CompletedProcess:
    env = dict(os.environ, **(env_extra or {}))
    return subprocess.run(
        [sys.executable, "-m", "umt.cli", *args], capture_output=True, text=True, env=env, timeout=timeout
    )


@pytest.fixture
def stack_down_afterwards(stack_ports):
    yield stack_ports
    umt("down")


def test_up_status_stats_logs_down(stack_down_afterwards):
    ports = stack_down_afterwards
    up = umt("up", "--backend", "native")
    assert up.returncode == 0, up.stderr
    assert up.stdout.strip() == f"http://127.0.0.1:{ports['gateway']}"
    assert "All services healthy" in up.stderr

    status = umt("status", "--json")
    assert status.returncode == 0, status.stderr
    rows = json.loads(status.stdout)
    assert rows["backend"] == "native"
    assert [(s["name"], s["state"], s["health"]) for s in rows["services"]] == [
        ("agent", "running", "healthy"), ("gateway", "running", "healthy")]

    stats = umt("stats", "--json", "--interval", "0.3")
    assert stats.returncode == 0, stats.stderr
    by_name = {s["name"]: s for s in json.loads(stats.stdout)["services"]}
    assert set(by_name) == {"agent", "gateway"}
    for row in by_name.values():
        assert row["memory_bytes"] > 0 and row["memory_limit_bytes"] > row["memory_bytes"]
        assert row["cpu_limit"] > 0 and row["cpu_percent"] >= 0
    assert "Application startup complete" in umt("logs", "gateway", "--tail", "50").stdout

    down = umt("down")
    assert down.returncode == 0, down.stderr
    after = json.loads(umt("status", "--json", "--backend", "native").stdout)
    assert {s["state"] for s in after["services"]} == {"missing"}


def test_the_background_supervisor_restarts_a_killed_service(stack_down_afterwards):
    import psutil

    assert umt("up", "--backend", "native").returncode == 0

    def gateway_pid():
        for process in psutil.process_iter(["cmdline", "environ"]):
            cmdline = " ".join(process.info["cmdline"] or [])
            if "umt.gateway" in cmdline and (process.info["environ"] or {}).get("UMT_PORT") == str(stack_down_afterwards["gateway"]):
                return process.pid
        return None

    first = wait_for(gateway_pid, what="the gateway process")
    psutil.Process(first).kill()

    def healthy_again():
        pid = gateway_pid()
        if pid in (None, first):
            return False
        rows = json.loads(umt("status", "--json").stdout)["services"]
        return all(r["health"] == "healthy" for r in rows) and rows

    rows = wait_for(healthy_again, timeout_s=30, every_s=0.3, what="the gateway to come back")
    assert {r["name"]: r["restarts"] for r in rows} == {"agent": 0, "gateway": 1}


def test_a_broken_stack_file_is_reported_with_file_line_and_field(tmp_path):
    broken = tmp_path / "compose.yaml"
    broken.write_text("services:\n  web:\n    image: x\n    command: [run]\n    deploy:\n      resources:\n        limits: {memory: lots}\n")
    result = umt("--stack-file", str(broken), "up", "--backend", "native")
    assert result.returncode == 1
    assert f"{broken}:7: services.web.deploy.resources.limits.memory: 'lots' is not a size" in result.stderr


def test_doctor_reports_each_check(stack_ports):
    result = umt("doctor", "--json")
    checks = {c["check"]: c for c in json.loads(result.stdout)["checks"]}
    assert checks["stack file"]["ok"] and checks[f"port {stack_ports['gateway']}"]["message"] == "free"
    assert "docker" in checks and "keyring" in checks


def test_a_dead_docker_engine_gets_a_message_saying_what_to_do(stack_ports, tmp_path):
    result = umt("up", "--backend", "docker", env_extra={"DOCKER_HOST": f"unix://{tmp_path}/no-docker.sock"})
    assert result.returncode == 1
    assert "Docker" in result.stderr and "native" in result.stderr
    assert "Traceback" not in result.stderr


def test_auto_falls_back_to_native_and_says_so(stack_down_afterwards, tmp_path):
    result = umt("up", "--backend", "auto", env_extra={"DOCKER_HOST": f"unix://{tmp_path}/no-docker.sock"})
    assert result.returncode == 0, result.stderr
    assert "local processes instead" in result.stderr


def test_the_llm_key_goes_to_the_keyring_and_reaches_the_agent_as_a_secret_file(stack_down_afterwards, isolated_data):
    stored = subprocess.run([sys.executable, "-m", "umt.cli", "secret", "set", "llm_api_key"],
                            input="sk-test-123\n", capture_output=True, text=True, env=dict(os.environ), timeout=60)
    assert stored.returncode == 0, stored.stderr
    assert "sk-test-123" not in stored.stderr + stored.stdout
    from umt import secrets

    assert secrets.get_secret("llm_api_key") == "sk-test-123"
    assert umt("up", "--backend", "native").returncode == 0
    staged = list(isolated_data.glob("native/*/secrets/agent/llm_api_key"))
    assert [p.read_text() for p in staged] == ["sk-test-123"]
    assert umt("secret", "delete", "llm_api_key").returncode == 0
    assert secrets.get_secret("llm_api_key") is None


def test_the_command_honours_the_settings_saved_by_the_app(stack_ports):
    from tests.conftest import free_port
    from umt.settings import DesktopSettings, save_settings

    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "UMT_AGENT_PORT"}
    save_settings(DesktopSettings(stack_variables={"UMT_AGENT_PORT": str(port)}))
    result = subprocess.run([sys.executable, "-m", "umt.cli", "doctor", "--json"], capture_output=True, text=True, env=env, timeout=60)
    checks = {c["check"] for c in json.loads(result.stdout)["checks"]}
    assert f"port {port}" in checks                       # the saved setting applies...
    assert f"port {stack_ports['gateway']}" in checks     # ...under what the environment sets


def test_doctor_tells_the_stacks_own_services_from_a_stranger_on_their_ports(stack_down_afterwards):
    ports = stack_down_afterwards
    assert umt("up", "--backend", "native", "--no-supervise").returncode == 0
    checks = {c["check"]: c for c in json.loads(umt("doctor", "--json").stdout)["checks"]}
    for service in ("gateway", "agent"):
        port = checks[f"port {ports[service]}"]
        assert port["ok"] and port["message"] == f"in use by this stack's own {service}: the stack is running", port
    umt("down")

    import socket

    with socket.socket() as stranger:   # another program on the gateway's port
        stranger.bind(("127.0.0.1", ports["gateway"]))
        stranger.listen()
        result = umt("doctor", "--json")
    port = {c["check"]: c for c in json.loads(result.stdout)["checks"]}[f"port {ports['gateway']}"]
    assert not port["ok"] and "already in use" in port["message"] and "Stop that program" in port["message"]
    assert result.returncode == 1


@pytest.mark.docker
def test_doctor_checks_that_the_base_image_is_here_or_downloadable(stack_ports):
    from tests.runtime.docker_helpers import LOCAL_BASE, _local_base_exists

    if not _local_base_exists():
        pytest.skip(f"needs the local base image {LOCAL_BASE} (tools/make-base-image.sh)")
    present = {c["check"]: c for c in json.loads(umt("doctor", "--json", env_extra={"UMT_BASE_IMAGE": LOCAL_BASE}).stdout)["checks"]}
    assert present["base image"] == {"check": "base image", "ok": True, "message": f"{LOCAL_BASE} is present"}

    absent = umt("doctor", "--json", env_extra={"UMT_BASE_IMAGE": "umt-test-no-such-base:0"})
    check = {c["check"]: c for c in json.loads(absent.stdout)["checks"]}["base image"]
    assert not check["ok"] and "umt-test-no-such-base:0 is not on this computer and cannot be downloaded" in check["message"]
    assert "UMT_BASE_IMAGE" in check["message"] and absent.returncode == 1
