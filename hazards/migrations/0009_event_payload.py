from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("hazards", "0008_description_bigrams")]

    operations = [
        migrations.RenameField("hazardevent", "data", "payload"),
    ]
