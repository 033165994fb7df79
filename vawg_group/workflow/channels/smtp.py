"""Mail over SMTP: plain, STARTTLS or implicit TLS, with optional authentication.

One connection is opened on the first message of a batch and reused until the batch ends or a
send fails (then it is dropped and the next message opens a fresh one). Replies are sorted into
TransientError (4xx, refused connections, timeouts, a dropped connection) and PermanentError
(5xx, e.g. 550 mailbox unavailable).
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from functools import lru_cache

from vawg_group.core.clock import utcnow
from vawg_group.integrations.errors import PermanentError, TransientError
from vawg_group.workflow.channels.mime import envelope_sender, render_mime
from vawg_group.workflow.messages import OutgoingMessage

log = logging.getLogger(__name__)

SECURITY_MODES = ("none", "starttls", "tls")


def _reply_text(code: int, reply: bytes | str) -> str:
    if isinstance(reply, bytes):
        reply = reply.decode("utf-8", "replace")
    return f"SMTP {code} {' '.join(str(reply).split())}"[:500]


def classify(code: int, reply: bytes | str) -> Exception:
    """A reply code as the error to raise: 4xx try again, 5xx do not."""
    text = _reply_text(code, reply)
    if 400 <= code < 500:
        return TransientError(text)
    return PermanentError(text)


@lru_cache(maxsize=1)
def _default_ssl_context() -> ssl.SSLContext:
    # Loading the system's CA store takes a noticeable time: once per process.
    return ssl.create_default_context()


class SmtpChannel:
    def __init__(
        self,
        *,
        host: str,
        port: int,
        security: str = "none",
        username: str = "",
        password: str = "",
        timeout: float = 30,
        mail_from: str,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        if security not in SECURITY_MODES:
            raise ValueError(f"VAWG_SMTP_SECURITY must be one of {', '.join(SECURITY_MODES)}, not {security!r}")
        self.host = host
        self.port = port
        self.security = security
        self.username = username
        self.password = password
        self.timeout = timeout
        self.mail_from = mail_from
        self._ssl_context = ssl_context
        self._connection: smtplib.SMTP | None = None

    @classmethod
    def from_config(cls, config) -> SmtpChannel:
        return cls(
            host=config["SMTP_HOST"],
            port=int(config["SMTP_PORT"]),
            security=config["SMTP_SECURITY"],
            username=config["SMTP_USERNAME"],
            password=config["SMTP_PASSWORD"],
            timeout=float(config["SMTP_TIMEOUT"]),
            mail_from=config["MAIL_FROM"],
        )

    @property
    def ssl_context(self) -> ssl.SSLContext:
        if self._ssl_context is None:
            self._ssl_context = _default_ssl_context()
        return self._ssl_context

    def _connect(self) -> smtplib.SMTP:
        if self.security == "tls":
            connection = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=self.ssl_context)
        else:
            connection = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        try:
            connection.ehlo()
            if self.security == "starttls":
                connection.starttls(context=self.ssl_context)
                connection.ehlo()
            if self.username:
                connection.login(self.username, self.password)
        except BaseException:
            connection.close()
            raise
        return connection

    def send(self, message: OutgoingMessage, *, message_id: str) -> None:
        data = render_mime(message, message_id=message_id, mail_from=self.mail_from, date=utcnow())
        try:
            if self._connection is None:
                self._connection = self._connect()
            refused = self._connection.sendmail(envelope_sender(self.mail_from), [message.to], data)
        except smtplib.SMTPRecipientsRefused as error:
            self._drop()
            code, reply = next(iter(error.recipients.values()))
            raise classify(code, reply) from None
        except smtplib.SMTPAuthenticationError as error:
            self._drop()
            # Wrong credentials are a setting to fix, not a reason to give up on the message.
            raise TransientError(_reply_text(error.smtp_code, error.smtp_error)) from None
        except smtplib.SMTPResponseException as error:
            self._drop()
            raise classify(error.smtp_code, error.smtp_error) from None
        except smtplib.SMTPNotSupportedError as error:
            self._drop()
            raise PermanentError(f"SMTP server does not support what we need: {error}") from None
        except (TimeoutError, smtplib.SMTPException, ssl.SSLError, OSError) as error:
            # Refused or dropped connections, timeouts, TLS failures: the server may be back soon.
            self._drop()
            raise TransientError(f"{error.__class__.__name__}: {error}"[:500]) from None
        if refused:
            code, reply = next(iter(refused.values()))
            raise classify(code, reply)

    def _drop(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            try:
                connection.close()
            except OSError:
                pass

    def close(self) -> None:
        connection, self._connection = self._connection, None
        if connection is None:
            return
        try:
            connection.quit()
        except (smtplib.SMTPException, OSError):
            connection.close()
