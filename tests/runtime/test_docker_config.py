"""The Docker backend's container settings and build context as plain data, and a missing engine.

No engine needed: these run everywhere."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import pytest

from umt.runtime.docker_config import CONFIG_LABEL, SERVICE_LABEL, STACK_LABEL, container_config, published_ports
from umt.runtime.docker_image import assemble_context, context_hash
from umt.runtime.errors import EngineUnavailable
from umt.runtime.stackfile import Limits

from tests.runtime.docker_helpers import load_test_stack, stack_variables

AGENT_SECRETS = {"llm_api_key": Path("/l")}   # the agent's one secret: an LLM key, maybe empty
GATEWAY_SECRETS = {"gateway_signing_key": Path("/k"), "channel_key": Path("/c")}




@pytest.fixture
def default_stack(tmp_path):
    env = stack_variables(tmp_path, {"gateway": 18710, "agent": 18720})
    return load_test_stack(env)


def test_host_mode_containers_are_hardened_and_limited(default_stack, tmp_path):
    spec = default_stack.services["gateway"]
    secret = tmp_path / "staged-key"
    channel_key = tmp_path / "staged-channel-key"
    config = container_config(default_stack, spec, "sha256:abc", "host",
                              {"gateway_signing_key": secret, "channel_key": channel_key},
                              {"gateway_signing_key": "d1", "channel_key": "d2"})
    assert config["read_only"] is True and config["tmpfs"] == {"/tmp": "size=16m"}
    assert config["cap_drop"] == ["ALL"] and config["security_opt"] == ["no-new-privileges:true"]
    # the gateway runs as the owner of its data folder (the host user); the agent, with no data, as 10001
    assert config["init"] is True and config["user"] == f"{os.getuid()}:{os.getgid()}"
    assert container_config(default_stack, default_stack.services["agent"], "i", "host", AGENT_SECRETS)["user"] == "10001:10001"
    assert config["mem_limit"] == config["memswap_limit"] == 192 * 1024**2
    assert config["nano_cpus"] == 1_000_000_000 and config["pids_limit"] == 128
    assert config["network_mode"] == "host" and "ports" not in config
    # host networking: loopback only, and the agent is found on loopback too
    assert config["environment"]["UMT_BIND_HOST"] == "127.0.0.1"
    assert config["environment"]["UMT_AGENT_URL"] == "http://127.0.0.1:18720"
    folder = tmp_path / "umt-data" / "gateway-data" / os.environ["UMT_STACK_NAME"]   # as stack_variables names it
    assert config["volumes"][str(folder)] == {"bind": "/data", "mode": "rw"}   # the folder native mode uses too
    assert config["volumes"][str(secret)] == {"bind": "/run/secrets/gateway_signing_key", "mode": "ro"}
    assert config["volumes"][str(channel_key)] == {"bind": "/run/secrets/channel_key", "mode": "ro"}
    assert config["healthcheck"]["test"] == ["CMD", "python", "-m", "umt.healthcheck", "http://127.0.0.1:18710/health"]
    assert config["healthcheck"]["interval"] == 30 * 10**9 and config["healthcheck"]["start_period"] == 5 * 10**9
    labels = config["labels"]
    assert labels[STACK_LABEL] == default_stack.name and labels[SERVICE_LABEL] == "gateway"
    assert labels["org.opencontainers.image.title"] == "umt gateway" and len(labels[CONFIG_LABEL]) == 32
    assert published_ports(spec, "host") == [18710]


def test_bridge_mode_publishes_on_loopback_and_names_the_service(default_stack):
    spec = default_stack.services["agent"]
    config = container_config(default_stack, spec, "sha256:abc", "bridge", AGENT_SECRETS)
    assert config["ports"] == {"18720/tcp": ("127.0.0.1", 18720)}
    assert config["network"] == f"{default_stack.name}_default" and config["network_aliases"] == ["agent"]
    assert "network_mode" not in config
    assert config["environment"]["UMT_BIND_HOST"] == "0.0.0.0"   # inside its own network namespace
    gateway = container_config(default_stack, default_stack.services["gateway"], "sha256:abc", "bridge", GATEWAY_SECRETS)
    assert gateway["environment"]["UMT_AGENT_URL"] == "http://agent:18720"


def test_the_config_hash_follows_what_matters(default_stack):
    spec = default_stack.services["agent"]
    base = container_config(default_stack, spec, "sha256:abc", "host", AGENT_SECRETS)[
        "labels"][CONFIG_LABEL]
    assert container_config(default_stack, spec, "sha256:abc", "host", AGENT_SECRETS)["labels"][CONFIG_LABEL] == base
    changed_limit = dataclasses.replace(spec, limits=Limits(memory_bytes=128 * 1024**2, cpus=0.5, pids=64))
    assert container_config(default_stack, changed_limit, "sha256:abc", "host", AGENT_SECRETS)["labels"][CONFIG_LABEL] != base
    assert container_config(default_stack, spec, "sha256:new", "host", AGENT_SECRETS)["labels"][CONFIG_LABEL] != base
    gateway = default_stack.services["gateway"]
    one = container_config(default_stack, gateway, "i", "host", GATEWAY_SECRETS, {"gateway_signing_key": "a"})
    other = container_config(default_stack, gateway, "i", "host", GATEWAY_SECRETS, {"gateway_signing_key": "b"})
    assert one["labels"][CONFIG_LABEL] != other["labels"][CONFIG_LABEL]   # a new key means a new container


def test_build_context_has_the_repository_layout_without_the_desktop(tmp_path):
    ca = tmp_path / "proxy-ca.crt"
    ca.write_text("-----BEGIN CERTIFICATE-----\nproxy\n-----END CERTIFICATE-----\n")
    context = tmp_path / "context"
    assemble_context(context, {"UMT_BUILD_CA_BUNDLE": str(ca)})
    assert (context / "app/umt/gateway/app.py").is_file() and (context / "app/umt/agent/app.py").is_file()
    assert not (context / "app/umt/desktop").exists()
    assert not list(context.rglob("__pycache__"))
    assert (context / "Dockerfiles/service.Dockerfile").is_file()
    assert (context / "Dockerfiles/requirements-service.txt").is_file()
    assert (context / "Dockerfiles/build-ca/extra.crt").read_text() == ca.read_text()
    first = context_hash(context, "Dockerfiles/service.Dockerfile", {"BASE_IMAGE": "a"})
    # the CA is for the build stage only: it does not make another image
    (context / "Dockerfiles/build-ca/extra.crt").write_text("another proxy")
    assert context_hash(context, "Dockerfiles/service.Dockerfile", {"BASE_IMAGE": "a"}) == first
    assert context_hash(context, "Dockerfiles/service.Dockerfile", {"BASE_IMAGE": "b"}) != first
    (context / "app/umt/agent/app.py").write_text("# changed\n")
    assert context_hash(context, "Dockerfiles/service.Dockerfile", {"BASE_IMAGE": "a"}) != first


def test_build_context_is_reproducible(tmp_path):
    """Two assemblies of the same installed code hash the same: a restarted app reuses the image."""
    hashes = set()
    for name in ("one", "two"):
        assemble_context(tmp_path / name, {"UMT_BUILD_CA_BUNDLE": ""})
        hashes.add(context_hash(tmp_path / name, "Dockerfiles/service.Dockerfile", {"BASE_IMAGE": "b"}))
    assert len(hashes) == 1


def test_no_extra_ca_when_told_so(tmp_path):
    assemble_context(tmp_path / "context", {"UMT_BUILD_CA_BUNDLE": ""})
    assert not list((tmp_path / "context/Dockerfiles/build-ca").glob("*.crt"))


def test_a_dead_engine_is_explained(tmp_path, monkeypatch):
    from umt.runtime.docker_backend import DockerBackend

    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path}/no-engine.sock")
    stack = load_test_stack(stack_variables(tmp_path))
    with pytest.raises(EngineUnavailable) as caught:
        DockerBackend(stack, tmp_path / "data")
    assert caught.value.diagnosis.state == "other_context"
    assert "DOCKER_HOST" in str(caught.value) and "no-engine.sock" in str(caught.value)


def test_an_engine_lost_mid_session_is_explained(tmp_path, monkeypatch):
    """The engine goes away after the backend connected: calls raise EngineUnavailable, not a traceback."""
    import docker

    from umt.runtime.docker_backend import DockerBackend

    dead = f"unix://{tmp_path}/gone.sock"
    monkeypatch.setenv("DOCKER_HOST", dead)
    client = docker.DockerClient(base_url=dead, version="1.41", timeout=2)   # no call is made yet
    backend = DockerBackend(load_test_stack(stack_variables(tmp_path)), tmp_path / "data", client=client)
    try:
        for call in (lambda: backend.status("agent"), backend.stats, lambda: backend.stop_service("agent")):
            with pytest.raises(EngineUnavailable) as caught:
                call()
            assert "gone.sock" in str(caught.value)
    finally:
        backend.close()
        client.close()
