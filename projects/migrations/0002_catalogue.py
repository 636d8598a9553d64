from django.db import migrations

from projects.catalogue_data import ENTRIES


def load(apps, schema_editor):
    ObsoleteEntry = apps.get_model("projects", "ObsoleteEntry")
    for row in ENTRIES:
        ObsoleteEntry.objects.update_or_create(
            code=row.code,
            defaults={
                "name": row.name,
                "kind": row.kind,
                "keywords": "\n".join(row.keywords),
                "model_patterns": "\n".join(row.model_patterns),
                "source": row.source,
                "source_item": row.source_item,
                "unconfirmed": row.unconfirmed,
                "note": row.note,
            },
        )


def unload(apps, schema_editor):
    ObsoleteEntry = apps.get_model("projects", "ObsoleteEntry")
    ObsoleteEntry.objects.filter(code__in=[row.code for row in ENTRIES], matches=None).delete()


class Migration(migrations.Migration):
    dependencies = [("projects", "0001_initial")]
    operations = [migrations.RunPython(load, unload)]
