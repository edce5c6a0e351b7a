"""The agent's settings, from environment variables.

The LLM's API key comes from the file named by UMT_LLM_API_KEY_FILE, from UMT_LLM_API_KEY, or
from the secret file `llm_api_key` (the desktop app writes it from the OS keyring, as it does the
gateway's signing key); it is kept out of repr() and logs, and never read from the repository."""

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


def _read_key(path: str, missing_is_normal: bool) -> str | None:
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.read().strip() or None
    except FileNotFoundError:
        if not missing_is_normal:
            log.warning("the LLM API key file %s does not exist; drafting with the LLM will fail if the "
                        "endpoint needs a key", path)
    except OSError as error:
        log.warning("cannot read the LLM API key file %s (%s)", path, error.strerror)
    return None


def _api_key(env) -> str | None:
    """UMT_LLM_API_KEY_FILE, then UMT_LLM_API_KEY, then the secret file `llm_api_key` in the secrets
    folder (UMT_SECRETS_DIR, or /run/secrets where compose mounts secrets), as the gateway's key."""
    path = env.get("UMT_LLM_API_KEY_FILE")
    key = _read_key(path, missing_is_normal=False) if path else None
    key = key or env.get("UMT_LLM_API_KEY") or None
    if key is None:
        secrets_dir = env.get("UMT_SECRETS_DIR") or "/run/secrets"
        key = _read_key(os.path.join(secrets_dir, "llm_api_key"), missing_is_normal=True)
    return key
