"""`homeward audit verify [--expect-head HASH] [--expect-count N] [--anchor FILE]`: check the audit
log's hash chain; `homeward audit anchor --out FILE | --url URL`: sign its head and keep it elsewhere.

Each entry's hash is an HMAC under a key kept outside the database, so a chain rewritten and sealed
again without the key shows. The chain alone cannot show entries cut off its end, nor a chain sealed
again by someone holding the key: an anchor (the head and count, signed) kept away from the database
shows both, and so do the head and count verify prints, recorded and passed back.
"""

import argparse
import json
import os
import re
import tempfile
import urllib.error
import urllib.request
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from homeward.audit.services import AnchorError, anchor_load, audit_anchor, audit_check

_POST_TIMEOUT_SECONDS = 30


def _hash(value: str) -> str:
    if not re.fullmatch(r"[0-9a-f]{64}", value):
        raise argparse.ArgumentTypeError("a head hash is 64 lower-case hexadecimal characters")
    return value


def _count(value: str) -> int:
    if not value.isdigit():
        raise argparse.ArgumentTypeError("a count is a whole number")
    return int(value)


def _url(value: str) -> str:
    if not re.match(r"https?://", value):
        raise argparse.ArgumentTypeError("the anchor is POSTed to an http:// or https:// address")
    return value


class Command(BaseCommand):
    help = "Check the audit log's hash chain, or sign its head to keep elsewhere."

    def add_arguments(self, parser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        verify = sub.add_parser(
            "verify",
            help="walk the chain; exit non-zero if any entry was changed or removed",
            description="Walk the chain. On success print its head hash and entry count: record them, and pass "
            "them back with --expect-head and --expect-count (or keep a signed anchor, `audit anchor`, and pass "
            "it with --anchor) to detect entries removed from the end since, or a chain sealed again.",
        )
        verify.add_argument(
            "--expect-head", type=_hash, metavar="HASH", help="a head hash printed by an earlier verify"
        )
        verify.add_argument("--expect-count", type=_count, metavar="N", help="the entry count printed with that head")
        verify.add_argument(
            "--anchor",
            metavar="FILE",
            help="an anchor written by `audit anchor`: its head must still be in the chain at its count",
        )
        anchor = sub.add_parser(
            "anchor",
            help="sign the chain's head and count with the audit key; write it to a file or POST it",
            description="Verify the chain, then write its head, count and the time, signed with the audit key, "
            "as JSON to FILE and/or POST it to URL. Keep it away from the database; later, "
            "`homeward audit verify --anchor FILE` fails if that head is no longer in the chain at that count.",
        )
        anchor.add_argument("--out", metavar="FILE", help="write the anchor to this file (replacing it)")
        anchor.add_argument("--url", type=_url, metavar="URL", help="POST the anchor as JSON to this address")

    def handle(self, *args, action: str, **options) -> None:
        if action == "anchor":
            self._anchor(out=options["out"], url=options["url"])
        else:
            self._verify(
                expect_head=options["expect_head"], expect_count=options["expect_count"], anchor_path=options["anchor"]
            )

    def _verify(self, *, expect_head: str | None, expect_count: int | None, anchor_path: str | None) -> None:
        against = ""
        if anchor_path is not None:
            if expect_head is not None or expect_count is not None:
                raise CommandError("Give either --anchor or --expect-head/--expect-count, not both.")
            anchor = self._read_anchor(anchor_path)
            expect_head, expect_count = anchor["head"], anchor["count"]
            against = f" against the anchor of {anchor['at']} ({anchor['count']} entries, head {anchor['head']})"
        report = audit_check(expect_head=expect_head, expect_count=expect_count)
        for problem in report.problems:
            where = f"entry {problem.event_id}" if problem.event_id is not None else "chain"
            self.stderr.write(f"{where}: {problem.reason}")
        if report.problems:
            unmatched = sum(problem.reason == "contents do not match its hash" for problem in report.problems)
            if report.count and unmatched == report.count:
                self.stderr.write(
                    "No entry matches its hash: is this the audit key the log was written with "
                    "(HOMEWARD_AUDIT_KEY, else var/audit_key)?"
                )
            raise CommandError(f"Audit chain broken{against}: {len(report.problems)} problem(s).")
        self.stdout.write(f"Audit chain intact{against}: {report.count} entries.")
        self.stdout.write(f"head {report.head}")
        self.stdout.write(f"count {report.count}")
        self.stdout.write(
            f"Record these; later, `homeward audit verify --expect-head {report.head} --expect-count {report.count}` "
            "also detects entries removed from the end (or keep a signed anchor: `homeward audit anchor --out FILE`)."
        )

    @staticmethod
    def _read_anchor(path: str) -> dict:
        try:
            text = Path(path).read_text()
        except OSError as error:
            raise CommandError(f"Cannot read the anchor {path}: {error.strerror}.") from None
        try:
            return anchor_load(text)
        except AnchorError as error:
            raise CommandError(f"Anchor {path} refused: {error}.") from None

    def _anchor(self, *, out: str | None, url: str | None) -> None:
        if out is None and url is None:
            raise CommandError("Say where the anchor goes: --out FILE and/or --url URL.")
        try:
            anchor = audit_anchor()
        except AnchorError as error:
            raise CommandError(f"Not anchored: {error}.") from None
        body = json.dumps(anchor, indent=2) + "\n"
        if out is not None:
            try:
                _write_whole(Path(out), body)
            except OSError as error:
                raise CommandError(f"Cannot write the anchor to {out}: {error.strerror}.") from None
            self.stdout.write(f"Anchor written to {out}.")
        if url is not None:
            request = urllib.request.Request(
                url, data=body.encode(), method="POST", headers={"Content-Type": "application/json"}
            )
            try:
                with urllib.request.urlopen(request, timeout=_POST_TIMEOUT_SECONDS) as response:
                    status = response.status
            except urllib.error.HTTPError as error:
                raise CommandError(f"The anchor was not accepted by {url}: HTTP {error.code} {error.reason}.") from None
            except (urllib.error.URLError, OSError) as error:
                raise CommandError(
                    f"The anchor could not be sent to {url}: {getattr(error, 'reason', error)}."
                ) from None
            self.stdout.write(f"Anchor sent to {url} (HTTP {status}).")
        self.stdout.write(f"head {anchor['head']}")
        self.stdout.write(f"count {anchor['count']}")
        self.stdout.write(f"at {anchor['at']}")


def _write_whole(path: Path, text: str) -> None:
    """Write to a temporary file beside it, then rename: a reader never sees half an anchor."""
    with tempfile.NamedTemporaryFile("w", dir=path.parent, prefix=f".{path.name}-", delete=False) as new:
        new.write(text)
    try:
        os.replace(new.name, path)
    except OSError:
        os.unlink(new.name)
        raise
