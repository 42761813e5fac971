from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("api", "0001_api_token")]

    operations = [
        # The keys of the tokens made before were kept in plaintext, so a copy of the database
        # could use them: they are removed, not converted, and their owners create a new token.
        migrations.RunSQL("DROP TABLE IF EXISTS authtoken_token", reverse_sql=migrations.RunSQL.noop),
    ]
