"""Encryption at rest: a value sealed with a key opens with that key only, and a changed byte is caught."""

import base64

import pytest

from umt import sealed


def test_a_sealed_value_opens_with_its_key_only():
    key, other = sealed.new_key(), sealed.new_key()
    box = sealed.seal_text(key, "app-password-123")
    assert "app-password-123" not in box and sealed.is_sealed(box)
    assert sealed.unseal_text(key, box) == "app-password-123"
    with pytest.raises(sealed.SealError):
        sealed.unseal_text(other, box)
    assert sealed.seal_text(key, "x") != sealed.seal_text(key, "x")   # a fresh nonce each time


def test_a_changed_byte_is_caught():
    key = sealed.new_key()
    box = sealed.seal(key, b"secret")
    raw = bytearray(base64.b64decode(box[len(sealed.PREFIX):]))
    raw[len(raw) // 2] ^= 0x01    # one bit of the ciphertext (a base64 character may carry unused bits)
    with pytest.raises(sealed.SealError):
        sealed.unseal(key, sealed.PREFIX + base64.b64encode(bytes(raw)))


def test_keys_travel_as_text_and_a_passphrase_makes_the_same_key_from_the_same_salt():
    key = sealed.new_key()
    assert sealed.key_from_text(sealed.key_as_text(key)) == key
    with pytest.raises(sealed.SealError):
        sealed.key_from_text("too-short")
    salt = sealed.new_salt()
    right = sealed.key_from_passphrase("correct horse", salt)
    assert sealed.key_from_passphrase("correct horse", salt) == right
    assert sealed.key_from_passphrase("wrong horse", salt) != right
