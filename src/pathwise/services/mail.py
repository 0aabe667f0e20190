"""Sending e-mail: one small ``Sender`` protocol and two senders.

* ``OutboxSender`` writes each message as an ``.eml`` file into a folder (setting
  ``PATHWISE_MAIL_OUTBOX``; by default ``outbox`` in Pathwise's data folder), for a school with
  no mail server yet, for a look before switching SMTP on, and for tests;
* ``SmtpSender`` hands each message to an SMTP server (``PATHWISE_SMTP_HOST``, ``_PORT``,
  ``_USER``, ``_PASSWORD``, ``_STARTTLS``, ``_FROM``).

``sender_from(settings)`` picks SMTP when a host is set, else the outbox. ``compose`` builds a
``multipart/alternative`` message (a plain-text part, then an HTML part). Nothing here knows
what a message says or to whom it should go (``services.digest`` does); no password or
message body is ever logged.
"""

from __future__ import annotations

import os
import smtplib
import ssl
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import Protocol

from pathwise.config import Settings


class Sender(Protocol):
    def send(self, message: EmailMessage) -> None:
        """Deliver the message (raise on failure: the caller records nothing then)."""


def compose(*, to: str, sender: str, subject: str, text: str, html: str, at: datetime | None = None) -> EmailMessage:
    """A ``multipart/alternative`` message: the text part first, the HTML part second."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime(at or datetime.now(UTC))
    message["Message-ID"] = make_msgid(domain="pathwise.local")
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    return message


@dataclass
class OutboxSender:
    """Writes each message as ``<UTC time>-<random>.eml`` in ``folder`` (made if missing); a file
    appears whole or not at all (written aside, then renamed)."""

    folder: Path

    def send(self, message: EmailMessage) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        name = f"{datetime.now(UTC):%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:12]}.eml"
        part = self.folder / (name + ".part")
        part.write_bytes(bytes(message))
        os.replace(part, self.folder / name)


@dataclass
class SmtpSender:
    """Hands each message to an SMTP server; STARTTLS (with the system's certificates) before
    signing in when ``starttls`` is on."""

    host: str
    port: int = 587
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    starttls: bool = True
    timeout: float = 30.0

    def send(self, message: EmailMessage) -> None:
        with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
            smtp.ehlo()
            if self.starttls:
                smtp.starttls(context=ssl.create_default_context())
                smtp.ehlo()
            if self.user:
                smtp.login(self.user, self.password or "")
            smtp.send_message(message)


@dataclass
class MemorySender:
    """Keeps the messages in a list (for tests and dry runs)."""

    sent: list[EmailMessage] = field(default_factory=list)

    def send(self, message: EmailMessage) -> None:
        self.sent.append(message)


def sender_from(settings: Settings) -> Sender:
    """SMTP when ``smtp_host`` is set, else the outbox folder."""
    if settings.smtp_host:
        return SmtpSender(settings.smtp_host, settings.smtp_port, settings.smtp_user, settings.smtp_password,
                          settings.smtp_starttls)
    return OutboxSender(Path(settings.mail_outbox))


def describe(sender: Sender) -> str:
    """Where the sender delivers, for a command's output (never a password)."""
    if isinstance(sender, SmtpSender):
        return f"SMTP server {sender.host}:{sender.port}" + (" with STARTTLS" if sender.starttls else "")
    if isinstance(sender, OutboxSender):
        return f"the outbox folder {sender.folder}"
    return sender.__class__.__name__
