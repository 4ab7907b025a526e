"""The values of the case list's filters each person's visible records give, per
reader, kept by the database beside the stored status (issue 20, item 2).

The filter counts read the visibility of every detention, allegation and
affiliation (rule 3: each cited) on a miss: over a second at 100,000 persons.
cases_person_facet now holds a row per reader, filter, value and person
(cases.reads.facet_rows), written by the stored status's functions: the same
statement-level triggers note the persons a write touches, now on the
allegations, affiliations and occupations too and on the citation columns
that point at them, and the commit computes their status and values again.
Derived data: not in the history, not in the change feed.

install_stored_status creates the table, replaces the functions and adds the
triggers, after every `migrate` (cases.apps: install_if_changed); this
migration marks when they came. Going back leaves them as they are (0022's way
back drops them all)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0023_history_by_statement"),
    ]

    operations = [
        migrations.RunPython(migrations.RunPython.noop, migrations.RunPython.noop),
    ]
