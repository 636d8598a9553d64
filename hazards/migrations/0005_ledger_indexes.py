# Indexes for the hazard ledger, the zero-out board and the export at province scale
# (`manage.py bench`: 1,000,000 hazards under 100,000 enterprises). See Hazard.Meta.

from django.db import migrations, models

OPEN_STATES = ("reported", "confirmed", "planned", "rectifying", "submitted")
ORDER_FIELDS = ["found_on", "id", "is_major", "state", "source", "deadline"]
ENTERPRISE_FIELDS = ["enterprise", "found_on", "id", "is_major", "state", "source", "deadline"]


def _ledger_indexes(vendor):
    """The two ledger indexes as each database is best served, where Meta declares one form
    (its keys) for all of them.

    PostgreSQL: hazard_ledger_enterprise also carries the description (INCLUDE, not a key: a
    btree key has a size limit a long description would pass), so a search within a county or a
    town reads the index alone. Meta cannot say so without a warning on SQLite (models.W040).

    SQLite, which keeps no statistics here and so walks the ledger order for every scope:
    hazard_ledger_order also carries enterprise_id after the order, so that walk reads no table
    rows. PostgreSQL's keeps it out, or its planner would walk it for a town's scope too."""
    if vendor == "postgresql":
        order, include = ORDER_FIELDS, ["description"]
    else:
        order, include = [*ORDER_FIELDS[:2], "enterprise", *ORDER_FIELDS[2:]], []
    return [
        models.Index(fields=order, name="hazard_ledger_order"),
        models.Index(fields=ENTERPRISE_FIELDS, include=include, name="hazard_ledger_enterprise"),
    ]


def create_ledger_indexes(apps, schema_editor):
    model = apps.get_model("hazards", "Hazard")
    for index in _ledger_indexes(schema_editor.connection.vendor):
        schema_editor.add_index(model, index)


def drop_ledger_indexes(apps, schema_editor):
    model = apps.get_model("hazards", "Hazard")
    for index in _ledger_indexes(schema_editor.connection.vendor):
        schema_editor.remove_index(model, index)


class Migration(migrations.Migration):
    dependencies = [
        ("hazards", "0004_rules_data"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AddIndex(
                    model_name="hazard",
                    index=models.Index(fields=ORDER_FIELDS, name="hazard_ledger_order"),
                ),
                migrations.AddIndex(
                    model_name="hazard",
                    index=models.Index(fields=ENTERPRISE_FIELDS, name="hazard_ledger_enterprise"),
                ),
            ],
            database_operations=[
                migrations.RunPython(create_ledger_indexes, drop_ledger_indexes),
            ],
        ),
        migrations.AddIndex(
            model_name="hazard",
            index=models.Index(
                fields=["enterprise", "is_major", "state", "source", "deadline"],
                name="hazard_ledger_count",
            ),
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
