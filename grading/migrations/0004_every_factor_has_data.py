"""Accidents and safety commitments are recorded now (accidents/, reporting/): every factor has
its data, so a run no longer lists factors without data, and the notes of these two factors no
longer say the data is missing (a note an administrator has edited is kept)."""

from django.db import migrations

OLD = {
    "accidents_12m": "事故数据尚未接入，暂不计分。",
    "broken_commitments_12m": "承诺数据尚未接入，暂不计分。",
}


def update(apps, schema_editor):
    from grading import rules_data

    factor = apps.get_model("grading", "GradingFactor")
    new = {
        "accidents_12m": rules_data.ACCIDENTS_NOTE,
        "broken_commitments_12m": rules_data.COMMITMENTS_NOTE,
    }
    for code, old in OLD.items():
        factor.objects.filter(code=code, note=old).update(note=new[code])


class Migration(migrations.Migration):
    dependencies = [("grading", "0003_grade_fingerprint")]

    operations = [
        migrations.RemoveField(model_name="gradingrun", name="unavailable"),
        migrations.RunPython(update, migrations.RunPython.noop),
    ]
