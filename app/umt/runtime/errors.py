"""Domain errors of the runtime. Each carries a message a small business owner can act on."""

from __future__ import annotations


class RuntimeFailure(Exception):
    """Base of every error the runtime raises on purpose."""


class StackFileError(RuntimeFailure):
    """A stack file that cannot be used, with where and why."""

    def __init__(self, file: str, line: int | None, field: str, message: str):
        self.file, self.line, self.field, self.message = file, line, field, message
        where = file if line is None else f"{file}:{line}"
        super().__init__(f"{where}: {field}: {message}" if field else f"{where}: {message}")


class EngineUnavailable(RuntimeFailure):
    """The Docker engine cannot be used; `diagnosis` says why and what to do."""

    def __init__(self, diagnosis):
        self.diagnosis = diagnosis
        super().__init__(f"{diagnosis.summary} {diagnosis.advice}")


class PortInUse(RuntimeFailure):
    def __init__(self, port: int, service: str, holder: str | None):
        self.port, self.service, self.holder = port, service, holder
        held = f" by {holder}" if holder else " by another program"
        super().__init__(
            f"Port {port} on 127.0.0.1, needed by the {service}, is already in use{held}. "
            f"Stop that program, or choose another port (UMT_{service.upper()}_PORT)."
        )


class StackRunsElsewhere(RuntimeFailure):
    """The stack already runs with the other backend; it must stop before this one starts."""

    def __init__(self, backend: str, supervisor: str):
        self.backend, self.supervisor = backend, supervisor
        super().__init__(
            f"The stack already runs in {backend} mode, supervised by {supervisor}. "
            f"Stop it first (`umt down`, or Stop in the app), then start it in the other mode."
        )


class ServiceFailed(RuntimeFailure):
    """A service did not start or did not become healthy."""

    def __init__(self, service: str, reason: str, log_tail: str = ""):
        self.service, self.reason, self.log_tail = service, reason, log_tail
        super().__init__(f"The {service} failed: {reason}")


class BuildFailed(RuntimeFailure):
    def __init__(self, reason: str, log_tail: str = ""):
        self.reason, self.log_tail = reason, log_tail
        super().__init__(f"Building the service image failed: {reason}")


class DataMoveNeeded(RuntimeFailure):
    """The owner's data is where this backend cannot reach it yet; the message says what to do."""

    def __init__(self, message: str, volume: str = ""):
        self.volume = volume   # the Docker volume that still holds it
        super().__init__(message)


class DatabaseDamaged(RuntimeFailure):
    """The gateway's database file cannot be read: starting would fail or lose data. `newest_backup`
    is the backup to offer instead (a path), None where there is none."""

    def __init__(self, database, problem: str, newest_backup=None):
        self.database, self.problem, self.newest_backup = database, problem, newest_backup
        offer = (f" Restore your newest backup: umt restore {newest_backup}" if newest_backup is not None
                 else " No backup of it was found; keep the file, it may still be repaired.")
        super().__init__(f"The database file {database} is damaged ({problem}), so the gateway cannot start."
                         + offer)
