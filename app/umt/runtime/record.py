"""The stack record: which backend runs a data folder's stack, whether its owner wants it running,
and which process supervises it. One small JSON file, written atomically, read by every `umt`
command, the background supervisor and the desktop app, so that they agree on what runs.

A deliberate stop is written here (intent "stopped") before any service is stopped: a supervisor
in another process reads the record each pass and lets go instead of restarting "crashed" services.
Each start gets a new run id, so a supervisor also notices a stop followed by a new start.
"""

from __future__ import annotations

import json
import os
import time
import uuid
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import psutil

INTENT_RUNNING, INTENT_STOPPED = "running", "stopped"
# Who supervises: the desktop app, the small `umt supervise` process, or `umt up --foreground`.
ROLE_APP, ROLE_BACKGROUND, ROLE_FOREGROUND = "app", "background", "foreground"
ROLE_WORDS = {ROLE_APP: "the desktop app", ROLE_BACKGROUND: "the background supervisor", ROLE_FOREGROUND: "`umt up --foreground`"}


@dataclass(frozen=True)
class SupervisorRef:
    pid: int
    started_at: float   # the process's creation time: a pid reused by another program is not it
    role: str

    @classmethod
    def this_process(cls, role: str) -> "SupervisorRef":
        return cls(os.getpid(), psutil.Process().create_time(), role)

    def process(self) -> psutil.Process | None:
        """The supervising process while it still runs, else None."""
        try:
            process = psutil.Process(self.pid)
            if abs(process.create_time() - self.started_at) < 0.01 and process.status() != psutil.STATUS_ZOMBIE:
                return process
        except psutil.Error:
            pass
        return None

    @property
    def is_this_process(self) -> bool:
        return self.pid == os.getpid()

    def describe(self) -> str:
        return f"{ROLE_WORDS.get(self.role, self.role)} (pid {self.pid})"


@dataclass(frozen=True)
class StackRecord:
    backend: str | None = None
    intent: str = INTENT_STOPPED
    run: str = ""                       # one id per start
    supervisor: SupervisorRef | None = None
    by: str = ""                        # who made the last change, in words ("umt down", "the desktop app")
    at: float = 0.0

    @property
    def wants_running(self) -> bool:
        return self.intent == INTENT_RUNNING

    def live_supervisor(self) -> SupervisorRef | None:
        """The recorded supervisor while its process still runs."""
        return self.supervisor if self.supervisor is not None and self.supervisor.process() is not None else None


def new_run_id() -> str:
    return uuid.uuid4().hex[:12]


class RecordFile:
    """The record of one data folder (`<data folder>/stack.json`)."""

    def __init__(self, path: Path):
        self.path = Path(path)

    def read(self) -> StackRecord:
        """The record; an empty one (nothing runs) when the file is missing or damaged."""
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return StackRecord()
        if not isinstance(raw, dict):
            return StackRecord()
        supervisor = raw.get("supervisor")
        try:
            ref = SupervisorRef(int(supervisor["pid"]), float(supervisor["started_at"]), str(supervisor["role"])) if supervisor else None
        except (KeyError, TypeError, ValueError):
            ref = None
        backend = raw.get("backend")
        return StackRecord(
            backend=str(backend) if backend else None,
            # Records of earlier versions held only the backend, and only while the stack ran.
            intent=INTENT_STOPPED if raw.get("intent") == INTENT_STOPPED else INTENT_RUNNING if backend else INTENT_STOPPED,
            run=str(raw.get("run") or ""),
            supervisor=ref,
            by=str(raw.get("by") or ""),
            at=float(raw.get("at") or 0.0),
        )

    def write(self, record: StackRecord) -> StackRecord:
        record = replace(record, at=time.time())
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # A temporary file per process: two writers never interleave inside one file, and the
        # rename is atomic, so a reader sees the old record or the new one, never half of one.
        temporary = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        temporary.write_text(json.dumps(asdict(record), indent=2), encoding="utf-8")
        temporary.replace(self.path)
        return record

    def update(self, **changes) -> StackRecord:
        return self.write(replace(self.read(), **changes))
