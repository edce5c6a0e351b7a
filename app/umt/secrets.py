"""The one door to the OS keyring: the gateway's signing key and channel key, the LLM API key, a
remembered session.

Where no secure keyring exists (a headless Linux with no Secret Service, for example), secrets go
to a file in umt's data folder that only the owner can read, and `storage()` says so plainly.
"""

from __future__ import annotations

import json
import os
import secrets as random_tokens
from dataclasses import dataclass
from pathlib import Path

import keyring
import keyring.errors

SERVICE = "umt"
GATEWAY_SIGNING_KEY = "gateway_signing_key"
CHANNEL_KEY = "channel_key"          # encrypts channel credentials and TOTP secrets in the gateway's database
LLM_API_KEY = "llm_api_key"
REMEMBERED_SESSION = "remembered_session"   # the desktop's "Remember me on this computer"
BACKUP_KEY = "backup_key"     # seals the keys inside automatic backups (umt.backup), made on first use
GENERATED = {GATEWAY_SIGNING_KEY, CHANNEL_KEY}    # secrets umt makes itself when they do not exist yet


@dataclass(frozen=True)
class Storage:
    secure: bool
    description: str
    location: str = ""   # where, concretely: the keyring's name and service, or the file


def _insecure_backend() -> bool:
    """True when the keyring cannot store anything (no backend at all): use the private file."""
    backend = keyring.get_keyring()
    module = type(backend).__module__
    return module.startswith(("keyring.backends.fail", "keyring.backends.null"))


def _plaintext_backend() -> bool:
    """keyrings.alt's file backends work, but keep secrets unencrypted or weakly protected."""
    return type(keyring.get_keyring()).__module__.startswith("keyrings.alt")


def _fallback_file() -> Path:
    from umt.paths import data_dir

    return data_dir() / "keystore.json"


def storage() -> Storage:
    if _insecure_backend():
        return Storage(
            False,
            f"No secure keyring was found on this computer, so umt keeps its secrets in "
            f"{_fallback_file()}, readable only by your user account.",
            f"the file {_fallback_file()}",
        )
    backend = keyring.get_keyring()
    if _plaintext_backend():
        return Storage(
            False,
            f"Secrets are kept by the keyring backend {type(backend).__name__}, which does not encrypt them.",
            f"the file {getattr(backend, 'file_path', '?')} (keyring backend {type(backend).__name__})",
        )
    return Storage(
        True,
        f"Secrets are kept in the system keyring ({type(backend).__name__}).",
        f"{getattr(backend, 'name', type(backend).__name__)}, under the service name '{SERVICE}'",
    )


def get_secret(name: str) -> str | None:
    if _insecure_backend():
        return _read_fallback().get(name)
    try:
        return keyring.get_password(SERVICE, name)
    except keyring.errors.KeyringError:
        return _read_fallback().get(name)


def set_secret(name: str, value: str) -> None:
    if not _insecure_backend():
        try:
            keyring.set_password(SERVICE, name, value)
            return
        except keyring.errors.KeyringError:
            pass
    stored = _read_fallback()
    stored[name] = value
    _write_fallback(stored)


def delete_secret(name: str) -> None:
    if not _insecure_backend():
        try:
            keyring.delete_password(SERVICE, name)
        except keyring.errors.KeyringError:
            pass
    stored = _read_fallback()
    if stored.pop(name, None) is not None:
        _write_fallback(stored)


def can_remember_session() -> bool:
    """A session is remembered only by a keyring that protects it: never by a plain file (neither
    umt's fallback file nor keyrings.alt's)."""
    return not _insecure_backend() and not _plaintext_backend()


def _session_entry(server: str) -> str:
    """The keyring entry of the session remembered for this computer's stack (''), or for a server
    (its address): a token is only ever sent back to the gateway that issued it."""
    return REMEMBERED_SESSION if not server else f"{REMEMBERED_SESSION}@{server.rstrip('/')}"


def remember_session(token: str, expires_at: str, server: str = "") -> bool:
    """Keeps a signed-in session for the next start; False (nothing kept) where no keyring
    protects it or the keyring refused."""
    if not can_remember_session():
        return False
    try:
        keyring.set_password(SERVICE, _session_entry(server), json.dumps({"token": token, "expires_at": expires_at}))
    except keyring.errors.KeyringError:
        return False
    return True


def remembered_session(server: str = "") -> tuple[str, str] | None:
    """(token, expires_at) as remembered, or None. The gateway still decides whether it is valid."""
    if not can_remember_session():
        return None
    try:
        stored = keyring.get_password(SERVICE, _session_entry(server))
        data = json.loads(stored) if stored else None
    except (keyring.errors.KeyringError, ValueError):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("token"), str):
        return None
    return data["token"], str(data.get("expires_at", ""))


def forget_session(server: str = "") -> None:
    if _insecure_backend():
        return
    try:
        keyring.delete_password(SERVICE, _session_entry(server))
    except keyring.errors.KeyringError:
        pass    # nothing remembered: nothing to forget


def write_secret_files(files: dict[str, Path]) -> None:
    """Hands the stack's secrets to the backends as files (Compose's `secrets`), creating the
    generated ones once. The files are private to the owner: each backend stages its own copy
    where its service reads it (Backend.stage_secrets)."""
    for name, path in files.items():
        value = get_secret(name)
        if value is None and name in GENERATED:
            value = random_tokens.token_urlsafe(48)
            set_secret(name, value)
        if value is None:
            value = ""      # a declared secret needs its file (a missing one stops the start): empty means "not set"
        path.parent.mkdir(parents=True, exist_ok=True)
        os.chmod(path.parent, 0o700)
        _write_private(path, value)


def _read_fallback() -> dict[str, str]:
    try:
        return json.loads(_fallback_file().read_text())
    except (OSError, ValueError):
        return {}


def _write_fallback(stored: dict[str, str]) -> None:
    _write_private(_fallback_file(), json.dumps(stored))


def _write_private(path: Path, text: str) -> None:
    """Writes a file only its owner may read, atomically: a crash never leaves half of it."""
    temporary = path.with_name(path.name + ".tmp")
    temporary.unlink(missing_ok=True)   # O_CREAT's mode applies only to a new file
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(text)
    temporary.replace(path)
