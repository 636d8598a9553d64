from django.db import migrations


def load(apps, schema_editor):
    from grading import rules_data

    rules_data.load(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("grading", "0001_initial"),
        ("enterprises", "0002_sector_tags"),
    ]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
