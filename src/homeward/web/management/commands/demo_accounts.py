"""`homeward demo_accounts`: one sign-in per role for the demonstration (HOMEWARD_DEMO=1 only)."""

from django.core.management.base import BaseCommand

from homeward.web.demo import demo_accounts_ensure


class Command(BaseCommand):
    help = "Create or refresh one demo account per role at agencies of the loaded demo world (demo mode only)."

    def handle(self, *args, **options) -> None:
        accounts = demo_accounts_ensure()
        rows = [("USERNAME", "ROLE", "AGENCY", "PASSWORD")] + [
            (a.user.username, a.user.get_role_display(), f"{a.user.agency.name} ({a.user.agency.code})", a.password) for a in accounts
        ]
        widths = [max(len(row[i]) for row in rows) for i in range(4)]
        self.stdout.write("Demo accounts (every person and record in this demo is synthetic):\n")
        for row in rows:
            self.stdout.write("  " + "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())
        self.stdout.write(
            "\nSecond factor: after the password, Homeward asks for a 6-digit code. Either print the current one with\n"
            "  HOMEWARD_DEMO=1 .venv/bin/homeward demo_code USERNAME    (in another terminal, in the project folder)\n"
            "or add the account to an authenticator app with its otpauth:// address (the keys are fixed for the demo):"
        )
        for a in accounts:
            self.stdout.write(f"  {a.user.username}: {a.device.config_url}")
