"""The values of the case list's filters that each person's visible records give,
per reader: what the filter counts count (cases.reads.facets). The database keeps
them in FACET_TABLE, a row per reader, filter, value and person, beside the
stored status and by the same triggers (cases.reads.status), so that the counts
are one scan of an index instead of the visibility of every record at each miss."""

from __future__ import annotations

from django.db.models import F, QuerySet
from django.db.models.expressions import RawSQL
from django.db.models.functions import ExtractDay, ExtractMonth, ExtractYear

from cases.models import Affiliation, Allegation, Detention, Person
from cases.visibility import Reader, visibility_q, visible

FACET_TABLE = "cases_person_facet"
# `value`: the id of a legal stage, an allegation kind, an occupation or an
# organization (their codes, slugs and names are read with the counts: renaming
# one changes no row), the year of an arrest, or a detention's (`DETENTION`)
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
# The detention filters hold for one and the same detention (legal stage, day of
# arrest: cases.filtersets.PersonFilterSet.detention_condition), so each visible
# detention is stored too, as one value: its legal stage's id times
# DETENTION_STAGE plus its day of arrest written YYYYMMDD (0 for either missing;
# no row when both are). The detentions a filter gives are then ranges of values,
# a range of days within each stage (cases.reads.facets.detention_rows_sql).
DETENTION = "detention"
DETENTION_STAGE = 100_000_000
# the filters whose values are stored: the counts of the list that read them
# (with `status`, which reads the stored status, and `total`), the detentions'
# and the persons' others, and the detentions, which no count shows
PERSON_FACETS = ("allegation", "occupation", "organization")
STORED_FACETS = ("legal_stage", "arrest_year", *PERSON_FACETS, DETENTION)
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
    PERSON_FACETS): rows of `value` and `who` (the person)."""
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
    their three values."""

    def among(facts: QuerySet) -> QuerySet:
        if persons is None:
            return facts.order_by()
        return facts.order_by().filter(
            person_id__in=RawSQL("SELECT unnest(%s::bigint[])", [persons])
        )

    detentions, params = (
        among(visible_detentions(reader))
        .values(
            stage=F("legal_stage_id"),
            year=ExtractYear("arrested_on"),
            day=ExtractYear("arrested_on") * 10_000
            + ExtractMonth("arrested_on") * 100
            + ExtractDay("arrested_on"),
            who=F("person_id"),
        )
        .query.sql_with_params()
    )
    parts = [
        "SELECT DISTINCT f.facet::text, f.value, d.who::bigint FROM"
        f" ({detentions}) d CROSS JOIN LATERAL (VALUES ('legal_stage', d.stage::bigint),"
        " ('arrest_year', d.year::bigint),"
        f" ('{DETENTION}', NULLIF(COALESCE(d.stage::bigint * {DETENTION_STAGE}, 0)"
        " + COALESCE(d.day::bigint, 0), 0))) f (facet, value) WHERE f.value IS NOT NULL"
    ]
    for name in PERSON_FACETS:
        sql, part_params = among(_person_facts(name, reader)).query.sql_with_params()
        parts.append(
            f"SELECT DISTINCT '{name}'::text, f.value::bigint, f.who::bigint FROM ({sql}) f"
        )
        params += part_params
    return " UNION ALL ".join(parts), list(params)
