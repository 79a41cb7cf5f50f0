from django.core.management.base import BaseCommand, CommandError

from homeward.audit.models import AuditEvent
from homeward.audit.services import audit_verify


class Command(BaseCommand):
    help = "Check the audit log's hash chain."

    def add_arguments(self, parser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("verify", help="walk the chain; exit non-zero if any entry was changed or removed")

    def handle(self, *args, action: str, **options) -> None:
        problems = audit_verify()
        for problem in problems:
            self.stderr.write(f"entry {problem.event_id}: {problem.reason}")
        if problems:
            raise CommandError(f"Audit chain broken: {len(problems)} problem(s).")
        self.stdout.write(f"Audit chain intact: {AuditEvent.objects.count()} entries.")
