from django.db import migrations

from hazards.criteria_data import CRITERIA, source


def load(apps, schema_editor):
    Criterion = apps.get_model("hazards", "MajorHazardCriterion")
    for row in CRITERIA:
        Criterion.objects.update_or_create(
            article=row.article,
            item=row.item,
            defaults={
                "text": row.text,
                "scope": row.scope,
                "industry": row.industry,
                "sector_tag_id": row.sector_tag,  # SectorTag's primary key is its code
                "source": source(row.article, row.item),
                "confirmed": row.confirmed,
            },
        )


def unload(apps, schema_editor):
    Criterion = apps.get_model("hazards", "MajorHazardCriterion")
    for row in CRITERIA:
        Criterion.objects.filter(article=row.article, item=row.item).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("hazards", "0001_initial"),
        ("enterprises", "0002_sector_tags"),
    ]
    operations = [migrations.RunPython(load, unload)]
