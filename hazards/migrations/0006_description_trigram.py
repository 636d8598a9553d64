# The ledger search's indexes on the hazard description (`manage.py bench`: 1,000,000 hazards).
# See HazardQuerySet.search.

from django.db import migrations

# Django's icontains is UPPER(description) LIKE UPPER('%…%') on PostgreSQL and contains is plain
# LIKE, so the trigram indexes are on exactly those expressions (as enterprises 0003 indexes the
# enterprise name): the search uses contains for a text without cased letters (Chinese, digits)
# and icontains for the rest. A term of one or two characters has no trigram and still reads
# every description. SQLite has no equivalent.
TRIGRAM_INDEXES = {
    "hazard_description_trgm": "description gin_trgm_ops",
    "hazard_description_upper_trgm": "UPPER(description) gin_trgm_ops",
}


def create_trigram_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, expression in TRIGRAM_INDEXES.items():
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON hazards_hazard USING gin ({expression})"
        )
    # The planner estimates a search's matches from the statistics of an indexed expression,
    # which ANALYZE gathers; until autovacuum gets to the table, a new index would be guessed at.
    schema_editor.execute("ANALYZE hazards_hazard")


def drop_trigram_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in TRIGRAM_INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("hazards", "0005_ledger_indexes"),
    ]

    operations = [
        migrations.RunPython(create_trigram_indexes, drop_trigram_indexes),
    ]
