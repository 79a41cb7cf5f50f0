"""`homeward refresh-dashboards`: compute England's dashboard figures ahead for every period the page
offers (reporting.snapshots), so that no one waits while every episode is grouped. Run it from cron
more often than snapshots.MAX_AGE (e.g. every 30 minutes)."""

from django.core.management.base import BaseCommand
from django.utils import timezone

from homeward.reporting.snapshots import national_figures_refresh


class Command(BaseCommand):
    help = "Compute England's dashboard figures for the collection year to date and each finished year offered."

    def handle(self, *args, **options) -> None:
        from homeward.reporting.views import DashboardPeriodForm

        form = DashboardPeriodForm(today=timezone.localdate())
        for since, until in [form.to_date, *form.years.values()]:
            kept = national_figures_refresh(since=since, until=until)
            self.stdout.write(f"{since} to {until}\tcomputed in {kept.seconds} s")
