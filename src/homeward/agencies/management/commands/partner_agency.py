from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from homeward.agencies.services import PARTNER_KINDS, partner_agency_set


class Command(BaseCommand):
    help = (
        "Add or update a health or education partner: homeward partner_agency KIND CODE 'NAME' [--serves COUNCIL ...] "
        "(an ICB or NHS trust with the councils in its area; a virtual school with its council; a school by DfE URN)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("kind", choices=PARTNER_KINDS)
        parser.add_argument("code", help="ODS code (ICB, NHS trust), VS-<council code>, or a school's DfE URN")
        parser.add_argument("name")
        parser.add_argument("--serves", nargs="*", default=[], help="the ONS codes of the councils it serves")

    def handle(self, *args, kind: str, code: str, name: str, serves: list[str], **options) -> None:
        try:
            agency = partner_agency_set(code=code, kind=kind, name=name, serves=serves, why="partner_agency command")
        except ValidationError as error:
            raise CommandError(
                "; ".join(f"{field}: {' '.join(m)}" for field, m in error.message_dict.items())
            ) from None
        served = ", ".join(agency.councils_served.order_by("code").values_list("code", flat=True)) or "(no council)"
        self.stdout.write(f"{agency.code}\t{agency.kind}\t{agency.name}\t{served}")
