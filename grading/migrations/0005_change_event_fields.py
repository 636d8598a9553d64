from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("grading", "0004_every_factor_has_data")]

    operations = [
        migrations.RenameField("gradechange", "from_level", "from_state"),
        migrations.RenameField("gradechange", "to_level", "to_state"),
        migrations.RenameField("gradechange", "reason", "note"),
        migrations.RenameField("gradechange", "changes", "payload"),
    ]
