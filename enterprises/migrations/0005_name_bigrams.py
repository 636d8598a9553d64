# The two-character search's indexes on the enterprise name and its pinyin initials
# (core.search), on PostgreSQL: on UPPER(name), as icontains compares it.

from django.db import migrations

from core.search import BIGRAMS_FUNCTION

INDEXES = {
    "ent_name_bigrams": "anjian_bigrams(UPPER(name))",
    "ent_initials_bigrams": "anjian_bigrams(name_initials)",
}


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(BIGRAMS_FUNCTION)
    for name, expression in INDEXES.items():
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON enterprises_enterprise USING gin ({expression})"
        )
    schema_editor.execute("ANALYZE enterprises_enterprise")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for name in INDEXES:
            schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("enterprises", "0004_enterprise_has_monitoring")]
    operations = [migrations.RunPython(create, drop)]
