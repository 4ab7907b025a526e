from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("sources", "0001_initial"), ("cases", "0004_withdrawal_triggers")]

    operations = [
        migrations.RunSQL(
            "CREATE TRIGGER sources_source_withdrawal AFTER UPDATE OF visibility OR DELETE "
            "ON sources_source FOR EACH ROW EXECUTE FUNCTION casebook_record_withdrawal('source');",
            "DROP TRIGGER IF EXISTS sources_source_withdrawal ON sources_source;",
        )
    ]
