"""The owner's channel accounts (credentials encrypted at rest, never sent back out) and the
newsletter's recipients. Blocking code: routes call it through a worker thread."""

from __future__ import annotations

import secrets
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

from umt.gateway import tables as t
from umt.gateway.db import iso, reading, writing
from umt.gateway.errors import Conflict, NotFound, ValidationFailed
from umt.gateway.publishing import registry
from umt.gateway.publishing.base import Account, NeedsReconnect, Outcome, Sent
from umt.gateway.publishing.credentials import Cipher


def account_json(row) -> dict[str, Any]:
    """The reply for one account: everything but the credentials (only whether there are some)."""
    return {"id": row.id, "kind": row.kind, "name": row.name, "settings": row.settings or {}, "status": row.status,
            "last_error": row.last_error, "has_credentials": bool(row.credentials_encrypted),
            "created_at": iso(row.created_at), "updated_at": iso(row.updated_at)}


def recipient_json(row) -> dict[str, Any]:
    return {"id": row.id, "channel_id": row.channel_id, "email": row.email, "name": row.name,
            "unsubscribed_at": iso(row.unsubscribed_at), "created_at": iso(row.created_at)}


class ChannelAccounts:
    def __init__(self, engine: Engine, cipher: Cipher) -> None:
        self.engine = engine
        self.cipher = cipher

    # --- accounts ----------------------------------------------------------------------------

    def list(self, limit: int = 500, offset: int = 0) -> dict[str, Any]:
        table = t.channel_accounts
        with reading(self.engine) as connection:
            rows = connection.execute(select(table).order_by(table.c.id).limit(limit).offset(offset)).all()
            total = connection.execute(select(func.count()).select_from(table)).scalar_one()
        return {"items": [account_json(r) for r in rows], "total": total, "limit": limit, "offset": offset}

    def get(self, account_id: int) -> dict[str, Any]:
        with reading(self.engine) as connection:
            return account_json(self._row(connection, account_id))

    def create(self, kind: str, name: str, settings: dict[str, Any], credentials: dict[str, str]) -> dict[str, Any]:
        """Checks the connection first: an account whose sign-in is refused is not kept."""
        channel = registry.channel_for(kind)
        self._check_names(channel, settings, credentials)
        account = Account(id=0, kind=kind, name=name, settings=settings, credentials=credentials)
        self._require_connection(channel.check_connection(account))
        now = t.utcnow()
        stored = account.updated_credentials or credentials
        with writing(self.engine) as connection:
            account_id = connection.execute(insert(t.channel_accounts).values(
                kind=kind, name=name, settings=settings, credentials_encrypted=self.cipher.encrypt_json(stored),
                status="connected", last_error=None, created_at=now, updated_at=now)).inserted_primary_key[0]
            return account_json(self._row(connection, account_id))

    def update(self, account_id: int, changes: dict[str, Any]) -> dict[str, Any]:
        """New credentials are a reconnect: checked first, then the account is connected again and
        its deliveries that waited for it are due again."""
        with reading(self.engine) as connection:
            row = self._row(connection, account_id)
        values: dict[str, Any] = {k: changes[k] for k in ("name", "settings") if k in changes}
        if "credentials" in changes:
            channel = registry.channel_for(row.kind)
            settings = changes.get("settings", row.settings or {})
            self._check_names(channel, settings, changes["credentials"])
            account = Account(id=row.id, kind=row.kind, name=row.name, settings=settings,
                              credentials=changes["credentials"])
            self._require_connection(channel.check_connection(account))
            values.update(credentials_encrypted=self.cipher.encrypt_json(
                account.updated_credentials or changes["credentials"]), status="connected", last_error=None)
        with writing(self.engine) as connection:
            connection.execute(update(t.channel_accounts).where(t.channel_accounts.c.id == account_id)
                               .values(**values, updated_at=t.utcnow()))
            return account_json(self._row(connection, account_id))

    def delete(self, account_id: int) -> None:
        """Its deliveries go with it (a sent post stays on the service)."""
        with writing(self.engine) as connection:
            if connection.execute(select(t.deliveries.c.id).where(t.deliveries.c.channel_id == account_id,
                                                                  t.deliveries.c.status == "sending")).first():
                raise Conflict("sending", "a post is being sent to this channel right now; try again in a moment")
            if not connection.execute(t.channel_accounts.delete().where(t.channel_accounts.c.id == account_id)).rowcount:
                raise NotFound("channel")

    def test(self, account_id: int) -> dict[str, Any]:
        """Checks the stored connection; a refusal marks the account "needs reconnect"."""
        account = self.account(account_id)
        outcome = registry.channel_for(account.kind).check_connection(account)
        status = "needs_reconnect" if isinstance(outcome, NeedsReconnect) else None
        with writing(self.engine) as connection:
            values: dict[str, Any] = {"updated_at": t.utcnow()}
            if status:
                values.update(status=status, last_error=outcome.reason)
            if account.updated_credentials:
                values["credentials_encrypted"] = self.cipher.encrypt_json(account.updated_credentials)
            connection.execute(update(t.channel_accounts).where(t.channel_accounts.c.id == account_id).values(**values))
            current = self._row(connection, account_id).status
        return {"ok": isinstance(outcome, Sent), "message": outcome.reason or "connected", "status": current}

    def account(self, account_id: int, connection: Connection | None = None) -> Account:
        """The account with its credentials decrypted, for a channel (never for a reply)."""
        if connection is None:
            with reading(self.engine) as own:
                row = self._row(own, account_id)
        else:
            row = self._row(connection, account_id)
        return Account(id=row.id, kind=row.kind, name=row.name, settings=dict(row.settings or {}),
                       credentials=self.cipher.decrypt_json(row.credentials_encrypted))

    def _row(self, connection: Connection, account_id: int):
        row = connection.execute(select(t.channel_accounts).where(t.channel_accounts.c.id == account_id)).first()
        if row is None:
            raise NotFound("channel")
        return row

    @staticmethod
    def _check_names(channel, settings: dict[str, Any], credentials: dict[str, str]) -> None:
        missing = [n for n in channel.credential_names if not credentials.get(n)]
        if missing:
            raise ValidationFailed(f"credentials.{missing[0]}", f"{channel.label} needs {', '.join(missing)}")
        unknown = sorted(set(credentials) - set(channel.credential_names))
        if unknown:
            raise ValidationFailed(f"credentials.{unknown[0]}", f"{channel.label} takes no credential named "
                                                                 f"{unknown[0]}; it takes {', '.join(channel.credential_names)}")
        missing = [n for n in channel.setting_names if settings.get(n) in (None, "")]
        if missing:
            raise ValidationFailed(f"settings.{missing[0]}", f"{channel.label} needs {', '.join(missing)}")

    @staticmethod
    def _require_connection(outcome: Outcome) -> None:
        if isinstance(outcome, Sent):
            return
        if isinstance(outcome, NeedsReconnect):
            raise ValidationFailed("credentials", f"the sign-in was refused: {outcome.reason}")
        raise ValidationFailed(None, f"the connection could not be checked: {outcome.reason}")

    # --- recipients (the email newsletter's list) -----------------------------------------------

    def list_recipients(self, account_id: int, limit: int = 500, offset: int = 0) -> dict[str, Any]:
        table = t.recipients
        with reading(self.engine) as connection:
            self._row(connection, account_id)
            where = table.c.channel_id == account_id
            rows = connection.execute(select(table).where(where).order_by(table.c.id).limit(limit).offset(offset)).all()
            total = connection.execute(select(func.count()).select_from(table).where(where)).scalar_one()
        return {"items": [recipient_json(r) for r in rows], "total": total, "limit": limit, "offset": offset}

    def add_recipients(self, account_id: int, people: list[dict[str, str]]) -> list[dict[str, Any]]:
        """Adds every new address (an address on the list already is kept as it is)."""
        now = t.utcnow()
        with writing(self.engine) as connection:
            if self._row(connection, account_id).kind != "email":
                raise ValidationFailed("id", "only an email newsletter channel has recipients")
            known = set(connection.execute(select(func.lower(t.recipients.c.email))
                                           .where(t.recipients.c.channel_id == account_id)).scalars())
            for person in people:
                if person["email"].lower() in known:
                    continue
                known.add(person["email"].lower())
                connection.execute(insert(t.recipients).values(
                    channel_id=account_id, email=person["email"], name=person.get("name", ""),
                    unsubscribe_token=secrets.token_urlsafe(24), created_at=now))
            rows = connection.execute(select(t.recipients).where(t.recipients.c.channel_id == account_id)
                                      .order_by(t.recipients.c.id)).all()
        return [recipient_json(r) for r in rows]

    def remove_recipient(self, account_id: int, recipient_id: int) -> None:
        with writing(self.engine) as connection:
            gone = connection.execute(t.recipients.delete().where(
                t.recipients.c.id == recipient_id, t.recipients.c.channel_id == account_id)).rowcount
        if not gone:
            raise NotFound("recipient", "rid")

    def unsubscribe(self, token: str) -> bool:
        """True when the token named a recipient (unsubscribed now or before)."""
        try:
            with writing(self.engine) as connection:
                row = connection.execute(select(t.recipients).where(t.recipients.c.unsubscribe_token == token)).first()
                if row is None:
                    return False
                if row.unsubscribed_at is None:
                    connection.execute(update(t.recipients).where(t.recipients.c.id == row.id)
                                       .values(unsubscribed_at=t.utcnow()))
        except IntegrityError:   # pragma: no cover - a concurrent delete
            return False
        return True
