# Indexes for the hazard ledger, the zero-out board and the export at province scale
# (`manage.py bench`: 1,000,000 hazards under 100,000 enterprises). See Hazard.Meta.

from django.db import migrations, models

OPEN_STATES = ("reported", "confirmed", "planned", "rectifying", "submitted")
LEDGER_FIELDS = ["enterprise", "found_on", "id", "is_major", "state", "source", "deadline"]


def _ledger_enterprise(vendor):
    # On PostgreSQL the index also carries the description (INCLUDE, not a key: a btree key has
    # a size limit a long description would pass), so a search within a county or a town reads
    # the index alone. Django's Meta cannot say so without a warning on SQLite (models.W040),
    # so Meta declares the index without it and this migration adds it where it is supported.
    include = ["description"] if vendor == "postgresql" else []
    return models.Index(fields=LEDGER_FIELDS, include=include, name="hazard_ledger_enterprise")


def create_ledger_enterprise(apps, schema_editor):
    model = apps.get_model("hazards", "Hazard")
    schema_editor.add_index(model, _ledger_enterprise(schema_editor.connection.vendor))


def drop_ledger_enterprise(apps, schema_editor):
    model = apps.get_model("hazards", "Hazard")
    schema_editor.remove_index(model, _ledger_enterprise(schema_editor.connection.vendor))


class Migration(migrations.Migration):
    dependencies = [
        ("hazards", "0004_rules_data"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="hazard",
            index=models.Index(
                fields=["found_on", "id", "is_major", "state", "source", "deadline"],
                name="hazard_ledger_order",
            ),
        ),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AddIndex(
                    model_name="hazard",
                    index=models.Index(fields=LEDGER_FIELDS, name="hazard_ledger_enterprise"),
                ),
            ],
            database_operations=[
                migrations.RunPython(create_ledger_enterprise, drop_ledger_enterprise),
            ],
        ),
        migrations.AddIndex(
            model_name="hazard",
            index=models.Index(
                condition=models.Q(state__in=OPEN_STATES),
                fields=["found_on", "id", "enterprise", "is_major", "state", "source", "deadline"],
                name="hazard_ledger_open",
            ),
        ),
        migrations.AddIndex(
            model_name="hazard",
            index=models.Index(
                condition=models.Q(is_major=True),
                fields=[
                    "enterprise",
                    "state",
                    "deadline",
                    "found_on",
                    "closed_at",
                    "listed_level",
                    "source",
                    "is_major",
                    "id",
                ],
                name="hazard_board_major",
            ),
        ),
        migrations.AddIndex(
            model_name="hazard",
            index=models.Index(
                condition=models.Q(is_major=True, state__in=OPEN_STATES),
                fields=["deadline", "found_on"],
                name="hazard_open_major_deadline",
            ),
        ),
    ]
