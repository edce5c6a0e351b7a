"""The Docker backend: the stack's services as hardened containers, through docker-py.

Everything it returns is a plain value of umt.runtime.model; no docker-py object leaves this
module. Containers carry the stack's labels and a hash of their configuration, so a restarted app
adopts what already runs instead of starting duplicates, and recreates what changed.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from typing import Iterator

import docker
import docker.errors
import requests.exceptions

from umt.runtime import stats as stats_formulas
from umt.runtime.backend import Backend, ProgressCallback, no_progress
from umt.runtime.diagnosis import diagnose_docker, resolve_endpoint
from umt.runtime.docker_config import (
    CONFIG_LABEL, NETWORK_MODES, SERVICE_LABEL, STACK_LABEL, container_config, container_name,
    network_name, published_ports, stack_labels, volume_name,
)
from umt.runtime import logfiles
from umt.runtime.data_folder import check_folder_owner
from umt.runtime.docker_data import move_previous_volume
from umt.runtime.docker_image import ImageBuilder, base_image_status, build_args
from umt.runtime.errors import EngineUnavailable, RuntimeFailure, ServiceFailed
from umt.runtime.model import EventKind, Health, ServiceEvent, ServiceStats, ServiceStatus, State, describe_exit
from umt.runtime.ports import check_port_free
from umt.runtime.stackfile import StackSpec

_STATES = {
    "created": State.CREATED, "running": State.RUNNING, "paused": State.RUNNING, "restarting": State.RESTARTING,
    "removing": State.STOPPING, "exited": State.EXITED, "dead": State.EXITED,
}
_HEALTH = {"starting": Health.STARTING, "healthy": Health.HEALTHY, "unhealthy": Health.UNHEALTHY}
_API_TIMEOUT_S = 30
BUILD_LOG = "build"   # the image build's output, offered beside the services' logs


class DockerBackend(Backend):
    name = "docker"

    def __init__(self, stack: StackSpec, data_dir: Path, *, network: str | None = None, client=None):
        super().__init__(stack, data_dir)
        self.network = network or os.environ.get("UMT_DOCKER_NETWORK") or "bridge"
        if self.network not in NETWORK_MODES:
            raise RuntimeFailure(f"UMT_DOCKER_NETWORK must be 'bridge' or 'host', not {self.network!r}")
        self._owns_client = client is None
        self._client = client if client is not None else _connect()
        self._images = ImageBuilder(self._client, self.build_log_file())
        self._previous_stats: dict[str, dict] = {}   # container id -> last stats payload
        self._closing = threading.Event()
        self._event_stream = None
        self._event_thread = threading.Thread(target=self._watch_events, name="umt-docker-events", daemon=True)
        self._event_thread.start()

    # --- lifecycle -----------------------------------------------------------------------------
    def prepare(self, progress: ProgressCallback = no_progress) -> None:
        with _engine_errors():
            for spec in self.stack.start_order():
                image_id = self._images.ensure(spec, progress)
                self._ensure_volumes_and_network(spec, image_id, progress)

    def start_service(self, name: str) -> None:
        spec = self.service(name)
        with _engine_errors():
            image_id = self._images.ensure(spec)
            self._ensure_volumes_and_network(spec, image_id)
            secret_files, digests = self._stage_secrets(name)
            wanted = container_config(self.stack, spec, image_id, self.network, secret_files, digests)
            container = self._adoptable(name, wanted["labels"][CONFIG_LABEL])
            if container is not None and container.status == "running":
                return   # adopted: it runs from an earlier session with this very configuration
            for port in published_ports(spec, self.network):
                check_port_free(port, name)
            if container is None:
                container = self._create(wanted)
            try:
                container.start()
            except docker.errors.APIError as exc:
                raise ServiceFailed(name, f"Docker could not start its container: {exc.explanation or exc}") from None

    def stop_service(self, name: str, timeout: float | None = None) -> None:
        grace = self.service(name).stop_grace_s if timeout is None else timeout
        with _engine_errors():
            container = self._find(name)
            if container is not None and container.status in ("running", "restarting", "paused"):
                # SIGTERM, then SIGKILL after the grace period: `docker stop` semantics.
                container.stop(timeout=max(0, int(round(grace))))

    def kill_service(self, name: str) -> None:
        with _engine_errors():
            container = self._find(name)
            if container is not None and container.status == "running":
                with contextlib.suppress(docker.errors.APIError):  # it died between find and kill
                    container.kill("SIGKILL")

    def remove_service(self, name: str) -> None:
        with _engine_errors():
            for container in self._owned(name):
                with contextlib.suppress(docker.errors.NotFound):
                    container.remove(force=True)

    # --- inspection ----------------------------------------------------------------------------
    def status(self, name: str) -> ServiceStatus:
        with _engine_errors():
            container = self._find(name)
        if container is None:
            return ServiceStatus(name, State.MISSING, backend=self.name, detail="no container")
        state = container.attrs.get("State") or {}
        status = state.get("Status", "")
        exit_code = state.get("ExitCode") if status in ("exited", "dead") else None
        oom = bool(state.get("OOMKilled"))
        detail = state.get("Error") or ""
        if oom:
            detail = "killed: it ran out of memory (its limit is set in the stack file)"
        elif exit_code is not None:
            detail = detail or describe_exit(exit_code)
        return ServiceStatus(
            name=name,
            state=_STATES.get(status, State.FAILED),
            health=_HEALTH.get((state.get("Health") or {}).get("Status", ""), Health.UNKNOWN),
            backend=self.name,
            started_at=_epoch(state.get("StartedAt")) if status in ("running", "paused", "restarting") else None,
            restarts=int(container.attrs.get("RestartCount") or 0),
            exit_code=exit_code,
            oom_killed=oom,
            detail=detail,
        )

    def stats(self) -> list[ServiceStats]:
        with _engine_errors():
            running = [
                (spec, container) for spec in self.stack.start_order()
                if (container := self._find(spec.name)) is not None and container.status == "running"
            ]
            if not running:
                return []
            # The engine answers a stats request at its next collection tick (about 1 s):
            # asking for every container at once costs one tick, not one per container.
            with ThreadPoolExecutor(max_workers=len(running), thread_name_prefix="umt-stats") as pool:
                payloads = list(pool.map(self._stats_payload, [container.id for _, container in running]))
        samples = []
        for (spec, container), payload in zip(running, payloads):
            if payload is None:
                continue
            previous = self._previous_stats.get(container.id)
            self._previous_stats[container.id] = payload
            nano_cpus = (container.attrs.get("HostConfig") or {}).get("NanoCpus") or 0
            samples.append(ServiceStats(
                name=spec.name,
                cpu_percent=stats_formulas.cpu_percent(previous, payload),
                memory_bytes=stats_formulas.memory_bytes(payload),
                # The engine's figure, not the stack file's: what is applied is what counts.
                memory_limit_bytes=stats_formulas.memory_limit_bytes(payload) if spec.limits.memory_bytes else None,
                cpu_limit=nano_cpus / 1e9 if nano_cpus else None,
                pids=stats_formulas.pids(payload),
            ))
        return samples

    def _stats_payload(self, container_id: str) -> dict | None:
        try:
            return self._client.api.stats(container_id, stream=False, one_shot=True)
        except docker.errors.NotFound:
            return None   # it went away since we listed it

    def build_log_file(self) -> Path:
        return self.data_dir / "logs" / f"{self.stack.name}-{BUILD_LOG}.log"

    def log_names(self) -> list[str]:
        return [*super().log_names(), BUILD_LOG]

    def logs(self, name: str, tail: int = 200) -> list[str]:
        if name == BUILD_LOG:
            return logfiles.read_tail(self.build_log_file(), tail)
        with _engine_errors():
            container = self._find(name)
            if container is None:
                return []
            return container.logs(tail=tail).decode("utf-8", "replace").splitlines()

    def follow_logs(self, name: str, stop: threading.Event) -> Iterator[str]:
        if name == BUILD_LOG:
            yield from logfiles.follow(self.build_log_file(), stop)
            return
        with _engine_errors():
            container = self._find(name)
            if container is None:
                return
            stream = self._client.api.logs(container.id, stream=True, follow=True, tail=0)
        # The stream blocks until the service writes; closing it from a watcher unblocks it.
        ended = threading.Event()
        threading.Thread(target=_close_when, args=(stream, stop, ended), daemon=True, name="umt-log-closer").start()
        pending = b""
        try:
            for chunk in stream:
                pending += chunk
                *lines, pending = pending.split(b"\n")
                for line in lines:
                    yield line.decode("utf-8", "replace")
                if stop.is_set():
                    return
        except (requests.exceptions.RequestException, OSError, AttributeError, ValueError):
            pass  # closed under our feet: that is how following ends
        finally:
            ended.set()
        if pending:
            yield pending.decode("utf-8", "replace")

    def uses_host_network(self, spec) -> bool:
        return self.network == "host" or spec.network_mode == "host"

    def close(self) -> None:
        self._closing.set()
        stream = self._event_stream
        if stream is not None:
            with contextlib.suppress(Exception):
                stream.close()
        self._event_thread.join(timeout=5)
        if self._owns_client:
            with contextlib.suppress(Exception):
                self._client.close()

    # --- containers ----------------------------------------------------------------------------
    def _owned(self, name: str) -> list:
        labels = [f"{STACK_LABEL}={self.stack.name}", f"{SERVICE_LABEL}={name}"]
        return self._client.containers.list(all=True, filters={"label": labels})

    def _find(self, name: str):
        owned = self._owned(name)
        return owned[0] if owned else None

    def _adoptable(self, name: str, config_hash: str):
        """The container to reuse, if one of ours has this exact configuration; the others go."""
        keep = None
        for container in self._owned(name):
            if keep is None and container.labels.get(CONFIG_LABEL) == config_hash:
                keep = container
            else:  # a duplicate, or an outdated configuration: it goes, gracefully
                if container.status == "running":
                    container.stop(timeout=int(round(self.service(name).stop_grace_s)))
                container.remove(force=True)
                self._images.forget(container.attrs.get("Image", ""))   # an image an upgrade left behind
        if keep is None:
            self._claim_name(name)
        return keep

    def _claim_name(self, name: str) -> None:
        """A container by our name but not ours is a conflict we do not settle by force."""
        try:
            stranger = self._client.containers.get(container_name(self.stack, name))
        except docker.errors.NotFound:
            return
        raise ServiceFailed(
            name,
            f"a container named {stranger.name} already exists and does not belong to this umt stack. "
            f"Remove it (docker rm -f {stranger.name}) or rename it.",
        )

    def _create(self, wanted: dict):
        config = dict(wanted)
        aliases = config.pop("network_aliases", None)
        if aliases:
            endpoint = self._client.api.create_endpoint_config(aliases=aliases)
            config["networking_config"] = {config["network"]: endpoint}
        try:
            return self._client.containers.create(**config)
        except docker.errors.APIError as exc:
            raise ServiceFailed(
                config["labels"][SERVICE_LABEL], f"Docker could not create its container: {exc.explanation or exc}"
            ) from None

    def _ensure_volumes_and_network(self, spec, image_id: str, progress: ProgressCallback = no_progress) -> None:
        """Created with the stack's label (never implicitly by the engine), so they are found again.
        A bind-mounted data folder is made by the host user (the engine would make it root's), after
        the data of an earlier version's volume has been moved into it."""
        labels = stack_labels(self.stack)
        move_previous_volume(self._client, self.stack, spec, image_id, progress)
        for mount in spec.volumes:
            if mount.bind:
                Path(mount.source).mkdir(parents=True, exist_ok=True)
                check_folder_owner(Path(mount.source), spec)
                continue
            self._ensure(self._client.volumes, volume_name(self.stack, mount.source), labels=labels)
        if not self.uses_host_network(spec):
            self._ensure(self._client.networks, network_name(self.stack), driver="bridge", labels=labels)

    def _ensure(self, collection, name: str, **options) -> None:
        try:
            collection.get(name)
        except docker.errors.NotFound:
            collection.create(name, **options)

    def _stage_secrets(self, name: str) -> tuple[dict[str, Path], dict[str, str]]:
        """The original is usually private to the host user (mode 600), which the container's
        non-root user cannot read through a bind mount: the copy is world-readable inside a
        folder only the host user may enter."""
        return self.stage_secrets(name, self.data_dir / "docker-secrets" / self.stack.name, 0o444)

    # --- events --------------------------------------------------------------------------------
    def _watch_events(self) -> None:
        filters = {"type": "container", "label": f"{STACK_LABEL}={self.stack.name}"}
        while not self._closing.is_set():
            try:
                self._event_stream = self._client.events(decode=True, filters=filters)
                if self._closing.is_set():
                    self._event_stream.close()
                    return
                for raw in self._event_stream:
                    event = _service_event(raw)
                    if event is not None:
                        self.emit(event)
            except Exception:  # noqa: BLE001 - the engine went away or the stream was closed
                pass
            self._closing.wait(1.0)


def check_base_images(stack: StackSpec) -> list[tuple[str, bool, str]]:
    """(image, ok, message) for each base image the stack's builds need. Raises EngineUnavailable."""
    client = _connect()
    try:
        seen, results = set(), []
        for spec in stack.start_order():
            base = build_args(spec).get("BASE_IMAGE", "") if spec.build else ""
            if base and base not in seen:
                seen.add(base)
                results.append((base, *base_image_status(client, spec)))
        return results
    finally:
        client.close()


def _connect():
    """A docker-py client for the engine the docker CLI would use, or EngineUnavailable."""
    try:
        kwargs = docker.utils.kwargs_from_env()
        kwargs["base_url"] = resolve_endpoint().url
        client = docker.DockerClient(version="auto", timeout=_API_TIMEOUT_S, **kwargs)
        client.ping()
        return client
    except Exception:  # noqa: BLE001 - diagnose_docker explains every failure in words
        raise EngineUnavailable(diagnose_docker()) from None


@contextlib.contextmanager
def _engine_errors():
    """Lost engine connections become EngineUnavailable with the diagnosis."""
    try:
        yield
    except (requests.exceptions.ConnectionError, docker.errors.DockerException) as exc:
        if isinstance(exc, docker.errors.APIError) and exc.response is not None:
            raise RuntimeFailure(f"Docker refused: {exc.explanation or exc}") from None
        diagnosis = diagnose_docker()
        if diagnosis.ok:
            raise RuntimeFailure(f"Docker failed: {exc}") from None
        raise EngineUnavailable(diagnosis) from None


def _close_when(stream, stop: threading.Event, ended: threading.Event) -> None:
    while not ended.is_set():
        if stop.wait(0.2):
            with contextlib.suppress(Exception):
                stream.close()
            return


def _service_event(raw: dict) -> ServiceEvent | None:
    attributes = (raw.get("Actor") or {}).get("Attributes") or {}
    service = attributes.get(SERVICE_LABEL)
    action = str(raw.get("Action") or raw.get("status") or "")
    if not service:
        return None
    at = raw.get("timeNano", 0) / 1e9 or time.time()
    if action == "start":
        return ServiceEvent(service, EventKind.START, at=at)
    if action == "die":
        code = attributes.get("exitCode", "")
        return ServiceEvent(service, EventKind.DIE, describe_exit(int(code)) if code.lstrip("-").isdigit() else "exited", at=at)
    if action == "oom":
        return ServiceEvent(service, EventKind.OOM, "out of memory", at=at)
    if action.startswith("health_status"):
        return ServiceEvent(service, EventKind.HEALTH, action.partition(":")[2].strip(), at=at)
    return None


def _epoch(timestamp: str | None) -> float | None:
    """Docker's RFC 3339 time with nanoseconds, as epoch seconds; None for the zero time."""
    if not timestamp or timestamp.startswith("0001-"):
        return None
    main, _, fraction = timestamp.rstrip("Z").partition(".")
    try:
        moment = datetime.fromisoformat(main + "+00:00").timestamp()
    except ValueError:
        return None
    digits = "".join(c for c in fraction if c.isdigit())
    return moment + (float("0." + digits) if digits else 0.0)
