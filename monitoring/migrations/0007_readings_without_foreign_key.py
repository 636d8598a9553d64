"""The readings table without its foreign key to the points: checking it (a lookup of the point
for every row) cost twice as much as inserting the rows. See monitoring.models.Reading."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("monitoring", "0006_rollups"),
    ]

    operations = [
        migrations.AlterField(
            model_name="reading",
            name="point",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                on_delete=django.db.models.deletion.DO_NOTHING,
                to="monitoring.point",
            ),
        ),
    ]
