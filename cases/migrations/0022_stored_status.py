"""Each person's status, per reader, kept by the database (issue 20, item 2).

The case list's status counts and status filter computed the status rule
(cases.reads.status) for every person the reader may see on each miss: over a
second at 100,000 persons. The rows are now stored in cases_person_status.
Statement-level triggers on every table the rule reads note the persons a
statement touched in cases_person_status_pending, and a deferred trigger
computes their status again when the transaction commits, with the rule's own
SQL (cases.reads.status.install_stored_status writes the functions from
`computed_status_sql`); until then the reads compute the noted persons' status
afresh. Derived data: not in the history, not in the change feed.

The functions and triggers are installed after every `migrate` by
cases.apps (cases.reads.status.install_if_changed: when the code writes them
otherwise than the database holds them, everyone's status is computed again),
not here: the code of a later day may read tables that later migrations
create. A change of the rule needs no migration of its own."""

from django.db import migrations

TABLE = """
CREATE TABLE cases_person_status (
    person_id bigint NOT NULL,
    reader text NOT NULL,
    status text NOT NULL,
    as_of date,
    as_of_precision integer,
    PRIMARY KEY (person_id, reader)
);
CREATE INDEX cases_person_status_reader
    ON cases_person_status (reader, status, person_id) INCLUDE (as_of);
CREATE TABLE cases_person_status_pending (person_id bigint PRIMARY KEY);
CREATE TABLE cases_person_status_commit (transaction_id bigint PRIMARY KEY);
"""


def uninstall(apps, schema_editor):
    from cases.reads.status import uninstall_stored_status

    uninstall_stored_status(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0021_allegation_facility"),
        ("sources", "0012_citations_of_officials_and_trials"),
    ]

    operations = [
        migrations.RunSQL(
            TABLE,
            "DROP TABLE cases_person_status, cases_person_status_pending,"
            " cases_person_status_commit",
        ),
        migrations.RunPython(migrations.RunPython.noop, uninstall),
    ]
