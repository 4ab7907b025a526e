"""Two functions of every write of persons and names made cheaper (issue 20).

`casebook_name_prefixes` (0016), computed for every name written (its GIN
indexes) and by the name search, in PL/pgSQL: the SQL function ran a small query
of its own for each name (unnest, generate_series, a DISTINCT aggregate), about
four times the cost of a loop that collects the prefixes, sorts them
(array_sort) and drops repeats. The arrays are the same, in the same order, for
every key (tests/test_search_speed.py compares the two over the seed's names and
awkward keys); being IMMUTABLE and indexed, its indexes are built again with it.

The slugs issued under a name: an index on the name a numbered slug was issued
under (cases.models.NUMBERED_SLUG_BASE), so that issuing a person's slug reads
the index instead of matching every slug ever issued against a pattern."""

import importlib

from django.db import migrations, models

search_speed = importlib.import_module("cases.migrations.0016_search_speed")

PREFIXES_FUNCTION = """
CREATE OR REPLACE FUNCTION casebook_name_prefixes(key text) RETURNS text[]
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
    word text;
    n integer;
    prefix text;
    previous text;
    prefixes text[] := '{}';
    distinct_prefixes text[] := '{}';
BEGIN
    FOREACH word IN ARRAY string_to_array(key, ' ') LOOP
        FOR n IN 2..char_length(word) LOOP
            prefixes := prefixes || left(word, n);
        END LOOP;
    END LOOP;
    -- sorted and each once, as array_agg(DISTINCT ...) gave them
    FOREACH prefix IN ARRAY array_sort(prefixes) LOOP
        IF previous IS NULL OR prefix <> previous THEN
            distinct_prefixes := distinct_prefixes || prefix;
            previous := prefix;
        END IF;
    END LOOP;
    RETURN distinct_prefixes;
END
$$
"""

# every index on the function's results (0016)
REINDEX = "REINDEX INDEX person_name_prefixes; REINDEX INDEX namevariant_name_prefixes;"


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0025_search_words"),
    ]

    operations = [
        migrations.RunSQL(
            PREFIXES_FUNCTION + ";" + REINDEX,
            search_speed.PREFIXES_FUNCTION + ";" + REINDEX,
        ),
        migrations.AddIndex(
            model_name="issuedslug",
            index=models.Index(
                models.Func(
                    models.F("slug"),
                    models.Value("^(.*)-[0-9]{1,9}$"),
                    function="substring",
                    output_field=models.CharField(),
                ),
                name="issuedslug_numbered_base",
            ),
        ),
    ]
