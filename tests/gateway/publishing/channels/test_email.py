"""The email newsletter channel against a real SMTP server (aiosmtpd, TLS with a test CA, AUTH)."""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import datetime, timezone

import pytest
import trustme
from aiosmtpd.controller import Controller

from tests.conftest import free_port
from tests.servers.smtp import PASSWORD, SmtpHandler
from umt.gateway.publishing.base import Account, Failed, Media, NeedsReconnect, Post, RetryLater, Sent, Unknown
from umt.gateway.publishing.channels.email import EmailChannel

_numbers = itertools.count(1)
PEOPLE = ("ada@example.test", "bo@example.test", "cy@example.test")


def subscribers(*emails: str) -> list[dict[str, str]]:
    """The list as the outbox hands it over (settings["recipients"])."""
    return [{"email": e, "name": e.split("@")[0].title(),
             "unsubscribe_url": f"http://127.0.0.1:8000/unsubscribe?token=t-{e.split('@')[0]}"} for e in emails]


def account(server, security: str = "starttls", password: str = PASSWORD, emails=PEOPLE, **settings) -> Account:
    return Account(id=3, kind="email", name="Newsletter", credentials={"password": password},
                   settings=server.settings(security, recipients=subscribers(*emails), **settings))


def post(**changes) -> Post:
    number = next(_numbers)
    made = Post(delivery_id=number, key=f"umt-d{number}-0c3e9a1b", attempt=1, content_id=number,
                title="Spring sale\nstarts now", body="Everything is 20% off.\n.\nUntil Sunday.",
                hashtags=("spring",), due_at=datetime.now(timezone.utc))
    return replace(made, **changes)


def retry_of(first: Post, outcome) -> Post:
    return replace(first, attempt=first.attempt + 1, earlier=outcome.details)


def test_one_message_per_recipient_with_its_own_unsubscribe_headers(smtp_server):
    sent = EmailChannel().send(post(), account(smtp_server))
    assert isinstance(sent, Sent), sent
    assert sent.details == {"accepted": list(PEOPLE), "refused": {}, "waiting": [], "unknown": []}
    messages = smtp_server.handler.messages
    assert [m.recipients for m in messages] == [[e] for e in PEOPLE]
    assert smtp_server.handler.sign_ins == 1           # one connection, one sign-in, three transactions
    first = messages[0].message
    assert messages[0].sender == "news@shop.example"
    assert first["To"] == "Ada <ada@example.test>" and first["From"] == "Shop <news@shop.example>"
    assert first["Subject"] == "Spring sale starts now"   # a line break cannot split the header
    assert first["List-Unsubscribe"] == "<http://127.0.0.1:8000/unsubscribe?token=t-ada>"
    assert first["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert messages[1].message["List-Unsubscribe"] == "<http://127.0.0.1:8000/unsubscribe?token=t-bo>"
    text = first.get_content().replace("\r\n", "\n")
    assert text.startswith("Everything is 20% off.\n.\nUntil Sunday.\n\n#spring")   # the lone dot survives
    assert "Unsubscribe: http://127.0.0.1:8000/unsubscribe?token=t-ada" in text
    assert len({m.message["Message-ID"] for m in messages}) == 3


def test_progress_is_reported_before_each_message_goes(smtp_server):
    reports = []
    reporting = account(smtp_server)
    reporting.progress = reports.append
    sent = EmailChannel().send(post(), reporting)
    assert isinstance(sent, Sent)
    assert [(r["accepted"], r["unknown"], r["waiting"]) for r in reports] == [
        ([], ["ada@example.test"], ["bo@example.test", "cy@example.test"]),
        (["ada@example.test"], ["bo@example.test"], ["cy@example.test"]),
        (["ada@example.test", "bo@example.test"], ["cy@example.test"], []),
    ]


def test_implicit_tls_with_an_image(smtp_server):
    image = Media("sale.png", "image/png", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    sent = EmailChannel().send(post(media=(image,)), account(smtp_server, "tls", emails=PEOPLE[:1]))
    assert isinstance(sent, Sent), sent
    (received,) = smtp_server.handler.messages
    (attachment,) = received.message.iter_attachments()
    assert attachment.get_filename() == "sale.png" and attachment.get_content() == image.data


def test_a_temporary_refusal_is_retried_for_that_recipient_only(smtp_server):
    smtp_server.handler.refuse["bo@example.test"] = "452 4.2.2 Mailbox full"
    first = post()
    later = EmailChannel().send(first, account(smtp_server))
    assert isinstance(later, RetryLater), later
    assert later.details["accepted"] == ["ada@example.test", "cy@example.test"]
    assert later.details["refused"] == {"bo@example.test": {"code": 452, "message": "452 4.2.2 Mailbox full",
                                                           "permanent": False}}
    assert "bo@example.test: 452 4.2.2 Mailbox full" in later.reason
    del smtp_server.handler.refuse["bo@example.test"]
    sent = EmailChannel().send(retry_of(first, later), account(smtp_server))
    assert isinstance(sent, Sent), sent
    assert sent.details["accepted"] == ["ada@example.test", "cy@example.test", "bo@example.test"]
    assert sent.details["refused"] == {}
    assert sorted(r for m in smtp_server.handler.messages for r in m.recipients) == sorted(PEOPLE)  # once each


def test_a_permanent_refusal_is_recorded_and_never_retried(smtp_server):
    smtp_server.handler.refuse.update({"bo@example.test": "550 5.1.1 No such user",
                                       "cy@example.test": "452 4.5.3 Too many recipients"})
    first = post()
    later = EmailChannel().send(first, account(smtp_server))
    assert isinstance(later, RetryLater), later          # cy is still to be tried
    smtp_server.handler.refuse.clear()                   # the server would now take bo too: not asked again
    sent = EmailChannel().send(retry_of(first, later), account(smtp_server))
    assert isinstance(sent, Sent), sent
    assert sent.details["refused"] == {"bo@example.test": {"code": 550, "message": "550 5.1.1 No such user",
                                                          "permanent": True}}
    assert "1 refused for good (bo@example.test: 550 5.1.1 No such user)" in sent.reason
    assert smtp_server.handler.received_by("bo@example.test") == []
    assert [m.recipients for m in smtp_server.handler.messages] == [["ada@example.test"], ["cy@example.test"]]


def test_every_recipient_refused_for_good_fails(smtp_server):
    smtp_server.handler.refuse.update({e: "550 5.7.1 Relaying denied" for e in PEOPLE})
    failed = EmailChannel().send(post(), account(smtp_server))
    assert isinstance(failed, Failed) and "3 refused for good" in failed.reason
    assert smtp_server.handler.messages == []


def test_a_wrong_password_needs_reconnect_and_sends_nothing(smtp_server):
    refused = EmailChannel().send(post(), account(smtp_server, password="not-it"))
    assert isinstance(refused, NeedsReconnect), refused
    assert "535" in refused.reason and "not-it" not in refused.reason
    assert refused.details["waiting"] == list(PEOPLE)
    assert smtp_server.handler.messages == []
    assert isinstance(EmailChannel().check_connection(account(smtp_server, "tls", password="x")), NeedsReconnect)
    assert isinstance(EmailChannel().check_connection(account(smtp_server, "tls")), Sent)


def test_a_server_silent_after_data_leaves_the_delivery_unknown(smtp_server):
    smtp_server.handler.stall_after_data.add("bo@example.test")
    first = post()
    unknown = EmailChannel().send(first, account(smtp_server, timeout=1))
    assert isinstance(unknown, Unknown), unknown
    assert unknown.details == {"accepted": ["ada@example.test"], "refused": {}, "waiting": ["cy@example.test"],
                               "unknown": ["bo@example.test"]}
    assert "after the message to bo@example.test was handed over" in unknown.reason
    assert [m.recipients for m in smtp_server.handler.stalled] == [["bo@example.test"]]   # it did get it
    # The owner decides to try again: only those not accepted, never ada twice.
    smtp_server.handler.stall_after_data.clear()
    sent = EmailChannel().send(retry_of(first, unknown), account(smtp_server))
    assert isinstance(sent, Sent), sent
    assert [m.recipients for m in smtp_server.handler.messages] == [
        ["ada@example.test"], ["bo@example.test"], ["cy@example.test"]]


@pytest.mark.parametrize("security", ["starttls", "tls"])
def test_an_untrusted_certificate_is_a_clear_reconnect(smtp_server, tmp_path, security):
    other_ca = tmp_path / "other-ca.pem"
    trustme.CA().cert_pem.write_to_path(str(other_ca))
    refused = EmailChannel().send(post(), account(smtp_server, security, ca_file=str(other_ca)))
    assert isinstance(refused, NeedsReconnect), refused
    assert "the certificate of the SMTP server 127.0.0.1:" in refused.reason
    assert "is not trusted (unable to get local issuer certificate)" in refused.reason
    assert smtp_server.handler.sign_ins == 0 and smtp_server.handler.messages == []


def test_a_refused_connection_is_retried_later(smtp_server):
    gone = account(smtp_server)
    gone.settings["port"] = free_port()
    later = EmailChannel().send(post(), gone)
    assert isinstance(later, RetryLater) and "could not be reached" in later.reason


def test_problems_before_sending(smtp_server):
    empty = Account(id=3, kind="email", name="x", settings={"port": "x", "security": "ssl", "sender": "me"},
                    credentials={})
    problems = EmailChannel().problems(post(), empty)
    for words in ("no password", "no SMTP host", "port must be a number", "starttls or tls",
                  "sender must be an email address"):
        assert any(words in p for p in problems), (words, problems)
    assert EmailChannel().problems(post(), account(smtp_server)) == []


def test_settings_that_cannot_work_are_named_when_connecting(smtp_server, tmp_path):
    wrong_port = account(smtp_server)
    wrong_port.settings["port"] = "smtp"
    checked = EmailChannel().check_connection(wrong_port)
    assert isinstance(checked, Failed) and "port must be a number (it is 'smtp')" in checked.reason
    (tmp_path / "not-a-ca.pem").write_text("hello")
    for ca_file in (tmp_path / "missing.pem", tmp_path / "not-a-ca.pem"):
        checked = EmailChannel().check_connection(account(smtp_server, ca_file=str(ca_file)))
        assert isinstance(checked, NeedsReconnect) and f"the ca_file '{ca_file}' is not a readable PEM" in checked.reason
    injected = account(smtp_server)
    injected.settings["sender"] = "news@shop.example\nBcc: everyone@example.test"
    assert any("sender must be an email address" in p for p in EmailChannel().problems(post(), injected))


def test_a_list_with_nobody_subscribed_fails_before_connecting(smtp_server):
    failed = EmailChannel().send(post(), account(smtp_server, emails=()))
    assert isinstance(failed, Failed) and "no subscribed recipients" in failed.reason
    assert smtp_server.handler.sign_ins == 0


def test_the_same_address_twice_gets_one_message(smtp_server):
    doubled = account(smtp_server, emails=("ada@example.test", "ADA@example.test"))
    assert isinstance(EmailChannel().send(post(), doubled), Sent)
    assert len(smtp_server.handler.messages) == 1


def test_a_server_closing_the_session_mid_list_leaves_the_rest_for_the_next_try(smtp_server):
    smtp_server.handler.refuse["bo@example.test"] = "421 4.7.0 Too many messages, closing"
    first = post()
    later = EmailChannel().send(first, account(smtp_server))
    assert isinstance(later, RetryLater), later
    assert later.details["accepted"] == ["ada@example.test"]
    assert later.details["waiting"] == ["bo@example.test", "cy@example.test"]
    assert "421 4.7.0 Too many messages" in later.reason
    smtp_server.handler.refuse.clear()
    assert isinstance(EmailChannel().send(retry_of(first, later), account(smtp_server)), Sent)
    assert sorted(r for m in smtp_server.handler.messages for r in m.recipients) == sorted(PEOPLE)


def test_a_server_without_starttls_never_gets_the_password(smtp_server):
    handler = SmtpHandler()
    plain = Controller(handler, hostname="127.0.0.1", port=free_port(), authenticator=handler.authenticate)
    plain.start()
    try:
        cleartext = account(smtp_server)
        cleartext.settings["port"] = plain.port
        refused = EmailChannel().send(post(), cleartext)
    finally:
        plain.stop()
    assert isinstance(refused, NeedsReconnect) and "does not offer STARTTLS" in refused.reason
    assert handler.sign_ins == 0 and handler.messages == []
