"""Person rows gained `reported_age` and `reported_age_on`, a detention's events
`organization` (and lost a database id that leaked into them): adding columns
fires no trigger, so a full comparison is queued. The next compaction renders
every record again and sends only those whose row changed."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("sync", "0003_model_names"),
        ("cases", "0014_event_organization_reported_age_model_names"),
        ("sources", "0006_source_title_optional_model_names"),
    ]

    operations = [
        migrations.RunSQL(
            """INSERT INTO sync_change ("table", row_id, refs) VALUES ('*', 0, '{}');""",
            migrations.RunSQL.noop,
        ),
    ]
