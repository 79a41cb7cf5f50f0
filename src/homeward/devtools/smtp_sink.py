"""A local SMTP server that keeps what it is sent (aiosmtpd, a runtime dependency): the tests
and `homeward bench alerts` talk to it over real SMTP, and in demo mode `homeward serve` sends the
alerts' emails to it, kept as files for the demo's mail page. Hooks let a fault test act at a chosen
point of the conversation (e.g. kill the worker)."""

import asyncio
import datetime
import email
import email.policy
import os
import socket
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Received:
    message_id: str
    to: list[str]
    subject: str
    body: str
    at: float  # time.perf_counter() when accepted


class Mailbox:
    def __init__(
        self,
        *,
        delay: float = 0.0,
        on_recipient: Callable[[int], None] | None = None,
        on_accepted: Callable[[int], None] | None = None,
        directory: Path | None = None,
    ) -> None:
        self.delay = delay  # seconds taken over each recipient: a slow server
        self.on_recipient = on_recipient  # called with how many RCPT commands so far, before the delay
        self.on_accepted = on_accepted  # called with the count stored, after storing, before replying 250
        self.directory = directory  # where each message is also written, as <UTC time>-<n>.eml
        self.messages: list[Received] = []
        self.port = 0
        self._recipients = 0
        self._lock = threading.Lock()
        self._arrived = threading.Condition(self._lock)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options) -> str:
        with self._lock:
            self._recipients += 1
            count = self._recipients
        if self.on_recipient:
            self.on_recipient(count)
        if self.delay:
            await asyncio.sleep(self.delay)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope) -> str:
        raw = envelope.original_content or envelope.content
        parsed = email.message_from_bytes(raw, policy=email.policy.default)
        body = parsed.get_body(preferencelist=("plain",))
        received = Received(
            message_id=str(parsed["Message-ID"]),
            to=list(envelope.rcpt_tos),
            subject=str(parsed["Subject"]),
            body=body.get_content() if body else "",
            at=time.perf_counter(),
        )
        with self._arrived:
            self.messages.append(received)
            count = len(self.messages)
            if self.directory is not None:
                self._write(raw, count)
            self._arrived.notify_all()
        if self.on_accepted:
            self.on_accepted(count)
        return "250 Message accepted for delivery"

    def _write(self, raw: bytes, count: int) -> None:
        # Readable by this account only (0600), and renamed into place whole, so a reader of the
        # directory never sees half a message; names sort in the order the messages came.
        name = f"{datetime.datetime.now(datetime.UTC):%Y%m%dT%H%M%S%fZ}-{count}.eml"
        partial = self.directory / f".{name}"
        with os.fdopen(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as out:
            out.write(raw)
        os.replace(partial, self.directory / name)

    def count_by_message_id(self) -> Counter:
        with self._lock:
            return Counter(m.message_id for m in self.messages)

    def wait_for(self, count: int, timeout: float) -> bool:
        """Wait until at least `count` messages have arrived; False if the time ran out first."""
        deadline = time.monotonic() + timeout
        with self._arrived:
            while len(self.messages) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._arrived.wait(left)
            return True


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def smtp_sink(*, port: int = 0, **options) -> Iterator[Mailbox]:
    """Run a Mailbox on 127.0.0.1 (a free port unless given) for the duration of the block."""
    from aiosmtpd.controller import Controller

    mailbox = Mailbox(**options)
    if mailbox.directory is not None:
        mailbox.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    mailbox.port = port or free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=mailbox.port)
    controller.start()
    try:
        yield mailbox
    finally:
        controller.stop()
