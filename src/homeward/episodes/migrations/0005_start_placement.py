import zoneinfo

import django.db.models.deletion
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


class Migration(migrations.Migration):
    dependencies = [
        ("children", "0006_decision_not_to_share"),
        ("episodes", "0004_risk_grade_very_low"),
    ]

    operations = [
        migrations.AddField(
            model_name="episode",
            name="start_placement",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="children.placement",
            ),
        ),
        migrations.RunPython(start_placements_set, migrations.RunPython.noop),
    ]
