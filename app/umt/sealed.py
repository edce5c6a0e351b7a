"""The one way umt encrypts anything at rest: channel credentials and TOTP secrets in the gateway's
database, and the secrets inside a backup. libsodium's secret box (XSalsa20-Poly1305, through
PyNaCl) with a random nonce per message; a key from a passphrase with Argon2id.

PyNaCl rather than `cryptography`: it adds ~5 MB to the image instead of ~16 MB, which keeps the
stack's layers above the base within issue 2's 25 MB target, and costs ~1.8 MiB when imported."""

from __future__ import annotations

import base64

import nacl.exceptions
import nacl.pwhash
import nacl.secret
import nacl.utils

KEY_BYTES = nacl.secret.SecretBox.KEY_SIZE   # 32
SALT_BYTES = nacl.pwhash.argon2id.SALTBYTES  # 16
PREFIX = b"umt1:"   # marks a sealed value (and its format version) among plain ones


class SealError(ValueError):
    """Wrong key or passphrase, or the sealed value was changed."""


def new_key() -> bytes:
    return nacl.utils.random(KEY_BYTES)


def key_from_text(text: str) -> bytes:
    """A key kept as text (a secret file, a keyring entry): base64 of 32 bytes."""
    try:
        key = base64.b64decode(text.strip(), validate=True)
    except ValueError as error:
        raise SealError("the key is not valid base64") from error
    if len(key) != KEY_BYTES:
        raise SealError(f"the key must be {KEY_BYTES} bytes, not {len(key)}")
    return key


def key_as_text(key: bytes) -> str:
    return base64.b64encode(key).decode()


def key_from_passphrase(passphrase: str, salt: bytes) -> bytes:
    """Argon2id with libsodium's 'moderate' limits (~2 s here, 256 MiB): a backup's passphrase
    is typed once per backup or restore, so guessing it should be expensive."""
    return nacl.pwhash.argon2id.kdf(KEY_BYTES, passphrase.encode(), salt,
                                    opslimit=nacl.pwhash.argon2id.OPSLIMIT_MODERATE,
                                    memlimit=nacl.pwhash.argon2id.MEMLIMIT_MODERATE)


def new_salt() -> bytes:
    return nacl.utils.random(SALT_BYTES)


def seal(key: bytes, plaintext: bytes) -> bytes:
    return PREFIX + base64.b64encode(bytes(nacl.secret.SecretBox(key).encrypt(plaintext)))


def unseal(key: bytes, sealed: bytes) -> bytes:
    if not sealed.startswith(PREFIX):
        raise SealError("not a sealed value")
    try:
        return nacl.secret.SecretBox(key).decrypt(base64.b64decode(sealed[len(PREFIX):]))
    except (nacl.exceptions.CryptoError, ValueError) as error:
        raise SealError("the key does not open this value, or it was changed") from error


def is_sealed(value: bytes | str) -> bool:
    return (value.encode() if isinstance(value, str) else value).startswith(PREFIX)


def seal_text(key: bytes, text: str) -> str:
    return seal(key, text.encode()).decode()


def unseal_text(key: bytes, sealed: str) -> str:
    return unseal(key, sealed.encode()).decode()
