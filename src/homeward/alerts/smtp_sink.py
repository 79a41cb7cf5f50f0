"""A local SMTP server that keeps what it is sent (aiosmtpd, a runtime dependency): the tests
and `homeward bench alerts` talk to it over real SMTP. Hooks let a fault test act at a chosen point
of the conversation (e.g. kill the worker)."""

import asyncio
import email
import email.policy
import socket
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass


@dataclass
class Received:
    message_id: str
    to: list[str]
    subject: str
    body: str
    at: float  # time.perf_counter() when accepted


class Mailbox:
    def __init__(self, *, delay: float = 0.0, on_recipient: Callable[[int], None] | None = None,
                 on_accepted: Callable[[int], None] | None = None) -> None:
        self.delay = delay  # seconds taken over each recipient: a slow server
        self.on_recipient = on_recipient  # called with how many RCPT commands so far, before the delay
        self.on_accepted = on_accepted  # called with the count stored, after storing, before replying 250
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
        parsed = email.message_from_bytes(envelope.original_content or envelope.content, policy=email.policy.default)
        body = parsed.get_body(preferencelist=("plain",))
        received = Received(
            message_id=str(parsed["Message-ID"]), to=list(envelope.rcpt_tos), subject=str(parsed["Subject"]),
            body=body.get_content() if body else "", at=time.perf_counter(),
        )
        with self._arrived:
            self.messages.append(received)
            count = len(self.messages)
            self._arrived.notify_all()
        if self.on_accepted:
            self.on_accepted(count)
        return "250 Message accepted for delivery"

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
    mailbox.port = port or free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=mailbox.port)
    controller.start()
    try:
        yield mailbox
    finally:
        controller.stop()
