"""The current database schema as SQLAlchemy Core tables (Core, not the ORM: the ORM costs
~6 MiB more resident memory and the gateway's queries are simple).

The migrations in `migrations.py` build this schema step by step; a test checks that a database
migrated from scratch matches these definitions."""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import (JSON, Column, Date, DateTime, Float, ForeignKey, Index, Integer, LargeBinary, MetaData,
                        Numeric, String, Table, Text, UniqueConstraint)

metadata = MetaData()


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def lease_columns() -> list[Column]:
    """A leasable table's two columns (leases.py): which worker holds the row, and until when."""
    return [Column("lease_owner", String(100)), Column("lease_expires_at", DateTime(timezone=True))]


def _timestamps() -> list[Column]:
    return [
        Column("created_at", DateTime(timezone=True), nullable=False),
        Column("updated_at", DateTime(timezone=True), nullable=False),
    ]


schema_version = Table("schema_version", metadata, Column("version", Integer, primary_key=True, autoincrement=False))

users = Table(
    "users", metadata,
    Column("id", Integer, primary_key=True),
    Column("email", String(254), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("role", String(20), nullable=False),
    Column("password_hash", String(300), nullable=False),
    # Encrypted with the channel key (publishing.credentials), since schema version 6.
    Column("totp_secret", String(255)),
    Column("totp_pending_secret", String(255)),
    Column("totp_last_step", Integer, nullable=False, default=0),
    Column("failed_logins", Integer, nullable=False, default=0),
    Column("locked_until", DateTime(timezone=True)),
    Column("password_changed_at", DateTime(timezone=True), nullable=False),
    *_timestamps(),
)

# One row per owner setup: the primary key makes a second, concurrent setup fail.
owner_setup = Table("owner_setup", metadata, Column("slot", String(10), primary_key=True))

recovery_codes = Table(
    "recovery_codes", metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("code_hash", String(64), nullable=False),
    Column("used_at", DateTime(timezone=True)),
)

sessions = Table(
    "sessions", metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("kind", String(20), nullable=False),  # "access", or "mfa" for a half-done login
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("revoked_at", DateTime(timezone=True)),
)

brands = Table(
    "brands", metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(200), nullable=False),
    Column("voice", Text, nullable=False, default=""),
    Column("audience", Text, nullable=False, default=""),
    Column("banned_words", JSON, nullable=False),
    Column("hashtags", JSON, nullable=False),
    Column("sample_posts", JSON, nullable=False),
    Column("keyphrases", JSON, nullable=False, default=list),
    *_timestamps(),
)

campaigns = Table(
    "campaigns", metadata,
    Column("id", Integer, primary_key=True),
    Column("brand_id", Integer, ForeignKey("brands.id", ondelete="SET NULL"), index=True),
    Column("name", String(200), nullable=False),
    Column("goal", Text, nullable=False, default=""),
    Column("channels", JSON, nullable=False),
    Column("start", Date),
    Column("end", Date),
    Column("budget", Numeric(14, 2)),
    *_timestamps(),
)

content_items = Table(
    "content_items", metadata,
    Column("id", Integer, primary_key=True),
    Column("brand_id", Integer, ForeignKey("brands.id", ondelete="SET NULL"), index=True),
    Column("campaign_id", Integer, ForeignKey("campaigns.id", ondelete="SET NULL"), index=True),
    Column("channel", String(40), nullable=False, index=True),
    Column("title", String(300), nullable=False),
    Column("body", Text, nullable=False, default=""),
    Column("status", String(20), nullable=False, index=True),
    Column("scheduled_at", DateTime(timezone=True), index=True),
    Column("published_at", DateTime(timezone=True)),
    Column("scores", JSON, nullable=False),
    Column("version", Integer, nullable=False, default=1),
    *_timestamps(),
)

content_versions = Table(
    "content_versions", metadata,
    Column("id", Integer, primary_key=True),
    Column("content_id", Integer, ForeignKey("content_items.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("version", Integer, nullable=False),
    Column("title", String(300), nullable=False),
    Column("body", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("content_id", "version"),
)

experiments = Table(
    "experiments", metadata,
    Column("id", Integer, primary_key=True),
    Column("campaign_id", Integer, ForeignKey("campaigns.id", ondelete="SET NULL"), index=True),
    Column("content_id", Integer, ForeignKey("content_items.id", ondelete="SET NULL"), index=True),
    Column("name", String(200), nullable=False),
    Column("hypothesis", Text, nullable=False, default=""),
    Column("variants", JSON, nullable=False),
    *_timestamps(),
)

metrics = Table(
    "metrics", metadata,
    Column("id", Integer, primary_key=True),
    Column("content_id", Integer, ForeignKey("content_items.id", ondelete="CASCADE"), nullable=False),
    Column("day", Date, nullable=False),
    Column("impressions", Integer, nullable=False, default=0),
    Column("clicks", Integer, nullable=False, default=0),
    Column("engagements", Integer, nullable=False, default=0),
    Column("conversions", Integer, nullable=False, default=0),
    Column("spend", Numeric(14, 2), nullable=False, default=0),
    UniqueConstraint("content_id", "day"),
    # The analytics aggregates read a range of days from this index alone (it covers the sums).
    Index("ix_metrics_day_totals", "day", "content_id", "impressions", "clicks", "engagements", "conversions",
          "spend"),
)

jobs = Table(
    "jobs", metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="SET NULL")),
    Column("kind", String(40), nullable=False),
    Column("input", JSON, nullable=False),
    Column("status", String(20), nullable=False, index=True),
    Column("progress", Float, nullable=False, default=0.0),
    Column("step", String(200), nullable=False, default=""),
    Column("result", JSON),
    Column("error", JSON),
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", DateTime(timezone=True)),
    Column("started_at", DateTime(timezone=True)),
    Column("finished_at", DateTime(timezone=True)),
    *_timestamps(),
    # The row lease (see leases.py): which gateway process runs the job, and until when.
    *lease_columns(),
)

channel_accounts = Table(
    "channel_accounts", metadata,
    Column("id", Integer, primary_key=True),
    Column("kind", String(20), nullable=False),
    Column("name", String(100), nullable=False),
    Column("settings", JSON, nullable=False),
    # A JSON object encrypted with the channel key (publishing.credentials): never sent back out.
    Column("credentials_encrypted", Text),
    Column("status", String(20), nullable=False, default="connected"),
    Column("last_error", Text),
    *_timestamps(),
)

# One per content item per channel account, ever (the unique constraint): a retry or a requeue
# reuses the row and its `key`, which the channel uses to never publish twice.
deliveries = Table(
    "deliveries", metadata,
    Column("id", Integer, primary_key=True),
    Column("content_id", Integer, ForeignKey("content_items.id", ondelete="CASCADE"), nullable=False),
    Column("channel_id", Integer, ForeignKey("channel_accounts.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("status", String(20), nullable=False),
    Column("key", String(64), nullable=False, unique=True),
    Column("due_at", DateTime(timezone=True), nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", DateTime(timezone=True)),
    Column("sent_at", DateTime(timezone=True)),
    Column("remote_id", String(300)),
    Column("link", String(1000)),
    Column("last_error", Text),
    Column("details", JSON, nullable=False, default=dict),
    *lease_columns(),   # the row lease of the outbox worker sending it (leases.py)
    *_timestamps(),
    UniqueConstraint("content_id", "channel_id"),
    Index("ix_deliveries_status_due_at", "status", "due_at"),
)

recipients = Table(
    "recipients", metadata,
    Column("id", Integer, primary_key=True),
    Column("channel_id", Integer, ForeignKey("channel_accounts.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("email", String(254), nullable=False),
    Column("name", String(200), nullable=False, default=""),
    Column("unsubscribe_token", String(64), nullable=False, unique=True),
    Column("unsubscribed_at", DateTime(timezone=True)),
    Column("created_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("channel_id", "email"),
)

# The reply to each write sent with an Idempotency-Key, so a retried write is answered, not redone.
idempotency_keys = Table(
    "idempotency_keys", metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("key", String(255), nullable=False),
    Column("request_hash", String(64), nullable=False),
    Column("status_code", Integer, nullable=False),
    Column("body", LargeBinary, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, index=True),
    UniqueConstraint("user_id", "key"),
)
