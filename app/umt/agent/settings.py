"""The agent's settings, from environment variables."""

from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class AgentSettings:
    host: str = "127.0.0.1"
    port: int = 8720

    @classmethod
    def from_env(cls, env=None) -> "AgentSettings":
        env = os.environ if env is None else env
        return cls(host=env.get("UMT_BIND_HOST", cls.host), port=int(env.get("UMT_PORT", cls.port)))
