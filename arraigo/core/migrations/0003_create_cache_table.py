"""Create the database cache table (login lockouts are counted there, shared by all processes)."""

from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps, schema_editor):
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = [("core", "0002_load_reference_data")]

    operations = [migrations.RunPython(create_cache_table, migrations.RunPython.noop)]
