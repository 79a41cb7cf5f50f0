"""Stopping a long-running command on SIGTERM or SIGINT: the signal handler records the request, the
command's main loop acts on it.

Python runs a signal handler in the main thread between two bytecodes of whatever that thread was
doing — inside `threading.Event.set()` with the event's lock held, inside a buffered write to stdout.
A handler that takes a lock the interrupted code holds waits for it for ever (issue 17: a second
signal arriving during the first handler's `Event.set()` hung `homeward worker` for good). So the
handler here only stores attributes; threads that must wake learn of the stop from `is_set()`,
which the main loop calls every tenth of a second.

The rules every command using it follows: the first SIGTERM or SIGINT starts a clean stop, bounded
in time, and whatever arrives after it changes nothing — except a second SIGINT (Ctrl+C pressed
again), which ends the process at once, as a crash would: work in hand is not lost but taken again
(task leases expire; imports resume; uncommitted transactions roll back).
"""

import os
import signal
import sys
import threading
from collections.abc import Callable
from typing import TypeVar

from django.db import connection

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)

T = TypeVar("T")


class StopRequest:
    """A stop asked for by signal or by code. Duck-types the parts of `threading.Event` the worker
    uses (`is_set`, `wait`, `set`), so a worker thread can wait on it.

    Used as a context manager (in the main thread), it handles `signums` inside the block and puts
    the previous handlers back after it — unless it was stopped by signal: the process is ending,
    and a signal that comes during its last moments must still change nothing.

    With exit_on_second_interrupt=False the process does not end itself on a second SIGINT: its
    main loop reads `now` and ends at once (`homeward serve`, which must take its children with it)."""

    def __init__(self, signums=STOP_SIGNALS, *, exit_on_second_interrupt: bool = True) -> None:
        self.signum: int | None = None  # the first stop signal received
        self.interrupts = 0  # SIGINTs received
        self._signums = signums
        self._exit_on_second_interrupt = exit_on_second_interrupt
        self._previous: dict[int, object] = {}
        self._stop = threading.Event()

    def __enter__(self) -> "StopRequest":
        self._previous = {signum: signal.signal(signum, self._on_signal) for signum in self._signums}
        return self

    def __exit__(self, *exc_info) -> None:
        if self.signum is not None:
            return
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)

    def _on_signal(self, signum: int, frame) -> None:
        # Stores and system calls only: no lock, no logging, no buffered write (see the module's note).
        if signum == signal.SIGINT:
            self.interrupts += 1
            if self.interrupts > 1 and self._exit_on_second_interrupt:
                # End as Ctrl+C's default would, so a calling shell sees "interrupted" and stops too.
                signal.signal(signal.SIGINT, signal.SIG_DFL)
                os.kill(os.getpid(), signal.SIGINT)
        if self.signum is None:
            self.signum = signum

    @property
    def now(self) -> bool:
        """A second SIGINT came: stop at once."""
        return self.interrupts > 1

    @property
    def reason(self) -> str:
        return signal.strsignal(self.signum) if self.signum is not None else "asked to stop"

    def set(self) -> None:
        """Ask for a stop from code (never from a signal handler: it takes the event's lock)."""
        self._stop.set()

    def is_set(self) -> bool:
        """Whether a stop was asked for. Outside a signal handler, also wakes the threads in `wait`."""
        if self.signum is not None and not self._stop.is_set():
            self._stop.set()
        return self._stop.is_set()

    def wait(self, timeout: float) -> bool:
        """Sleep until a stop is asked for or `timeout` seconds pass; True if asked. A stop by signal
        is seen within `timeout`, or sooner once another thread calls `is_set()`."""
        return self._stop.wait(timeout) or self.is_set()


def run_or_abandon(work: Callable[[], T], *, say: Callable[[str], object], abandoned: str) -> T:
    """Run `work`, a computation that never looks for a stop (a linkage run), and return its result;
    on the first SIGTERM or SIGINT, say `abandoned` and end the process at once, with the status a
    shell gives a command ended by that signal (128 + its number).

    For work whose writes are one transaction, ending at once is a clean stop: nothing of it is kept
    and it can be run again. It runs in a second thread because the main thread must stay free to
    act on the request; that also keeps libraries that install their own SIGINT handler when started
    in the main thread (PySpark) from doing so."""
    outcome: list = []

    def target() -> None:
        try:
            outcome.append((True, work()))
        except BaseException as error:  # noqa: BLE001 — raised again in the main thread below
            outcome.append((False, error))
        finally:
            connection.close()

    # A daemon thread: nothing waits for it once the process is ending.
    thread = threading.Thread(target=target, name="work", daemon=True)
    with StopRequest() as stopping:
        thread.start()
        while thread.is_alive():
            thread.join(timeout=0.1)
            if stopping.is_set():
                say(f"{stopping.reason}: stopped at once; {abandoned}")
                sys.stdout.flush()
                os._exit(128 + stopping.signum)
    finished, value = outcome[0]
    if not finished:
        raise value
    return value
