from django.core.management.base import BaseCommand

from homeward.agencies.models import Agency, AgencyKind


class Command(BaseCommand):
    help = "List agencies as CODE<TAB>KIND<TAB>NAME, by kind then code."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--kind", choices=AgencyKind.values, help="only agencies of this kind")

    def handle(self, *args, kind: str | None = None, **options) -> None:
        agencies = Agency.objects.order_by("kind", "code")
        if kind:
            agencies = agencies.filter(kind=kind)
        for code, agency_kind, name in agencies.values_list("code", "kind", "name"):
            self.stdout.write(f"{code}\t{agency_kind}\t{name}")
