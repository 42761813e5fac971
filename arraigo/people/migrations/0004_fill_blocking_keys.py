"""Blocking keys for the people registered before the duplicate check existed."""

from django.db import migrations


def fill(apps, schema_editor):
    from arraigo.people.blocking import rebuild_blocking_keys

    rebuild_blocking_keys(
        participant_model=apps.get_model("people", "Participant"),
        document_model=apps.get_model("people", "IdentityDocument"),
        key_model=apps.get_model("people", "BlockingKey"),
    )


def empty(apps, schema_editor):
    apps.get_model("people", "BlockingKey").objects.all().delete()


class Migration(migrations.Migration):

    dependencies = [
        ("people", "0003_participant_merged_into_and_blocking_keys"),
    ]

    operations = [migrations.RunPython(fill, empty)]
