"""Load administrative divisions (SV, CO, EC) and ISCO-08 occupations from core/data."""

from django.db import migrations


def load(apps, schema_editor):
    from arraigo.core.reference_data import divisions, occupations

    Division = apps.get_model("core", "AdministrativeDivision")
    Occupation = apps.get_model("core", "Occupation")
    Division.objects.bulk_create([Division(**row) for row in divisions()], batch_size=500)
    Occupation.objects.bulk_create([Occupation(**row) for row in occupations()], batch_size=500)


def unload(apps, schema_editor):
    apps.get_model("core", "Occupation").objects.all().delete()
    apps.get_model("core", "AdministrativeDivision").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]

    operations = [migrations.RunPython(load, unload)]
