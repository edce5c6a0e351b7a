"""The agent's settings, from environment variables.

The LLM's API key comes from the file named by UMT_LLM_API_KEY_FILE (the desktop app writes it
there from the OS keyring) or from UMT_LLM_API_KEY; it is kept out of repr() and logs."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class AgentSettings:
    host: str = "127.0.0.1"
    port: int = 8720
    max_body_bytes: int = 2 * 1024 * 1024
    llm_base_url: str | None = None
    llm_model: str | None = None
    llm_api_key: str | None = field(default=None, repr=False)
    llm_timeout: float = 60.0
    llm_retries: int = 2
    llm_backoff: float = 0.5

    @property
    def llm_configured(self) -> bool:
        return bool(self.llm_base_url and self.llm_model)

    @classmethod
    def from_env(cls, env=None) -> "AgentSettings":
        env = os.environ if env is None else env
        return cls(
            host=env.get("UMT_BIND_HOST", cls.host),
            port=int(env.get("UMT_PORT", cls.port)),
            max_body_bytes=int(env.get("UMT_AGENT_MAX_BODY_BYTES", cls.max_body_bytes)),
            llm_base_url=env.get("UMT_LLM_BASE_URL") or None,
            llm_model=env.get("UMT_LLM_MODEL") or None,
            llm_api_key=_api_key(env),
            llm_timeout=float(env.get("UMT_LLM_TIMEOUT", cls.llm_timeout)),
            llm_retries=int(env.get("UMT_LLM_RETRIES", cls.llm_retries)),
            llm_backoff=float(env.get("UMT_LLM_BACKOFF", cls.llm_backoff)),
        )


def _api_key(env) -> str | None:
    path = env.get("UMT_LLM_API_KEY_FILE")
    if path:
        try:
            with open(path, encoding="utf-8") as handle:
                return handle.read().strip() or None
        except OSError as error:
            log.warning("cannot read the LLM API key file %s (%s); drafting with the LLM will fail "
                        "if the endpoint needs a key", path, error.strerror)
    return env.get("UMT_LLM_API_KEY") or None
