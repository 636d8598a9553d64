# Indexes for the enterprise list, search and API at 100,000 enterprises (`manage.py bench`).

from django.db import migrations, models

# Django's icontains is UPPER(name) LIKE UPPER('%…%') on PostgreSQL and contains is plain LIKE,
# so the trigram indexes are on exactly those expressions. SQLite has no equivalent: its search
# scans the covering index ent_order_search instead.
TRIGRAM_INDEXES = {
    "ent_name_trgm": "UPPER(name) gin_trgm_ops",
    "ent_initials_trgm": "name_initials gin_trgm_ops",
}


def create_trigram_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    # pg_trgm ships with PostgreSQL's contrib package and is a trusted extension (13+), so the
    # database's owner may create it.
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, expression in TRIGRAM_INDEXES.items():
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON enterprises_enterprise USING gin ({expression})"
        )


def drop_trigram_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in TRIGRAM_INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0002_holidays"),
        ("enterprises", "0002_sector_tags"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="enterprise", name="ent_initials_id"),
        migrations.RemoveIndex(model_name="enterprise", name="ent_industry"),
        migrations.RemoveIndex(model_name="enterprise", name="ent_standardization"),
        migrations.AddIndex(
            model_name="enterprise",
            index=models.Index(
                fields=["name_initials", "id", "scope_path", "name", "credit_code"],
                name="ent_order_search",
            ),
        ),
        migrations.AddIndex(
            model_name="enterprise",
            index=models.Index(
                fields=["industry", "name_initials", "id", "scope_path"], name="ent_industry_order"
            ),
        ),
        migrations.AddIndex(
            model_name="enterprise",
            index=models.Index(
                fields=["status", "name_initials", "id", "scope_path"], name="ent_status_order"
            ),
        ),
        migrations.AddIndex(
            model_name="enterprise",
            index=models.Index(
                fields=["standardization", "name_initials", "id", "scope_path"],
                name="ent_standardization_order",
            ),
        ),
        migrations.RunPython(create_trigram_indexes, drop_trigram_indexes),
    ]
