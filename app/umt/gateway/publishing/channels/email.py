"""The email newsletter: one message per subscribed recipient over SMTP (smtplib), signed in with
AUTH over STARTTLS or implicit TLS, the certificate always verified (`ca_file` for a private CA).

One message per recipient, not BCC batches: each carries that recipient's own one-click unsubscribe
address (List-Unsubscribe + List-Unsubscribe-Post, RFC 8058), and a refusal at RCPT or after DATA
then concerns exactly one address. All go through one connection, one transaction each.

SMTP has no idempotency. A recipient counts as accepted only after the final 250 to its DATA; a
connection that breaks or times out after the message was handed over leaves that recipient
"unknown" and the whole delivery `Unknown` (never retried by itself). The details record who was
accepted, refused (452: temporary, tried again; 550: permanent, not) and still waiting, and a
retry (`Post.earlier`) sends only to the recipients not yet accepted nor refused for good."""

from __future__ import annotations

import hashlib
import re
import smtplib
import ssl
from dataclasses import dataclass
from datetime import datetime, timezone
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from email.utils import format_datetime, formataddr, parseaddr
from typing import Any, ClassVar

from umt.gateway.publishing.base import (
    Account, Channel, Failed, NeedsReconnect, Outcome, Post, RetryLater, Sent, Unknown,
)

SECURITY = ("starttls", "tls")
DEFAULT_TIMEOUT = 30.0


@dataclass(frozen=True)
class Addressee:
    email: str
    name: str = ""
    unsubscribe_url: str = ""   # the gateway's own /unsubscribe?token=… for this recipient


def recipients_of(account: Account) -> list[Addressee]:
    """The subscribed list the outbox puts in `settings["recipients"]` when it sends (dicts with
    email, name, unsubscribe_url; unsubscribed ones left out), each address once."""
    found, seen = [], set()
    for entry in account.settings.get("recipients") or ():
        address = str(entry.get("email", "")).strip()
        if address and address.lower() not in seen:
            seen.add(address.lower())
            found.append(Addressee(address, str(entry.get("name") or ""), str(entry.get("unsubscribe_url") or "")))
    return found


class _Stop(Exception):
    """The connection cannot go on: every recipient not yet done waits for the next try."""

    def __init__(self, reason: str, *, permanent: bool = False) -> None:
        super().__init__(reason)
        self.permanent = permanent


class _CutOff(Exception):
    """The connection broke after a message was handed over: it may have been delivered."""


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _said(code: int, message: bytes | str) -> str:
    text = message.decode("utf-8", "replace") if isinstance(message, bytes) else message
    return f"{code} {_one_line(text)}".strip()


def message_for(post: Post, sender: str, recipient: Addressee) -> EmailMessage:
    message = EmailMessage(policy=SMTP_POLICY)
    message["From"] = sender
    message["To"] = formataddr((_one_line(recipient.name), recipient.email))
    message["Subject"] = _one_line(post.title) or _one_line(post.body)[:78]
    message["Date"] = format_datetime(datetime.now(timezone.utc))
    # The same id on every try for one recipient: a receiver that deduplicates by it can.
    domain = parseaddr(sender)[1].rpartition("@")[2] or "localhost"
    digest = hashlib.sha256(recipient.email.lower().encode()).hexdigest()[:16]
    message["Message-ID"] = f"<{post.key}.{digest}@{domain}>"
    text = post.body.rstrip()
    if post.hashtags:
        text += "\n\n" + " ".join(f"#{tag.lstrip('#')}" for tag in post.hashtags)
    if recipient.unsubscribe_url:
        message["List-Unsubscribe"] = f"<{recipient.unsubscribe_url}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        text += f"\n\n-- \nUnsubscribe: {recipient.unsubscribe_url}"
    message.set_content(text + "\n")
    for media in post.media:
        maintype, _, subtype = media.mime_type.partition("/")
        message.add_attachment(media.data, maintype=maintype or "application",
                               subtype=subtype or "octet-stream", filename=media.filename)
    return message


def _data_bytes(message: EmailMessage) -> bytes:
    """The message as DATA carries it: CRLF lines, leading dots doubled, the final dot line."""
    payload = re.sub(rb"(?m)^\.", b"..", message.as_bytes())
    if not payload.endswith(b"\r\n"):
        payload += b"\r\n"
    return payload + b".\r\n"


class EmailChannel(Channel):
    kind: ClassVar[str] = "email"
    label: ClassVar[str] = "Email newsletter"
    max_media: ClassVar[int] = 5
    max_media_bytes: ClassVar[int] = 5 * 1024 * 1024
    # Also read: `ca_file` (a private CA's certificates, PEM), `timeout` (seconds, default 30) and
    # `recipients` (filled by the outbox, see recipients_of).
    setting_names: ClassVar[tuple[str, ...]] = ("host", "port", "security", "sender", "username")
    credential_names: ClassVar[tuple[str, ...]] = ("password",)
    # No idempotency in SMTP: a send cut off by a crash of the gateway becomes Unknown, never repeated.
    resend_after_interruption: ClassVar[bool] = False

    def text_problems(self, post: Post, account: Account) -> list[str]:
        found = [] if (post.title.strip() or post.body.strip()) else ["The newsletter needs a subject or some text"]
        return found + self._setting_problems(account)

    @staticmethod
    def _setting_problems(account: Account) -> list[str]:
        settings, found = account.settings, []
        if not settings.get("host"):
            found.append("Email: the connection has no SMTP host; reconnect the channel")
        if not str(settings.get("port", "")).isdigit():
            found.append(f"Email: the SMTP port must be a number (it is {settings.get('port')!r})")
        if settings.get("security") not in SECURITY:
            found.append(f"Email: security must be starttls or tls (it is {settings.get('security')!r})")
        sender = str(settings.get("sender", ""))
        if "@" not in parseaddr(sender)[1] or "\n" in sender or "\r" in sender:
            found.append(f"Email: the sender must be an email address (it is {settings.get('sender')!r})")
        return found

    def send(self, post: Post, account: Account) -> Outcome:
        earlier = post.earlier or {}
        accepted: list[str] = list(earlier.get("accepted", []))
        refused: dict[str, dict[str, Any]] = {
            email: answer for email, answer in (earlier.get("refused") or {}).items() if answer.get("permanent")}
        subscribed = recipients_of(account)
        if not subscribed:
            return Failed("The newsletter has no subscribed recipients; add some to this channel", details=earlier)
        done = {email.lower() for email in [*accepted, *refused]}
        to_send = [recipient for recipient in subscribed if recipient.email.lower() not in done]
        if not to_send:
            return self._outcome(accepted, refused, [], [], None)
        opened = self._open(account)
        if isinstance(opened, Outcome):
            return type(opened)(opened.reason, details=self._details(accepted, refused, to_send, []))
        smtp, sender = opened, str(account.settings["sender"])
        envelope_sender = parseaddr(sender)[1]
        waiting: list[Addressee] = []
        unknown: list[str] = []
        stopped: _Stop | None = None
        try:
            for index, recipient in enumerate(to_send):
                if account.progress:   # before the message goes: a crash from here leaves it unknown
                    account.progress(self._details(accepted, refused, to_send[index + 1:], [recipient.email]))
                try:
                    answer = self._transaction(smtp, envelope_sender, recipient, message_for(post, sender, recipient))
                except _Stop as stop:
                    stopped, waiting = stop, to_send[index:]
                    break
                except _CutOff as cut:
                    unknown.append(recipient.email)
                    stopped, waiting = _Stop(str(cut)), to_send[index + 1:]
                    break
                if answer is None:
                    accepted.append(recipient.email)
                else:
                    refused[recipient.email] = answer
        finally:
            self._quit(smtp)
        return self._outcome(accepted, refused, [r.email for r in waiting], unknown, stopped,
                             host=str(account.settings.get("host")))

    def check_connection(self, account: Account) -> Outcome:
        opened = self._open(account)
        if isinstance(opened, Outcome):
            return opened
        self._quit(opened)
        settings = account.settings
        return Sent(f"signed in to {settings.get('host')}:{settings.get('port')} as {self._username(account)}")

    # -- one connection ---------------------------------------------------------------------------

    @staticmethod
    def _username(account: Account) -> str:
        return str(account.settings.get("username") or parseaddr(str(account.settings.get("sender", "")))[1])

    def _open(self, account: Account) -> smtplib.SMTP | Outcome:
        """Connects, secures and signs in; or the outcome that says why it could not."""
        settings = account.settings
        problems = self._setting_problems(account)
        if problems:
            return Failed("; ".join(problems))
        host, port = str(settings["host"]), int(settings["port"])
        where = f"the SMTP server {host}:{port}"
        timeout = float(settings.get("timeout") or DEFAULT_TIMEOUT)
        try:
            context = ssl.create_default_context(cafile=settings.get("ca_file") or None)
        except (OSError, ssl.SSLError) as error:
            return NeedsReconnect(f"Email: the ca_file {settings.get('ca_file')!r} is not a readable PEM file of "
                                  f"certificates ({getattr(error, 'strerror', None) or error})")
        smtp: smtplib.SMTP | None = None
        try:
            if settings.get("security") == "tls":
                smtp = smtplib.SMTP_SSL(host, port, timeout=timeout, context=context)
            elif settings.get("security") == "starttls":
                smtp = smtplib.SMTP(host, port, timeout=timeout)
                smtp.ehlo()
                if not smtp.has_extn("starttls"):
                    self._quit(smtp)
                    return NeedsReconnect(f"{where} does not offer STARTTLS; the password is never sent "
                                          "in clear (choose security tls if it expects TLS from the start)")
                smtp.starttls(context=context)
                smtp.ehlo()
            else:
                raise AssertionError("security was checked above")
            smtp.login(self._username(account), account.credentials.get("password", ""))
            return smtp
        except ssl.SSLCertVerificationError as error:
            self._quit(smtp)
            return NeedsReconnect(f"the certificate of {where} is not trusted ({error.verify_message}); "
                                  "if it uses a private certificate authority, give its certificate as ca_file")
        except ssl.SSLError as error:
            self._quit(smtp)
            return NeedsReconnect(f"no secure connection to {where} ({error.reason or error}); "
                                  "check the port and the security setting (starttls or tls)")
        except smtplib.SMTPAuthenticationError as error:
            self._quit(smtp)
            said = _said(error.smtp_code, error.smtp_error)
            if 400 <= error.smtp_code < 500:
                return RetryLater(f"{where} could not check the password for now: {said}")
            return NeedsReconnect(f"{where} refused the sign-in as {self._username(account)}: {said}")
        except smtplib.SMTPNotSupportedError:
            self._quit(smtp)
            return NeedsReconnect(f"{where} offers no sign-in (AUTH) on this connection")
        except smtplib.SMTPConnectError as error:   # the greeting was a refusal
            said = _said(error.smtp_code, error.smtp_error)
            if 400 <= error.smtp_code < 500:
                return RetryLater(f"{where} is busy: {said}")
            return Failed(f"{where} refused the connection: {said}")
        except smtplib.SMTPResponseException as error:
            self._quit(smtp)
            said = _said(error.smtp_code, error.smtp_error)
            return (RetryLater if 400 <= error.smtp_code < 500 else Failed)(f"{where} answered {said}")
        except (smtplib.SMTPException, OSError) as error:   # refused, unreachable, DNS, timeout: nothing sent
            self._quit(smtp)
            return RetryLater(f"{where} could not be reached: {error or type(error).__name__}")

    @staticmethod
    def _quit(smtp: smtplib.SMTP | None) -> None:
        if smtp is None:
            return
        try:
            smtp.quit()
        except (smtplib.SMTPException, OSError):
            smtp.close()

    @staticmethod
    def _transaction(smtp: smtplib.SMTP, sender: str, recipient: Addressee,
                     message: EmailMessage) -> dict[str, Any] | None:
        """One message to one recipient. None when the final 250 came back; the refusal otherwise.
        Raises _Stop when this connection cannot go on, _CutOff when it broke after DATA."""
        def refusal(code: int, text: bytes) -> dict[str, Any]:
            if code == 421:
                raise _Stop(f"the server closed the session: {_said(code, text)}")
            try:
                smtp.rset()
            except (smtplib.SMTPException, OSError) as error:
                raise _Stop(f"the connection broke: {error}") from error
            return {"code": code, "message": _said(code, text), "permanent": code >= 500}

        options = ["SMTPUTF8"] if not recipient.email.isascii() and smtp.has_extn("smtputf8") else []
        try:
            code, text = smtp.mail(sender, options)
            if code != 250:
                refusal(code, text)
                raise _Stop(f"the server refused the sender {sender}: {_said(code, text)}", permanent=code >= 500)
            code, text = smtp.rcpt(recipient.email)
            if code not in (250, 251):
                return refusal(code, text)
            code, text = smtp.docmd("DATA")
            if code != 354:
                return refusal(code, text)
        except (smtplib.SMTPException, OSError) as error:   # before the message went out: nothing taken
            raise _Stop(f"the connection broke: {error or type(error).__name__}") from error
        try:
            smtp.send(_data_bytes(message))
            code, text = smtp.getreply()
        except (smtplib.SMTPException, OSError) as error:
            raise _CutOff(f"the connection broke after the message to {recipient.email} was handed over "
                          f"({error or type(error).__name__}); it may have been delivered") from error
        if code == 250:
            return None
        return refusal(code, text)

    # -- the outcome ------------------------------------------------------------------------------

    @staticmethod
    def _details(accepted: list[str], refused: dict[str, dict[str, Any]], waiting: list, unknown: list[str]) -> dict:
        return {"accepted": list(accepted), "refused": dict(refused),
                "waiting": [r.email if isinstance(r, Addressee) else r for r in waiting], "unknown": list(unknown)}

    def _outcome(self, accepted: list[str], refused: dict[str, dict[str, Any]], waiting: list[str],
                 unknown: list[str], stopped: _Stop | None, host: str = "") -> Outcome:
        temporary = [email for email, answer in refused.items() if not answer["permanent"]]
        permanent = [email for email, answer in refused.items() if answer["permanent"]]
        details = self._details(accepted, refused, waiting, unknown)
        def some(emails: list[str]) -> str:   # the server's words for the first few
            return "; ".join(f"{email}: {refused[email]['message']}" for email in emails[:3])

        counts = f"{len(accepted)} accepted"
        if permanent:
            counts += f", {len(permanent)} refused for good ({some(permanent)})"
        if temporary:
            counts += f", {len(temporary)} refused for now ({some(temporary)})"
        if waiting:
            counts += f", {len(waiting)} not sent yet"
        if unknown:
            return Unknown(f"{stopped}. So far: {counts}.", details=details)
        if stopped and stopped.permanent:
            return Failed(f"{host}: {stopped}. So far: {counts}.", details=details)
        if waiting or temporary:
            why = f"{stopped}. " if stopped else ""
            return RetryLater(f"{why}So far: {counts}; the next try sends only to the others.", details=details)
        if accepted:
            return Sent(f"Sent to {counts}.", details=details)
        return Failed(f"Every recipient was refused: {counts}.", details=details)
