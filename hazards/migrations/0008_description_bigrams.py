# The two-character search's index on the hazard description (core.search), on PostgreSQL.

from django.db import migrations

from core.search import BIGRAMS_FUNCTION

INDEX = "hazard_description_bigrams"


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(BIGRAMS_FUNCTION)
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {INDEX} ON hazards_hazard "
        "USING gin (anjian_bigrams(description))"
    )
    # The search decides by this index's statistics (pg_stats.most_common_elems).
    schema_editor.execute("ANALYZE hazards_hazard")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("hazards", "0007_zero_out_reason")]
    operations = [migrations.RunPython(create, drop)]
