"""Hazards found by a checklist inspection are confirmed on site with the rectification order's
deadline (enforcement.inspections.services.complete). Those recorded before, still waiting to be
confirmed, are brought in line: confirmed, with the order's deadline, and a confirm event that
is marked announced (nobody is told of it now)."""

from django.db import migrations
from django.utils import timezone


def confirm_inspection_hazards(apps, schema_editor):
    InspectionAnswer = apps.get_model("enforcement", "InspectionAnswer")
    Hazard = apps.get_model("hazards", "Hazard")
    HazardEvent = apps.get_model("hazards", "HazardEvent")
    now = timezone.now()
    answers = InspectionAnswer.objects.filter(
        hazard__state="reported", inspection__rectify_deadline__isnull=False
    ).select_related("inspection")
    for answer in answers:
        deadline = answer.inspection.rectify_deadline
        Hazard.objects.filter(pk=answer.hazard_id, state="reported").update(
            state="confirmed", deadline=deadline, updated_at=now
        )
        HazardEvent.objects.create(
            hazard_id=answer.hazard_id,
            action="confirm",
            from_state="reported",
            to_state="confirmed",
            actor_id=answer.inspection.completed_by_id,
            note=f"执法检查现场确认，责令于 {deadline.year}年{deadline.month}月{deadline.day}日 前整改",
            payload={},
            at=now,
            notified_at=now,
        )


class Migration(migrations.Migration):
    dependencies = [
        ("enforcement", "0005_inspectionevent_event"),
        ("hazards", "0010_event"),
    ]

    operations = [migrations.RunPython(confirm_inspection_hazards, migrations.RunPython.noop)]
