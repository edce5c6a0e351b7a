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


def test_help_lists_the_commands_and_hides_the_internal_one():
    result = umt("--help")
    assert result.returncode == 0
    assert "==SUPPRESS==" not in result.stdout
    assert "supervise" not in result.stdout
    for name in ("up", "down", "status", "stats", "logs", "doctor", "secret"):
        assert f"\n    {name} " in result.stdout, result.stdout


def test_up_on_a_running_stack_says_so_and_stats_word_cpu_as_the_window_does(stack_down_afterwards):
    import re

    from umt import formatting

    assert umt("up", "--backend", "native").returncode == 0
    again = umt("up")
    assert again.returncode == 0, again.stderr
    assert "The stack is already running (native), supervised by the background supervisor" in again.stderr
    assert "Starting the" not in again.stderr and "healthy in" not in again.stderr
    assert again.stdout.strip() == f"http://127.0.0.1:{stack_down_afterwards['gateway']}"

    stats = umt("stats", "--interval", "0.3")
    assert stats.returncode == 0, stats.stderr
    lines = {line.split()[0]: line for line in stats.stdout.splitlines()}
    assert set(lines) == {"agent", "gateway"}
    # Percent of one core, then the share of the service's own limit: the resources table's words.
    assert re.search(r"CPU \d+\.\d % of a core · \d+ % of 1 CPU   memory [\d.]+ MiB of 192 MiB · \d+ %$", lines["gateway"]), lines
    assert re.search(r"CPU \d+\.\d % of a core · \d+ % of 0\.5 CPUs   memory [\d.]+ MiB of 96.0 MiB · \d+ %$", lines["agent"]), lines
    assert formatting.cpu_text(0.99, 0.5, 0.0198) == "1.0 % of a core · 2 % of 0.5 CPUs"


def test_down_finds_the_native_stack_when_no_record_names_it(stack_down_afterwards, isolated_data):
    """As an app that lost the record (or an older umt) leaves it: native processes run, nothing
    says so. `umt down` must stop them, not report an idle Docker stack as stopped."""
    from umt.healthcheck import probe

    assert umt("up", "--backend", "native", "--no-supervise").returncode == 0
    (isolated_data / "stack.json").unlink()
    down = umt("down")
    assert down.returncode == 0, down.stderr
    assert "Stopped (native)" in down.stderr, down.stderr
    for name, port in stack_down_afterwards.items():
        assert not probe(f"http://127.0.0.1:{port}/health", 0.5), f"the {name} still answers"


def test_secret_where_names_the_keyring_and_its_file(isolated_data):
    import keyring

    result = umt("secret", "where")
    assert result.returncode == 0, result.stderr
    assert "PlaintextKeyring" in result.stdout
    assert f"Where: the file {keyring.get_keyring().file_path}" in result.stdout
    assert str(isolated_data / "secrets") in result.stdout


def test_the_command_works_in_the_data_folder_chosen_in_the_app(stack_ports, tmp_path, isolated_data):
    """An owner who chose a data folder in Settings: `umt up` and `umt down` from a terminal (no
    UMT_DATA_DIR) find the stack there, as the app does, with the app's saved ports."""
    from tests.conftest import free_port
    from umt.healthcheck import probe
    from umt.settings import DesktopSettings, save_settings

    chosen = tmp_path / "chosen-data"
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("UMT_DATA_DIR", "UMT_GATEWAY_PORT")}
    default_folder = tmp_path / "xdg-data" / "umt"      # the platform's folder under this test's XDG_DATA_HOME
    save_settings(DesktopSettings(data_folder=str(chosen), stack_variables={"UMT_GATEWAY_PORT": str(port)}),
                  default_folder / "settings.json")

    def run(*args):
        return subprocess.run([sys.executable, "-m", "umt.cli", *args], capture_output=True, text=True, env=env, timeout=90)

    try:
        up = run("up", "--backend", "native")
        assert up.returncode == 0, up.stderr
        assert up.stdout.strip() == f"http://127.0.0.1:{port}"
        assert json.loads((chosen / "stack.json").read_text())["backend"] == "native"
        assert not (default_folder / "stack.json").exists()
        from umt.runtime.record import RecordFile

        supervisor = RecordFile(chosen / "stack.json").read().live_supervisor()
        assert supervisor is not None and supervisor.role == "background"
        # The background supervisor reads the same settings: it probes the saved port, so it
        # sees a healthy gateway and restarts nothing.
        rows = json.loads(run("status", "--json").stdout)
        assert {r["name"]: (r["health"], r["restarts"]) for r in rows["services"]} == {
            "agent": ("healthy", 0), "gateway": ("healthy", 0)}
    finally:
        down = run("down")
    assert down.returncode == 0, down.stderr
    assert "Stopped (native)" in down.stderr
    assert not probe(f"http://127.0.0.1:{port}/health", 0.5)
