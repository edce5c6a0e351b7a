"""Shared pieces of the Docker tests: a test stack's variables, its loading, its removal."""

from __future__ import annotations

import dataclasses
import os
import uuid
from pathlib import Path

from umt.healthcheck import probe
from umt.paths import default_stack_file
from umt.runtime.docker_config import STACK_LABEL
from umt.runtime.stackfile import load_stack

from tests.conftest import free_port
from tests.runtime.helpers import wait_for

LOCAL_BASE = "umt-base:bookworm"
SIGNING_KEY = b"test-signing-key-" + b"0123456789abcdef" * 3   # the gateway wants 32+ characters


def stack_variables(tmp_path: Path, ports: dict[str, int] | None = None) -> dict[str, str]:
    """The variables a test stack is loaded with: its ports, secrets folder and base image."""
    secrets = tmp_path / "secrets"
    secrets.mkdir(exist_ok=True)
    key = secrets / "gateway_signing_key"
    key.write_bytes(SIGNING_KEY)
    key.chmod(0o600)   # private to the host user, as umt.secrets writes it
    channel_key = secrets / "channel_key"
    channel_key.write_bytes(b"test-channel-key-" + b"fedcba9876543210" * 3)
    channel_key.chmod(0o600)
    (secrets / "llm_api_key").write_text("")   # no LLM key: the agent drafts from templates
    ports = ports or {"gateway": free_port(), "agent": free_port()}
    env = {
        "UMT_SECRETS_DIR": str(secrets),
        "UMT_GATEWAY_PORT": str(ports["gateway"]),
        "UMT_AGENT_PORT": str(ports["agent"]),
        "UMT_DOCKER_NETWORK": "host",
        # Named here, not taken from the environment: a module-wide stack is loaded before the
        # per-test data folder is set, and the gateway's data folder must never land in the checkout.
        "UMT_DATA_DIR": str(tmp_path / "umt-data"),
        # as umt.launch sets them: the gateway's container runs as the owner of its data folder
        "UMT_UID": str(os.getuid()),
        "UMT_GID": str(os.getgid()),
    }
    if _local_base_exists():
        env["UMT_BASE_IMAGE"] = LOCAL_BASE
    return env


def _local_base_exists() -> bool:
    try:
        import docker

        client = docker.from_env(timeout=5)
        try:
            client.images.get(LOCAL_BASE)
            return True
        finally:
            client.close()
    except Exception:  # noqa: BLE001 - no engine or no such image: the official base is used
        return False


def load_test_stack(env: dict[str, str]):
    stack = load_stack(default_stack_file(), {**os.environ, **env})
    return dataclasses.replace(stack, name=f"umttest-{uuid.uuid4().hex[:8]}")


def remove_everything_of(stack_name: str) -> None:
    import docker

    client = docker.from_env()
    try:
        label = {"label": f"{STACK_LABEL}={stack_name}"}
        for container in client.containers.list(all=True, filters=label):
            container.remove(force=True)
        for volume in client.volumes.list(filters=label):
            volume.remove(force=True)
        for network in client.networks.list(filters=label):
            network.remove()
    finally:
        client.close()



def ensure_up(backend, name: str) -> None:
    backend.start_service(name)
    wait_for(lambda: probe(backend.service(name).health_url, 0.5), 30, what=f"{name} healthy")
