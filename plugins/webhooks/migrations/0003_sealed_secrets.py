"""Signing secrets sealed at rest (csadmin.pluginlib.sealing): the clear column is copied into
a sealed one, then replaced by it."""

from django.db import migrations, models

import csadmin.pluginlib.sealing


def seal_secrets(apps, schema_editor):
    Subscription = apps.get_model("webhooks", "Subscription")
    for subscription in Subscription.objects.only("pk", "secret").iterator():
        subscription.secret_sealed = subscription.secret
        subscription.save(update_fields=["secret_sealed"])


def open_secrets(apps, schema_editor):
    Subscription = apps.get_model("webhooks", "Subscription")
    for subscription in Subscription.objects.only("pk", "secret_sealed").iterator():
        subscription.secret = subscription.secret_sealed or ""
        subscription.save(update_fields=["secret"])


class Migration(migrations.Migration):
    dependencies = [("webhooks", "0002_delivery_windows")]

    operations = [
        migrations.AddField(
            model_name="subscription",
            name="secret_sealed",
            field=csadmin.pluginlib.sealing.SealedTextField(null=True),
        ),
        migrations.RunPython(seal_secrets, open_secrets),
        # A default for the clear column, so that undoing its removal can add it to filled rows.
        migrations.AlterField(
            model_name="subscription",
            name="secret",
            field=models.CharField(max_length=128, default=""),
        ),
        migrations.RemoveField(model_name="subscription", name="secret"),
        migrations.RenameField(
            model_name="subscription", old_name="secret_sealed", new_name="secret"
        ),
        migrations.AlterField(
            model_name="subscription",
            name="secret",
            field=csadmin.pluginlib.sealing.SealedTextField(),
        ),
    ]
