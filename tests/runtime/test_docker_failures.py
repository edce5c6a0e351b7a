"""The Docker backend's failures, each with its message, and image builds, upgrades and bridge mode.

Each test has its own stack (own name, own ports), removed by label afterwards."""

from __future__ import annotations

import contextlib
import dataclasses
import os
import socket
import uuid

import pytest

from umt.runtime.docker_config import STACK_LABEL
from umt.runtime.errors import PortInUse, ServiceFailed
from umt.runtime.model import EventKind, State
from umt.runtime.stackfile import Limits

from tests.runtime.docker_helpers import (
    ensure_up, load_test_stack, remove_everything_of, stack_variables,
)
from tests.runtime.helpers import wait_for




@pytest.fixture
def own_stack(tmp_path, monkeypatch):
    """A separate, not yet started stack for the failure tests; cleaned up by label."""
    from umt.runtime.docker_backend import DockerBackend

    env = stack_variables(tmp_path)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    stack = load_test_stack(env)
    backend = DockerBackend(stack, tmp_path / "data")
    try:
        yield backend
    finally:
        backend.close()
        remove_everything_of(stack.name)


@pytest.mark.docker
def test_a_taken_port_is_named_with_its_holder(own_stack):
    port = own_stack.service("agent").health_port
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", port))
        squatter.listen()
        with pytest.raises(PortInUse) as caught:
            own_stack.start_service("agent")
    assert caught.value.port == port and str(port) in str(caught.value)
    assert "python" in (caught.value.holder or "") and str(os.getpid()) in caught.value.holder
    assert own_stack.status("agent").state == State.MISSING


@pytest.mark.docker
def test_a_missing_secret_file_is_named(own_stack):
    secret = own_stack.stack.secrets["gateway_signing_key"]
    secret.unlink()
    with pytest.raises(ServiceFailed) as caught:
        own_stack.start_service("gateway")
    assert str(secret) in str(caught.value) and "gateway_signing_key" in str(caught.value)
    assert "UMT_SECRETS_DIR" in str(caught.value)


@pytest.mark.docker
def test_out_of_memory_is_reported(own_stack):
    agent = own_stack.service("agent")
    starved = dataclasses.replace(agent, limits=Limits(memory_bytes=8 * 1024**2, cpus=0.5, pids=64))
    own_stack.stack = dataclasses.replace(own_stack.stack, services={**own_stack.stack.services, "agent": starved})
    own_stack.prepare()
    own_stack.start_service("agent")
    seen: list = []
    wait_for(lambda: seen.extend(own_stack.events()) or any(e.kind == EventKind.OOM for e in seen), 20, what="an OOM event")
    status = wait_for(lambda: (s := own_stack.status("agent")).state == State.EXITED and s, 20, what="the agent to exit")
    assert status.oom_killed and "memory" in status.detail


@pytest.mark.docker
def test_the_engine_healthcheck_reports_health_events(own_stack):
    agent = own_stack.service("agent")
    # The stack's 30 s interval is for the engine's own bookkeeping; a 1 s one shows the event quickly.
    quick = dataclasses.replace(agent, healthcheck=dataclasses.replace(agent.healthcheck, interval_s=1.0, start_period_s=0.0))
    own_stack.stack = dataclasses.replace(own_stack.stack, services={**own_stack.stack.services, "agent": quick})
    own_stack.start_service("agent")
    seen: list = []
    wait_for(lambda: seen.extend(own_stack.events()) or any(e.kind == EventKind.HEALTH and e.detail == "healthy" for e in seen),
             20, what="a healthy event")
    assert own_stack.status("agent").health.value == "healthy"


@pytest.mark.docker
def test_bridge_mode_joins_the_stack_network_under_the_service_name(tmp_path, monkeypatch, engine):
    """Checked through the engine's records only: tests send no traffic to bridge addresses."""
    from umt.runtime.docker_backend import DockerBackend

    env = stack_variables(tmp_path)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    stack = load_test_stack(env)
    backend = DockerBackend(stack, tmp_path / "data", network="bridge")
    try:
        backend.prepare()
        backend.start_service("agent")
        container = engine.containers.get(f"{stack.name}-agent")
        networks = container.attrs["NetworkSettings"]["Networks"]
        assert list(networks) == [f"{stack.name}_default"]
        assert "agent" in networks[f"{stack.name}_default"]["Aliases"]
        port = backend.service("agent").health_port
        assert container.attrs["HostConfig"]["PortBindings"] == {f"{port}/tcp": [{"HostIp": "127.0.0.1", "HostPort": str(port)}]}
        assert engine.networks.get(f"{stack.name}_default").attrs["Labels"] == {STACK_LABEL: stack.name}
    finally:
        backend.close()
        remove_everything_of(stack.name)


@pytest.mark.docker
def test_a_failed_build_says_why_with_the_build_log(own_stack, monkeypatch):
    from umt.runtime.errors import BuildFailed

    # A base image nobody can provide (a registry on a closed loopback port fails at once).
    monkeypatch.setenv("UMT_BASE_IMAGE", "localhost:1/umt-no-such-base:none")
    tag = f"umt-test-broken:{uuid.uuid4().hex[:8]}"
    services = {name: dataclasses.replace(spec, image=tag) for name, spec in own_stack.stack.services.items()}
    own_stack.stack = dataclasses.replace(own_stack.stack, services=services)
    steps = []
    with pytest.raises(BuildFailed) as caught:
        own_stack.prepare(steps.append)
    message = str(caught.value)
    # The owner reads the image's name, never the Dockerfile's ${BASE_IMAGE} (issue 8, item 4).
    assert "connection refused" in message and ": FROM localhost:1/umt-no-such-base:none" in message
    assert "${" not in message and not any("${" in step.step for step in steps)
    assert "localhost:1/umt-no-such-base:none is neither present nor downloadable" in message
    assert "base image in Settings" in message and "native mode" in message
    assert "Logs window (the 'build' entry)" in message
    assert any(step.step.startswith("Step 1/") for step in steps)
    assert "Step 1/" in caught.value.log_tail
    # The whole build output is one of the logs the backend offers, as the message says.
    assert "build" in own_stack.log_names()
    logged = own_stack.logs("build", tail=0)
    assert logged[0].startswith("Building ") and "localhost:1/umt-no-such-base:none" in logged[0]
    assert logged[-1].startswith("ERROR: ") and any(line.startswith("Step 1/") for line in logged)


@pytest.mark.docker
def test_images_are_reused_and_a_rebuild_replaces_the_old_one(own_stack, engine):
    import docker.errors

    from umt.runtime.docker_image import ImageBuilder

    nonce = uuid.uuid4().hex[:8]
    agent = own_stack.service("agent")

    def variant(value: str):
        """The agent's image under a test tag, with an extra build arg that makes it this test's own."""
        return dataclasses.replace(
            agent, image=f"umt-test-rebuild:{nonce}", build=dataclasses.replace(agent.build, args={**agent.build.args, "UMT_NONCE": value})
        )

    spec, changed = variant(nonce + "-1"), variant(nonce + "-2")
    try:
        first = ImageBuilder(engine).ensure(spec)
        steps = []
        assert ImageBuilder(engine).ensure(spec, steps.append) == first   # a new session finds it
        assert [s.step for s in steps][-1] == f"Using the existing image {spec.image}"
        # Another build input (here the build arg) makes another image, and the old one goes.
        second = ImageBuilder(engine).ensure(changed)
        assert second != first
        with pytest.raises(docker.errors.ImageNotFound):
            engine.images.get(first)
    finally:
        with contextlib.suppress(docker.errors.APIError):
            engine.images.remove(spec.image)


@pytest.mark.docker
def test_an_upgrade_recreates_the_container_and_drops_the_old_image(own_stack, engine):
    import docker.errors

    from umt.runtime.docker_backend import DockerBackend

    nonce = uuid.uuid4().hex[:8]
    agent = own_stack.service("agent")

    def version(value: str):
        """The stack as a given app version builds it: its own tag, and an image of its own."""
        spec = dataclasses.replace(
            agent, image=f"umt-test-upgrade:{nonce}", build=dataclasses.replace(agent.build, args={**agent.build.args, "UMT_NONCE": value})
        )
        return dataclasses.replace(own_stack.stack, services={**own_stack.stack.services, "agent": spec})

    own_stack.stack = version("old")
    try:
        ensure_up(own_stack, "agent")
        old = engine.containers.get(f"{own_stack.stack.name}-agent")
        upgraded = DockerBackend(version("new"), own_stack.data_dir)
        try:
            ensure_up(upgraded, "agent")
        finally:
            upgraded.close()
        new = engine.containers.get(f"{own_stack.stack.name}-agent")
        assert new.id != old.id and new.attrs["Image"] != old.attrs["Image"]
        with pytest.raises(docker.errors.ImageNotFound):
            engine.images.get(old.attrs["Image"])
    finally:
        remove_everything_of(own_stack.stack.name)
        with contextlib.suppress(docker.errors.APIError):
            engine.images.remove(f"umt-test-upgrade:{nonce}")
