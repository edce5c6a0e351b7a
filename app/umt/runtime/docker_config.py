"""What a service's container looks like: the create arguments, as plain data, from the stack.

Pure (no engine): the Docker backend hashes the result to tell an adoptable container from one
whose configuration changed, and the tests check the hardening and limits here directly.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Mapping

from umt.runtime.stackfile import ServiceSpec, StackSpec

STACK_LABEL = "org.umt.stack"
SERVICE_LABEL = "org.umt.service"
CONFIG_LABEL = "org.umt.config-hash"
SECRETS_TARGET = "/run/secrets"
NETWORK_MODES = ("bridge", "host")


def container_name(stack: StackSpec, service: str) -> str:
    return f"{stack.name}-{service}"


def volume_name(stack: StackSpec, volume: str) -> str:
    return f"{stack.name}_{volume}"


def network_name(stack: StackSpec) -> str:
    return f"{stack.name}_default"


def stack_labels(stack: StackSpec) -> dict[str, str]:
    return {STACK_LABEL: stack.name}


def published_ports(spec: ServiceSpec, network_mode: str) -> list[int]:
    """The host ports the service occupies: published ports, or with host networking the ports it binds."""
    if network_mode == "host" or spec.network_mode == "host":
        return sorted({p.container_port for p in spec.ports} | ({spec.health_port} if spec.health_port else set()))
    return sorted({p.host_port for p in spec.ports})


def container_config(
    stack: StackSpec,
    spec: ServiceSpec,
    image_id: str,
    network_mode: str,
    secret_files: Mapping[str, Path],
    secret_digests: Mapping[str, str] | None = None,
) -> dict:
    """Keyword arguments for docker-py's `containers.create`, as JSON-able data, labels included.

    `network_aliases` is ours: the backend turns it into an endpoint config for the stack's network."""
    host = network_mode == "host" or spec.network_mode == "host"
    environment = dict(spec.environment)
    if host:
        environment.update(spec.host_network_environment)
    volumes = {
        mount.source if mount.bind else volume_name(stack, mount.source): {
            "bind": mount.target, "mode": "ro" if mount.read_only else "rw",
        }
        for mount in spec.volumes
    }
    for secret in spec.secrets:
        volumes[str(secret_files[secret])] = {"bind": f"{SECRETS_TARGET}/{secret}", "mode": "ro"}
    config: dict = {
        "image": image_id,
        "command": list(spec.command),
        "name": container_name(stack, spec.name),
        "environment": environment,
        "user": spec.user,
        "init": spec.init,
        "read_only": spec.read_only,
        "tmpfs": dict(spec.tmpfs),
        "cap_drop": list(spec.cap_drop),
        "security_opt": list(spec.security_opt),
        "volumes": volumes,
        "stop_signal": "SIGTERM",
        # Bounded logs: a laptop's disk must not fill up with a chatty service.
        "log_config": {"type": "json-file", "config": {"max-size": "10m", "max-file": "3"}},
    }
    limits = spec.limits
    if limits.memory_bytes:
        config["mem_limit"] = limits.memory_bytes
        config["memswap_limit"] = limits.memory_bytes  # no swap on top: the limit is the limit
    if limits.cpus:
        config["nano_cpus"] = int(round(limits.cpus * 1e9))
    if limits.pids:
        config["pids_limit"] = limits.pids
    if spec.healthcheck is not None:
        check = spec.healthcheck
        config["healthcheck"] = {
            "test": list(check.test),
            "interval": _nanoseconds(check.interval_s),
            "timeout": _nanoseconds(check.timeout_s),
            "retries": check.retries,
            "start_period": _nanoseconds(check.start_period_s),
        }
    if host:
        config["network_mode"] = "host"
    else:
        config["network"] = network_name(stack)
        config["network_aliases"] = [spec.name]
        config["ports"] = {f"{p.container_port}/tcp": (p.host_ip, p.host_port) for p in spec.ports}
    labels = {**spec.labels, **stack_labels(stack), SERVICE_LABEL: spec.name}
    digest = hashlib.sha256(
        json.dumps([config, labels, dict(secret_digests or {})], sort_keys=True, default=str).encode()
    ).hexdigest()[:32]
    config["labels"] = {**labels, CONFIG_LABEL: digest}
    return config


def _nanoseconds(seconds: float) -> int:
    return int(round(seconds * 1e9))
