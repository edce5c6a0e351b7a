"""A real SMTP server (aiosmtpd) on 127.0.0.1, twice: STARTTLS on one port, implicit TLS on another,
both with a certificate for IP 127.0.0.1 from a test certificate authority (trustme) and AUTH
required. What it received is kept in `messages`; `refuse` makes it refuse chosen recipients at
RCPT (452, 550…); `stall_after_data` makes it take a chosen recipient's message and never answer."""

from __future__ import annotations

import asyncio
import email
import email.policy
import ssl
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Iterator

import pytest
import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from tests.conftest import free_port

USERNAME, PASSWORD = "news@shop.example", "smtp-test-password"


@dataclass
class Received:
    sender: str
    recipients: list[str]
    message: EmailMessage
    received_at: float = field(default_factory=time.time)


@dataclass
class SmtpHandler:
    messages: list[Received] = field(default_factory=list)
    refuse: dict[str, str] = field(default_factory=dict)        # address → the whole answer, "452 4.2.2 …"
    stall_after_data: set[str] = field(default_factory=set)      # took the message, never answers
    stalled: list[Received] = field(default_factory=list)
    released: threading.Event = field(default_factory=threading.Event)
    sign_ins: int = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        received = Received(envelope.mail_from, list(envelope.rcpt_tos),
                            email.message_from_bytes(envelope.original_content, policy=email.policy.default))
        if self.stall_after_data & set(envelope.rcpt_tos):
            self.stalled.append(received)
            while not self.released.is_set():   # until the test ends: the client must give up first
                await asyncio.sleep(0.05)
            return "421 4.3.2 going away"
        self.messages.append(received)
        return "250 2.0.0 OK queued"

    def authenticate(self, server, session, envelope, mechanism, auth_data):
        # handled=False on a refusal: aiosmtpd then answers 535 itself (handled=True would leave the
        # client waiting for an answer that never comes).
        if isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (
                USERNAME.encode(), PASSWORD.encode()):
            self.sign_ins += 1
            return AuthResult(success=True)
        return AuthResult(success=False, handled=False)

    def received_by(self, address: str) -> list[Received]:
        return [m for m in self.messages if address in m.recipients]


@dataclass
class SmtpServer:
    handler: SmtpHandler
    starttls_port: int
    tls_port: int
    ca_file: Path

    def settings(self, security: str = "starttls", **more) -> dict:
        port = self.starttls_port if security == "starttls" else self.tls_port
        return {"host": "127.0.0.1", "port": port, "security": security, "sender": f"Shop <{USERNAME}>",
                "username": USERNAME, "ca_file": str(self.ca_file), **more}


@pytest.fixture(scope="session")
def smtp_certificates(tmp_path_factory) -> tuple[trustme.CA, Path]:
    ca = trustme.CA()
    ca_file = tmp_path_factory.mktemp("smtp-ca") / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    return ca, ca_file


@contextmanager
def running_smtp(ca: trustme.CA, ca_file: Path) -> Iterator[SmtpServer]:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1", "localhost").configure_cert(context)
    handler = SmtpHandler()
    common = {"hostname": "127.0.0.1", "server_hostname": "smtp.test", "authenticator": handler.authenticate,
              "auth_required": True, "timeout": 30}
    starttls = Controller(handler, port=free_port(), tls_context=context, require_starttls=True, **common)
    # aiosmtpd only counts STARTTLS as TLS for AUTH; this port is TLS from the first byte.
    implicit = Controller(handler, port=free_port(), ssl_context=context, auth_require_tls=False, **common)
    starttls.start()
    try:
        implicit.start()
        try:
            yield SmtpServer(handler, starttls.port, implicit.port, ca_file)
        finally:
            handler.released.set()
            implicit.stop()
    finally:
        handler.released.set()
        starttls.stop()


@pytest.fixture
def smtp_server(smtp_certificates) -> Iterator[SmtpServer]:
    with running_smtp(*smtp_certificates) as server:
        yield server
