"""The gateway's settings, from environment variables (the app and the stack file set them)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path


@dataclass(frozen=True)
class GatewaySettings:
    host: str = "127.0.0.1"
    port: int = 8710
    data_dir: Path = Path("./data")
    database_url: str = ""
    agent_url: str = "http://127.0.0.1:8720"
    secrets_dir: Path = Path("/run/secrets")
    token_ttl_seconds: int = 12 * 3600
    mfa_challenge_ttl_seconds: int = 300
    # Lockout: after `lockout_threshold` failed logins in a row, each further failure locks the
    # account for base * 2^(extra failures), up to the maximum.
    lockout_threshold: int = 5
    lockout_base_seconds: float = 30.0
    lockout_max_seconds: float = 900.0
    max_body_bytes: int = 1024 * 1024
    # Threads for requests' blocking work (database, hashing): one per core, at most 4. The work is
    # mostly Python holding the interpreter lock, so more threads only take turns with it and each
    # turn costs: on 2 cores, 16 connections served 352 requests/s with 16 threads and 566 with 2
    # (p99 88 → 41 ms; bench/bench_concurrency.py). A request with an Idempotency-Key runs its
    # handler on threads of its own (app.Services.blocking), so unkeyed SQLite writes waiting here
    # for the write lock it holds cannot keep it from finishing.
    request_threads: int = max(2, min(4, os.cpu_count() or 2))
    job_workers: int = 2
    job_max_attempts: int = 5
    job_retry_base_seconds: float = 1.0
    # A running job's row lease: renewed every third of it while the agent works; when a gateway
    # dies, another one takes its jobs over this long after its last renewal.
    job_lease_seconds: float = 30.0
    agent_timeout_seconds: float = 300.0
    # While the agent is unreachable a queued job is looked at again this often (attempts unspent).
    agent_wait_seconds: float = 3.0
    # Synchronous scoring waits this long for the agent before answering 503.
    score_timeout_seconds: float = 10.0
    # Done, failed and cancelled jobs are deleted this many days after they finished (0: kept).
    job_retention_days: float = 30.0
    job_prune_interval_seconds: float = 3600.0
    # The publishing outbox: worker threads, how long a claimed delivery stays leased (renewed
    # while sending; a killed gateway's deliveries are taken over after it), the longest sleep
    # when nothing is due (a safety net: queuing wakes the workers), and the retry backoff.
    outbox_workers: int = 2
    outbox_lease_seconds: float = 60.0
    outbox_poll_seconds: float = 30.0
    outbox_max_attempts: int = 8
    outbox_retry_base_seconds: float = 30.0
    outbox_retry_max_seconds: float = 3600.0
    outbox_stop_seconds: float = 5.0
    # The address people reach the gateway at, for links it hands out (a newsletter's unsubscribe
    # link); empty: http://127.0.0.1:<port>.
    public_url: str = ""

    @property
    def effective_public_url(self) -> str:
        return self.public_url or f"http://127.0.0.1:{self.port}"
    # How long a write's Idempotency-Key is remembered (a retry within it gets the first reply).
    idempotency_retention_hours: float = 24.0

    @property
    def idempotency_retention(self) -> timedelta:
        return timedelta(hours=self.idempotency_retention_hours)

    @property
    def effective_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'umt.db'}"

    @classmethod
    def from_env(cls, env=None) -> "GatewaySettings":
        env = os.environ if env is None else env

        def number(name: str, default, kind=int):
            return kind(env.get(name, default))

        return cls(
            host=env.get("UMT_BIND_HOST", cls.host),
            port=number("UMT_PORT", cls.port),
            data_dir=Path(env.get("UMT_DATA_DIR", cls.data_dir)),
            database_url=env.get("DATABASE_URL", ""),
            agent_url=env.get("UMT_AGENT_URL", cls.agent_url),
            secrets_dir=Path(env.get("UMT_SECRETS_DIR", cls.secrets_dir)),
            token_ttl_seconds=number("UMT_TOKEN_TTL_SECONDS", cls.token_ttl_seconds),
            lockout_threshold=number("UMT_LOCKOUT_THRESHOLD", cls.lockout_threshold),
            lockout_base_seconds=number("UMT_LOCKOUT_BASE_SECONDS", cls.lockout_base_seconds, float),
            lockout_max_seconds=number("UMT_LOCKOUT_MAX_SECONDS", cls.lockout_max_seconds, float),
            max_body_bytes=number("UMT_MAX_BODY_BYTES", cls.max_body_bytes),
            request_threads=number("UMT_REQUEST_THREADS", cls.request_threads),
            job_workers=number("UMT_JOB_WORKERS", cls.job_workers),
            job_retry_base_seconds=number("UMT_JOB_RETRY_BASE_SECONDS", cls.job_retry_base_seconds, float),
            job_lease_seconds=number("UMT_JOB_LEASE_SECONDS", cls.job_lease_seconds, float),
            job_retention_days=number("UMT_JOB_RETENTION_DAYS", cls.job_retention_days, float),
            outbox_workers=number("UMT_OUTBOX_WORKERS", cls.outbox_workers),
            outbox_lease_seconds=number("UMT_OUTBOX_LEASE_SECONDS", cls.outbox_lease_seconds, float),
            outbox_max_attempts=number("UMT_OUTBOX_MAX_ATTEMPTS", cls.outbox_max_attempts),
            outbox_retry_base_seconds=number("UMT_OUTBOX_RETRY_BASE_SECONDS", cls.outbox_retry_base_seconds, float),
            public_url=env.get("UMT_PUBLIC_URL", ""),
            idempotency_retention_hours=number("UMT_IDEMPOTENCY_RETENTION_HOURS", cls.idempotency_retention_hours,
                                               float),
        )
