"""The placement each episode already held began in, and its area (0005's fields). A migration of its
own: on PostgreSQL the update leaves deferred foreign-key checks pending, and an index cannot be built
in the same transaction after it."""

import zoneinfo

from django.db import migrations, models
from django.db.models import ExpressionWrapper, OuterRef, Q, Subquery
from django.db.models.functions import TruncDate


def start_placements_set(apps, schema_editor) -> None:
    # As episodes.services.start_placements_refresh does it, on the models of this migration.
    Episode, Placement = apps.get_model("episodes", "Episode"), apps.get_model("children", "Placement")
    began_on = TruncDate(
        ExpressionWrapper(OuterRef("started_at"), output_field=models.DateTimeField()),
        tzinfo=zoneinfo.ZoneInfo("Europe/London"),
    )
    current = Placement.objects.filter(
        Q(end_date__isnull=True) | Q(end_date__gt=began_on), child=OuterRef("child"), start_date__lte=began_on
    ).order_by("-start_date", "-pk")
    Episode.objects.update(start_placement=Subquery(current.values("pk")[:1]))
    placement = Placement.objects.filter(pk=OuterRef("start_placement"))
    Episode.objects.update(
        start_host_authority=Subquery(placement.values("host_authority")[:1]),
        start_police_force=Subquery(placement.values("police_force")[:1]),
    )



class Migration(migrations.Migration):
    dependencies = [("episodes", "0005_start_placement")]

    operations = [migrations.RunPython(start_placements_set, migrations.RunPython.noop)]
