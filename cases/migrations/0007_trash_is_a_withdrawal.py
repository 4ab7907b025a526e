"""Moving a record to the trash withdraws it from partners like a delete: the
withdrawal triggers now also fire when `deleted_at` is set, and a restore from
the trash is an ordinary update (its updated_at changes)."""

from django.db import migrations

FUNCTION = """
CREATE OR REPLACE FUNCTION casebook_record_withdrawal() RETURNS trigger AS $$
DECLARE
    levels text[] := ARRAY['internal', 'partners', 'public'];
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF OLD.deleted_at IS NULL THEN
            INSERT INTO cases_withdrawal (kind, uuid, previous_visibility, visibility, withdrawn_at)
            VALUES (TG_ARGV[0], OLD.uuid, OLD.visibility, NULL, now());
        END IF;
        RETURN OLD;
    END IF;
    IF NEW.deleted_at IS NOT NULL AND OLD.deleted_at IS NULL THEN
        INSERT INTO cases_withdrawal (kind, uuid, previous_visibility, visibility, withdrawn_at)
        VALUES (TG_ARGV[0], NEW.uuid, OLD.visibility, NULL, now());
    ELSIF NEW.deleted_at IS NULL
          AND array_position(levels, NEW.visibility) < array_position(levels, OLD.visibility) THEN
        INSERT INTO cases_withdrawal (kind, uuid, previous_visibility, visibility, withdrawn_at)
        VALUES (TG_ARGV[0], NEW.uuid, OLD.visibility, NEW.visibility, now());
    END IF;
    RETURN NEW;
END
$$ LANGUAGE plpgsql;
"""

TABLES = {
    "person": "cases_person",
    "organization": "cases_organization",
    "detention": "cases_detention",
    "allegation": "cases_allegation",
    "statement": "cases_statement",
    "source": "sources_source",
}


def retrigger(columns: str) -> list[str]:
    statements = []
    for kind, table in TABLES.items():
        name = "sources_source_withdrawal" if table == "sources_source" else f"{table}_withdrawal"
        statements.append(
            f"DROP TRIGGER IF EXISTS {name} ON {table}; CREATE TRIGGER {name} AFTER UPDATE OF "
            f"{columns} OR DELETE ON {table} FOR EACH ROW "
            f"EXECUTE FUNCTION casebook_record_withdrawal('{kind}');"
        )
    return statements


class Migration(migrations.Migration):
    dependencies = [("cases", "0006_history_and_trash"), ("sources", "0003_history_and_trash")]

    operations = [
        migrations.RunSQL(FUNCTION, migrations.RunSQL.noop),
        *[
            migrations.RunSQL(forward, backward)
            for forward, backward in zip(
                retrigger("visibility, deleted_at"), retrigger("visibility"), strict=True
            )
        ],
    ]
