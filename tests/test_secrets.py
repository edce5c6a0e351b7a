"""The one door to the keyring: generated secrets, secret files for the services, the fallback."""

from __future__ import annotations

import keyring
import pytest

from umt import secrets


def test_secret_files_are_private_and_the_generated_key_stays_the_same(tmp_path):
    files = {"gateway_signing_key": tmp_path / "s" / "gateway_signing_key", "llm_api_key": tmp_path / "s" / "llm_api_key"}
    secrets.write_secret_files(files)
    key = files["gateway_signing_key"].read_text()
    assert len(key) >= 32 and secrets.get_secret("gateway_signing_key") == key
    assert files["llm_api_key"].read_text() == ""          # declared but not set: an empty file
    for path in files.values():
        assert path.stat().st_mode & 0o777 == 0o600
    assert (tmp_path / "s").stat().st_mode & 0o777 == 0o700
    secrets.set_secret("llm_api_key", "sk-1")
    secrets.write_secret_files(files)
    assert files["gateway_signing_key"].read_text() == key and files["llm_api_key"].read_text() == "sk-1"


def test_without_any_keyring_secrets_go_to_a_private_file_and_it_is_said(isolated_data):
    from keyring.backends import fail

    keyring.set_keyring(fail.Keyring())   # what a machine with no keyring at all gives
    store = secrets.storage()
    assert not store.secure and str(isolated_data / "keystore.json") in store.description
    secrets.set_secret("llm_api_key", "sk-2")
    assert secrets.get_secret("llm_api_key") == "sk-2"
    assert (isolated_data / "keystore.json").stat().st_mode & 0o777 == 0o600
    secrets.delete_secret("llm_api_key")
    assert secrets.get_secret("llm_api_key") is None


@pytest.fixture(autouse=True)
def _restore_keyring():
    from keyrings.alt.file import PlaintextKeyring

    keyring.set_keyring(PlaintextKeyring())   # the suite's isolated backend (tests/conftest.py)
    yield
    keyring.set_keyring(PlaintextKeyring())


def test_a_session_is_remembered_by_a_protecting_keyring_only_never_by_a_file(isolated_data):
    from tests.memory_keyring import install

    # keyrings.alt's plaintext file (this suite's default backend) is a plain file: refused.
    assert not secrets.can_remember_session()
    assert secrets.remember_session("tok-1", "2030-01-01T00:00:00Z") is False
    assert secrets.remembered_session() is None
    assert not (isolated_data / "keystore.json").exists()

    from keyring.backends import fail

    keyring.set_keyring(fail.Keyring())       # no keyring at all: not umt's fallback file either
    assert secrets.remember_session("tok-1", "2030-01-01T00:00:00Z") is False
    assert not (isolated_data / "keystore.json").exists()

    backend = install()
    assert secrets.can_remember_session()
    assert secrets.remember_session("tok-2", "2030-01-01T00:00:00Z") is True
    assert secrets.remembered_session() == ("tok-2", "2030-01-01T00:00:00Z")
    assert ("umt", secrets.REMEMBERED_SESSION) in backend.items
    secrets.forget_session()
    assert secrets.remembered_session() is None
    secrets.forget_session()                  # forgetting twice is fine
    backend.items[("umt", secrets.REMEMBERED_SESSION)] = "not json"
    assert secrets.remembered_session() is None
