"""Indexes for name search at 100,000 persons (issue 20, item 1).

A name search first looks for persons whose name has every word of the query
at the start of one of its words ("Гасанов" finds Gasanov and Gasanova, "Xədi"
finds Xədicə): `casebook_name_prefixes(name_key)` is the array of every prefix
(two letters or more) of every word of a name key, and a GIN index on it
answers `casebook_name_prefixes(name_key) @> ARRAY[...words]` exactly, without
comparing trigrams row by row (cases.reads.search). The trigram indexes of
0001 still serve the similar-name search when no name starts with the words."""

from django.db import migrations

PREFIXES_FUNCTION = """
CREATE OR REPLACE FUNCTION casebook_name_prefixes(key text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT coalesce(array_agg(DISTINCT left(word, n)), '{}')
    FROM unnest(string_to_array(key, ' ')) AS word, generate_series(2, char_length(word)) AS n
$$
"""


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0015_field_labels"),
    ]

    operations = [
        migrations.RunSQL(PREFIXES_FUNCTION, "DROP FUNCTION casebook_name_prefixes(text)"),
        migrations.RunSQL(
            "CREATE INDEX person_name_prefixes ON cases_person "
            "USING gin (casebook_name_prefixes(name_key))",
            "DROP INDEX person_name_prefixes",
        ),
        migrations.RunSQL(
            "CREATE INDEX namevariant_name_prefixes ON cases_namevariant "
            "USING gin (casebook_name_prefixes(name_key)) WHERE deleted_at IS NULL",
            "DROP INDEX namevariant_name_prefixes",
        ),
    ]
