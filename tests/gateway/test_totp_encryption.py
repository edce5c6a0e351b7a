"""TOTP secrets at rest: step 6 encrypts the secrets a version-5 database holds in plain text (with
the channel key), and the gateway signs in with them afterwards; new enrolments are stored
encrypted too."""

from __future__ import annotations

import pyotp
import pytest
from sqlalchemy import select, text

from tests.gateway.conftest import OWNER, Gateway
from umt.client import GatewayClient
from umt.gateway import migrations, security, tables
from umt.gateway.db import make_engine
from umt.gateway.publishing.credentials import Cipher


def _owner_with_plain_totp(engine, secret: str, pending: str | None) -> None:
    """The owner as a version-5 gateway stored them: the TOTP secret in plain text."""
    now = tables.utcnow()
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO owner_setup (slot) VALUES ('owner')"))
        connection.execute(text(
            "INSERT INTO users (email, name, role, password_hash, totp_secret, totp_pending_secret, totp_last_step, "
            "failed_logins, password_changed_at, created_at, updated_at) VALUES (:email, :name, 'owner', :hash, "
            ":secret, :pending, 0, 0, :now, :now, :now)"),
            {"email": OWNER["email"], "name": OWNER["name"], "hash": security.hash_password(OWNER["password"]),
             "secret": secret, "pending": pending, "now": now})


def test_a_version_5_database_with_plain_secrets_is_encrypted_and_signing_in_works(
        database_url, gateway_settings, channel_key):
    secret, pending = pyotp.random_base32(), pyotp.random_base32()
    engine = make_engine(database_url)
    migrations.upgrade(engine, target=5)
    _owner_with_plain_totp(engine, secret, pending)
    engine.dispose()

    gateway = Gateway(gateway_settings)   # migrates to the latest version on start
    try:
        with gateway.engine.connect() as connection:
            stored = connection.execute(select(tables.users.c.totp_secret, tables.users.c.totp_pending_secret)).one()
        assert secret not in stored.totp_secret and pending not in stored.totp_pending_secret
        cipher = Cipher(channel_key)
        assert (cipher.decrypt(stored.totp_secret), cipher.decrypt(stored.totp_pending_secret)) == (secret, pending)
        with GatewayClient(gateway.url) as client:
            challenge = client.login(OWNER["email"], OWNER["password"])
            assert challenge.mfa_required
            client.login_second_factor(challenge.challenge, code=pyotp.TOTP(secret).now())
            assert client.me().totp_enabled
    finally:
        gateway.stop()
    assert migrations.current_version(gateway.engine) == migrations.LATEST


def test_a_database_with_secrets_is_not_migrated_without_the_key(database_url):
    engine = make_engine(database_url)
    migrations.upgrade(engine, target=5)
    _owner_with_plain_totp(engine, pyotp.random_base32(), None)
    with pytest.raises(RuntimeError, match="channel key"):
        migrations.upgrade(engine)
    assert migrations.current_version(engine) == 5   # nothing half done
    engine.dispose()


def test_a_new_enrolment_is_stored_encrypted(owner, gateway):
    enrolment = owner.enrol_totp()
    with gateway.engine.connect() as connection:
        pending = connection.execute(select(tables.users.c.totp_pending_secret)).scalar_one()
    assert enrolment.secret not in pending
    owner.confirm_totp(pyotp.TOTP(enrolment.secret).now())
    with gateway.engine.connect() as connection:
        stored = connection.execute(select(tables.users.c.totp_secret)).scalar_one()
    assert enrolment.secret not in stored
    assert gateway.app.state.services.cipher.decrypt(stored) == enrolment.secret
