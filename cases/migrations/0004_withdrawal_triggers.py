"""Record every delete, and every move to a more restricted visibility, of the
records partners sync (cases.Withdrawal), from any code path or raw SQL."""

from django.db import migrations

FUNCTION = """
CREATE OR REPLACE FUNCTION casebook_record_withdrawal() RETURNS trigger AS $$
DECLARE
    levels text[] := ARRAY['internal', 'partners', 'public'];
BEGIN
    IF TG_OP = 'DELETE' THEN
        INSERT INTO cases_withdrawal (kind, uuid, previous_visibility, visibility, withdrawn_at)
        VALUES (TG_ARGV[0], OLD.uuid, OLD.visibility, NULL, now());
        RETURN OLD;
    END IF;
    IF array_position(levels, NEW.visibility) < array_position(levels, OLD.visibility) THEN
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
}


def trigger_sql(kind: str, table: str) -> str:
    return (
        f"CREATE TRIGGER {table}_withdrawal AFTER UPDATE OF visibility OR DELETE ON {table} "
        f"FOR EACH ROW EXECUTE FUNCTION casebook_record_withdrawal('{kind}');"
    )


class Migration(migrations.Migration):
    dependencies = [("cases", "0003_withdrawals")]

    operations = [
        migrations.RunSQL(FUNCTION, "DROP FUNCTION IF EXISTS casebook_record_withdrawal() CASCADE;"),
        *[
            migrations.RunSQL(trigger_sql(kind, table), f"DROP TRIGGER IF EXISTS {table}_withdrawal ON {table};")
            for kind, table in TABLES.items()
        ],
    ]
