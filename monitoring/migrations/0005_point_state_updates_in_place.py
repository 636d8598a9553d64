"""Each batch of readings rewrites its points' rule state (last_ts, last_value, high_since,
low_since). With no index on those columns and room left on each page, PostgreSQL rewrites the
row in place (a heap-only tuple update) instead of adding index entries for every new version:
the index on (active, last_ts) served no query (the offline sweep reads every active point)."""

from django.db import migrations

FILL = "ALTER TABLE monitoring_point SET (fillfactor = 70)"
FULL = "ALTER TABLE monitoring_point RESET (fillfactor)"


def _fill(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FILL)


def _full(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FULL)


class Migration(migrations.Migration):
    dependencies = [
        ("monitoring", "0004_event"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="point",
            name="point_active_last",
        ),
        migrations.RunPython(_fill, _full),
    ]
