"""Email: one message per recipient and digest, HTML and plain-text parts, over SMTP.

The Message-ID is derived from the delivery, so a retry is recognisably the same message. A 5xx
answer for the recipient is permanent (the address is marked broken); connection problems and 4xx
answers are transient. smtplib is blocking: it runs in a worker thread, off the event loop.
"""

from __future__ import annotations

import asyncio
import hashlib
import smtplib
import ssl
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import formataddr, formatdate, parseaddr
from pathlib import Path
from typing import Any

from notifier.channels.base import Channel, ChannelError, OnWire, Outbound, SendResult, nothing
from notifier.channels.signed_links import AckLinks

TIMEOUT_SECONDS = 30


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int
    security: str  # starttls, ssl, none
    user: str | None
    password: str | None
    sender: str
    ca_file: Path | None = None


def message_id(delivery_key: str, sender: str) -> str:
    """Stable for a delivery: the same on every attempt."""
    domain = parseaddr(sender)[1].rpartition("@")[2] or "notifier.local"
    digest = hashlib.sha256(delivery_key.encode()).hexdigest()[:24]
    return f"<nhacviec.{digest}@{domain}>"


class EmailChannel(Channel):
    name = "email"
    template_folder = "email"
    concurrency = 2
    parts = ("subject", "html")
    # A crash after the server took the message cannot be checked; the Message-ID makes a repeat
    # recognisable, so sending again is the lesser harm.
    resend_when_unsure = True

    def __init__(self, config: SmtpConfig, links: AckLinks | None = None) -> None:
        self.config, self.links = config, links

    def context(self, delivery_id: int, target: str, created_at: datetime) -> dict[str, Any]:
        """The recipient's own signed acknowledgement link, for the templates."""
        return {"ack_url": self.links.url(delivery_id, target, created_at) if self.links else None}

    async def send(self, message: Outbound, on_wire: OnWire = nothing) -> SendResult:
        email = self.compose(message)
        await on_wire()
        await asyncio.to_thread(self._deliver, email, message.target)
        return SendResult(str(email["Message-ID"]))

    def compose(self, message: Outbound) -> EmailMessage:
        email = EmailMessage()
        email["Subject"] = " ".join(message.extras.get("subject", "[Nhắc việc]").split())
        email["From"] = formataddr(("Nhắc việc", parseaddr(self.config.sender)[1]))
        email["To"] = message.target
        email["Date"] = formatdate(localtime=False, usegmt=True)
        email["Message-ID"] = message_id(message.key, self.config.sender)
        email["List-Id"] = f"Nhắc việc <nhacviec.{parseaddr(self.config.sender)[1].replace('@', '.')}>"
        email["Auto-Submitted"] = "auto-generated"
        email["X-Auto-Response-Suppress"] = "All"
        email.set_content(message.text)
        if message.extras.get("html"):
            email.add_alternative(message.extras["html"], subtype="html")
        for attachment in message.attachments:
            maintype, _, subtype = attachment.mime_type.partition("/")
            email.add_attachment(attachment.data, maintype=maintype, subtype=subtype, filename=attachment.filename)
        return email

    def _deliver(self, email: EmailMessage, recipient: str) -> None:
        try:
            with self._connect() as smtp:
                if self.config.user:
                    smtp.login(self.config.user, self.config.password or "")
                refused = smtp.send_message(email, to_addrs=[recipient])
        except smtplib.SMTPRecipientsRefused as exc:
            code, text = exc.recipients.get(recipient, (550, b"refused"))
            raise _verdict(code, text, recipient) from exc
        except smtplib.SMTPResponseException as exc:
            raise _verdict(exc.smtp_code, exc.smtp_error, recipient) from exc
        except (OSError, smtplib.SMTPException) as exc:
            raise ChannelError(f"không kết nối được máy chủ thư: {exc}") from exc
        if recipient in refused:
            code, text = refused[recipient]
            raise _verdict(code, text, recipient)

    def _connect(self) -> smtplib.SMTP:
        context = ssl.create_default_context(cafile=str(self.config.ca_file) if self.config.ca_file else None)
        if self.config.security == "ssl":
            return smtplib.SMTP_SSL(self.config.host, self.config.port, timeout=TIMEOUT_SECONDS, context=context)
        smtp = smtplib.SMTP(self.config.host, self.config.port, timeout=TIMEOUT_SECONDS)
        if self.config.security == "starttls":
            smtp.starttls(context=context)
        return smtp


def _verdict(code: int, text: bytes | str, recipient: str) -> ChannelError:
    words = text.decode(errors="replace") if isinstance(text, bytes) else str(text)
    permanent = 500 <= code < 600
    return ChannelError(f"{code} {words} ({recipient})", permanent=permanent)
