from django.db import migrations


def load(apps, schema_editor):
    from standardization.rules import VALIDITY

    ValidityRule = apps.get_model("standardization", "ValidityRule")
    for grade, years, source, unconfirmed in VALIDITY:
        ValidityRule.objects.update_or_create(
            grade=grade, defaults={"years": years, "source": source, "unconfirmed": unconfirmed}
        )


class Migration(migrations.Migration):
    dependencies = [("standardization", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
