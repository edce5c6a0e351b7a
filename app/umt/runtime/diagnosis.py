"""Tells apart why Docker cannot be used, in words a small business owner can act on.

Pure and fast: one short ping at most, so the test collection and `umt doctor` can call it freely.
It resolves the engine's address the way the docker CLI does (DOCKER_HOST, then the current
`docker context`), and the Docker backend connects to the same address.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

DEFAULT_ENDPOINT = "npipe:////./pipe/docker_engine" if os.name == "nt" else "unix:///var/run/docker.sock"
PING_TIMEOUT_S = 2.0
NATIVE_HINT = "or use the built-in native mode (umt runs the services without Docker)."


@dataclass(frozen=True)
class DockerDiagnosis:
    ok: bool
    state: str      # ok, sdk_missing, cli_missing, daemon_not_running, permission_denied, other_context, error
    summary: str    # what is the case, one sentence
    advice: str     # what to do about it
    endpoint: str = ""
    endpoint_source: str = "default"   # default, DOCKER_HOST, or "docker context NAME"


@dataclass(frozen=True)
class Endpoint:
    url: str
    source: str     # as in DockerDiagnosis.endpoint_source

    @property
    def is_default(self) -> bool:
        return self.source == "default"


def resolve_endpoint(env: Mapping[str, str] | None = None) -> Endpoint:
    """The engine address the docker CLI would use: DOCKER_HOST, else the current context's host."""
    env = os.environ if env is None else env
    if env.get("DOCKER_HOST"):
        return Endpoint(env["DOCKER_HOST"], "DOCKER_HOST")
    config_dir = Path(env.get("DOCKER_CONFIG") or Path(env.get("HOME", "~")).expanduser() / ".docker")
    context = env.get("DOCKER_CONTEXT") or _current_context(config_dir)
    if context and context != "default":
        meta = config_dir / "contexts" / "meta" / hashlib.sha256(context.encode()).hexdigest() / "meta.json"
        try:
            host = json.loads(meta.read_text(encoding="utf-8"))["Endpoints"]["docker"]["Host"]
        except (OSError, ValueError, KeyError, TypeError):
            host = f"(docker context '{context}' is selected but cannot be read)"
        return Endpoint(host, f"docker context {context}")
    return Endpoint(DEFAULT_ENDPOINT, "default")


def _current_context(config_dir: Path) -> str | None:
    try:
        return json.loads((config_dir / "config.json").read_text(encoding="utf-8")).get("currentContext")
    except (OSError, ValueError, AttributeError):
        return None


def diagnose_docker(env: Mapping[str, str] | None = None) -> DockerDiagnosis:
    """Checks, in order: the Python SDK, the engine's address, a ping. Never raises."""
    try:
        import docker  # noqa: F401 - only whether it imports
    except ImportError:
        return DockerDiagnosis(
            False, "sdk_missing",
            "The Docker support of umt is not installed (the Python package 'docker' is missing).",
            "Reinstall umt (pip install umt), " + NATIVE_HINT,
        )
    endpoint = resolve_endpoint(env)
    return diagnose_endpoint(endpoint, cli_installed=shutil.which("docker") is not None, env=env)


def diagnose_endpoint(endpoint: Endpoint, cli_installed: bool, env: Mapping[str, str] | None = None) -> DockerDiagnosis:
    """Pings the engine at `endpoint` and explains the outcome."""
    error = _ping(endpoint.url, env)
    where = "" if endpoint.is_default else f" at {endpoint.url} (chosen by {endpoint.source})"

    def result(ok: bool, state: str, summary: str, advice: str) -> DockerDiagnosis:
        return DockerDiagnosis(ok, state, summary, advice, endpoint.url, endpoint.source)

    if error is None:
        note = "" if cli_installed else " (the docker command itself is not installed; umt does not need it)"
        return result(True, "ok", f"Docker is running{where}{note}.", "")
    cause = _cause(error)
    if cause == "permission_denied":
        return result(
            False, "permission_denied",
            f"Docker is running{where}, but this user account may not use it.",
            "Add your account to the 'docker' group (sudo usermod -aG docker $USER, then log out and "
            "in again), or start Docker Desktop as your user, " + NATIVE_HINT,
        )
    if cause == "not_running":
        if not endpoint.is_default:
            return result(
                False, "other_context",
                f"Docker is set to use the engine{where}, and no Docker engine is running there.",
                f"Start that engine, or switch back to the local Docker ("
                f"{'unset DOCKER_HOST' if endpoint.source == 'DOCKER_HOST' else 'docker context use default'}), "
                + NATIVE_HINT,
            )
        if not cli_installed and not _socket_exists(endpoint.url):
            return result(
                False, "cli_missing",
                "Docker is not installed on this computer.",
                "Install Docker Desktop (or the docker.io package on Linux) if you want the services in "
                "containers, " + NATIVE_HINT,
            )
        return result(
            False, "daemon_not_running",
            "Docker is installed but not running.",
            "Start Docker Desktop (or `sudo systemctl start docker`), " + NATIVE_HINT,
        )
    return result(
        False, "error",
        f"Docker{where} did not answer as expected: {_one_line(error)}",
        "Restart Docker Desktop (or `sudo systemctl restart docker`) and try again, " + NATIVE_HINT,
    )


def _ping(url: str, env: Mapping[str, str] | None) -> BaseException | None:
    import docker

    try:
        kwargs = docker.utils.kwargs_from_env(environment=dict(os.environ if env is None else env))
        kwargs["base_url"] = url
        # A fixed API version: "auto" would ask the engine first, doubling the wait.
        client = docker.APIClient(version="1.41", timeout=PING_TIMEOUT_S, **kwargs)
        try:
            client.ping()
        finally:
            client.close()
    except Exception as exc:  # noqa: BLE001 - every failure is explained by _cause
        return exc
    return None


def _cause(error: BaseException) -> str:
    """not_running, permission_denied or other, from the chain of exceptions."""
    seen: set[int] = set()
    stack = [error]
    text = []
    while stack:
        current = stack.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, PermissionError) or getattr(current, "errno", None) in (errno.EACCES, errno.EPERM):
            return "permission_denied"
        if isinstance(current, (FileNotFoundError, ConnectionRefusedError, TimeoutError)):
            return "not_running"
        text.append(str(current))
        stack.extend([current.__cause__, current.__context__, *[a for a in current.args if isinstance(a, BaseException)]])
        reason = getattr(current, "reason", None)
        if isinstance(reason, BaseException):
            stack.append(reason)
    joined = " ".join(text).lower()
    if "permission denied" in joined:
        return "permission_denied"
    if any(s in joined for s in ("no such file", "connection refused", "timed out", "timeout", "name or service not known")):
        return "not_running"
    return "other"


def _socket_exists(url: str) -> bool:
    return url.startswith("unix://") and Path(url[len("unix://"):]).exists()


def _one_line(error: BaseException) -> str:
    text = " ".join(str(error).split())
    return text[:300] or type(error).__name__
