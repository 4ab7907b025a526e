"""The words of every name a reader may find, for name search at 100,000
persons (issue 20, item 1).

A partial name ("Xədi") matches thousands of names, and the prefix index of
0016 (GIN) answers with row ids only: the search read every matching person and
name variant from the table (2,213 and 6,493 rows for "Xədi", 35-43 ms) to
check their level and score them. `cases_search_word` holds a row per word (two
letters or more) of each person's name key and of each name variant's, with the
person, the variant (NULL for the person's own name) and `seen_by`, the first
reader who may see that name (0 public, 1 partner, 2 staff; cases.visibility's
levels, which nest): a person's name is seen where the person is; a variant
where it and its person both are. Trashed names have no rows. Its btree index
(C collation: a prefix is a range of it) answers the search alone
(cases.reads.search: a search of one word).

Statement-level triggers on cases_person and cases_namevariant keep it exact:
each write that adds, removes or changes a name key, a level, the trash or a
variant's person writes the words of the persons it touched again; TRUNCATE
empties it. Derived data: not in the history, not in the change feed."""

from django.db import migrations

# the first reader who sees a level: cases.visibility's _LEVELS (public sees
# public; partners public and partners; staff all three)
SEEN_BY = """
CREATE OR REPLACE FUNCTION cases_search_seen_by(level text) RETURNS smallint
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT CASE level WHEN 'public' THEN 0 WHEN 'partners' THEN 1 WHEN 'internal' THEN 2 END::smallint
$$
"""

TABLE = """
CREATE TABLE cases_search_word (
    word text COLLATE "C" NOT NULL,
    person_id bigint NOT NULL,
    variant_id bigint,
    seen_by smallint NOT NULL
)
"""

# The names' words of the persons `ids` written again; of every person when
# `ids` is NULL, with the indexes built after the rows (the 790,000 rows of
# 100,000 persons in 5 s rather than 15: a bulk load's way).
WRITE = """
CREATE OR REPLACE FUNCTION cases_search_words_write(ids bigint[]) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF ids IS NULL THEN
        DROP INDEX IF EXISTS cases_search_word_prefix, cases_search_word_person;
        TRUNCATE cases_search_word;
    ELSE
        DELETE FROM cases_search_word WHERE person_id = ANY(ids);
    END IF;
    INSERT INTO cases_search_word (word, person_id, variant_id, seen_by)
    SELECT word, person_id, variant_id, seen_by FROM (
        SELECT p.id AS person_id, NULL::bigint AS variant_id,
               cases_search_seen_by(p.visibility) AS seen_by, p.name_key
        FROM cases_person p
        WHERE p.deleted_at IS NULL AND (ids IS NULL OR p.id = ANY(ids))
        UNION ALL
        SELECT v.person_id, v.id,
               greatest(cases_search_seen_by(v.visibility), cases_search_seen_by(p.visibility)),
               v.name_key
        FROM cases_namevariant v JOIN cases_person p ON p.id = v.person_id
        WHERE v.deleted_at IS NULL AND p.deleted_at IS NULL
        AND (ids IS NULL OR v.person_id = ANY(ids))
    ) names, unnest(string_to_array(name_key, ' ')) AS word
    WHERE char_length(word) >= 2 AND seen_by IS NOT NULL;
    IF ids IS NULL THEN
        CREATE INDEX cases_search_word_prefix
            ON cases_search_word (word, seen_by, person_id, variant_id);
        CREATE INDEX cases_search_word_person ON cases_search_word (person_id);
    END IF;
END
$$
"""

TRIGGERS = """
CREATE OR REPLACE FUNCTION cases_search_words_person_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    ids bigint[];
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        TRUNCATE cases_search_word;
        RETURN NULL;
    ELSIF TG_OP = 'INSERT' THEN
        SELECT array_agg(id) INTO ids FROM new_rows;
    ELSIF TG_OP = 'DELETE' THEN
        DELETE FROM cases_search_word WHERE person_id IN (SELECT id FROM old_rows);
        RETURN NULL;
    ELSE
        SELECT array_agg(n.id) INTO ids FROM new_rows n JOIN old_rows o ON o.id = n.id
        WHERE (n.name_key, n.visibility, n.deleted_at)
              IS DISTINCT FROM (o.name_key, o.visibility, o.deleted_at);
    END IF;
    IF ids IS NOT NULL THEN
        PERFORM cases_search_words_write(ids);
    END IF;
    RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION cases_search_words_variant_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    ids bigint[];
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        DELETE FROM cases_search_word WHERE variant_id IS NOT NULL;
        RETURN NULL;
    ELSIF TG_OP = 'INSERT' THEN
        SELECT array_agg(DISTINCT person_id) INTO ids FROM new_rows;
    ELSIF TG_OP = 'DELETE' THEN
        SELECT array_agg(DISTINCT person_id) INTO ids FROM old_rows;
    ELSE
        SELECT array_agg(DISTINCT person_id) INTO ids FROM (
            SELECT n.person_id FROM new_rows n JOIN old_rows o ON o.id = n.id
            WHERE (n.name_key, n.visibility, n.deleted_at, n.person_id)
                  IS DISTINCT FROM (o.name_key, o.visibility, o.deleted_at, o.person_id)
            UNION ALL
            SELECT o.person_id FROM new_rows n JOIN old_rows o ON o.id = n.id
            WHERE n.person_id IS DISTINCT FROM o.person_id
        ) touched;
    END IF;
    IF ids IS NOT NULL THEN
        PERFORM cases_search_words_write(ids);
    END IF;
    RETURN NULL;
END
$$;
"""


def _triggers(table: str, function: str) -> str:
    return "\n".join(
        [
            f"CREATE TRIGGER search_words_insert AFTER INSERT ON {table} "
            f"REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION {function}();",
            f"CREATE TRIGGER search_words_update AFTER UPDATE ON {table} "
            "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {function}();",
            f"CREATE TRIGGER search_words_delete AFTER DELETE ON {table} "
            f"REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION {function}();",
            f"CREATE TRIGGER search_words_truncate AFTER TRUNCATE ON {table} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {function}();",
        ]
    )


INSTALL = "\n;\n".join(
    [
        SEEN_BY,
        TABLE,
        WRITE,
        TRIGGERS,
        _triggers("cases_person", "cases_search_words_person_changed"),
        _triggers("cases_namevariant", "cases_search_words_variant_changed"),
        "SELECT cases_search_words_write(NULL)",
        "ANALYZE cases_search_word",
    ]
)

UNINSTALL = """
DROP TRIGGER search_words_insert ON cases_person;
DROP TRIGGER search_words_update ON cases_person;
DROP TRIGGER search_words_delete ON cases_person;
DROP TRIGGER search_words_truncate ON cases_person;
DROP TRIGGER search_words_insert ON cases_namevariant;
DROP TRIGGER search_words_update ON cases_namevariant;
DROP TRIGGER search_words_delete ON cases_namevariant;
DROP TRIGGER search_words_truncate ON cases_namevariant;
DROP FUNCTION cases_search_words_person_changed();
DROP FUNCTION cases_search_words_variant_changed();
DROP FUNCTION cases_search_words_write(bigint[]);
DROP TABLE cases_search_word;
DROP FUNCTION cases_search_seen_by(text);
"""


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0024_stored_filter_values"),
    ]

    operations = [migrations.RunSQL(INSTALL, UNINSTALL)]
