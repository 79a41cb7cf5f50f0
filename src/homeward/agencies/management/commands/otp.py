"""`homeward otp enrol USERNAME`: a new second factor (TOTP key) for a person's authenticator app.

Replaces any key the person had. Prints the otpauth:// address to add to the app (as text, or as the
QR code an app scans); whoever sees it can make the person's codes, so pass it on as a secret.
"""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from homeward.agencies.services import otp_device_enrol


class Command(BaseCommand):
    help = "Second factors for people's accounts."

    def add_arguments(self, parser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        enrol = sub.add_parser("enrol", help="create or replace USERNAME's TOTP key and print its otpauth:// address")
        enrol.add_argument("username")

    def handle(self, *args, action: str, **options) -> None:
        try:
            device = otp_device_enrol(username=options["username"])
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        self.stdout.write(f"New authenticator key for {device.user.username}; any earlier one no longer works.")
        self.stdout.write(device.config_url)
