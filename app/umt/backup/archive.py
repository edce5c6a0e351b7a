"""The backup file: one zip holding the database copy, a manifest and the encrypted secrets.

    manifest.json   what the backup holds (made when, by which umt, schema version, rows per table)
    umt.db          the SQLite copy (or database.dump: PostgreSQL's own custom-format dump)
    secrets.json    the secrets the data needs on another computer, sealed

The secrets are sealed (umt.sealed: libsodium's secret box) with a key made from the owner's
passphrase (Argon2id), or, for automatic backups, with a random key kept in this computer's keyring
(`backup_key`): automatic backups need no prompt, and the manifest says which protection was used."""

from __future__ import annotations

import base64
import json
import os
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from umt import sealed as sealing

FORMAT = "umt-backup"
FORMAT_VERSION = 1
SUFFIX = ".umtbackup"
MANIFEST = "manifest.json"
SECRETS = "secrets.json"
SQLITE_MEMBER = "umt.db"
POSTGRES_MEMBER = "database.dump"
PASSPHRASE = "passphrase"
KEYRING = "keyring"


class BackupError(Exception):
    """A backup that cannot be made or used, in words for the owner."""


@dataclass(frozen=True)
class Manifest:
    created_at: str
    umt_version: str
    schema_version: int
    database: str                   # "sqlite" or "postgresql"
    tables: dict[str, int]
    protection: str                 # PASSPHRASE or KEYRING
    secrets: tuple[str, ...]        # the names sealed in secrets.json
    reason: str = "manual"          # manual, daily, before-upgrade, before-restore
    stack: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def rows(self) -> int:
        return sum(self.tables.values())

    @property
    def automatic(self) -> bool:
        return self.reason != "manual"

    def to_json(self) -> dict:
        return {
            "format": FORMAT, "format_version": FORMAT_VERSION, "created_at": self.created_at,
            "umt_version": self.umt_version, "schema_version": self.schema_version, "database": self.database,
            "tables": self.tables, "rows": self.rows, "secrets": {"protection": self.protection, "names": list(self.secrets)},
            "reason": self.reason, "automatic": self.automatic, "stack": self.stack, **self.extra,
        }

    @classmethod
    def from_json(cls, raw: dict) -> "Manifest":
        if not isinstance(raw, dict) or raw.get("format") != FORMAT:
            raise BackupError("this file is not a umt backup (its manifest is missing or of another kind)")
        if raw.get("format_version", 0) > FORMAT_VERSION:
            raise BackupError("this backup was written by a newer umt in a format this version cannot read: "
                              "update umt, then restore it")
        try:
            protection = raw.get("secrets", {}) or {}
            return cls(
                created_at=str(raw["created_at"]), umt_version=str(raw["umt_version"]),
                schema_version=int(raw["schema_version"]), database=str(raw["database"]),
                tables={str(k): int(v) for k, v in raw["tables"].items()},
                protection=str(protection.get("protection", "")), secrets=tuple(protection.get("names", ())),
                reason=str(raw.get("reason", "manual")), stack=str(raw.get("stack", "")),
            )
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise BackupError(f"this backup's manifest is damaged ({exc})") from None


def database_member(manifest: Manifest) -> str:
    return SQLITE_MEMBER if manifest.database == "sqlite" else POSTGRES_MEMBER


def write_archive(path: Path, manifest: Manifest, database_file: Path, sealed_secrets: dict) -> None:
    """Writes the archive next to its final name and renames it into place: no half backup is
    ever seen under the final name. The database is stored uncompressed-fast (level 1)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    try:
        with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
            archive.writestr(MANIFEST, json.dumps(manifest.to_json(), indent=2, sort_keys=True))
            archive.writestr(SECRETS, json.dumps(sealed_secrets, indent=2))
            archive.write(database_file, database_member(manifest))
        with open(partial, "rb") as handle:
            os.fsync(handle.fileno())
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)


def read_manifest(path: Path) -> Manifest:
    """What a backup holds (date, versions, rows per table), read without touching anything."""
    try:
        with zipfile.ZipFile(path) as archive:
            return Manifest.from_json(json.loads(archive.read(MANIFEST)))
    except FileNotFoundError:
        raise BackupError(f"there is no backup at {path}") from None
    except KeyError:
        raise BackupError(f"{path.name} is not a umt backup: it has no manifest") from None
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise BackupError(f"{path.name} is not a readable umt backup ({exc})") from None


def check_archive(path: Path) -> None:
    """Reads every member back and checks its CRC: the file on disk is what was written."""
    try:
        with zipfile.ZipFile(path) as archive:
            bad = archive.testzip()
    except (zipfile.BadZipFile, OSError) as exc:
        raise BackupError(f"the backup {path.name} cannot be read back ({exc})") from None
    if bad is not None:
        raise BackupError(f"the backup {path.name} is damaged: {bad} does not match its checksum")


def extract_database(path: Path, manifest: Manifest, target: Path) -> None:
    """Unpacks the database; zipfile checks its CRC at the end, so a changed file is refused."""
    try:
        with zipfile.ZipFile(path) as archive, archive.open(database_member(manifest)) as source, open(target, "wb") as out:
            while chunk := source.read(1 << 20):
                out.write(chunk)
    except (zipfile.BadZipFile, KeyError, OSError, EOFError, zlib.error) as exc:
        raise BackupError(f"the database in the backup {path.name} cannot be unpacked ({exc}): the file is damaged") from None


def read_sealed_secrets(path: Path) -> dict | None:
    try:
        with zipfile.ZipFile(path) as archive:
            return json.loads(archive.read(SECRETS))
    except KeyError:
        return None


# --- sealing the secrets ------------------------------------------------------------------------

def seal(values: dict[str, str], *, passphrase: str | None = None, keyring_key: bytes | None = None) -> dict:
    """Seals the secrets with the passphrase (Argon2id → secret box) or the keyring's backup key."""
    plaintext = json.dumps(values)
    if passphrase is not None:
        if not passphrase:
            raise BackupError("a backup needs a passphrase to protect its keys; the passphrase is empty")
        salt = sealing.new_salt()
        key = sealing.key_from_passphrase(passphrase, salt)
        header = {"protection": PASSPHRASE, "kdf": "argon2id", "salt": base64.b64encode(salt).decode("ascii")}
    elif keyring_key is not None:
        key, header = keyring_key, {"protection": KEYRING}
    else:
        raise BackupError("a backup's keys need a passphrase or the keyring's backup key")
    return {**header, "sealed": sealing.seal_text(key, plaintext)}


def unseal(sealed: dict, *, passphrase: str | None = None, keyring_key: bytes | None = None) -> dict[str, str]:
    """The secrets, or BackupError in words: wrong passphrase, no passphrase, key not on this computer."""
    try:
        if sealed["protection"] == PASSPHRASE:
            if not passphrase:
                raise BackupError("this backup's keys are protected by a passphrase: give the passphrase chosen when it was made")
            key = sealing.key_from_passphrase(passphrase, base64.b64decode(sealed["salt"]))
        else:
            if keyring_key is None:
                raise BackupError("this backup was made automatically on another computer: its keys are protected by "
                                  "that computer's keyring, so it can be restored only there")
            key = keyring_key
        text = sealed["sealed"]
    except (KeyError, TypeError, ValueError) as exc:
        raise BackupError(f"this backup's keys are damaged ({exc})") from None
    try:
        values = json.loads(sealing.unseal_text(key, text))
    except sealing.SealError:
        if sealed.get("protection") == PASSPHRASE:
            raise BackupError("wrong passphrase: it does not open this backup's keys") from None
        raise BackupError("this computer's backup key does not open this backup's keys: it was made on another "
                          "computer, or the keyring's backup key was replaced") from None
    return {str(k): str(v) for k, v in values.items()}
