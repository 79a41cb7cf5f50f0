"""The database itself refuses to change or remove an audit entry (issue 2: append-only)."""

from django.db import migrations

from homeward.audit import triggers


def forwards(apps, schema_editor):
    triggers.install(schema_editor.connection)


def backwards(apps, schema_editor):
    triggers.remove(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
