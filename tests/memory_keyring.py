"""A keyring backend for tests that counts as secure (not keyrings.alt, not the fail backend) and
keeps everything in memory: what a desktop's Secret Service or Keychain looks like to umt."""

from __future__ import annotations

import threading

import keyring
import keyring.errors
from keyring.backend import KeyringBackend


class MemoryKeyring(KeyringBackend):
    priority = 1

    def __init__(self) -> None:
        super().__init__()
        self.items: dict[tuple[str, str], str] = {}
        self.calls_by_thread: list[str] = []   # the thread of each call: the GUI must make none
        self._lock = threading.Lock()

    def _note(self) -> None:
        self.calls_by_thread.append(threading.current_thread().name)

    def get_password(self, service: str, username: str) -> str | None:
        with self._lock:
            self._note()
            return self.items.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        with self._lock:
            self._note()
            self.items[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        with self._lock:
            self._note()
            if self.items.pop((service, username), None) is None:
                raise keyring.errors.PasswordDeleteError(username)


def install() -> MemoryKeyring:
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    return backend
