"""The FollowTheMoney export: what a reader may see of persons, officials,
organizations, positions, affiliations, trials and involvements as FtM entities
(https://followthemoney.tech), one dict at a time, for Aleph and OpenSanctions
tools (docs/ftm.md has the mapping).

Each kind of record is read in keyset chunks of `chunk_size` rows (by id,
through `cases.visibility`), so memory stays flat whatever the size of the
database. Entities are built as plain dicts of values already in FtM's clean
forms (ISO dates at their precision, ISO country codes): the `followthemoney`
library validates them in the tests; building a proxy per entity would cost
more than the reads. Citations have no place in FtM's entities: each entity
carries the address of our page (`sourceUrl`) where its sources are footnoted."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Iterator
from functools import cache

import orjson
from django.db import connection, transaction
from django.db.models import Model, QuerySet
from django.urls import NoReverseMatch, reverse
from django.utils import translation
from followthemoney.types import registry

from cases.choices import NameVariantKind, OrganizationKind
from cases.models import Affiliation, NameVariant, Organization, Person
from cases.partial_dates import from_columns
from cases.visibility import Reader, own_level_q, visible
from officials.choices import InvolvementRole
from officials.models import Involvement, Official, OfficialName, Position
from trials.choices import TrialInstance
from trials.models import Trial, TrialDefendant

PREFIX = "casebook"
PUBLISHER = "Casebook"
DEFAULT_CHUNK_SIZE = 2000

# Our organization kinds as FtM schemata and topics. FtM has no court schema: a
# court is a public body of the judicial branch, as OpenSanctions records courts.
_ORGANIZATION_SCHEMA = {
    OrganizationKind.GOVERNMENT: ("PublicBody", "gov"),
    OrganizationKind.COURT: ("PublicBody", "gov.judicial"),
    OrganizationKind.LAW_ENFORCEMENT: ("PublicBody", "gov.security"),
    OrganizationKind.INTERGOVERNMENTAL: ("Organization", "gov.igo"),
    OrganizationKind.PARTY: ("Organization", "pol.party"),
}
# An official who judged in a case the reader may see is tagged a judge. No
# other topic: `role.pep` is a screening category with its own criteria
# (prominent public functions) that most of our officials do not meet, and risk
# topics (`poi`, `crime`) would turn an allegation into a screening hit.
_JUDGE_ROLES = (InvolvementRole.TRIAL_JUDGE, InvolvementRole.APPEAL_JUDGE)


def entity_id(kind: str, key) -> str:
    """A stable, namespaced id: casebook-person-<uuid>."""
    return f"{PREFIX}-{kind}-{key}"


def post_id(organization_uuid, title: str) -> str:
    """The id of a post (an FtM Position: a title in an organization), the same
    for every official who held it."""
    digest = hashlib.sha1(f"{organization_uuid}\n{title}".encode()).hexdigest()[:20]
    return entity_id("post", digest)


@cache
def _country_names() -> dict[str, str]:
    """FtM's country codes by their English names and by themselves, folded."""
    with translation.override("en"):
        names = {str(label).casefold(): code for code, label in registry.country.names.items()}
    return names | {code.casefold(): code for code in registry.country.names}


@cache
def _country(text: str) -> str | None:
    """An ISO country code for a country's name as we store it (None when FtM
    does not know it). Names as FtM writes them are looked up directly: FtM's
    fuzzy lookup builds an index of every territory's names on its first call
    (seconds), needed only for other spellings."""
    if not text:
        return None
    return _country_names().get(text.strip().casefold()) or registry.country.clean(text)


def _in_chunk(field: str, chunk: list[dict]) -> dict:
    """The rows whose `field` (a key) falls in the id range of `chunk`: the
    children of a keyset chunk, read by a range rather than a list of ids."""
    return {f"{field}__gte": chunk[0]["id"], f"{field}__lte": chunk[-1]["id"]}


def _date(date, precision) -> str | None:
    value = from_columns(date, precision)
    return value.isoformat() if value else None


def _entity(schema: str, id_: str, **properties) -> dict:
    """An FtM entity's dict; properties without a value are left out. (Called
    once per entity: the single-value case is kept short.)"""
    cleaned = {}
    for name, values in properties.items():
        if not values:
            continue
        if isinstance(values, str):
            cleaned[name] = [values]
        elif kept := [value for value in dict.fromkeys(values) if value]:
            cleaned[name] = kept
    return {"id": id_, "schema": schema, "properties": cleaned}


def _chunks(queryset: QuerySet, chunk_size: int) -> Iterator[list[dict]]:
    """The rows of a `.values()` queryset (with "id") in keyset chunks by id: one
    query per chunk, never the whole table at once."""
    last = 0
    while True:
        rows = list(queryset.filter(pk__gt=last).order_by("pk")[:chunk_size])
        if rows:
            yield rows
        if len(rows) < chunk_size:
            return
        last = rows[-1]["id"]


def _grouped(pairs: Iterable[tuple]) -> dict:
    grouped = defaultdict(list)
    for key, value in pairs:
        grouped[key].append(value)
    return grouped


class _Pages:
    """The absolute addresses of our public pages (in English, the default language)."""

    def __init__(self, base_url: str):
        self.base_url = base_url.rstrip("/")
        self.paths = {}
        with translation.override("en"):
            for name in self._NAMES:
                try:
                    self.paths[name] = reverse(name, args=["SLUG"])
                except NoReverseMatch:  # a page not served (yet): no sourceUrl
                    pass

    _NAMES = ("person-detail", "organization-detail", "official-detail", "trial-detail")

    def url(self, name: str, slug: str | None) -> str | None:
        path = self.paths.get(name)
        return f"{self.base_url}{path.replace('SLUG', slug)}" if path and slug else None


def ftm_entities(
    reader: Reader, *, base_url: str, chunk_size: int = DEFAULT_CHUNK_SIZE
) -> Iterator[dict]:
    """Every FtM entity `reader` may see, referenced entities before the links
    that name them: organizations and their posts, persons, officials, then
    memberships, occupancies, court cases, their parties and the officials'
    other involvements. Read from one snapshot of the database (a read-only,
    repeatable-read transaction): a record published or withdrawn while the
    export streams cannot leave a link to an entity the export does not hold."""
    pages = _Pages(base_url)
    with translation.override("en"):
        roles = {value: str(label) for value, label in InvolvementRole.choices}
        instances = {value: str(label) for value, label in TrialInstance.choices}
    context = (reader, pages, chunk_size)
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if outermost:  # inside a transaction already (a test), its snapshot holds
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        yield from _organizations(*context)
        yield from _persons(*context)
        yield from _officials(*context)
        yield from _memberships(*context)
        yield from _occupancies(*context)
        yield from _court_cases(*context, instances)
        yield from _defendants(*context)
        yield from _involvements(*context, roles)


def _visible_values(model: type[Model], reader: Reader, *fields: str, **filters) -> QuerySet:
    return visible(model.objects.filter(**filters), reader).values("id", *fields)


def _organizations(reader: Reader, pages: _Pages, chunk_size: int) -> Iterator[dict]:
    rows = _visible_values(
        Organization,
        reader,
        "uuid",
        "name",
        "slug",
        "abbreviation",
        "kind",
        "country",
        "url",
        "description",
    )
    for chunk in _chunks(rows, chunk_size):
        titles = _grouped(
            visible(Position.objects.filter(**_in_chunk("organization_id", chunk)), reader)
            .order_by()
            .values_list("organization_id", "title")
            .distinct()
        )
        for row in chunk:
            schema, topic = _ORGANIZATION_SCHEMA.get(row["kind"], ("Organization", None))
            country = _country(row["country"])
            source_url = pages.url("organization-detail", row["slug"])
            organization_id = entity_id("organization", row["uuid"])
            yield _entity(
                schema,
                organization_id,
                name=row["name"],
                abbreviation=row["abbreviation"],
                country=country,
                website=row["url"],
                notes=row["description"],
                topics=topic,
                sourceUrl=source_url,
                publisher=PUBLISHER,
            )
            for title in sorted(titles.get(row["id"], ())):
                yield _entity(
                    "Position",
                    post_id(row["uuid"], title),
                    name=f"{title}, {row['name']}",
                    organization=organization_id,
                    country=country,
                    sourceUrl=source_url,
                    publisher=PUBLISHER,
                )


def _persons(reader: Reader, pages: _Pages, chunk_size: int) -> Iterator[dict]:
    # An unnamed person's display name describes them ("Unnamed journalist"): it
    # is no name to match on, and FtM's Person needs one. Left out, with their links.
    rows = _visible_values(
        Person,
        reader,
        "uuid",
        "slug",
        "display_name",
        "gender",
        "birth_date",
        "birth_date_precision",
        "citizenship",
        "summary",
        is_unnamed=False,
    )
    occupations = Person.occupations.through.objects
    for chunk in _chunks(rows, chunk_size):
        aliases, former = defaultdict(list), defaultdict(list)
        # the spellings of persons of this chunk, already found visible: their own level counts
        variants = NameVariant.objects.filter(own_level_q(reader), **_in_chunk("person_id", chunk))
        for person_id, name, kind in variants.values_list("person_id", "name", "kind"):
            (former if kind == NameVariantKind.FORMER else aliases)[person_id].append(name)
        professions = _grouped(
            occupations.filter(**_in_chunk("person_id", chunk)).values_list(
                "person_id", "occupation__label"
            )
        )
        for row in chunk:
            yield _entity(
                "Person",
                entity_id("person", row["uuid"]),
                name=row["display_name"],
                alias=aliases.get(row["id"], ()),
                previousName=former.get(row["id"], ()),
                gender=row["gender"],
                birthDate=_date(row["birth_date"], row["birth_date_precision"]),
                citizenship=_country(row["citizenship"]),
                profession=professions.get(row["id"], ()),
                notes=row["summary"],
                sourceUrl=pages.url("person-detail", row["slug"]),
                publisher=PUBLISHER,
            )


def _officials(reader: Reader, pages: _Pages, chunk_size: int) -> Iterator[dict]:
    rows = _visible_values(
        Official,
        reader,
        "uuid",
        "slug",
        "name",
        "birth_date",
        "birth_date_precision",
        "nationality",
        "identifiers",
        "description",
    )
    for chunk in _chunks(rows, chunk_size):
        names = _grouped(
            OfficialName.objects.filter(
                own_level_q(reader), **_in_chunk("official_id", chunk)
            ).values_list("official_id", "name")
        )
        titles = _grouped(
            visible(Position.objects.filter(**_in_chunk("official_id", chunk)), reader)
            .order_by("official_id", "-started_on", "id")
            .values_list("official_id", "title")
        )
        judges = set(
            visible(
                Involvement.objects.filter(
                    role__in=_JUDGE_ROLES, **_in_chunk("official_id", chunk)
                ),
                reader,
            ).values_list("official_id", flat=True)
        )
        for row in chunk:
            yield _entity(
                "Person",
                entity_id("official", row["uuid"]),
                name=row["name"],
                alias=names.get(row["id"], ()),
                birthDate=_date(row["birth_date"], row["birth_date_precision"]),
                nationality=_country(row["nationality"]),
                position=titles.get(row["id"], ()),
                notes=[row["description"], row["identifiers"]],
                topics="role.judge" if row["id"] in judges else None,
                sourceUrl=pages.url("official-detail", row["slug"]),
                publisher=PUBLISHER,
            )


def _memberships(reader: Reader, pages: _Pages, chunk_size: int) -> Iterator[dict]:
    # An affiliation says a person belongs to an organization, not that it paid
    # them: a Membership, not an Employment.
    rows = _visible_values(
        Affiliation,
        reader,
        "uuid",
        "role",
        "started_on",
        "started_on_precision",
        "ended_on",
        "ended_on_precision",
        "person__uuid",
        "person__slug",
        "organization__uuid",
        person__is_unnamed=False,
    )
    for chunk in _chunks(rows, chunk_size):
        for row in chunk:
            yield _entity(
                "Membership",
                entity_id("membership", row["uuid"]),
                member=entity_id("person", row["person__uuid"]),
                organization=entity_id("organization", row["organization__uuid"]),
                role=row["role"],
                startDate=_date(row["started_on"], row["started_on_precision"]),
                endDate=_date(row["ended_on"], row["ended_on_precision"]),
                sourceUrl=pages.url("person-detail", row["person__slug"]),
                publisher=PUBLISHER,
            )


def _occupancies(reader: Reader, pages: _Pages, chunk_size: int) -> Iterator[dict]:
    rows = _visible_values(
        Position,
        reader,
        "uuid",
        "title",
        "started_on",
        "started_on_precision",
        "ended_on",
        "ended_on_precision",
        "official__uuid",
        "official__slug",
        "organization__uuid",
    )
    for chunk in _chunks(rows, chunk_size):
        for row in chunk:
            yield _entity(
                "Occupancy",
                entity_id("occupancy", row["uuid"]),
                holder=entity_id("official", row["official__uuid"]),
                post=post_id(row["organization__uuid"], row["title"]),
                startDate=_date(row["started_on"], row["started_on_precision"]),
                endDate=_date(row["ended_on"], row["ended_on_precision"]),
                sourceUrl=pages.url("official-detail", row["official__slug"]),
                publisher=PUBLISHER,
            )


def _court_cases(
    reader: Reader, pages: _Pages, chunk_size: int, instances: dict[str, str]
) -> Iterator[dict]:
    rows = _visible_values(
        Trial,
        reader,
        "uuid",
        "slug",
        "title",
        "number",
        "instance",
        "opened_on",
        "opened_on_precision",
        "closed_on",
        "closed_on_precision",
        "summary",
        "court__uuid",
        "court__name",
    )
    for chunk in _chunks(rows, chunk_size):
        for row in chunk:
            case_id = entity_id("trial", row["uuid"])
            source_url = pages.url("trial-detail", row["slug"])
            yield _entity(
                "CourtCase",
                case_id,
                name=row["title"],
                caseNumber=row["number"],
                court=row["court__name"],
                type=instances.get(row["instance"]),
                fileDate=_date(row["opened_on"], row["opened_on_precision"]),
                closeDate=_date(row["closed_on"], row["closed_on_precision"]),
                notes=row["summary"],
                sourceUrl=source_url,
                publisher=PUBLISHER,
            )
            if row["court__uuid"]:  # the court as a party: a link Aleph draws
                yield _entity(
                    "CourtCaseParty",
                    entity_id("trial-court", row["uuid"]),
                    case=case_id,
                    party=entity_id("organization", row["court__uuid"]),
                    role="court",
                    sourceUrl=source_url,
                    publisher=PUBLISHER,
                )


def _defendants(reader: Reader, pages: _Pages, chunk_size: int) -> Iterator[dict]:
    rows = _visible_values(
        TrialDefendant,
        reader,
        "uuid",
        "charges",
        "trial__uuid",
        "trial__slug",
        "person__uuid",
        person__is_unnamed=False,
    )
    for chunk in _chunks(rows, chunk_size):
        for row in chunk:
            yield _entity(
                "CourtCaseParty",
                entity_id("defendant", row["uuid"]),
                case=entity_id("trial", row["trial__uuid"]),
                party=entity_id("person", row["person__uuid"]),
                role="defendant",
                description=f"Charges: {row['charges']}" if row["charges"] else None,
                sourceUrl=pages.url("trial-detail", row["trial__slug"]),
                publisher=PUBLISHER,
            )


# the person of an involvement's fact, by the fact it is in (None for a trial)
_FACT_PERSON = (
    "detention__person",
    "case_event__detention__person",
    "allegation__person",
    "allegation__detention__person",
)
_FACT_DATE = (
    ("detention__arrested_on", "detention__arrested_on_precision"),
    ("case_event__occurred_on", "case_event__occurred_on_precision"),
    ("allegation__started_on", "allegation__started_on_precision"),
)


def _involvements(
    reader: Reader, pages: _Pages, chunk_size: int, roles: dict[str, str]
) -> Iterator[dict]:
    """An involvement in a trial is a party to the court case (a judge, a
    prosecutor); one in a detention, a case event or an allegation links the
    official to the person it concerns (FtM's UnknownLink: FtM has no schema for
    an act done to a person), dated by the fact. One about an allegation that
    names no person (or an unnamed one) has nobody to link to and is left out."""
    rows = _visible_values(
        Involvement,
        reader,
        "uuid",
        "role",
        "description",
        "reply",
        "official__uuid",
        "official__slug",
        "trial__uuid",
        "allegation__kind__label",
        *(f"{path}__{field}" for path in _FACT_PERSON for field in ("uuid", "is_unnamed")),
        *(field for pair in _FACT_DATE for field in pair),
    )
    for chunk in _chunks(rows, chunk_size):
        for row in chunk:
            role = roles.get(row["role"], row["role"])
            if row["allegation__kind__label"]:  # "alleged perpetrator: torture"
                role = f"{role}: {row['allegation__kind__label']}"
            common = {
                "role": role,
                "description": row["description"],
                "summary": f"Reply: {row['reply']}" if row["reply"] else None,
                "sourceUrl": pages.url("official-detail", row["official__slug"]),
                "publisher": PUBLISHER,
            }
            official = entity_id("official", row["official__uuid"])
            involvement = entity_id("involvement", row["uuid"])
            if row["trial__uuid"]:
                yield _entity(
                    "CourtCaseParty",
                    involvement,
                    case=entity_id("trial", row["trial__uuid"]),
                    party=official,
                    **common,
                )
                continue
            person = next(
                (
                    row[f"{path}__uuid"]
                    for path in _FACT_PERSON
                    if row[f"{path}__uuid"] and not row[f"{path}__is_unnamed"]
                ),
                None,
            )
            if person is None:
                continue
            date = next((_date(row[d], row[p]) for d, p in _FACT_DATE if row[d]), None)
            yield _entity(
                "UnknownLink",
                involvement,
                subject=official,
                object=entity_id("person", person),
                date=date,
                **common,
            )


def ftm_lines(
    reader: Reader, *, base_url: str, chunk_size: int = DEFAULT_CHUNK_SIZE
) -> Iterator[bytes]:
    """The export as JSON lines (one entity a line, as `ftm` and `alephclient`
    read them), in blocks of up to `chunk_size` lines: a stream writes a few
    large blocks rather than one small write per entity."""
    block: list[bytes] = []
    for entity in ftm_entities(reader, base_url=base_url, chunk_size=chunk_size):
        block.append(orjson.dumps(entity))
        if len(block) >= chunk_size:
            yield b"\n".join(block) + b"\n"
            block = []
    if block:
        yield b"\n".join(block) + b"\n"
