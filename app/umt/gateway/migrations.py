"""Numbered schema migrations with a schema_version table: each step runs once, in its own
transaction, in order. Steps describe the schema as it was when they were written (frozen
copies, not the current `tables` module), so an old database upgrades the way it would have then.

Add a step by appending a function to STEPS; never edit a released one."""

from __future__ import annotations

import logging
from typing import Callable

from sqlalchemy import (JSON, Column, Date, DateTime, Float, ForeignKey, Index, Integer, LargeBinary, MetaData, Numeric,
                        String, Table, Text, UniqueConstraint, text)
from sqlalchemy.engine import Connection, Engine

log = logging.getLogger(__name__)


def _stamps() -> list[Column]:
    return [Column("created_at", DateTime(timezone=True), nullable=False),
            Column("updated_at", DateTime(timezone=True), nullable=False)]


def step_1_accounts_and_marketing(connection: Connection) -> None:
    """Accounts, brands, campaigns, content items and their daily metrics."""
    m = MetaData()
    Table("users", m,
          Column("id", Integer, primary_key=True),
          Column("email", String(254), nullable=False, unique=True),
          Column("name", String(200), nullable=False),
          Column("role", String(20), nullable=False),
          Column("password_hash", String(300), nullable=False),
          Column("totp_secret", String(64)),
          Column("totp_pending_secret", String(64)),
          Column("totp_last_step", Integer, nullable=False),
          Column("failed_logins", Integer, nullable=False),
          Column("locked_until", DateTime(timezone=True)),
          Column("password_changed_at", DateTime(timezone=True), nullable=False),
          *_stamps())
    Table("owner_setup", m, Column("slot", String(10), primary_key=True))
    Table("recovery_codes", m,
          Column("id", Integer, primary_key=True),
          Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True),
          Column("code_hash", String(64), nullable=False),
          Column("used_at", DateTime(timezone=True)))
    Table("sessions", m,
          Column("id", Integer, primary_key=True),
          Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True),
          Column("token_hash", String(64), nullable=False, unique=True),
          Column("kind", String(20), nullable=False),
          Column("created_at", DateTime(timezone=True), nullable=False),
          Column("expires_at", DateTime(timezone=True), nullable=False),
          Column("revoked_at", DateTime(timezone=True)))
    Table("brands", m,
          Column("id", Integer, primary_key=True),
          Column("name", String(200), nullable=False),
          Column("voice", Text, nullable=False),
          Column("audience", Text, nullable=False),
          Column("banned_words", JSON, nullable=False),
          Column("hashtags", JSON, nullable=False),
          Column("sample_posts", JSON, nullable=False),
          *_stamps())
    Table("campaigns", m,
          Column("id", Integer, primary_key=True),
          Column("brand_id", Integer, ForeignKey("brands.id", ondelete="SET NULL"), index=True),
          Column("name", String(200), nullable=False),
          Column("goal", Text, nullable=False),
          Column("channels", JSON, nullable=False),
          Column("start", Date),
          Column("end", Date),
          Column("budget", Numeric(14, 2)),
          *_stamps())
    Table("content_items", m,
          Column("id", Integer, primary_key=True),
          Column("brand_id", Integer, ForeignKey("brands.id", ondelete="SET NULL"), index=True),
          Column("campaign_id", Integer, ForeignKey("campaigns.id", ondelete="SET NULL"), index=True),
          Column("channel", String(40), nullable=False),
          Column("title", String(300), nullable=False),
          Column("body", Text, nullable=False),
          Column("status", String(20), nullable=False, index=True),
          Column("scheduled_at", DateTime(timezone=True), index=True),
          Column("published_at", DateTime(timezone=True)),
          Column("scores", JSON, nullable=False),
          *_stamps())
    Table("metrics", m,
          Column("id", Integer, primary_key=True),
          Column("content_id", Integer, ForeignKey("content_items.id", ondelete="CASCADE"), nullable=False),
          Column("day", Date, nullable=False),
          Column("impressions", Integer, nullable=False),
          Column("clicks", Integer, nullable=False),
          Column("engagements", Integer, nullable=False),
          Column("conversions", Integer, nullable=False),
          Column("spend", Numeric(14, 2), nullable=False),
          UniqueConstraint("content_id", "day"))
    m.create_all(connection)


def step_2_versions_experiments_jobs(connection: Connection) -> None:
    """Content versions (backfilled from existing content), experiments and agent jobs."""
    m = MetaData()
    for existing in ("users", "campaigns", "content_items"):  # targets of the new foreign keys
        Table(existing, m, Column("id", Integer, primary_key=True))
    Table("content_versions", m,
                     Column("id", Integer, primary_key=True),
                     Column("content_id", Integer, ForeignKey("content_items.id", ondelete="CASCADE"),
                            nullable=False, index=True),
                     Column("version", Integer, nullable=False),
                     Column("title", String(300), nullable=False),
                     Column("body", Text, nullable=False),
                     Column("created_at", DateTime(timezone=True), nullable=False),
                     UniqueConstraint("content_id", "version"))
    Table("experiments", m,
          Column("id", Integer, primary_key=True),
          Column("campaign_id", Integer, ForeignKey("campaigns.id", ondelete="SET NULL"), index=True),
          Column("content_id", Integer, ForeignKey("content_items.id", ondelete="SET NULL"), index=True),
          Column("name", String(200), nullable=False),
          Column("hypothesis", Text, nullable=False),
          Column("variants", JSON, nullable=False),
          *_stamps())
    Table("jobs", m,
          Column("id", Integer, primary_key=True),
          Column("user_id", Integer, ForeignKey("users.id", ondelete="SET NULL")),
          Column("kind", String(40), nullable=False),
          Column("input", JSON, nullable=False),
          Column("status", String(20), nullable=False, index=True),
          Column("progress", Float, nullable=False),
          Column("step", String(200), nullable=False),
          Column("result", JSON),
          Column("error", JSON),
          Column("attempts", Integer, nullable=False),
          Column("next_attempt_at", DateTime(timezone=True)),
          Column("started_at", DateTime(timezone=True)),
          Column("finished_at", DateTime(timezone=True)),
          *_stamps())
    m.create_all(connection, tables=[m.tables[name] for name in ("content_versions", "experiments", "jobs")])
    connection.execute(text("ALTER TABLE content_items ADD COLUMN version INTEGER NOT NULL DEFAULT 1"))
    # Every existing item gets its current text as version 1.
    connection.execute(text("INSERT INTO content_versions (content_id, version, title, body, created_at) "
                            "SELECT id, 1, title, body, updated_at FROM content_items"))


def step_3_analytics_indexes(connection: Connection) -> None:
    """Indexes for the analytics aggregates: metrics by day, covering the summed columns (a range of
    days is read from the index alone), and content items by channel."""
    connection.execute(text("CREATE INDEX ix_metrics_day_totals ON metrics "
                            "(day, content_id, impressions, clicks, engagements, conversions, spend)"))
    connection.execute(text("CREATE INDEX ix_content_items_channel ON content_items (channel)"))


def step_4_brand_keyphrases(connection: Connection) -> None:
    """Brands gain keyphrases (the voice kit's search terms); existing brands get none."""
    connection.execute(text("ALTER TABLE brands ADD COLUMN keyphrases JSON NOT NULL DEFAULT '[]'"))


def step_5_publishing(connection: Connection) -> None:
    """Publishing: channel accounts (credentials encrypted), the newsletter's recipients, and the
    outbox's deliveries (one per content item per channel account, leased by the worker sending it)."""
    m = MetaData()
    Table("content_items", m, Column("id", Integer, primary_key=True))
    Table("channel_accounts", m,
          Column("id", Integer, primary_key=True),
          Column("kind", String(20), nullable=False),
          Column("name", String(100), nullable=False),
          Column("settings", JSON, nullable=False),
          Column("credentials_encrypted", Text),
          Column("status", String(20), nullable=False),
          Column("last_error", Text),
          *_stamps())
    Table("deliveries", m,
          Column("id", Integer, primary_key=True),
          Column("content_id", Integer, ForeignKey("content_items.id", ondelete="CASCADE"), nullable=False),
          Column("channel_id", Integer, ForeignKey("channel_accounts.id", ondelete="CASCADE"), nullable=False,
                 index=True),
          Column("status", String(20), nullable=False),
          Column("key", String(64), nullable=False, unique=True),
          Column("due_at", DateTime(timezone=True), nullable=False),
          Column("attempts", Integer, nullable=False),
          Column("next_attempt_at", DateTime(timezone=True)),
          Column("sent_at", DateTime(timezone=True)),
          Column("remote_id", String(300)),
          Column("link", String(1000)),
          Column("last_error", Text),
          Column("details", JSON, nullable=False),
          Column("lease_owner", String(100)),
          Column("lease_expires_at", DateTime(timezone=True)),
          *_stamps(),
          # One delivery per item per account, ever: a retry reuses the row (and its key), a
          # cancelled one is queued again in place. So a plain unique constraint, no partial index.
          UniqueConstraint("content_id", "channel_id"),
          Index("ix_deliveries_status_due_at", "status", "due_at"))
    Table("recipients", m,
          Column("id", Integer, primary_key=True),
          Column("channel_id", Integer, ForeignKey("channel_accounts.id", ondelete="CASCADE"), nullable=False,
                 index=True),
          Column("email", String(254), nullable=False),
          Column("name", String(200), nullable=False),
          Column("unsubscribe_token", String(64), nullable=False, unique=True),
          Column("unsubscribed_at", DateTime(timezone=True)),
          Column("created_at", DateTime(timezone=True), nullable=False),
          UniqueConstraint("channel_id", "email"))
    m.create_all(connection, tables=[m.tables[name] for name in ("channel_accounts", "deliveries", "recipients")])


def step_6_encrypt_totp_secrets(connection: Connection, cipher=None) -> None:
    """TOTP secrets are stored encrypted under the channel key, like channel credentials (the
    columns widen to hold the ciphertext). Existing secrets are encrypted in place."""
    if connection.dialect.name == "postgresql":   # SQLite does not enforce a VARCHAR's length
        for column in ("totp_secret", "totp_pending_secret"):
            connection.execute(text(f"ALTER TABLE users ALTER COLUMN {column} TYPE VARCHAR(255)"))
    rows = connection.execute(text("SELECT id, totp_secret, totp_pending_secret FROM users "
                                   "WHERE totp_secret IS NOT NULL OR totp_pending_secret IS NOT NULL")).all()
    if rows and cipher is None:
        raise RuntimeError("encrypting the TOTP secrets needs the channel key; start the gateway with it")
    for row in rows:
        connection.execute(text("UPDATE users SET totp_secret = :s, totp_pending_secret = :p WHERE id = :id"), {
            "id": row.id, "s": row.totp_secret and cipher.encrypt(row.totp_secret),
            "p": row.totp_pending_secret and cipher.encrypt(row.totp_pending_secret)})


step_6_encrypt_totp_secrets.needs_cipher = True  # type: ignore[attr-defined]

def step_7_idempotency_keys(connection: Connection) -> None:
    """The remembered replies of writes sent with an Idempotency-Key (a retry is answered, not redone)."""
    m = MetaData()
    Table("users", m, Column("id", Integer, primary_key=True))
    Table("idempotency_keys", m,
          Column("id", Integer, primary_key=True),
          Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
          Column("key", String(255), nullable=False),
          Column("request_hash", String(64), nullable=False),
          Column("status_code", Integer, nullable=False),
          Column("body", LargeBinary, nullable=False),
          Column("created_at", DateTime(timezone=True), nullable=False, index=True),
          UniqueConstraint("user_id", "key"))
    m.create_all(connection, tables=[m.tables["idempotency_keys"]])


def step_8_job_leases(connection: Connection) -> None:
    """Jobs gain a row lease (which gateway process runs it, until when), so that several gateways
    on one database each run a job exactly once and take over a dead one's jobs when it expires."""
    connection.execute(text("ALTER TABLE jobs ADD COLUMN lease_owner VARCHAR(100)"))
    connection.execute(text("ALTER TABLE jobs ADD COLUMN lease_expires_at TIMESTAMP WITH TIME ZONE"
                            if connection.dialect.name == "postgresql" else
                            "ALTER TABLE jobs ADD COLUMN lease_expires_at DATETIME"))


STEPS: list[Callable[..., None]] = [step_1_accounts_and_marketing, step_2_versions_experiments_jobs,
                                    step_3_analytics_indexes, step_4_brand_keyphrases, step_5_publishing,
                                    step_6_encrypt_totp_secrets, step_7_idempotency_keys, step_8_job_leases]
LATEST = len(STEPS)


def current_version(engine: Engine) -> int:
    with engine.begin() as connection:
        _ensure_version_table(connection)
        return connection.execute(text("SELECT COALESCE(MAX(version), 0) FROM schema_version")).scalar_one()


# Any fixed 64-bit number, the same in every gateway: the key of the PostgreSQL advisory lock that
# lets one gateway at a time migrate ("umt-migrate" in ASCII).
MIGRATION_LOCK_KEY = 0x756D742D6D696772


def upgrade(engine: Engine, target: int = LATEST, cipher=None) -> int:
    """Bring the database to `target`; returns the version it started from. `cipher`
    (publishing.credentials.Cipher) is for the steps that encrypt stored secrets.

    On PostgreSQL several gateways may start at once: each waits for a session-level advisory lock,
    so one migrates while the others wait, then find nothing left to do. (Without it two of them
    racing through `CREATE TABLE` collide on PostgreSQL's catalog.) SQLite needs no lock: every
    write transaction there begins IMMEDIATE, one writer at a time."""
    if engine.dialect.name != "postgresql":
        return _upgrade(engine, target, cipher)
    with engine.connect() as lock:
        lock.execute(text("SELECT pg_advisory_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
        lock.commit()  # the lock belongs to the session, not to this transaction
        try:
            return _upgrade(engine, target, cipher)
        finally:
            lock.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": MIGRATION_LOCK_KEY})
            lock.commit()


def _upgrade(engine: Engine, target: int, cipher) -> int:
    start = current_version(engine)
    if start > LATEST:
        raise RuntimeError(f"the database is at schema version {start}, newer than this gateway ({LATEST}); "
                           "upgrade umt before opening it")
    for number in range(start + 1, target + 1):
        step = STEPS[number - 1]
        log.info("migrating the database to version %d: %s", number, step.__doc__)
        with engine.begin() as connection:
            # Re-check inside the transaction: another gateway may have run this step meanwhile.
            done = connection.execute(text("SELECT COUNT(*) FROM schema_version WHERE version = :v"),
                                      {"v": number}).scalar_one()
            if done:
                continue
            if getattr(step, "needs_cipher", False):
                step(connection, cipher)
            else:
                step(connection)
            connection.execute(text("INSERT INTO schema_version (version) VALUES (:v)"), {"v": number})
    return start


def _ensure_version_table(connection: Connection) -> None:
    connection.execute(text("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY)"))
