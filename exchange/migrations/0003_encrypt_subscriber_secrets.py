"""The subscribers' signing secrets encrypted at rest (exchange.sealing): the column widened,
each secret kept in clear so far sealed in place; backwards, opened again."""

from django.db import migrations, models

from exchange import sealing


def seal_existing(apps, schema_editor):
    Subscriber = apps.get_model("exchange", "Subscriber")
    for subscriber in Subscriber.objects.only("secret", "created_at"):
        if not sealing.is_sealed(subscriber.secret):
            subscriber.secret = sealing.seal(subscriber.secret)
            subscriber.secret_changed_at = subscriber.created_at
            subscriber.save(update_fields=["secret", "secret_changed_at"])


def open_existing(apps, schema_editor):
    Subscriber = apps.get_model("exchange", "Subscriber")
    for subscriber in Subscriber.objects.only("secret"):
        if sealing.is_sealed(subscriber.secret):
            subscriber.secret = sealing.unseal(subscriber.secret)
            subscriber.save(update_fields=["secret"])


class Migration(migrations.Migration):
    dependencies = [
        ("exchange", "0002_subscriber_alerted_at"),
    ]

    operations = [
        migrations.AddField(
            model_name="subscriber",
            name="secret_changed_at",
            field=models.DateTimeField(editable=False, null=True, verbose_name="密钥生成时间"),
        ),
        migrations.AlterField(
            model_name="subscriber",
            name="secret",
            field=models.CharField(editable=False, max_length=255, verbose_name="签名密钥（加密）"),
        ),
        migrations.RunPython(seal_existing, open_existing),
    ]
