"""Indexes for the status filter and the filter counts at 100,000 persons
(issue 20, item 2).

A fact is visible only when a citation the reader may see supports it
(cases.visibility, rule 3): the status rule, the status filter and the counts of
legal stages, arrest years and allegations test that citation for every
detention or allegation they read. These partial indexes hold each kind of
fact's live citations with the columns the test reads (the source and the
citation's level), so it is answered from the index alone; the persons' index
does the same for a person's level. A citation cites one fact, so it has an
entry in one of them at most. Measured on the benchmark data set: the counts
of the list page uncached 1.9 s without them, 1.5 s with them."""

from django.db import migrations

INDEXES = {
    "citation_detention_visible": (
        "sources_citation (detention_id) INCLUDE (source_id, visibility)"
        " WHERE deleted_at IS NULL AND detention_id IS NOT NULL"
    ),
    "citation_allegation_visible": (
        "sources_citation (allegation_id) INCLUDE (source_id, visibility)"
        " WHERE deleted_at IS NULL AND allegation_id IS NOT NULL"
    ),
    "person_visible": "cases_person (id) INCLUDE (visibility) WHERE deleted_at IS NULL",
}


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0018_history_of_links"),
        ("sources", "0008_citations_of_lists"),
    ]

    operations = [
        migrations.RunSQL(f"CREATE INDEX {name} ON {definition}", f"DROP INDEX {name}")
        for name, definition in INDEXES.items()
    ]
