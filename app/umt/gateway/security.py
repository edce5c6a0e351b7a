"""Password hashes, tokens, TOTP and recovery codes: the primitives, no database.

Passwords: scrypt from the standard library (memory-hard), with a per-user salt and the cost
parameters stored in the hash string so they can be raised later without breaking old hashes.
N=2^14, r=8 costs 16 MiB for ~50 ms per check, the scrypt paper's interactive-login setting;
larger N would push the gateway over its container memory limit during a login.

Tokens are opaque random strings; the database keeps only HMAC-SHA256(signing key, token), so
a copied database does not hold usable tokens, and rotating the key ends every session."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
import time
from pathlib import Path

SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1
TOTP_PERIOD = 30
MIN_SIGNING_KEY_BYTES = 32


class MissingSigningKey(RuntimeError):
    pass


def load_signing_key(secrets_dir: Path, env: dict[str, str] | None = None) -> bytes:
    """The key from UMT_SIGNING_KEY or the secret file the app (or compose) provides."""
    env = os.environ if env is None else env
    value = env.get("UMT_SIGNING_KEY", "")
    source = "UMT_SIGNING_KEY"
    if not value:
        path = secrets_dir / "gateway_signing_key"
        source = str(path)
        try:
            value = path.read_text(encoding="utf-8").strip()
        except OSError:
            raise MissingSigningKey(
                f"the gateway has no signing key: set UMT_SIGNING_KEY or provide the secret file {path} "
                "(the umt app writes it from the OS keyring; `docker compose` mounts it as a secret)") from None
    key = value.strip().encode("utf-8")
    if len(key) < MIN_SIGNING_KEY_BYTES:
        raise MissingSigningKey(f"the signing key from {source} is too short: "
                                f"use at least {MIN_SIGNING_KEY_BYTES} random characters")
    return key


def hash_password(password: str) -> str:
    salt = os.urandom(16)
    digest = _scrypt(password, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P)
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${_b64(salt)}${_b64(digest)}"


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        computed = _scrypt(password, _unb64(salt), int(n), int(r), int(p))
    except ValueError:
        return False
    return hmac.compare_digest(computed, _unb64(digest))


def burn_password_check() -> None:
    """Spend the time of a real check, so an unknown email is not told apart by timing."""
    _scrypt("x", b"0" * 16, SCRYPT_N, SCRYPT_R, SCRYPT_P)


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(password.encode("utf-8"), salt=salt, n=n, r=r, p=p,
                          maxmem=256 * n * r * p + 2**20, dklen=32)


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_digest(key: bytes, token: str) -> str:
    return hmac.new(key, token.encode("utf-8"), hashlib.sha256).hexdigest()


def calendar_feed_key(key: bytes) -> str:
    """The calendar feed's secret, derived from the signing key: stable across restarts, and a new
    signing key makes every handed-out feed address stop working."""
    return hmac.new(key, b"umt calendar feed v1", hashlib.sha256).hexdigest()[:40]


def new_totp_secret() -> str:
    import pyotp  # imported on first use: it is not needed to serve the API

    return pyotp.random_base32()


def totp_uri(secret: str, email: str) -> str:
    import pyotp

    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name="Ultimate Marketing Team")


def matching_totp_step(secret: str, code: str, now: float | None = None, window: int = 1) -> int | None:
    """The 30-second step the code belongs to (±`window` steps for clock drift), or None.

    Returning the step lets the caller refuse a code already used: a step is accepted once."""
    import pyotp

    code = code.strip().replace(" ", "")
    if not (code.isdigit() and len(code) == 6):
        return None
    totp = pyotp.TOTP(secret)
    now = time.time() if now is None else now
    current = int(now // TOTP_PERIOD)
    for step in range(current - window, current + window + 1):
        if hmac.compare_digest(totp.at(step * TOTP_PERIOD), code):
            return step
    return None


def new_recovery_codes(count: int = 10) -> list[str]:
    """Ten codes like `k7qd-3mxa-p2hf` (60 bits each), shown to the user once."""
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
    return ["-".join("".join(secrets.choice(alphabet) for _ in range(4)) for _ in range(3)) for _ in range(count)]


def normalize_recovery_code(code: str) -> str:
    return code.strip().lower().replace(" ", "")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
