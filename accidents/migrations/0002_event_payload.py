from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("accidents", "0001_initial")]

    operations = [
        migrations.RenameField("accidentevent", "data", "payload"),
    ]
