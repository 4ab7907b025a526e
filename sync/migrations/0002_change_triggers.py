"""The change feed's triggers: after every INSERT, UPDATE and DELETE statement on
a watched table (sync.tables.WATCHED), one `sync_change` row per row touched, as
it was before and as it is after, with the keys of the records it belongs to.
Statement-level with transition tables: one INSERT per statement, whatever the
number of rows. The feed starts with a full build (a `*` change)."""

from django.db import migrations

FUNCTION = """
CREATE OR REPLACE FUNCTION sync_log_change() RETURNS trigger AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        INSERT INTO sync_change ("table", row_id, refs)
        SELECT TG_TABLE_NAME, r.id,
               COALESCE((SELECT jsonb_object_agg(e.key, e.value) FROM jsonb_each(to_jsonb(r)) e
                         WHERE e.key = ANY(TG_ARGV) AND e.value <> 'null'::jsonb), '{}'::jsonb)
        FROM old_rows r;
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        INSERT INTO sync_change ("table", row_id, refs)
        SELECT TG_TABLE_NAME, r.id,
               COALESCE((SELECT jsonb_object_agg(e.key, e.value) FROM jsonb_each(to_jsonb(r)) e
                         WHERE e.key = ANY(TG_ARGV) AND e.value <> 'null'::jsonb), '{}'::jsonb)
        FROM new_rows r;
    END IF;
    RETURN NULL;
END
$$ LANGUAGE plpgsql;
"""

# as they were when this migration was written (sync.tables.WATCHED may grow;
# a later migration adds the triggers of a later table)
WATCHED = {
    "cases_person": (),
    "cases_namevariant": ("person_id",),
    "cases_person_occupations": ("person_id",),
    "cases_organization": (),
    "cases_detention": ("person_id",),
    "cases_charge": ("detention_id",),
    "cases_caseevent": ("detention_id",),
    "cases_allegation": (),
    "cases_statement": (),
    "cases_statement_persons": ("statement_id", "person_id"),
    "sources_source": (),
    "sources_citation": (
        "source_id", "person_id", "detention_id", "case_event_id", "allegation_id",
        "statement_id", "reported_count_id",
    ),
    "sources_reportedcount": (),
    "cases_occupation": (),
    "cases_legalstage": (),
    "cases_releasereason": (),
    "cases_caseeventkind": (),
    "cases_allegationkind": (),
    "cases_allegationstatus": (),
    "cases_statementkind": (),
    "cases_sourcekind": (),
}


def triggers(table: str, columns: tuple[str, ...]) -> tuple[str, str]:
    args = ", ".join(f"'{c}'" for c in columns)
    forward = []
    backward = []
    for event, referencing in (
        ("INSERT", "NEW TABLE AS new_rows"),
        ("UPDATE", "OLD TABLE AS old_rows NEW TABLE AS new_rows"),
        ("DELETE", "OLD TABLE AS old_rows"),
    ):
        name = f"sync_{event.lower()}"
        forward.append(
            f"CREATE TRIGGER {name} AFTER {event} ON {table} REFERENCING {referencing}"
            f" FOR EACH STATEMENT EXECUTE FUNCTION sync_log_change({args});"
        )
        backward.append(f"DROP TRIGGER IF EXISTS {name} ON {table};")
    return "\n".join(forward), "\n".join(backward)


class Migration(migrations.Migration):
    dependencies = [
        ("sync", "0001_initial"),
        ("cases", "0012_evidence_terms_and_name_keys"),
        ("sources", "0005_reported_counts"),
    ]

    operations = [
        migrations.RunSQL(
            "CREATE SEQUENCE sync_position;"
            " INSERT INTO sync_epoch (id, epoch) VALUES (1, substr(md5(random()::text), 1, 12));"
            """ INSERT INTO sync_change ("table", row_id, refs) VALUES ('*', 0, '{}');""",
            "DROP SEQUENCE sync_position; DELETE FROM sync_epoch;",
        ),
        migrations.RunSQL(FUNCTION, "DROP FUNCTION sync_log_change();"),
        *[migrations.RunSQL(*triggers(table, columns)) for table, columns in WATCHED.items()],
    ]
