"""`homeward flags-evaluate`: run the risk rules over children whose episodes arrived without the
episode services' signals (a bulk import, the synthetic demo world), or after a council changed its
thresholds. Safe to repeat: a flag already in line with its facts is left alone."""

from django.core.management.base import BaseCommand, CommandError

from homeward.agencies.models import Agency
from homeward.children.models import Child
from homeward.safeguarding.models import FlagStatus, RiskFlag, StrategyMeeting
from homeward.safeguarding.services import risk_flags_evaluate


class Command(BaseCommand):
    help = "Run the safeguarding risk rules for children with episodes (all, one council's, or one child)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--authority", help="a council's ONS code: only its children")
        parser.add_argument("--child", type=int, help="one child's id")

    def handle(self, *args, authority=None, child=None, **options) -> None:
        children = Child.objects.filter(episodes__isnull=False).distinct()
        if authority:
            council = Agency.objects.filter(code=authority).first()
            if council is None:
                raise CommandError(f"No agency with code {authority}.")
            children = children.filter(responsible_authority=council)
        if child is not None:
            children = children.filter(pk=child)
        ids = list(children.order_by("pk").values_list("pk", flat=True))
        for child_id in ids:
            risk_flags_evaluate(child=child_id)  # one transaction per child
        raised = RiskFlag.objects.filter(child__in=ids, status=FlagStatus.RAISED).count()
        meetings = StrategyMeeting.objects.filter(child__in=ids).count()
        self.stdout.write(f"children\t{len(ids)}\nflags raised\t{raised}\nstrategy meetings\t{meetings}\n")
