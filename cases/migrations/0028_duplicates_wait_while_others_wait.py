"""Possible duplicates (0017): while persons wait for the next read (a write of
more than EAGER_PERSONS persons queued them), a small write queues its persons
too instead of bringing their pairs up to date at once.

The counts of persons per name and surname (`cases_duplicate_source.persons`)
are brought up to date only for the persons brought up to date: while others
wait, they are behind. A small write that then reached a surname the waiting
persons share took the surname for one it had just made shared, and paired its
person with everyone of that surname: after a 100,000-person load waiting for
its first read, each person saved took 21-30 s and stored some 60,000 pairs of
a common surname. The read that follows brings everyone up to date anyway
(`cases_duplicate_catch_up`), so the pairs read are the same."""

from django.db import migrations

EAGER_PERSONS = 100  # as 0017


def _note(waiting_check: str) -> str:
    return f"""
CREATE OR REPLACE FUNCTION cases_duplicate_note(
    fresh bigint[], was_persons bigint[], was_keys text[]
) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF fresh IS NULL THEN
        RETURN;
    ELSIF cardinality(fresh) <= {EAGER_PERSONS}{waiting_check} THEN
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
"""


class Migration(migrations.Migration):
    dependencies = [("cases", "0027_search_seen_by_inlined")]

    operations = [
        migrations.RunSQL(
            _note(" AND NOT EXISTS (SELECT 1 FROM cases_duplicate_pending)"),
            _note(""),
        )
    ]
