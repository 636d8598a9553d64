# InspectionEvent becomes a core.models.Event (recorded by core.events.record, its own outbox
# entry): `data` is kept as `payload`; the state columns are filled in for the rows recorded
# before, which also count as announced.

import django.utils.timezone
from django.db import migrations, models


def fill(apps, schema_editor):
    """The rows recorded before: a start is the draft's beginning, a completion the move from
    draft to completed; none of them is to be announced now by the outbox sweep."""
    events = apps.get_model("enforcement", "inspectionevent").objects
    events.filter(action="create").update(to_state="draft")
    events.filter(action="complete").update(from_state="draft", to_state="completed")
    events.filter(notified_at__isnull=True).update(notified_at=models.F("at"))


class Migration(migrations.Migration):
    dependencies = [
        ("enforcement", "0004_event"),
    ]

    operations = [
        migrations.RenameField(model_name="inspectionevent", old_name="data", new_name="payload"),
        migrations.AlterField(
            model_name="inspectionevent",
            name="payload",
            field=models.JSONField(blank=True, default=dict, verbose_name="数据"),
        ),
        migrations.AddField(
            model_name="inspectionevent",
            name="from_state",
            field=models.CharField(blank=True, max_length=20, verbose_name="原状态"),
        ),
        migrations.AddField(
            model_name="inspectionevent",
            name="to_state",
            field=models.CharField(blank=True, max_length=20, verbose_name="新状态"),
        ),
        migrations.AddField(
            model_name="inspectionevent",
            name="notified_at",
            field=models.DateTimeField(
                blank=True, editable=False, null=True, verbose_name="通知时间"
            ),
        ),
        migrations.AlterField(
            model_name="inspectionevent",
            name="at",
            field=models.DateTimeField(
                db_index=True, default=django.utils.timezone.now, verbose_name="时间"
            ),
        ),
        migrations.AlterField(
            model_name="inspectionevent",
            name="note",
            field=models.TextField(blank=True, verbose_name="说明"),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
