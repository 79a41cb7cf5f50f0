from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from homeward.agencies.services import agency_contact_set


class Command(BaseCommand):
    help = (
        "Record an agency's 24-hour contact for missing children: homeward agency-contact CODE 'TEXT' ('' clears it)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("code", help="the agency's code (ONS code of a council, police force area code)")
        parser.add_argument("contact", help="e.g. '0161 555 0100 (control room)'")

    def handle(self, *args, code: str, contact: str, **options) -> None:
        try:
            agency = agency_contact_set(code=code, contact=contact, why="agency-contact command")
        except ValidationError as error:
            raise CommandError(
                "; ".join(f"{field}: {' '.join(m)}" for field, m in error.message_dict.items())
            ) from None
        self.stdout.write(f"{agency.code}\t{agency.name}\t{agency.contact_24h or '(none)'}")
