"""The change feed's trigger function (0002) reads only the key columns it logs.

It turned every row touched into JSON whole (to_jsonb: every column, the long
texts too), then took the pairs back out of that JSON to keep the key columns
named by the trigger's arguments: most of the cost of the feed's triggers on a
bulk write (a case sheet, the benchmark's seeding). It now builds each row's
keys from those columns alone (jsonb_build_object of `r.<column>`, the
statement made once per trigger call from its arguments), dropping the keys
that are NULL as before. The rows logged are the same; the triggers, which call
the function by name, are unchanged."""

import importlib

from django.db import migrations

change_triggers = importlib.import_module("sync.migrations.0002_change_triggers")

FUNCTION = """
CREATE OR REPLACE FUNCTION sync_log_change() RETURNS trigger AS $$
DECLARE
    refs text := '''{}''::jsonb';
BEGIN
    IF TG_NARGS > 0 THEN
        SELECT 'jsonb_strip_nulls(jsonb_build_object('
               || string_agg(format('%L, r.%I', name, name), ', ') || '))'
        INTO refs FROM unnest(TG_ARGV) AS name;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        EXECUTE format('INSERT INTO sync_change ("table", row_id, refs) '
                       'SELECT $1, r.id, %s FROM old_rows r', refs)
        USING TG_TABLE_NAME;
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        EXECUTE format('INSERT INTO sync_change ("table", row_id, refs) '
                       'SELECT $1, r.id, %s FROM new_rows r', refs)
        USING TG_TABLE_NAME;
    END IF;
    RETURN NULL;
END
$$ LANGUAGE plpgsql;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("sync", "0007_officials_trials_triggers"),
    ]

    operations = [
        migrations.RunSQL(FUNCTION, change_triggers.FUNCTION),
    ]
