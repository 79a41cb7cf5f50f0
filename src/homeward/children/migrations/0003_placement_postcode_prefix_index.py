"""An index for looking placements up by the start of their postcode (a district, "PR1 ..."), as the
location intelligence's hotspots do for every placement check. PostgreSQL only: LIKE 'PR1 %' uses a
btree index only with the text_pattern_ops operator class (the database's collation is not C);
SQLite needs none at its scale."""

from django.db import migrations

INDEX = "children_placement_postcode_prefix"


def create(apps, schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON children_placement (placement_postcode varchar_pattern_ops)")


def drop(apps, schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("children", "0002_child_allocation")]
    operations = [migrations.RunPython(create, drop)]
