from django.db import migrations, models


def open_windows(apps, schema_editor):
    """Active subscriptions are owed what is recorded from now on; what they were owed before
    is already in their deliveries."""
    Event = apps.get_model("services", "Event")
    Subscription = apps.get_model("webhooks", "Subscription")
    latest = Event.objects.aggregate(latest=models.Max("id"))["latest"] or 0
    Subscription.objects.update(swept_through=latest, sweep_horizon=latest)
    Subscription.objects.filter(active=True).update(windows=[[latest, None]])


class Migration(migrations.Migration):
    dependencies = [
        ("services", "0001_initial"),
        ("webhooks", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="subscription",
            name="swept_through",
            field=models.BigIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="subscription",
            name="sweep_horizon",
            field=models.BigIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="subscription",
            name="windows",
            field=models.JSONField(default=list),
        ),
        migrations.AddConstraint(
            model_name="delivery",
            constraint=models.UniqueConstraint(
                condition=models.Q(("event_id__isnull", False), ("redelivery_of__isnull", True)),
                fields=("subscription", "event_id"),
                name="delivery_once",
            ),
        ),
        migrations.RunPython(open_windows, migrations.RunPython.noop),
    ]
