"""The values of the case list's filters that each person's visible records give,
per reader: what the filter counts count (cases.reads.facets). The database keeps
them in FACET_TABLE, a row per reader, filter, value and person, beside the
stored status and by the same triggers (cases.reads.status), so that the counts
are one scan of an index instead of the visibility of every record at each miss."""

from __future__ import annotations

from django.db.models import F, QuerySet
from django.db.models.expressions import RawSQL
from django.db.models.functions import ExtractYear

from cases.models import Affiliation, Allegation, Detention, Person
from cases.visibility import Reader, visibility_q, visible

FACET_TABLE = "cases_person_facet"
# `value`: the id of a legal stage, an allegation kind, an occupation or an
# organization (their codes, slugs and names are read with the counts: renaming
# one changes no row), or the year of an arrest
FACET_TABLE_SQL = f"""
CREATE TABLE IF NOT EXISTS {FACET_TABLE} (
    reader text COLLATE "C" NOT NULL,
    facet text COLLATE "C" NOT NULL,
    value bigint NOT NULL,
    person_id bigint NOT NULL
)"""
# The counts read the first in order (GROUP BY over the index alone); a person's
# rows are replaced through the second. Everyone's rows are written with neither
# and the two built after (cases_status_rebuild): kept up to date row by row, the
# 1.5 million rows of 100,000 persons took eight times longer.
FACET_INDEXES = {  # by name, the statement that creates it
    name: f"CREATE {unique}INDEX IF NOT EXISTS {name} ON {FACET_TABLE} ({columns})"
    for name, unique, columns in (
        (f"{FACET_TABLE}_counted", "UNIQUE ", "reader, facet, value, person_id"),
        (f"{FACET_TABLE}_person", "", "person_id"),
    )
}
# the counts of the list's filters that read the stored rows (with `status`, which
# reads the stored status, and `total`): the detentions' and the persons' others
_PERSON_FACETS = ("allegation", "occupation", "organization")
STORED_FACETS = ("legal_stage", "arrest_year", *_PERSON_FACETS)
# the vocabulary each value is the id of, and its column the counts show
FACET_VALUES = {
    "legal_stage": ("cases_legalstage", "code"),
    "allegation": ("cases_allegationkind", "code"),
    "occupation": ("cases_occupation", "code"),
    "organization": ("cases_organization", "slug"),
}


def visible_detentions(reader: Reader) -> QuerySet:
    """The detentions whose stage and year of arrest the counts read."""
    return visible(Detention.objects.all(), reader)


def _person_facts(name: str, reader: Reader) -> QuerySet:
    """The visible records that give persons a value of the filter `name` (of
    _PERSON_FACETS): rows of `value` and `who` (the person)."""
    if name == "allegation":
        # an allegation about unnamed detainees names no person to count
        facts = visible(Allegation.objects.all(), reader).filter(person__isnull=False)
        value = F("kind_id")
    elif name == "occupation":
        facts = Person.occupations.through.objects.filter(
            visibility_q(Person, reader, prefix="person__")
        )
        value = F("occupation_id")
    else:
        facts = visible(Affiliation.objects.all(), reader)
        value = F("organization_id")
    return facts.values(value=value, who=F("person_id"))


def computed_facet_rows_sql(reader: Reader, persons: list | None = None) -> tuple[str, list]:
    """SQL giving the rows FACET_TABLE holds for `reader` (`facet`, `value`,
    `person_id`, each once), computed from the records, of the persons `persons`
    (ids: one array parameter) or of everyone. The detentions are read once for
    their two filters."""

    def among(facts: QuerySet) -> QuerySet:
        if persons is None:
            return facts.order_by()
        return facts.order_by().filter(
            person_id__in=RawSQL("SELECT unnest(%s::bigint[])", [persons])
        )

    detentions, params = (
        among(visible_detentions(reader))
        .values(stage=F("legal_stage_id"), year=ExtractYear("arrested_on"), who=F("person_id"))
        .query.sql_with_params()
    )
    parts = [
        "SELECT DISTINCT f.facet::text, f.value, d.who::bigint FROM"
        f" ({detentions}) d CROSS JOIN LATERAL (VALUES ('legal_stage', d.stage::bigint),"
        " ('arrest_year', d.year::bigint)) f (facet, value) WHERE f.value IS NOT NULL"
    ]
    for name in _PERSON_FACETS:
        sql, part_params = among(_person_facts(name, reader)).query.sql_with_params()
        parts.append(
            f"SELECT DISTINCT '{name}'::text, f.value::bigint, f.who::bigint FROM ({sql}) f"
        )
        params += part_params
    return " UNION ALL ".join(parts), list(params)
