"""The gateway's settings, from environment variables (the app and the stack file set them)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class GatewaySettings:
    host: str = "127.0.0.1"
    port: int = 8710
    data_dir: Path = Path("./data")
    database_url: str = ""
    agent_url: str = "http://127.0.0.1:8720"
    secrets_dir: Path = Path("/run/secrets")

    @property
    def effective_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'umt.db'}"

    @classmethod
    def from_env(cls, env=None) -> "GatewaySettings":
        env = os.environ if env is None else env
        return cls(
            host=env.get("UMT_BIND_HOST", cls.host),
            port=int(env.get("UMT_PORT", cls.port)),
            data_dir=Path(env.get("UMT_DATA_DIR", cls.data_dir)),
            database_url=env.get("DATABASE_URL", ""),
            agent_url=env.get("UMT_AGENT_URL", cls.agent_url),
            secrets_dir=Path(env.get("UMT_SECRETS_DIR", cls.secrets_dir)),
        )
