"""Possible duplicates kept up to date by triggers (issue 20, item 4).

The pairs of cases.reads.duplicates.possible_duplicates were computed from
every name key on each visit (8 s at 100,000 persons). They are now stored,
one row per pair and per *source* that makes the pair alike:

- a key source ('k'): an exact name key shared by 2 to 50 persons (their pairs
  have similarity 1);
- a block source ('b'): a surname (a key's last word) shared by 2 to 50
  persons (their pairs have the best trigram similarity of their keys in it,
  kept when at least 0.5).

A source shared by more than 50 persons is a common name, not a sign of
duplicates, and holds no pairs; `cases_duplicate_source.persons` remembers how
many persons each source had (capped at 51) so that a write knows whether the
source crossed that line. The name keys read are those of
`cases_duplicate_name_key`: persons outside the trash, and their spellings
outside the trash.

Statement-level triggers on cases_person and cases_namevariant (any write:
the admin, bulk and raw SQL, imports, merges, the trash) recompute the sources
whose keys the statement touched: only the pairs of the persons it changed,
unless a source crossed the line of 50 persons; a statement touching many
sources rebuilds everything in one pass. A TRUNCATE rebuilds. A person's
new birth date refreshes its pairs (their scores). The tables are derived
data: not in the history, not in the change feed."""

from django.db import migrations

# The bound and the threshold of possible_duplicates (cases.reads.duplicates
# reads them from here).
BLOCK_LIMIT = 50
PAIR_THRESHOLD = 0.5
# A statement changing the names of more persons, or touching more sources,
# than these rebuilds everything (one pass is quicker than many lookups then).
REBUILD_ABOVE = 20_000
REBUILD_ABOVE_PERSONS = 5_000
# A statement changing the names of at most this many persons brings their pairs
# up to date at once; a bigger one leaves them for the next read.
EAGER_PERSONS = 100

TABLES = """
CREATE TABLE cases_duplicate_source (
    id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind char(1) NOT NULL CHECK (kind IN ('k', 'b')),
    value text NOT NULL,
    persons integer NOT NULL DEFAULT 0,
    UNIQUE (kind, value)
);
CREATE TABLE cases_duplicate_candidate (
    source_id integer NOT NULL,
    first_id bigint NOT NULL,
    second_id bigint NOT NULL,
    similarity real NOT NULL,
    score double precision NOT NULL,
    PRIMARY KEY (source_id, first_id, second_id)
);
CREATE TABLE cases_duplicate_pending (
    person_id bigint NOT NULL,
    key text
);
CREATE INDEX cases_duplicate_pending_person ON cases_duplicate_pending (person_id);
CREATE INDEX cases_duplicate_candidate_best
    ON cases_duplicate_candidate (score DESC, first_id, second_id);
CREATE INDEX cases_duplicate_candidate_pair
    ON cases_duplicate_candidate (first_id, second_id, similarity);
CREATE INDEX cases_duplicate_candidate_second ON cases_duplicate_candidate (second_id);
CREATE INDEX person_name_block
    ON cases_person ((substring(name_key FROM '[^ ]+$')), id)
    WHERE deleted_at IS NULL AND name_key <> '';
CREATE INDEX namevariant_name_block
    ON cases_namevariant ((substring(name_key FROM '[^ ]+$')), person_id)
    WHERE deleted_at IS NULL AND name_key <> '';
CREATE VIEW cases_duplicate_name_key AS
    SELECT id AS person_id, name_key AS key, substring(name_key FROM '[^ ]+$') AS block
      FROM cases_person WHERE deleted_at IS NULL AND name_key <> ''
    UNION ALL
    SELECT v.person_id, v.name_key, substring(v.name_key FROM '[^ ]+$')
      FROM cases_namevariant v
      JOIN cases_person p ON p.id = v.person_id AND p.deleted_at IS NULL
     WHERE v.deleted_at IS NULL AND v.name_key <> '';
"""

DROP_TABLES = """
DROP VIEW cases_duplicate_name_key;
DROP INDEX namevariant_name_block;
DROP INDEX person_name_block;
DROP TABLE cases_duplicate_pending;
DROP TABLE cases_duplicate_candidate;
DROP TABLE cases_duplicate_source;
"""

FUNCTIONS = f"""
-- The score of a pair as possible_duplicates has always ranked it: the name
-- similarity, raised by 0.2 when both birth years are known and agree, lowered
-- by 0.3 when they differ (real + numeric: double precision).
CREATE FUNCTION cases_duplicate_score(similarity real, first_born date, second_born date)
RETURNS double precision LANGUAGE sql IMMUTABLE AS $$
    SELECT similarity + CASE
        WHEN first_born IS NULL OR second_born IS NULL THEN 0
        WHEN extract(year FROM first_born) = extract(year FROM second_born) THEN 0.2
        ELSE -0.3 END
$$;

-- Every pair from scratch (the migration, a TRUNCATE, a statement touching
-- many sources).
CREATE FUNCTION cases_duplicate_rebuild() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    TRUNCATE cases_duplicate_candidate, cases_duplicate_source, cases_duplicate_pending;
    DROP TABLE IF EXISTS cases_duplicate_keys;
    CREATE TEMPORARY TABLE cases_duplicate_keys ON COMMIT DROP AS
        SELECT DISTINCT person_id, key::text AS key, block FROM cases_duplicate_name_key;
    ANALYZE cases_duplicate_keys;
    INSERT INTO cases_duplicate_source (kind, value, persons)
    SELECT 'k', key, count(DISTINCT person_id)
      FROM cases_duplicate_keys GROUP BY key
    UNION ALL
    SELECT 'b', block, count(DISTINCT person_id)
      FROM cases_duplicate_keys WHERE block IS NOT NULL GROUP BY block;
    ANALYZE cases_duplicate_source;
    INSERT INTO cases_duplicate_candidate (source_id, first_id, second_id, similarity, score)
    SELECT pairs.source_id, pairs.first_id, pairs.second_id, pairs.similarity,
           cases_duplicate_score(pairs.similarity, p1.birth_date, p2.birth_date)
      FROM (
        SELECT s.id AS source_id, a.person_id AS first_id, b.person_id AS second_id,
               1::real AS similarity
          FROM cases_duplicate_source s
          JOIN cases_duplicate_keys a ON a.key = s.value
          JOIN cases_duplicate_keys b ON b.key = s.value AND a.person_id < b.person_id
         WHERE s.kind = 'k' AND s.persons BETWEEN 2 AND {BLOCK_LIMIT}
        UNION ALL
        SELECT s.id, a.person_id, b.person_id, max(similarity(a.key, b.key))
          FROM cases_duplicate_source s
          JOIN cases_duplicate_keys a ON a.block = s.value
          JOIN cases_duplicate_keys b ON b.block = s.value AND a.person_id < b.person_id
         WHERE s.kind = 'b' AND s.persons BETWEEN 2 AND {BLOCK_LIMIT}
         GROUP BY 1, 2, 3
        HAVING max(similarity(a.key, b.key)) >= {PAIR_THRESHOLD}::double precision
      ) pairs
      JOIN cases_person p1 ON p1.id = pairs.first_id
      JOIN cases_person p2 ON p2.id = pairs.second_id;
    DROP TABLE cases_duplicate_keys;
END
$$;

-- The name keys of `persons` now, as the pairs read them: the person's own
-- key and its spellings', while the person is outside the trash.
CREATE FUNCTION cases_duplicate_keys_of(persons bigint[])
RETURNS TABLE (person_id bigint, key text) LANGUAGE sql STABLE AS $$
    SELECT p.id, p.name_key FROM cases_person p
     WHERE p.id = ANY(persons) AND p.deleted_at IS NULL AND p.name_key <> ''
    UNION
    SELECT v.person_id, v.name_key FROM cases_namevariant v
     WHERE v.person_id = ANY(persons) AND v.deleted_at IS NULL AND v.name_key <> ''
       AND (SELECT p.deleted_at IS NULL FROM cases_person p WHERE p.id = v.person_id) IS TRUE
$$;

-- After a statement changed the name keys of the `changed` persons, whose keys
-- before it were `was_keys` (one row per person and key in `was_persons`,
-- `was_keys`): each source (key, surname) of those keys has its count of
-- persons moved by who joined and who left it; a source of at most
-- {BLOCK_LIMIT} persons gets the pairs of the changed persons again, one that
-- crosses that line gains or loses all its pairs.
CREATE FUNCTION cases_duplicate_refresh(
    changed bigint[], was_persons bigint[], was_keys text[]
) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    ids integer[];
    kinds text[];
    vals text[];
    olds integer[];
    news integer[];
BEGIN
    IF coalesce(cardinality(changed), 0) = 0 THEN
        RETURN;
    END IF;
    -- create and lock the sources in one order (a concurrent writer waits, then
    -- reads what the other committed)
    WITH now_keys AS (
        SELECT * FROM cases_duplicate_keys_of(changed)
    ), was AS (
        SELECT DISTINCT w.person_id, w.key FROM unnest(was_persons, was_keys) AS w(person_id, key)
         WHERE w.key <> '' AND w.person_id IN (SELECT unnest(changed))
    ), now_sources AS (
        SELECT person_id, 'k' AS kind, key AS value FROM now_keys
        UNION
        SELECT person_id, 'b', substring(key FROM '[^ ]+$') FROM now_keys
    ), was_sources AS (
        SELECT person_id, 'k' AS kind, key AS value FROM was
        UNION
        SELECT person_id, 'b', substring(key FROM '[^ ]+$') FROM was
    ), deltas AS (
        SELECT kind, value,
               sum(CASE WHEN n.person_id IS NULL THEN -1
                        WHEN w.person_id IS NULL THEN 1 ELSE 0 END)::integer AS delta
          FROM now_sources n FULL JOIN was_sources w USING (person_id, kind, value)
         WHERE value IS NOT NULL AND value <> ''
         GROUP BY kind, value
    ), locked AS (
        INSERT INTO cases_duplicate_source (kind, value)
        SELECT kind, value FROM deltas ORDER BY kind, value
        ON CONFLICT (kind, value) DO UPDATE SET persons = cases_duplicate_source.persons
        RETURNING id, kind, value, persons
    )
    SELECT array_agg(l.id), array_agg(l.kind), array_agg(l.value), array_agg(l.persons),
           array_agg(l.persons + d.delta)
      INTO ids, kinds, vals, olds, news
      FROM locked l JOIN deltas d ON d.kind = l.kind AND d.value = l.value;
    IF coalesce(cardinality(ids), 0) > {REBUILD_ABOVE} THEN
        PERFORM cases_duplicate_rebuild();
        RETURN;
    END IF;

    -- pairs that go: every pair of a source now too common; the changed
    -- persons' pairs of a source that stays small
    DELETE FROM cases_duplicate_candidate c
     USING unnest(ids, olds, news) AS s(id, old, new)
     WHERE c.source_id = s.id AND s.old BETWEEN 2 AND {BLOCK_LIMIT}
       AND (s.new > {BLOCK_LIMIT}
            OR c.first_id IN (SELECT unnest(changed))
            OR c.second_id IN (SELECT unnest(changed)));

    -- pairs that come: every pair of a source no longer too common; the
    -- changed persons' pairs of a source that stays small
    WITH s AS (
        SELECT * FROM unnest(ids, kinds, vals, olds, news) AS s(id, kind, value, old, new)
         WHERE s.new BETWEEN 2 AND {BLOCK_LIMIT}
    ), members AS MATERIALIZED (
        SELECT s.id AS source_id, s.kind, s.old, m.person_id, m.key
          FROM s CROSS JOIN LATERAL (
            SELECT p.id AS person_id, p.name_key::text AS key FROM cases_person p
             WHERE s.kind = 'k' AND p.name_key = s.value AND p.deleted_at IS NULL
            UNION ALL
            SELECT v.person_id, v.name_key::text FROM cases_namevariant v
             WHERE s.kind = 'k' AND v.name_key = s.value AND v.deleted_at IS NULL
               AND (SELECT p.deleted_at IS NULL FROM cases_person p WHERE p.id = v.person_id)
                   IS TRUE
            UNION ALL
            SELECT p.id, p.name_key::text FROM cases_person p
             WHERE s.kind = 'b' AND substring(p.name_key FROM '[^ ]+$') = s.value
               AND p.deleted_at IS NULL AND p.name_key <> ''
            UNION ALL
            SELECT v.person_id, v.name_key::text FROM cases_namevariant v
             WHERE s.kind = 'b' AND substring(v.name_key FROM '[^ ]+$') = s.value
               AND v.deleted_at IS NULL AND v.name_key <> ''
               AND (SELECT p.deleted_at IS NULL FROM cases_person p WHERE p.id = v.person_id)
                   IS TRUE
          ) m
    ), alike AS (
        -- a source that crossed the line: all its pairs
        SELECT m1.source_id, m1.kind, m1.person_id AS first_id, m2.person_id AS second_id,
               m1.key AS first_key, m2.key AS second_key
          FROM members m1
          JOIN members m2 ON m2.source_id = m1.source_id AND m1.person_id < m2.person_id
         WHERE m1.old > {BLOCK_LIMIT} OR m1.old < 2
        UNION ALL
        -- one that stays small: the pairs of the changed persons
        SELECT c.source_id, c.kind, least(c.person_id, o.person_id),
               greatest(c.person_id, o.person_id), c.key, o.key
          FROM members c
          JOIN members o ON o.source_id = c.source_id AND o.person_id <> c.person_id
         WHERE c.old BETWEEN 2 AND {BLOCK_LIMIT} AND c.person_id IN (SELECT unnest(changed))
    ), pairs AS (
        SELECT source_id, first_id, second_id,
               CASE WHEN kind = 'k' THEN 1::real
                    ELSE max(similarity(first_key, second_key)) END AS similarity
          FROM alike
         GROUP BY source_id, kind, first_id, second_id
        HAVING kind = 'k'
            OR max(similarity(first_key, second_key)) >= {PAIR_THRESHOLD}::double precision
    )
    INSERT INTO cases_duplicate_candidate (source_id, first_id, second_id, similarity, score)
    SELECT pairs.source_id, pairs.first_id, pairs.second_id, pairs.similarity,
           cases_duplicate_score(pairs.similarity, p1.birth_date, p2.birth_date)
      FROM pairs
      JOIN cases_person p1 ON p1.id = pairs.first_id
      JOIN cases_person p2 ON p2.id = pairs.second_id;

    UPDATE cases_duplicate_source d SET persons = s.new
      FROM unnest(ids, news) AS s(id, new)
     WHERE d.id = s.id AND d.persons <> s.new;
END
$$;

-- What a statement that changed the name keys of `changed` persons does: a
-- few persons are brought up to date at once (an edit, a merge); more wait in
-- cases_duplicate_pending, with their keys as they were, until the next read
-- (cases_duplicate_catch_up), so a bulk write pays only for noting them. A
-- person already waiting keeps its older keys (those the counts hold):
-- cases_duplicate_fresh leaves it out.
CREATE FUNCTION cases_duplicate_fresh(changed bigint[]) RETURNS bigint[] LANGUAGE plpgsql AS $$
DECLARE
    fresh bigint[];
BEGIN
    IF changed IS NULL THEN
        RETURN NULL;
    END IF;
    -- (waits while a catch-up runs)
    LOCK TABLE cases_duplicate_pending IN ROW EXCLUSIVE MODE;
    IF NOT EXISTS (SELECT 1 FROM cases_duplicate_pending) THEN
        RETURN changed;
    END IF;
    SELECT array_agg(c) INTO fresh FROM unnest(changed) c
     WHERE NOT EXISTS (SELECT 1 FROM cases_duplicate_pending w WHERE w.person_id = c);
    RETURN fresh;
END
$$;

CREATE FUNCTION cases_duplicate_note(fresh bigint[], was_persons bigint[], was_keys text[])
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF fresh IS NULL THEN
        RETURN;
    ELSIF cardinality(fresh) <= {EAGER_PERSONS} THEN
        PERFORM cases_duplicate_refresh(fresh, was_persons, was_keys);
    ELSE
        INSERT INTO cases_duplicate_pending (person_id, key)
        SELECT c, NULL FROM unnest(fresh) c
        UNION ALL
        SELECT w.person_id, w.key FROM unnest(was_persons, was_keys) AS w(person_id, key)
         WHERE w.person_id IN (SELECT unnest(fresh));
    END IF;
END
$$;

-- Before the pairs are read: the waiting persons brought up to date (many at
-- once: everything rebuilt).
CREATE FUNCTION cases_duplicate_catch_up() RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    changed bigint[];
    was_persons bigint[];
    was_keys text[];
BEGIN
    IF NOT EXISTS (SELECT 1 FROM cases_duplicate_pending) THEN
        RETURN;
    END IF;
    -- writers that note persons wait, and those noting now are waited for
    LOCK TABLE cases_duplicate_pending IN SHARE ROW EXCLUSIVE MODE;
    SELECT array_agg(DISTINCT person_id) INTO changed FROM cases_duplicate_pending;
    IF changed IS NULL THEN
        RETURN;
    ELSIF cardinality(changed) > {REBUILD_ABOVE_PERSONS} THEN
        PERFORM cases_duplicate_rebuild();
        RETURN;
    END IF;
    SELECT array_agg(person_id), array_agg(key) INTO was_persons, was_keys
      FROM cases_duplicate_pending WHERE key IS NOT NULL;
    DELETE FROM cases_duplicate_pending;
    PERFORM cases_duplicate_refresh(changed, was_persons, was_keys);
END
$$;

CREATE FUNCTION cases_duplicate_person_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    changed bigint[];
    was_persons bigint[];
    was_keys text[];
BEGIN
    IF TG_OP = 'INSERT' THEN
        SELECT array_agg(id) INTO changed FROM new_rows;
    ELSIF TG_OP = 'DELETE' THEN
        SELECT array_agg(id) INTO changed FROM old_rows;
    ELSE
        -- (a new birth date changes the scores of the person's pairs)
        SELECT array_agg(n.id) INTO changed
          FROM old_rows o JOIN new_rows n ON n.id = o.id
         WHERE o.name_key IS DISTINCT FROM n.name_key
            OR (o.deleted_at IS NULL) <> (n.deleted_at IS NULL)
            OR o.birth_date IS DISTINCT FROM n.birth_date;
    END IF;
    changed := cases_duplicate_fresh(changed);
    IF changed IS NOT NULL AND TG_OP <> 'INSERT' THEN
        -- before the statement: the old row's key and, while it was outside the
        -- trash, its spellings' (which this statement did not change)
        SELECT array_agg(w.person_id), array_agg(w.key) INTO was_persons, was_keys FROM (
            SELECT o.id AS person_id, o.name_key::text AS key FROM old_rows o
             WHERE o.id IN (SELECT unnest(changed)) AND o.deleted_at IS NULL
            UNION ALL
            SELECT v.person_id, v.name_key::text FROM cases_namevariant v
              JOIN old_rows o ON o.id = v.person_id AND o.deleted_at IS NULL
             WHERE o.id IN (SELECT unnest(changed)) AND v.deleted_at IS NULL
        ) w;
    END IF;
    PERFORM cases_duplicate_note(changed, was_persons, was_keys);
    RETURN NULL;
END
$$;

CREATE FUNCTION cases_duplicate_variant_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    changed bigint[];
    written bigint[] := '{{}}';
    old_persons bigint[] := '{{}}';
    old_keys text[] := '{{}}';
    was_persons bigint[];
    was_keys text[];
BEGIN
    -- (a transition table exists only for the operations that have it)
    IF TG_OP = 'INSERT' THEN
        SELECT array_agg(DISTINCT person_id) FILTER (WHERE deleted_at IS NULL AND name_key <> ''),
               array_agg(id)
          INTO changed, written FROM new_rows;
    ELSIF TG_OP = 'DELETE' THEN
        SELECT array_agg(DISTINCT person_id), array_agg(person_id), array_agg(name_key::text)
          INTO changed, old_persons, old_keys
          FROM old_rows WHERE deleted_at IS NULL AND name_key <> '';
    ELSE
        SELECT array_agg(DISTINCT r.person_id) INTO changed
          FROM old_rows o JOIN new_rows n ON n.id = o.id
          CROSS JOIN LATERAL (VALUES (o.person_id), (n.person_id)) AS r(person_id)
         WHERE o.name_key IS DISTINCT FROM n.name_key
            OR o.person_id IS DISTINCT FROM n.person_id
            OR (o.deleted_at IS NULL) <> (n.deleted_at IS NULL);
        IF changed IS NOT NULL THEN
            SELECT array_agg(id) INTO written FROM new_rows;
            SELECT coalesce(array_agg(person_id), '{{}}'), coalesce(array_agg(name_key::text), '{{}}')
              INTO old_persons, old_keys
              FROM old_rows WHERE deleted_at IS NULL AND name_key <> '';
        END IF;
    END IF;
    changed := cases_duplicate_fresh(changed);
    IF changed IS NULL THEN
        RETURN NULL;
    END IF;
    -- before the statement: the person's own key and its spellings as they were
    -- (those the statement did not write, and the old rows of those it did),
    -- while the person is outside the trash (which this statement did not change)
    SELECT array_agg(w.person_id), array_agg(w.key) INTO was_persons, was_keys FROM (
        SELECT p.id AS person_id, p.name_key::text AS key FROM cases_person p
         WHERE p.id = ANY(changed)
        UNION ALL
        SELECT v.person_id, v.name_key::text FROM cases_namevariant v
         WHERE v.person_id = ANY(changed) AND v.deleted_at IS NULL
           AND v.id NOT IN (SELECT unnest(written))
        UNION ALL
        SELECT o.person_id, o.key FROM unnest(old_persons, old_keys) AS o(person_id, key)
         WHERE o.person_id IN (SELECT unnest(changed))
    ) w
     WHERE (SELECT p.deleted_at IS NULL FROM cases_person p WHERE p.id = w.person_id) IS TRUE;
    PERFORM cases_duplicate_note(changed, was_persons, was_keys);
    RETURN NULL;
END
$$;

CREATE FUNCTION cases_duplicate_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM cases_duplicate_rebuild();
    RETURN NULL;
END
$$;
"""

DROP_FUNCTIONS = """
DROP FUNCTION cases_duplicate_truncated();
DROP FUNCTION cases_duplicate_variant_changed();
DROP FUNCTION cases_duplicate_person_changed();
DROP FUNCTION cases_duplicate_catch_up();
DROP FUNCTION cases_duplicate_note(bigint[], bigint[], text[]);
DROP FUNCTION cases_duplicate_fresh(bigint[]);
DROP FUNCTION cases_duplicate_refresh(bigint[], bigint[], text[]);
DROP FUNCTION cases_duplicate_keys_of(bigint[]);
DROP FUNCTION cases_duplicate_rebuild();
DROP FUNCTION cases_duplicate_score(real, date, date);
"""


def triggers() -> tuple[str, str]:
    forward, backward = [], []
    for table, function in (
        ("cases_person", "cases_duplicate_person_changed"),
        ("cases_namevariant", "cases_duplicate_variant_changed"),
    ):
        for event, referencing in (
            ("INSERT", "NEW TABLE AS new_rows"),
            ("UPDATE", "OLD TABLE AS old_rows NEW TABLE AS new_rows"),
            ("DELETE", "OLD TABLE AS old_rows"),
        ):
            name = f"duplicates_{event.lower()}"
            forward.append(
                f"CREATE TRIGGER {name} AFTER {event} ON {table} REFERENCING {referencing}"
                f" FOR EACH STATEMENT EXECUTE FUNCTION {function}();"
            )
            backward.append(f"DROP TRIGGER {name} ON {table};")
        forward.append(
            f"CREATE TRIGGER duplicates_truncate AFTER TRUNCATE ON {table}"
            " FOR EACH STATEMENT EXECUTE FUNCTION cases_duplicate_truncated();"
        )
        backward.append(f"DROP TRIGGER duplicates_truncate ON {table};")
    return "\n".join(forward), "\n".join(backward)


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0016_search_speed"),
    ]

    operations = [
        migrations.RunSQL(TABLES, DROP_TABLES),
        migrations.RunSQL(FUNCTIONS, DROP_FUNCTIONS),
        migrations.RunSQL(*triggers()),
        migrations.RunSQL(
            "SELECT cases_duplicate_rebuild(); ANALYZE cases_duplicate_candidate;",
            migrations.RunSQL.noop,
        ),
    ]
