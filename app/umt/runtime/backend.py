"""The Backend interface: one stack, run as Docker containers or as local processes.

A backend starts, stops, inspects and measures single services; the Supervisor decides the order,
waits for health and restarts. Backends report events (start, die, OOM, limit exceeded) into
their own queue, which the supervisor drains.
"""

from __future__ import annotations

import abc
import hashlib
import queue
import threading
from pathlib import Path
from typing import Callable, Iterator

from umt.runtime.errors import ServiceFailed
from umt.runtime.model import Progress, ServiceEvent, ServiceStats, ServiceStatus
from umt.runtime.stackfile import ServiceSpec, StackSpec

ProgressCallback = Callable[[Progress], None]


def no_progress(_: Progress) -> None:
    """The progress callback for callers that show none."""


class Backend(abc.ABC):
    name: str = "?"

    def __init__(self, stack: StackSpec, data_dir: Path):
        self.stack = stack
        self.data_dir = Path(data_dir)
        self._events: queue.Queue[ServiceEvent] = queue.Queue()

    # --- lifecycle -----------------------------------------------------------------------------
    @abc.abstractmethod
    def prepare(self, progress: ProgressCallback = no_progress) -> None:
        """Everything before the first start: build or find the image, create volumes and folders."""

    @abc.abstractmethod
    def start_service(self, name: str) -> None:
        """Starts the service, or adopts it when it already runs from an earlier session."""

    @abc.abstractmethod
    def stop_service(self, name: str, timeout: float | None = None) -> None:
        """Graceful stop: SIGTERM, then kill after `timeout` (the service's stop_grace_period)."""

    def remove_service(self, name: str) -> None:
        """Forgets a stopped service's container or process record; its data stays."""

    def kill_service(self, name: str) -> None:
        """Kills the service abruptly (SIGKILL), as a crash would. For tests and 'force stop'."""
        raise NotImplementedError

    # --- inspection ----------------------------------------------------------------------------
    @abc.abstractmethod
    def status(self, name: str) -> ServiceStatus: ...

    def statuses(self) -> list[ServiceStatus]:
        return [self.status(s.name) for s in self.stack.start_order()]

    @abc.abstractmethod
    def stats(self) -> list[ServiceStats]:
        """One sample per running service. CPU % comes from the delta since the previous call."""

    def log_names(self) -> list[str]:
        """What the Logs window offers: each service, and a backend's own logs (the image build)."""
        return [s.name for s in self.stack.start_order()]

    @abc.abstractmethod
    def logs(self, name: str, tail: int = 200) -> list[str]: ...

    @abc.abstractmethod
    def follow_logs(self, name: str, stop: threading.Event) -> Iterator[str]:
        """New log lines as they come, until `stop` is set."""

    def events(self) -> list[ServiceEvent]:
        """Drains the events seen since the last call."""
        drained = []
        while True:
            try:
                drained.append(self._events.get_nowait())
            except queue.Empty:
                return drained

    def emit(self, event: ServiceEvent) -> None:
        self._events.put(event)

    def service(self, name: str) -> ServiceSpec:
        return self.stack.services[name]

    def stage_secrets(self, name: str, folder: Path, mode: int) -> tuple[dict[str, Path], dict[str, str]]:
        """Copies the service's secret files (Compose's `secrets`) into `folder` with `mode`, as
        the service will read them, and returns their paths and content digests. A missing file
        stops the start with a message naming it."""
        files, digests = {}, {}
        for secret in self.service(name).secrets:
            source = self.stack.secrets[secret]
            try:
                content = source.read_bytes()
            except OSError:
                raise ServiceFailed(
                    name,
                    f"its secret '{secret}' has no readable file at {source}. Create it, or set "
                    f"UMT_SECRETS_DIR to the folder that holds it.",
                ) from None
            folder.mkdir(parents=True, exist_ok=True, mode=0o700)
            folder.chmod(0o700)
            staged = folder / secret
            if not staged.exists() or staged.read_bytes() != content:
                temporary = staged.with_suffix(".new")
                temporary.write_bytes(content)
                temporary.chmod(mode)
                temporary.replace(staged)
            files[secret] = staged.resolve()
            digests[secret] = hashlib.sha256(content).hexdigest()
        return files, digests

    def close(self) -> None:
        """Releases connections and threads; running services keep running."""
