"""`homeward demo_accounts`: one sign-in per role for the demonstration (HOMEWARD_DEMO=1 only)."""

from django.core.management.base import BaseCommand
from django.db import transaction
from django.db.models import Q

from homeward.agencies.models import Role
from homeward.children.models import Child
from homeward.children.services import child_allocate
from homeward.web.demo import demo_accounts_ensure, demo_day_ensure


@transaction.atomic
def allocate_demo_caseload(accounts) -> int:
    """Make the demo social worker and IRO the allocated caseworkers of their council's children
    that have none (alerts go to a child's allocated caseworkers), allocated by the demo team
    manager. Allocations made since, by hand, are left alone. Returns how many children changed."""
    by_role = {a.user.role: a.user for a in accounts}
    social_worker, iro, manager = by_role[Role.SOCIAL_WORKER], by_role[Role.IRO], by_role[Role.TEAM_MANAGER]
    children = Child.objects.filter(Q(social_worker=None) | Q(iro=None), responsible_authority=social_worker.agency_id)
    changed = 0
    for child in children.order_by("pk"):
        child_allocate(
            user=manager,
            why="demo_accounts: demo caseload",
            child=child,
            **({"social_worker": social_worker} if child.social_worker_id is None else {}),
            **({"iro": iro} if child.iro_id is None else {}),
        )
        changed += 1
    return changed


class Command(BaseCommand):
    help = "Create or refresh one demo account per role at agencies of the loaded demo world (demo mode only)."

    def handle(self, *args, **options) -> None:
        accounts = demo_accounts_ensure()
        allocated = allocate_demo_caseload(accounts)
        day = demo_day_ensure(accounts)  # after the allocation: the social worker is told
        rows = [("USERNAME", "ROLE", "AGENCY", "PASSWORD")] + [
            (a.user.username, a.user.get_role_display(), f"{a.user.agency.name} ({a.user.agency.code})", a.password)
            for a in accounts
        ]
        widths = [max(len(row[i]) for row in rows) for i in range(4)]
        self.stdout.write("Demo accounts (every person and record in this demo is synthetic):\n")
        for row in rows:
            self.stdout.write(
                "  " + "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
            )
        self.stdout.write(
            "\nSecond factor: after the password, Homeward asks for a 6-digit code. Either print the current one with\n"
            "  HOMEWARD_DEMO=1 .venv/bin/homeward demo_code USERNAME    (in another terminal, in the project folder)\n"
            "or add the account to an authenticator app with its otpauth:// address (the keys are fixed for the demo):"
        )
        for a in accounts:
            self.stdout.write(f"  {a.user.username}: {a.device.config_url}")
        if allocated:
            self.stdout.write(f"\n{allocated} of the council's children allocated to the demo social worker and IRO.")
        for line in day:
            self.stdout.write(f"The demo's day: {line}.")
