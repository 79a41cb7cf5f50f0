"""`homeward audit verify [--expect-head HASH] [--expect-count N]`: check the audit log's hash chain.

The chain shows any entry changed or cut out of it, but not entries cut off its end: for that, record
the head and count this command prints and pass them back next time.
"""

import argparse
import re

from django.core.management.base import BaseCommand, CommandError

from homeward.audit.services import audit_check


def _hash(value: str) -> str:
    if not re.fullmatch(r"[0-9a-f]{64}", value):
        raise argparse.ArgumentTypeError("a head hash is 64 lower-case hexadecimal characters")
    return value


def _count(value: str) -> int:
    if not value.isdigit():
        raise argparse.ArgumentTypeError("a count is a whole number")
    return int(value)


class Command(BaseCommand):
    help = "Check the audit log's hash chain."

    def add_arguments(self, parser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        verify = sub.add_parser(
            "verify",
            help="walk the chain; exit non-zero if any entry was changed or removed",
            description="Walk the chain. On success print its head hash and entry count: record them, and pass "
            "them back with --expect-head and --expect-count to detect entries removed from the end since.",
        )
        verify.add_argument("--expect-head", type=_hash, metavar="HASH", help="a head hash printed by an earlier verify")
        verify.add_argument("--expect-count", type=_count, metavar="N", help="the entry count printed with that head")

    def handle(self, *args, action: str, **options) -> None:
        report = audit_check(expect_head=options["expect_head"], expect_count=options["expect_count"])
        for problem in report.problems:
            where = f"entry {problem.event_id}" if problem.event_id is not None else "chain"
            self.stderr.write(f"{where}: {problem.reason}")
        if report.problems:
            raise CommandError(f"Audit chain broken: {len(report.problems)} problem(s).")
        self.stdout.write(f"Audit chain intact: {report.count} entries.")
        self.stdout.write(f"head {report.head}")
        self.stdout.write(f"count {report.count}")
        self.stdout.write(
            f"Record these; later, `homeward audit verify --expect-head {report.head} --expect-count {report.count}` "
            "also detects entries removed from the end."
        )
