"""The interventions app joins the change feed: the triggers of its tables (the
interventions and the persons each is on behalf of), and citations log their
new target (an intervention) in their keys. The feed serves interventions: a
full comparison is queued (the next compaction sends only what changed)."""

import importlib

from django.db import migrations

change_triggers = importlib.import_module("sync.migrations.0002_change_triggers")
places_triggers = importlib.import_module("sync.migrations.0005_places_triggers")

# as they were when this migration was written (sync.tables.WATCHED may grow)
WATCHED = {
    "interventions_intervention": (),
    "interventions_intervention_persons": ("intervention_id", "person_id"),
}
CITATION_KEYS = (*places_triggers.CITATION_KEYS, "intervention_id")


class Migration(migrations.Migration):
    dependencies = [
        ("sync", "0005_places_triggers"),
        ("interventions", "0001_interventions"),
        ("sources", "0010_citations_of_interventions"),
    ]

    operations = [
        *[
            migrations.RunSQL(*change_triggers.triggers(table, columns))
            for table, columns in WATCHED.items()
        ],
        places_triggers._replaced("sources_citation", places_triggers.CITATION_KEYS, CITATION_KEYS),
        migrations.RunSQL(
            """INSERT INTO sync_change ("table", row_id, refs) VALUES ('*', 0, '{}');""",
            migrations.RunSQL.noop,
        ),
    ]
