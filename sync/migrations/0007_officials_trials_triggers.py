"""The trials and officials apps join the change feed: the triggers of their
tables (trials with their defendants and hearings; officials with their other
names, positions and involvements), and citations log their new targets (an
official, a position, an involvement, a trial, a hearing) in their keys. The
feed serves officials and trials: a full comparison is queued (the next
compaction sends only what changed)."""

import importlib

from django.db import migrations

change_triggers = importlib.import_module("sync.migrations.0002_change_triggers")
places_triggers = importlib.import_module("sync.migrations.0005_places_triggers")
interventions_triggers = importlib.import_module("sync.migrations.0006_interventions_triggers")

# as they were when this migration was written (sync.tables.WATCHED may grow)
WATCHED = {
    "trials_trial": (),
    "trials_trialdefendant": ("trial_id",),
    "trials_hearing": ("trial_id",),
    "officials_official": (),
    "officials_officialname": ("official_id",),
    "officials_position": ("official_id",),
    "officials_involvement": ("official_id", "trial_id"),
}
CITATION_KEYS = (
    *interventions_triggers.CITATION_KEYS,
    "official_id",
    "position_id",
    "involvement_id",
    "trial_id",
    "hearing_id",
)


class Migration(migrations.Migration):
    dependencies = [
        ("sync", "0006_interventions_triggers"),
        ("officials", "0002_positions_and_involvements"),
        ("trials", "0001_trials"),
        ("sources", "0012_citations_of_officials_and_trials"),
    ]

    operations = [
        *[
            migrations.RunSQL(*change_triggers.triggers(table, columns))
            for table, columns in WATCHED.items()
        ],
        places_triggers._replaced(
            "sources_citation", interventions_triggers.CITATION_KEYS, CITATION_KEYS
        ),
        migrations.RunSQL(
            """INSERT INTO sync_change ("table", row_id, refs) VALUES ('*', 0, '{}');""",
            migrations.RunSQL.noop,
        ),
    ]
