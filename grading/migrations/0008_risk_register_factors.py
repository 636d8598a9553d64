"""The risk register (risks/) is recorded now: its two grading factors, red risks without
company-level control and missed routine checks, are added (rules_data.load inserts only what
is missing, never overwriting an administrator's edits)."""

from django.db import migrations


def load(apps, schema_editor):
    from grading import rules_data

    rules_data.load(apps)


class Migration(migrations.Migration):
    dependencies = [("grading", "0007_override_event")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
