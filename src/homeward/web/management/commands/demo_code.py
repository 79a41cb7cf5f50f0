"""`homeward demo_code USERNAME`: the current sign-in code of a demo account (HOMEWARD_DEMO=1 only)."""

import time

from django.core.management.base import BaseCommand, CommandError
from django_otp.plugins.otp_totp.models import TOTPDevice

from homeward.web.demo import DEVICE_NAME, current_code, demo_totp_key, require_demo_mode


class Command(BaseCommand):
    help = "Print the current second-factor code for a demo account (demo mode only)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("username")

    def handle(self, *args, username: str, **options) -> None:
        require_demo_mode()
        device = TOTPDevice.objects.filter(user__username=username, name=DEVICE_NAME, confirmed=True).first()
        # Only the demo's own fixed keys: this never reveals a code for a real account's device.
        if device is None or device.key != demo_totp_key(username):
            raise CommandError(f"{username} is not a demo account. Run `homeward demo_accounts` to list them.")
        left = device.step - int(time.time() - device.t0) % device.step
        self.stdout.write(current_code(device))
        if options["verbosity"] >= 1:
            self.stderr.write(f"(valid for about {left} more seconds)")
