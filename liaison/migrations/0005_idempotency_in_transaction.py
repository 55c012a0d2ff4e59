from django.db import migrations, models


def drop_unfinished_keys(apps, schema_editor):
    """Keys the old design left "in progress" (claimed in a transaction of their own): with
    the key now decided in the request's transaction nothing would ever free them."""
    apps.get_model("liaison", "IdempotencyKey").objects.filter(completed_at__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("liaison", "0004_jobrun"),
    ]

    operations = [
        migrations.RunPython(drop_unfinished_keys, migrations.RunPython.noop),
        migrations.AddField(
            model_name="idempotencykey",
            name="response_headers",
            field=models.JSONField(blank=True, default=dict, verbose_name="响应头"),
        ),
        migrations.AlterField(
            model_name="idempotencykey",
            name="response_body",
            field=models.TextField(blank=True, null=True, verbose_name="响应内容"),
        ),
    ]
