"""National figures computed ahead (reporting.snapshots): England's dashboard groups every episode of
the period, too much to do while a person waits (over a second at national scale, measured)."""

from django.db import models


class NationalFigures(models.Model):
    """The national dashboard's figures for one period, as computed at computed_at: shown with that
    time, recomputed by `homeward refresh-dashboards` (cron) and whenever older than snapshots.MAX_AGE."""

    since = models.DateField()
    until = models.DateField()
    computed_at = models.DateTimeField()
    seconds = models.FloatField()  # how long computing them took
    figures = models.JSONField()  # reporting.snapshots.encode: already disclosure-controlled

    class Meta:
        constraints = [models.UniqueConstraint(fields=["since", "until"], name="national_figures_period_unique")]

    def __str__(self) -> str:
        return f"National figures {self.since} to {self.until} at {self.computed_at:%Y-%m-%d %H:%M}"
