"""Hazards an inspection ordered rectified are verified by its re-check (整改复查意见书), not by a
close on their own page (hazards.models.Hazard.order_link). Those recorded before are linked to
their inspection the same way."""

from django.db import migrations


def link_inspection_hazards(apps, schema_editor):
    InspectionAnswer = apps.get_model("enforcement", "InspectionAnswer")
    Hazard = apps.get_model("hazards", "Hazard")
    answers = InspectionAnswer.objects.filter(
        hazard__isnull=False, inspection__rectify_deadline__isnull=False
    ).values_list("hazard_id", "inspection_id")
    for hazard_id, inspection_id in answers:
        Hazard.objects.filter(pk=hazard_id, order_link="").update(
            order_link=f"/enforcement/inspections/{inspection_id}/"
        )


class Migration(migrations.Migration):
    dependencies = [
        ("enforcement", "0006_inspection_hazards_confirmed"),
        ("hazards", "0011_hazard_order_link"),
    ]

    operations = [migrations.RunPython(link_inspection_hazards, migrations.RunPython.noop)]
