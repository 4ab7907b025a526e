"""The places app joins the change feed: the triggers of its tables (facilities,
their other names and kinds, custody periods), and citations log their new
targets (a facility, a custody period) in their keys. Person rows gained
`current_facility`, detentions their `custody_periods`, allegations their
`facility`, and the feed serves facilities: adding keys fires no trigger, so a
full comparison is queued (the next compaction sends only what changed)."""

import importlib

from django.db import migrations

change_triggers = importlib.import_module("sync.migrations.0002_change_triggers")

# as they were when this migration was written (sync.tables.WATCHED may grow)
WATCHED = {
    "places_facility": (),
    "places_facilityname": ("facility_id",),
    "places_custodyperiod": ("detention_id", "facility_id"),
    "places_facilitykind": (),
}
CITATION_KEYS = (*change_triggers.WATCHED["sources_citation"], "facility_id", "custody_period_id")


def _replaced(table: str, old: tuple[str, ...], new: tuple[str, ...]) -> migrations.RunSQL:
    """The triggers of `table` dropped and created again with other keys."""
    create_new, drop = change_triggers.triggers(table, new)
    create_old, _ = change_triggers.triggers(table, old)
    return migrations.RunSQL(f"{drop}\n{create_new}", f"{drop}\n{create_old}")


class Migration(migrations.Migration):
    dependencies = [
        ("sync", "0004_resend_new_shapes"),
        ("places", "0002_facility_kinds"),
        ("sources", "0009_places_links"),
        ("cases", "0021_allegation_facility"),
    ]

    operations = [
        *[
            migrations.RunSQL(*change_triggers.triggers(table, columns))
            for table, columns in WATCHED.items()
        ],
        _replaced("sources_citation", change_triggers.WATCHED["sources_citation"], CITATION_KEYS),
        migrations.RunSQL(
            """INSERT INTO sync_change ("table", row_id, refs) VALUES ('*', 0, '{}');""",
            migrations.RunSQL.noop,
        ),
    ]
