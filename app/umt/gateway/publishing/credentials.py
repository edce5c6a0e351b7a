"""Secrets at rest: channel credentials and TOTP secrets are stored encrypted (umt.sealed:
libsodium's secret box) under a key derived from the `channel_key` secret, which the umt app keeps in the OS keyring and hands to the gateway as a secret file
(like the signing key). A copied database holds no usable credential without that file.

Nothing here logs a value; a decryption failure names no value either."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

from umt import sealed

CHANNEL_KEY_FILE = "channel_key"
MIN_KEY_CHARS = 32


class MissingChannelKey(RuntimeError):
    pass


class UnreadableSecret(RuntimeError):
    """Stored with another key (the keyring's channel_key was replaced) or damaged."""


def load_channel_key(secrets_dir: Path, env: dict[str, str] | None = None) -> str:
    """The key from UMT_CHANNEL_KEY or the secret file the app (or compose) provides."""
    env = os.environ if env is None else env
    value, source = env.get("UMT_CHANNEL_KEY", ""), "UMT_CHANNEL_KEY"
    if not value:
        path = secrets_dir / CHANNEL_KEY_FILE
        source = str(path)
        try:
            value = path.read_text(encoding="utf-8")
        except OSError:
            raise MissingChannelKey(
                f"the gateway has no channel key (it encrypts channel credentials and TOTP secrets): set "
                f"UMT_CHANNEL_KEY or provide the secret file {path} (the umt app writes it from the OS "
                "keyring; `docker compose` mounts it as a secret)") from None
    value = value.strip()
    if len(value) < MIN_KEY_CHARS:
        raise MissingChannelKey(f"the channel key from {source} is too short: "
                                f"use at least {MIN_KEY_CHARS} random characters")
    return value


class Cipher:
    """Encrypts text and JSON objects for storage in the database."""

    def __init__(self, key: str) -> None:
        # The secret is random text of any length: a keyed BLAKE2b makes the 32 bytes the box wants.
        self._key = hashlib.blake2b(key.encode("utf-8"), digest_size=sealed.KEY_BYTES,
                                    person=b"umt-at-rest-v1").digest()

    def encrypt(self, text: str) -> str:
        return sealed.seal_text(self._key, text)

    def decrypt(self, token: str) -> str:
        try:
            return sealed.unseal_text(self._key, token)
        except (sealed.SealError, UnicodeError):
            raise UnreadableSecret("a stored secret cannot be decrypted with this gateway's channel key "
                                   "(was the key in the keyring replaced?)") from None

    def encrypt_json(self, data: dict[str, Any]) -> str:
        return self.encrypt(json.dumps(data, separators=(",", ":")))

    def decrypt_json(self, token: str | None) -> dict[str, Any]:
        return {} if not token else json.loads(self.decrypt(token))
