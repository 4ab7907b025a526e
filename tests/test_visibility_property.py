"""The leak property: whatever the case data, no restricted record and no
staff-only value reaches any output outside the admin.

Hypothesis builds random graphs of persons (with name variants, occupations,
affiliations, photos), organizations, detentions (charges, events, PACE
criteria), allegations, statements, sources (some confidential) and citations,
each record at a random level, some in the trash. Every text field holds a
unique marker. The test renders every public page (in English and another
language), the sitemap and the feeds as an anonymous reader, and every API
operation of the OpenAPI schema in JSON and CSV as an anonymous reader and as a
partner; then it checks each marker it finds against who may see it. The graphs
also hold political-prisoner lists (of a publisher or none) with their editions
and entries, and case groups with their members: editions and case groups are
cited facts; an entry is seen with its edition, list and person; the lists'
pages and the diff of every pair of a list's editions are read like the rest.
And places of detention: facilities (cited facts, with other names and an
organization that runs them), custody periods of the detentions (cited facts,
under their detention, person and facility) with how to write to the person
there under its own level (`letter_visibility`), and allegations naming a
facility; the facilities' pages and API, the persons filtered by facility, and
the person page's "How to write" are read like the rest. And accountability:
officials (other names, positions at organizations), trials (a court, defendants
of a detention or not, hearings past and still to come) and involvements of the
officials in detentions, case events, allegations and trials in every role, some
with a reply and its source: an official, a position, an involvement, a trial
and a hearing are cited facts; an involvement is seen with its official and the
fact it is in, and an alleged perpetrator's by the public only on the sources of
two different publishers. Their pages and API, the persons filtered by trial,
the iCalendar feeds, the dossiers (an official's and a person's, as the public
and a partner would get them; the public PDFs in an explicit example) and the
FollowTheMoney export are read like the rest.

Who may see what is computed here from the generated graph by a rule of its
own, not by cases.visibility (a copy of the policy could not catch a bug in
it): a record is visible to a reader when its own level and the level of each
record above it allow, and neither it nor any of those is in the trash; a fact
(affiliation, detention, case event, allegation, statement, reported count, edition
of a list, case group, facility, custody period, official, position, involvement,
trial, hearing) also needs a
citation the reader may see: one at a level the reader sees, not in the trash,
of a source the reader sees (a confidential one counts). Each fact gets none,
one or two citations, each at a random level, of a source at a random level, so
uncited facts, and facts cited only where the reader may not look, are common.
Staff-only fields and what a confidential source hides are visible to nobody.

`make test` runs LEAK_EXAMPLES=15 graphs (derandomized); `make fuzz` runs 200
random ones."""

from __future__ import annotations

import datetime
import json
import os
import re
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache as memoize
from urllib.parse import unquote

import pytest
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import CharField, FileField, TextField
from django.test import Client, override_settings
from django.utils import timezone
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st

from access.services import token_issue
from cases.choices import VOCABULARIES
from cases.models import (
    Affiliation,
    Allegation,
    AllegationKind,
    AllegationStatus,
    Charge,
    LegalStage,
    NameVariant,
    Occupation,
    Organization,
    PaceAssessment,
    Person,
    SourceKind,
    Statement,
    StatementKind,
)
from cases.partial_dates import PartialDate
from cases.sitemaps import SITEMAPS
from cases.visibility import STAFF_ONLY_FIELDS, Reader
from interventions.choices import InterventionKind, InterventionOutcome, WgadCategory
from interventions.models import Intervention
from lists.models import CaseGroup, CaseGroupMember, Edition, ListEntry, PrisonerList
from officials.choices import TWO_PUBLISHER_ROLES, InvolvementRole
from officials.models import Involvement, Official, OfficialName, Position
from places.choices import FACILITY_KINDS
from places.models import CustodyPeriod, Facility, FacilityKind, FacilityName
from sources.models import Citation, ReportedCount, Source
from tests import factories
from trials.models import Hearing, Trial, TrialDefendant

pytestmark = pytest.mark.slow

EXAMPLES = int(os.environ.get("LEAK_EXAMPLES", "15"))
# make test: the same graphs on every run, and a failure reported as found
# (shrinking it takes minutes at ~3 s an example); make fuzz: random graphs,
# a failure shrunk to its smallest graph
IN_SUITE = "LEAK_EXAMPLES" not in os.environ
READER_LEVELS = {"anonymous": {"public"}, "partner": {"public", "partners"}}
LEVEL_LETTER = {"public": "U", "partners": "P", "internal": "I"}
# A marker: "mk", the level of its record (U public, P partners, I internal, S
# staff-only or hidden by confidentiality) and a fixed-width counter. "mk" is
# not hexadecimal, so no UUID or ETag holds one; matched regardless of
# case, so a slug made from a name ("mku0007") counts as that name.
MARKER = re.compile(r"mk[upis]\d{4}", re.IGNORECASE)


def canonical(found: str) -> str:
    return f"mk{found[2].upper()}{found[3:]}"


def codes(vocabulary: str) -> list[str]:
    return [code for code, _label in VOCABULARIES[vocabulary]]


# --- the random graph, as plain data (Hypothesis shrinks it) -------------------------

# shrinks towards "public" and "not in the trash": a minimal failing example
# keeps only the restrictions that matter
levels = st.sampled_from(["public", "partners", "internal"])
trashed = st.integers(0, 5).map(lambda n: n == 5)


@dataclass(frozen=True)
class Level:
    level: str
    trashed: bool


level_of = st.builds(Level, levels, trashed)


@dataclass(frozen=True)
class PersonSpec:
    at: Level
    variants: tuple[Level, ...]
    occupations: tuple[str, ...]
    affiliations: tuple[tuple[int, Level], ...]  # (organization, level)
    photo: str | None  # the photo's own level, or no photo


@dataclass(frozen=True)
class DetentionSpec:
    person: int
    at: Level
    authority: int | None  # organization
    stage: str | None
    arrested: int | None  # year
    released: bool
    charges: tuple[Level, ...]
    events: tuple[tuple[str, Level, int | None], ...]  # (kind, level, deciding organization)
    pace: tuple[Level, ...]


@dataclass(frozen=True)
class AllegationSpec:
    person: int | None
    detention: int | None
    reported_by: int | None
    perpetrator: int | None  # organization
    kind: str
    at: Level
    facility: int | None = None  # where it happened


@dataclass(frozen=True)
class FacilitySpec:
    at: Level
    names: tuple[Level, ...]  # its other names
    kind: str | None
    operator: int | None  # organization
    located: bool  # with coordinates (on the map)


@dataclass(frozen=True)
class CustodySpec:
    """A person held at a facility during a detention, with how to write there."""

    detention: int
    facility: int
    at: Level
    since: int  # year
    open: bool  # still held there (else until the next year)
    letter: str  # letter_visibility: how to write's own level


@dataclass(frozen=True)
class StatementSpec:
    issuer_organization: int | None
    issuer_person: int | None
    persons: tuple[int, ...]
    kind: str
    at: Level


@dataclass(frozen=True)
class InterventionSpec:
    """A proceeding before a body (or none) on behalf of persons."""

    kind: str
    body: int | None  # organization
    persons: tuple[int, ...]
    at: Level
    outcome: str  # "" when none yet
    categories: tuple[str, ...]  # the Working Group's categories found
    year: int | None  # of the decision or the submission, or undated
    decided: bool  # the year is the decision's (else the submission's)


@dataclass(frozen=True)
class SourceSpec:
    publisher: int | None
    confidential: bool
    archive_file: bool
    at: Level
    titled: bool = True  # an untitled source is named by its publisher and date, or its host


@dataclass(frozen=True)
class OfficialSpec:
    at: Level
    names: tuple[Level, ...]  # other names
    positions: tuple[tuple[int, Level], ...]  # (organization, level)


@dataclass(frozen=True)
class TrialSpec:
    court: int | None  # organization
    at: Level
    defendants: tuple[tuple[int, Level, bool], ...]  # (person, level, of their first detention)
    hearings: tuple[tuple[Level, bool], ...]  # (level, still to come)


@dataclass(frozen=True)
class InvolvementSpec:
    """An official in a role in one fact of a case (by kind and index)."""

    official: int
    role: str
    fact: str  # "detention", "case_event", "allegation" or "trial"
    index: int
    at: Level
    reply: bool  # the official's reply on record
    reply_source: int | None  # its source (only with a reply)


CITATION_TARGETS = (
    "person", "affiliation", "detention", "case_event", "allegation", "statement", "reported_count",
    "edition", "case_group", "facility", "custody_period", "intervention", "official", "position",
    "involvement", "trial", "hearing",
)  # fmt: skip


@dataclass(frozen=True)
class EntrySpec:
    """A person named in an edition, or a member of a case group."""

    person: int
    at: Level


@dataclass(frozen=True)
class EditionSpec:
    at: Level
    entries: tuple[EntrySpec, ...]


@dataclass(frozen=True)
class ListSpec:
    publisher: int | None  # organization
    at: Level
    editions: tuple[EditionSpec, ...]


@dataclass(frozen=True)
class CaseGroupSpec:
    at: Level
    members: tuple[EntrySpec, ...]


@dataclass(frozen=True)
class ReportedCountSpec:
    publisher: int  # organization
    at: Level


@dataclass(frozen=True)
class CitationSpec:
    source: int
    target: str  # one of CITATION_TARGETS
    index: int  # among the records of that kind, in the order they are built
    at: Level


@dataclass(frozen=True)
class Graph:
    organizations: tuple[Level, ...]
    persons: tuple[PersonSpec, ...]
    detentions: tuple[DetentionSpec, ...]
    allegations: tuple[AllegationSpec, ...]
    statements: tuple[StatementSpec, ...]
    sources: tuple[SourceSpec, ...]
    citations: tuple[CitationSpec, ...]
    language: str  # the second interface language rendered
    reported_counts: tuple[ReportedCountSpec, ...] = ()
    prisoner_lists: tuple[ListSpec, ...] = ()
    case_groups: tuple[CaseGroupSpec, ...] = ()
    facilities: tuple[FacilitySpec, ...] = ()
    custody_periods: tuple[CustodySpec, ...] = ()
    # custody periods whose recipient line the person's page must show the public
    # ("How to write": the current place of a person held); explicit examples only
    letters_shown: tuple[int, ...] = ()
    interventions: tuple[InterventionSpec, ...] = ()
    officials: tuple[OfficialSpec, ...] = ()
    trials: tuple[TrialSpec, ...] = ()
    involvements: tuple[InvolvementSpec, ...] = ()
    # the public PDF dossiers too (WeasyPrint: seconds each); explicit examples only
    dossier_pdfs: bool = False


def optional_index(n: int):
    return st.none() if n == 0 else st.one_of(st.none(), st.integers(0, n - 1))


@st.composite
def graphs(draw) -> Graph:
    organizations = tuple(draw(st.lists(level_of, min_size=2, max_size=3)))
    n_orgs = len(organizations)
    persons = tuple(
        draw(
            st.lists(
                st.builds(
                    PersonSpec,
                    level_of,
                    st.lists(level_of, max_size=2).map(tuple),
                    st.lists(st.sampled_from(codes("Occupation")), max_size=2, unique=True).map(
                        tuple
                    ),
                    st.lists(st.tuples(st.integers(0, n_orgs - 1), level_of), max_size=2).map(
                        tuple
                    ),
                    st.one_of(st.none(), levels),
                ),
                min_size=2,
                max_size=5,
            )
        )
    )
    n_persons = len(persons)
    person_index = st.integers(0, n_persons - 1)
    detentions = tuple(
        draw(
            st.lists(
                st.builds(
                    DetentionSpec,
                    person_index,
                    level_of,
                    optional_index(n_orgs),
                    st.one_of(st.none(), st.sampled_from(codes("LegalStage"))),
                    st.one_of(st.none(), st.integers(2012, 2024)),
                    st.booleans(),
                    st.lists(level_of, max_size=2).map(tuple),
                    st.lists(
                        st.tuples(
                            st.sampled_from(codes("CaseEventKind")),
                            level_of,
                            optional_index(n_orgs),
                        ),
                        max_size=2,
                    ).map(tuple),
                    st.lists(level_of, max_size=2).map(tuple),
                ),
                min_size=1,
                max_size=4,
            )
        )
    )
    facilities = tuple(
        draw(
            st.lists(
                st.builds(
                    FacilitySpec,
                    level_of,
                    st.lists(level_of, max_size=2).map(tuple),
                    st.one_of(st.none(), st.sampled_from([code for code, _l in FACILITY_KINDS])),
                    optional_index(n_orgs),
                    st.booleans(),
                ),
                min_size=1,
                max_size=3,
            )
        )
    )
    custody_periods = tuple(
        draw(
            st.lists(
                st.builds(
                    CustodySpec,
                    st.integers(0, len(detentions) - 1),
                    st.integers(0, len(facilities) - 1),
                    level_of,
                    st.integers(2012, 2024),
                    st.booleans(),
                    levels,
                ),
                max_size=4,
            )
        )
    )
    allegations = tuple(
        draw(
            st.lists(
                st.builds(
                    AllegationSpec,
                    optional_index(n_persons),
                    optional_index(len(detentions)),
                    optional_index(n_persons),
                    optional_index(n_orgs),
                    st.sampled_from(codes("AllegationKind")),
                    level_of,
                    optional_index(len(facilities)),
                ),
                min_size=1,
                max_size=3,
            )
        )
    )
    statements = []
    for _ in range(draw(st.integers(1, 3))):
        issuer_organization = draw(optional_index(n_orgs))
        issuer_person = draw(optional_index(n_persons))
        if issuer_organization is None and issuer_person is None:
            issuer_organization = 0  # a statement has an issuer (a constraint)
        statements.append(
            StatementSpec(
                issuer_organization,
                issuer_person,
                tuple(draw(st.lists(person_index, min_size=1, max_size=3, unique=True))),
                draw(st.sampled_from(codes("StatementKind"))),
                draw(level_of),
            )
        )
    interventions = tuple(
        draw(
            st.lists(
                st.builds(
                    InterventionSpec,
                    st.sampled_from(InterventionKind.values),
                    optional_index(n_orgs),
                    st.lists(person_index, max_size=3, unique=True).map(tuple),
                    level_of,
                    st.sampled_from(["", *InterventionOutcome.values]),
                    st.lists(st.sampled_from(WgadCategory.values), max_size=2, unique=True).map(
                        tuple
                    ),
                    st.one_of(st.none(), st.integers(2015, 2024)),
                    st.booleans(),
                ),
                max_size=3,
            )
        )
    )
    sources = tuple(
        draw(
            st.lists(
                st.builds(
                    SourceSpec,
                    optional_index(n_orgs),
                    st.booleans(),
                    st.booleans(),
                    level_of,
                    st.booleans(),
                ),
                min_size=1,
                max_size=3,
            )
        )
    )
    reported_counts = tuple(
        draw(st.lists(st.builds(ReportedCountSpec, st.integers(0, n_orgs - 1), level_of),
                      max_size=2))
    )  # fmt: skip
    officials, trials, involvements = draw_accountability(
        draw, n_orgs, n_persons, detentions, allegations, len(sources)
    )
    # each person at most once in an edition or a group (a constraint)
    entries = st.lists(
        st.builds(EntrySpec, person_index, level_of), max_size=3, unique_by=lambda e: e.person
    ).map(tuple)
    editions = st.lists(st.builds(EditionSpec, level_of, entries), min_size=1, max_size=3)
    prisoner_lists = tuple(
        draw(st.lists(st.builds(ListSpec, optional_index(n_orgs), level_of,
                                editions.map(tuple)), max_size=2))
    )  # fmt: skip
    case_groups = tuple(draw(st.lists(st.builds(CaseGroupSpec, level_of, entries), max_size=2)))
    counts = {
        "edition": sum(len(spec.editions) for spec in prisoner_lists),
        "case_group": len(case_groups),
        "reported_count": len(reported_counts),
        "person": n_persons,
        "affiliation": sum(len(p.affiliations) for p in persons),
        "detention": len(detentions),
        "case_event": sum(len(d.events) for d in detentions),
        "allegation": len(allegations),
        "statement": len(statements),
        "facility": len(facilities),
        "custody_period": len(custody_periods),
        "intervention": len(interventions),
        "official": len(officials),
        "position": sum(len(spec.positions) for spec in officials),
        "involvement": len(involvements),
        "trial": len(trials),
        "hearing": sum(len(spec.hearings) for spec in trials),
    }
    # each fact (and person) cited by none, one or two citations: shrinks towards uncited
    citations = []
    source_index = st.integers(0, len(sources) - 1)
    for target in CITATION_TARGETS:
        for index in range(counts[target]):
            for source, at in draw(st.lists(st.tuples(source_index, level_of), max_size=2)):
                citations.append(CitationSpec(source, target, index, at))
    return Graph(
        organizations, persons, detentions, allegations, tuple(statements), sources,
        tuple(citations), draw(st.sampled_from(["az", "ru"])), reported_counts, prisoner_lists,
        case_groups, facilities, custody_periods, interventions=interventions,
        officials=officials, trials=trials, involvements=involvements,
    )  # fmt: skip


def draw_accountability(draw, n_orgs, n_persons, detentions, allegations, n_sources):
    """Officials (other names, positions), trials (a court or none, defendants,
    hearings past and to come) and involvements of the officials in detentions,
    case events, allegations and trials, in every role (an alleged perpetrator's
    public only on two publishers' sources), some with a reply and its source."""
    officials = tuple(
        draw(
            st.lists(
                st.builds(
                    OfficialSpec,
                    level_of,
                    st.lists(level_of, max_size=1).map(tuple),
                    st.lists(st.tuples(st.integers(0, n_orgs - 1), level_of), max_size=1).map(
                        tuple
                    ),
                ),
                max_size=2,
            )
        )
    )
    defendants = st.lists(
        st.tuples(st.integers(0, n_persons - 1), level_of, st.booleans()),
        max_size=2,
        unique_by=lambda d: d[0],  # a person once per trial (a constraint)
    ).map(tuple)
    hearings = st.lists(st.tuples(level_of, st.booleans()), max_size=2).map(tuple)
    trials = tuple(
        draw(
            st.lists(
                st.builds(TrialSpec, optional_index(n_orgs), level_of, defendants, hearings),
                max_size=2,
            )
        )
    )
    facts = {
        "detention": len(detentions),
        "case_event": sum(len(d.events) for d in detentions),
        "allegation": len(allegations),
        "trial": len(trials),
    }
    involvements = []
    for _ in range(draw(st.integers(0, 3)) if officials else 0):
        fact = draw(st.sampled_from([kind for kind, n in facts.items() if n]))
        reply = draw(st.booleans())
        involvements.append(
            InvolvementSpec(
                draw(st.integers(0, len(officials) - 1)),
                draw(st.sampled_from(InvolvementRole.values)),
                fact,
                draw(st.integers(0, facts[fact] - 1)),
                draw(level_of),
                reply,
                draw(optional_index(n_sources)) if reply else None,
            )
        )
    return officials, trials, tuple(involvements)


# --- who may see what, by the test's own rule ------------------------------------------

# the kinds of record that reach a partner or the public only with a citation they may see
FACTS = {
    "affiliation", "detention", "case event", "allegation", "statement", "reported count",
    "edition", "case group", "facility", "custody period", "intervention", "official",
    "position", "involvement", "trial", "hearing",
}  # fmt: skip


@dataclass(eq=False)
class Node:
    """One generated record, with the records above it whose level also counts
    and, for a fact, the citations that support it."""

    kind: str
    index: int
    at: Level
    parents: list[Node] = field(default_factory=list)
    obj: object = None
    headline: str | None = None  # the marker that must show wherever the record is visible
    citations: list[Node] = field(default_factory=list)  # of a fact: each has its source first
    # an alleged perpetrator's involvement: public only on sources of two publishers
    two_publishers: bool = False

    def visible_to(self, reader: str) -> bool:
        return (
            self.at.level in READER_LEVELS[reader]
            and not self.at.trashed
            and self.evidenced_for(reader)
            and all(parent.visible_to(reader) for parent in self.parents)
        )

    def evidenced_for(self, reader: str) -> bool:
        """Not a fact, or a fact with a citation the reader may see: the
        citation's own level and its source's (a confidential source counts)."""
        if self.kind not in FACTS:
            return True
        seen = [
            citation
            for citation in self.citations
            if citation.at.level in READER_LEVELS[reader]
            and not citation.at.trashed
            and citation.parents[0].visible_to(reader)
        ]
        if self.two_publishers and reader == "anonymous":
            publishers = {c.parents[0].obj.publisher_id for c in seen} - {None}
            return len(publishers) >= 2
        return bool(seen)

    def describe(self) -> str:
        text = f"{self.kind} #{self.index} ({self.at.level}{', in the trash' if self.at.trashed else ''})"
        if self.kind in FACTS:
            cited = [
                f"{c.at.level}{' trashed' if c.at.trashed else ''} citation of "
                f"{c.parents[0].at.level}{' trashed' if c.parents[0].at.trashed else ''} source"
                for c in self.citations
            ]
            if self.two_publishers:
                cited = [
                    f"{c}, publisher {s.parents[0].obj.publisher_id}"
                    for c, s in zip(cited, self.citations, strict=True)
                ]
            text += f" cited by [{', '.join(cited)}]" if cited else " UNCITED"
        if self.parents:
            text += " under [" + "; ".join(parent.describe() for parent in self.parents) + "]"
        return text


@dataclass
class Owner:
    node: Node
    field: str
    hidden_from_all: str = ""  # why nobody outside the admin may see it

    def visible_to(self, reader: str) -> bool:
        return not self.hidden_from_all and self.node.visible_to(reader)

    def describe(self) -> str:
        why = f", {self.hidden_from_all}" if self.hidden_from_all else ""
        return f"{self.node.kind}.{self.field}{why} of {self.node.describe()}"


class World:
    """The records built from a Graph, and the owner of every marker."""

    def __init__(self) -> None:
        self.nodes: dict[str, list[Node]] = {}
        self.owners: dict[str, Owner] = {}
        self.secrets: dict[str, str] = {}  # other values no output may hold: what they are
        self.left_blank: set[tuple[int, str]] = set()  # (node id, field) empty on purpose
        self.recipient_lines: list[str] = []  # of each custody period, in order

    def node(self, kind: str, at: Level, *parents: Node | None) -> Node:
        nodes = self.nodes.setdefault(kind, [])
        node = Node(kind, len(nodes), at, [p for p in parents if p is not None])
        nodes.append(node)
        return node

    def mark(self, node: Node, field_name: str, *, hidden_from_all: str = "") -> str:
        letter = "S" if hidden_from_all else LEVEL_LETTER[node.at.level]
        marker = f"mk{letter}{len(self.owners):04d}"
        self.owners[marker] = Owner(node, field_name, hidden_from_all)
        return marker

    def fields(self, node: Node, *names: str, headline: str = "", **hidden: str) -> dict:
        """Markers for the named text fields (`headline` first) and for the
        fields nobody may see (name=why)."""
        values = {}
        for name in (headline, *names) if headline else names:
            values[name] = self.mark(node, name)
        if headline:
            node.headline = values[headline]
        for name, why in hidden.items():
            values[name] = self.mark(node, name, hidden_from_all=why)
        return values

    def all(self, kind: str) -> list[Node]:
        return self.nodes.get(kind, [])

    def describe(self) -> str:
        markers: dict[int, list[str]] = {}
        for marker, owner in self.owners.items():
            markers.setdefault(id(owner.node), []).append(f"{owner.field}={marker}")
        return "\n".join(
            f"  {node.describe()}: {', '.join(markers.get(id(node), []))}"
            for nodes in self.nodes.values()
            for node in nodes
        )


STAFF_ONLY = "a staff-only field"
CONFIDENTIAL = "hidden by the source's confidentiality"


def record_fields(at: Level) -> dict:
    return {"visibility": at.level, "deleted_at": timezone.now() if at.trashed else None}


def url_of(marker: str) -> str:
    return f"https://{marker}.example.org/"


def build(graph: Graph) -> World:
    world = World()
    orgs = []
    for at in graph.organizations:
        node = world.node("organization", at)
        f = world.fields(
            node, "abbreviation", "country", "url", "description", headline="name",
            internal_notes=STAFF_ONLY,
        )  # fmt: skip
        f["url"] = url_of(f["url"])
        node.obj = Organization.objects.create(**f, **record_fields(at))
        orgs.append(node)

    persons, affiliations = [], []
    for spec in graph.persons:
        node = world.node("person", spec.at)
        f = world.fields(
            node, "citizenship", "summary", headline="display_name", internal_notes=STAFF_ONLY
        )
        person = Person(**f, **record_fields(spec.at))
        if len(persons) % 2 == 0:  # an age as a source reported it, on half the persons
            person.reported_age = 30 + len(persons)
            person.reported_age_on = PartialDate.parse("2024-03")
        person.save()
        node.obj = person
        person.occupations.set(Occupation.objects.filter(code__in=spec.occupations))
        for at in spec.variants:
            variant = world.node("name variant", at, node)
            variant.obj = NameVariant.objects.create(
                person=person, **world.fields(variant, "language", headline="name"),
                **record_fields(at),
            )  # fmt: skip
        for org_index, at in spec.affiliations:
            affiliation = world.node("affiliation", at, node, orgs[org_index])
            affiliation.obj = Affiliation.objects.create(
                person=person, organization=orgs[org_index].obj,
                **world.fields(affiliation, headline="role"), **record_fields(at),
            )  # fmt: skip
            affiliations.append(affiliation)
        if spec.photo:
            photo = world.node("photo", Level(spec.photo, False), node)
            content = world.fields(photo, headline="content")["content"]
            jpeg = b"\xff\xd8\xff\xe0" + content.encode()  # served as stored
            person.photo.save("photo.jpg", ContentFile(jpeg), save=False)
            person.photo_visibility = spec.photo
            person.save()
            # stored under a random name: that name must not leave the admin either
            world.secrets[person.photo.name] = f"person.photo, {STAFF_ONLY} of {node.describe()}"
        persons.append(node)

    detentions, events = [], []
    stages = {stage.code: stage for stage in LegalStage.objects.all()}
    for spec in graph.detentions:
        node = world.node("detention", spec.at, persons[spec.person])
        f = world.fields(
            node, "arrest_place", "summary", headline="facility", internal_notes=STAFF_ONLY
        )
        arrested = str(spec.arrested) if spec.arrested else None
        released = str(spec.arrested + 1) if spec.arrested and spec.released else None
        detention = factories.detention(
            persons[spec.person].obj, arrested=arrested, released=released, cited=False,
            legal_stage=stages.get(spec.stage),
            arresting_authority=orgs[spec.authority].obj if spec.authority is not None else None,
            **f, **record_fields(spec.at),
        )  # fmt: skip
        node.obj = detention
        for at in spec.charges:
            charge = world.node("charge", at, node)
            charge.obj = Charge.objects.create(
                detention=detention, **world.fields(charge, "description", headline="article"),
                **record_fields(at),
            )  # fmt: skip
        for kind, at, decided_by in spec.events:
            event = world.node("case event", at, node)
            event.obj = factories.case_event(
                detention, kind, **world.fields(event, headline="description"),
                organization=orgs[decided_by].obj if decided_by is not None else None,
                **record_fields(at), cited=False,
            )  # fmt: skip
            events.append(event)
        for criterion, at in zip("abcde", spec.pace, strict=False):
            pace = world.node("PACE criterion", at, node)
            pace.obj = PaceAssessment.objects.create(
                detention=detention, criterion=criterion,
                **world.fields(pace, headline="justification"), **record_fields(at),
            )  # fmt: skip
        detentions.append(node)

    facilities, custody_periods = build_places(world, graph, orgs, detentions)

    allegations = []
    allegation_kinds = {kind.code: kind for kind in AllegationKind.objects.all()}
    status = AllegationStatus.objects.first()
    for spec in graph.allegations:
        person = persons[spec.person] if spec.person is not None else None
        detention = detentions[spec.detention] if spec.detention is not None else None
        node = world.node("allegation", spec.at, person, detention)
        node.obj = Allegation.objects.create(
            person=person.obj if person else None,
            detention=detention.obj if detention else None,
            reported_by=persons[spec.reported_by].obj if spec.reported_by is not None else None,
            perpetrator_organization=(
                orgs[spec.perpetrator].obj if spec.perpetrator is not None else None
            ),
            kind=allegation_kinds[spec.kind],
            status=status,
            facility=facilities[spec.facility].obj if spec.facility is not None else None,
            **world.fields(
                node, "victim_description", "perpetrator", "reported_by_description",
                headline="description",
                internal_notes=STAFF_ONLY,
            ),
            **record_fields(spec.at),
        )  # fmt: skip
        allegations.append(node)

    statements = []
    statement_kinds = {kind.code: kind for kind in StatementKind.objects.all()}
    for spec in graph.statements:
        issuer_org = (
            orgs[spec.issuer_organization] if spec.issuer_organization is not None else None
        )
        issuer_person = persons[spec.issuer_person] if spec.issuer_person is not None else None
        node = world.node("statement", spec.at, issuer_org, issuer_person)
        f = world.fields(node, "speaker", "quote", "summary", "url", headline="title")
        f["url"] = url_of(f["url"])
        statement = Statement.objects.create(
            kind=statement_kinds[spec.kind],
            issuer_organization=issuer_org.obj if issuer_org else None,
            issuer_person=issuer_person.obj if issuer_person else None,
            **f, **record_fields(spec.at),
        )  # fmt: skip
        statement.persons.set([persons[i].obj for i in spec.persons])
        node.obj = statement
        statements.append(node)

    interventions = build_interventions(world, graph, orgs, persons)

    sources = []
    source_kind = SourceKind.objects.first()
    for spec in graph.sources:
        node = world.node("source", spec.at)
        public = ("title", "author", "url", "language", "archive_url", "archive_text")
        if spec.confidential:  # every field but the fact that it exists stays in the admin
            f = world.fields(node, internal_notes=STAFF_ONLY, **dict.fromkeys(public, CONFIDENTIAL))
        elif spec.titled:
            f = world.fields(node, *public[1:], headline="title", internal_notes=STAFF_ONLY)
        else:
            f = world.fields(node, *public[1:], internal_notes=STAFF_ONLY)
        if not spec.titled:
            f["title"] = ""
            world.left_blank.add((id(node), "title"))
        f["url"], f["archive_url"] = url_of(f["url"]), url_of(f["archive_url"])
        source = Source(
            kind=source_kind, is_confidential=spec.confidential,
            publisher=orgs[spec.publisher].obj if spec.publisher is not None else None,
            **f, **record_fields(spec.at),
        )  # fmt: skip
        if spec.archive_file:
            name = world.mark(node, "archive_file", hidden_from_all=STAFF_ONLY)
            source.archive_file.save(f"{name}.txt", ContentFile(name.encode()), save=False)
        source.save()
        node.obj = source
        sources.append(node)

    reported_counts = []
    for spec in graph.reported_counts:
        node = world.node("reported count", spec.at, orgs[spec.publisher])
        count = ReportedCount(
            publisher=orgs[spec.publisher].obj, number=254,
            **world.fields(node, "notes", headline="counted"), **record_fields(spec.at),
        )  # fmt: skip
        count.as_of = PartialDate.parse("2023-12-01")
        count.save()
        node.obj = count
        reported_counts.append(node)

    editions = build_lists(world, graph, orgs, persons)
    case_groups = build_case_groups(world, graph, persons)
    accountability = build_accountability(
        world, graph, orgs, persons, detentions, events, allegations, sources
    )

    targets = {
        "person": persons, "affiliation": affiliations, "detention": detentions,
        "case_event": events, "allegation": allegations, "statement": statements,
        "reported_count": reported_counts, "edition": editions, "case_group": case_groups,
        "facility": facilities, "custody_period": custody_periods,
        "intervention": interventions, **accountability,
    }  # fmt: skip
    for spec in graph.citations:
        source, target = sources[spec.source], targets[spec.target][spec.index]
        # a citation shows only with the fact it supports and a source one may see
        node = world.node("citation", spec.at, source, target)
        target.citations.append(node)
        masked = CONFIDENTIAL if source.obj.is_confidential else ""
        f = world.fields(
            node, "claim", **({"locator": masked, "excerpt": masked} if masked else {})
        )
        if not masked:
            f.update(world.fields(node, "locator", "excerpt"))
        node.obj = Citation.objects.create(
            source=source.obj, **{spec.target: target.obj}, **f, **record_fields(spec.at)
        )
    return world


# an edition's date by its place in its list: each precision, so that every form
# of the diff's `to` (2021, 2022-02, 2023-03-15) is read
EDITION_DATES = ("2021", "2022-02", "2023-03-15")


def build_lists(world: World, graph: Graph, orgs: list[Node], persons: list[Node]) -> list[Node]:
    """The lists, their editions and entries; the editions, in order."""
    editions = []
    for spec in graph.prisoner_lists:
        publisher = orgs[spec.publisher] if spec.publisher is not None else None
        node = world.node("list", spec.at, publisher)
        node.obj = PrisonerList.objects.create(
            publisher=publisher.obj if publisher else None,
            **world.fields(node, "criteria", "description", headline="title",
                           internal_notes=STAFF_ONLY),
            **record_fields(spec.at),
        )  # fmt: skip
        for number, edition_spec in enumerate(spec.editions):
            edition = world.node("edition", edition_spec.at, node)
            obj = Edition(
                prisoner_list=node.obj,
                **world.fields(edition, headline="title", internal_notes=STAFF_ONLY),
                **record_fields(edition_spec.at),
            )
            obj.published_on = PartialDate.parse(EDITION_DATES[number])
            obj.save()
            edition.obj = obj
            for entry_spec in edition_spec.entries:
                person = persons[entry_spec.person]
                entry = world.node("list entry", entry_spec.at, edition, person)
                entry.obj = ListEntry.objects.create(
                    edition=obj, person=person.obj,
                    **world.fields(entry, "listed_name", "group", "status", "note"),
                    **record_fields(entry_spec.at),
                )  # fmt: skip
            editions.append(edition)
    return editions


def build_places(
    world: World, graph: Graph, orgs: list[Node], detentions: list[Node]
) -> tuple[list[Node], list[Node]]:
    """The facilities with their other names, and the custody periods with how to
    write (a node of its own under its custody period, at `letter_visibility`:
    the recipient line and note show only where it and the custody period may)."""
    facilities = []
    kinds = {kind.code: kind for kind in FacilityKind.objects.all()}
    for spec in graph.facilities:
        node = world.node("facility", spec.at)  # the organization running it hides nothing
        facility = Facility(
            kind=kinds.get(spec.kind),
            operator=orgs[spec.operator].obj if spec.operator is not None else None,
            **world.fields(
                node, "country", "region", "locality", "postal_address", "letter_language",
                "letter_rules", "parcel_rules", "description", headline="name",
                internal_notes=STAFF_ONLY,
            ),
            **record_fields(spec.at),
        )  # fmt: skip
        if spec.located:
            facility.latitude = Decimal("40.4") + len(facilities)
            facility.longitude = Decimal("49.8")
        facility.address_confirmed_on = PartialDate.parse("2024-03")
        facility.rules_confirmed_on = PartialDate.parse("2024")
        facility.save()  # its slug is made of its name: the name's marker
        node.obj = facility
        for at in spec.names:
            other = world.node("facility name", at, node)
            other.obj = FacilityName.objects.create(
                facility=facility, **world.fields(other, "language", headline="name"),
                **record_fields(at),
            )  # fmt: skip
        facilities.append(node)
    custody_periods = []
    for spec in graph.custody_periods:
        detention, facility = detentions[spec.detention], facilities[spec.facility]
        node = world.node("custody period", spec.at, detention, facility)
        letter = world.node("letter", Level(spec.letter, False), node)
        period = CustodyPeriod(
            detention=detention.obj, facility=facility.obj, letter_visibility=spec.letter,
            **world.fields(node, headline="note", internal_notes=STAFF_ONLY),
            **world.fields(letter, "recipient_line", "letter_note"),
            **record_fields(spec.at),
        )  # fmt: skip
        period.held_from = PartialDate.parse(str(spec.since))
        period.held_until = None if spec.open else PartialDate.parse(str(spec.since + 1))
        period.letter_confirmed_on = PartialDate.parse("2024-05")
        period.save()
        node.obj = period
        world.recipient_lines.append(period.recipient_line)
        custody_periods.append(node)
    return facilities, custody_periods


def build_interventions(
    world: World, graph: Graph, orgs: list[Node], persons: list[Node]
) -> list[Node]:
    """The interventions, under their body (a visibility parent) when they have one.
    The persons they concern are not parents: each is shown only where the reader
    may see that person (their own markers)."""
    interventions = []
    for spec in graph.interventions:
        body = orgs[spec.body] if spec.body is not None else None
        node = world.node("intervention", spec.at, body)
        intervention = Intervention(
            kind=spec.kind,
            body=body.obj if body else None,
            status="decided" if spec.decided else "submitted",
            outcome=spec.outcome,
            wgad_categories=list(spec.categories),
            released_after=spec.decided or None,
            **world.fields(
                node, "reference", "opinion_number", "articles_violated", "just_satisfaction",
                "outcome_summary", "follow_up", headline="title", internal_notes=STAFF_ONLY,
            ),
            **record_fields(spec.at),
        )  # fmt: skip
        if spec.year is not None:
            when = "decided_on" if spec.decided else "submitted_on"
            setattr(intervention, when, PartialDate.parse(str(spec.year)))
        intervention.save()
        intervention.persons.set([persons[i].obj for i in spec.persons])
        node.obj = intervention
        interventions.append(node)
    return interventions


NO_PHOTO = "shown only with the photo (there is none)"


def build_accountability(
    world: World, graph: Graph, orgs: list[Node], persons: list[Node], detentions: list[Node],
    events: list[Node], allegations: list[Node], sources: list[Node],
) -> dict[str, list[Node]]:  # fmt: skip
    """Officials (other names, positions), trials (defendants, hearings) and the
    involvements of the officials in facts of cases: an involvement is under its
    official and its fact (and so the fact's person, detention, trial, court); a
    defendant under its trial, person and detention (when it names one); a
    hearing under its trial. The facts among them, by citation target."""
    officials, positions = [], []
    for spec in graph.officials:
        node = world.node("official", spec.at)
        official = Official(
            **world.fields(
                node, "nationality", "identifiers", "description", headline="name",
                internal_notes=STAFF_ONLY, photo_provenance=NO_PHOTO,
            ),
            **record_fields(spec.at),
        )  # fmt: skip
        official.birth_date = PartialDate.parse("1971")
        official.save()  # its slug is made of its name: the name's marker
        node.obj = official
        for at in spec.names:
            other = world.node("official name", at, node)
            other.obj = OfficialName.objects.create(
                official=official, **world.fields(other, "language", headline="name"),
                **record_fields(at),
            )  # fmt: skip
        for org_index, at in spec.positions:
            position = world.node("position", at, node, orgs[org_index])
            obj = Position(
                official=official, organization=orgs[org_index].obj,
                **world.fields(position, headline="title"), **record_fields(at),
            )  # fmt: skip
            obj.started_on = PartialDate.parse("2019-05")
            obj.save()
            position.obj = obj
            positions.append(position)
        officials.append(node)

    trials, hearings = [], []
    today = timezone.localdate()
    for spec in graph.trials:
        court = orgs[spec.court] if spec.court is not None else None
        node = world.node("trial", spec.at, court)
        trial = Trial(
            court=court.obj if court else None,
            **world.fields(node, "number", "summary", headline="title", internal_notes=STAFF_ONLY),
            **record_fields(spec.at),
        )
        trial.opened_on = PartialDate.parse("2024-02")
        trial.save()  # its slug is made of its title: the title's marker
        world.left_blank.add((id(node), "time_zone"))  # the court's, Asia/Baku
        node.obj = trial
        for person_index, at, of_detention in spec.defendants:
            person = persons[person_index]
            detention = next(
                (d for d in detentions if d.parents[0] is person), None
            ) if of_detention else None  # fmt: skip
            defendant = world.node("trial defendant", at, node, person, detention)
            defendant.obj = TrialDefendant.objects.create(
                trial=trial, person=person.obj, detention=detention.obj if detention else None,
                **world.fields(defendant, headline="charges"), **record_fields(at),
            )  # fmt: skip
        for number, (at, to_come) in enumerate(spec.hearings):
            hearing = world.node("hearing", at, node)
            obj = Hearing(
                trial=trial,
                **world.fields(hearing, "court_room", headline="what_happened",
                               internal_notes=STAFF_ONLY),
                **record_fields(at),
            )  # fmt: skip
            day = today + datetime.timedelta(days=30 + number) if to_come else None
            obj.held_on = PartialDate.parse(day.isoformat() if day else f"2024-0{3 + number}")
            obj.starts_at = datetime.time(10, 30) if day else None
            obj.save()
            hearing.obj = obj
            hearings.append(hearing)
        trials.append(node)

    involvements = []
    facts = {"detention": detentions, "case_event": events, "allegation": allegations,
             "trial": trials}  # fmt: skip
    for spec in graph.involvements:
        fact = facts[spec.fact][spec.index]
        node = world.node("involvement", spec.at, officials[spec.official], fact)
        node.two_publishers = spec.role in TWO_PUBLISHER_ROLES
        f = world.fields(node, headline="description", internal_notes=STAFF_ONLY)
        if spec.reply:
            f.update(world.fields(node, "reply"))
        else:
            world.left_blank.add((id(node), "reply"))
        involvement = Involvement(
            official=officials[spec.official].obj, role=spec.role, **{spec.fact: fact.obj},
            reply_source=sources[spec.reply_source].obj if spec.reply_source is not None else None,
            **f, **record_fields(spec.at),
        )  # fmt: skip
        involvement.save()
        node.obj = involvement
        involvements.append(node)
    return {
        "official": officials, "position": positions, "involvement": involvements,
        "trial": trials, "hearing": hearings,
    }  # fmt: skip


def build_case_groups(world: World, graph: Graph, persons: list[Node]) -> list[Node]:
    groups = []
    for spec in graph.case_groups:
        node = world.node("case group", spec.at)
        node.obj = CaseGroup.objects.create(
            **world.fields(node, "description", headline="name", internal_notes=STAFF_ONLY),
            **record_fields(spec.at),
        )
        for member_spec in spec.members:
            person = persons[member_spec.person]
            member = world.node("case group member", member_spec.at, node, person)
            member.obj = CaseGroupMember.objects.create(
                group=node.obj, person=person.obj, **world.fields(member, "role"),
                **record_fields(member_spec.at),
            )  # fmt: skip
        groups.append(node)
    return groups


def editions_of(world: World, prisoner_list: Node) -> list[Node]:
    return [edition for edition in world.all("edition") if edition.parents[0] is prisoner_list]


def edition_key(edition: Node) -> str:
    return edition.obj.published_on_partial.isoformat()


def expect_comparison(output, reader: str, prisoner_list: Node, *editions: Node) -> None:
    """A comparison of editions answers 404 for a list the reader may not see,
    400 for an edition they may not see (named like one that does not exist)."""
    if not prisoner_list.visible_to(reader):
        output.expected_status, output.why = 404, prisoner_list.describe()
        return
    hidden = [edition for edition in editions if not edition.visible_to(reader)]
    output.expected_status = 400 if hidden else 200
    output.why = hidden[0].describe() if hidden else "editions the reader may see"


# --- every output, per reader -------------------------------------------------------


@dataclass
class Output:
    reader: str
    url: str
    status: int
    body: str
    expected_status: int | None = None  # None: any answer but a server error
    why: str = ""
    csv_by_header: bool = False
    mismatch: str = ""  # what it should have listed and did not, or listed and should not


def get(client: Client, reader: str, url: str, headers: dict, expect: Node | None = None, *,
        visible: bool | None = None) -> Output:  # fmt: skip
    cache.clear()  # the API's throttle counts and the pages' cached filter counts
    response = client.get(url, **headers)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    output = Output(reader, url, response.status_code, body.decode("utf-8", "replace"))
    output.csv_by_header = headers.get("HTTP_ACCEPT") == "text/csv"
    if expect is not None:
        shown = expect.visible_to(reader) if visible is None else visible
        output.expected_status = 200 if shown else 404
        output.why = expect.describe()
    return output


@memoize
def api_operations() -> list[tuple[str, str | None]]:
    """The GET paths of the OpenAPI schema, each with the kind of record its
    {identifier} names (None for lists and statistics)."""
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator(api_version="1").get_schema(request=None, public=True)
    operations = []
    for path, methods in schema["paths"].items():
        assert set(methods) <= {"get"}, f"{path}: the leak test knows read-only operations only"
        kind = None
        if path == LIST_DIFF:
            operations.append((path, "list diff"))  # its editions are chosen per graph
            continue
        if "{identifier}" in path:
            kind = API_KINDS.get(path.split("/")[3])
            assert kind, f"{path}: teach this test which generated records it lists"
        required = [
            p["name"] for p in methods["get"].get("parameters", [])
            if p.get("required") and p["in"] == "query"
        ]  # fmt: skip
        unknown = set(required) - set(REQUIRED_QUERY)
        assert not unknown, f"{path}: give this test a value for {unknown}"
        query = "&".join(f"{name}={REQUIRED_QUERY[name]}" for name in required)
        operations.append((path + (f"?{query}" if query else ""), kind))
    return operations


API_KINDS = {
    "persons": "person", "detentions": "detention", "allegations": "allegation",
    "statements": "statement", "sources": "source", "organizations": "organization",
    "reported-counts": "reported count", "facilities": "facility",
    "interventions": "intervention", "officials": "official", "trials": "trial",
}  # fmt: skip
REQUIRED_QUERY = {"since": "2000-01-01T00:00:00Z"}
FTM_EXPORT = "/api/v1/export/ftm/"
LIST_DIFF = "/api/v1/lists/{slug}/diff/"


def api_outputs(client: Client, world: World, reader: str, headers: dict) -> list[Output]:
    outputs = []
    first_name = world.all("person")[0].headline
    for path, kind in api_operations():
        if path == "/api/v1/changes/":
            outputs.extend(feed_outputs(client, reader, headers))
            continue
        if path == FTM_EXPORT:  # JSON lines, streamed: one request reads it all
            output = get(client, reader, path, headers)
            output.expected_status = 200
            outputs.append(output)
            continue
        if kind == "list diff":
            outputs.extend(list_diff_outputs(client, world, reader, headers))
            continue
        if kind is None:
            urls = [path]
            if path == "/api/v1/persons/":
                urls.append(f"{path}?q={first_name}")
                outputs.extend(persons_by_trial_outputs(client, world, reader, headers, "/api/v1"))
                outputs.extend(facility_filter_outputs(client, world, reader, headers))
                outputs.extend(persons_by_intervention_outputs(client, world, reader, headers))
            if path == INTERVENTIONS_API:
                outputs.extend(intervention_list_outputs(client, world, reader, headers))
            if path == "/api/v1/facilities/":
                urls += [f"{path}?q={node.headline}" for node in world.all("facility name")]
            for url in urls:
                joiner = "&" if "?" in url else "?"
                for variant in (url, f"{url}{joiner}format=csv"):
                    output = get(client, reader, variant, headers)
                    output.expected_status = 200
                    outputs.append(output)
            continue
        for node in world.all(kind):
            url = path.replace("{identifier}", str(node.obj.uuid))
            outputs.append(get(client, reader, url, headers, node))
            outputs.append(get(client, reader, url, {**headers, "HTTP_ACCEPT": "text/csv"}, node))
    return outputs


def persons_by_trial_outputs(
    client: Client, world: World, reader: str, headers: dict, prefix: str
) -> list[Output]:
    """The persons filtered by each trial (its co-defendants): a trial the reader
    may not see is refused as an unknown one; the defendants shown are read
    like any output."""
    outputs = []
    for trial in world.all("trial"):
        output = get(client, reader, f"{prefix}/persons/?trial={trial.obj.slug}", headers)
        output.why = trial.describe()
        outputs.append(output)
    return outputs


def facility_filter_outputs(
    client: Client, world: World, reader: str, headers: dict
) -> list[Output]:
    """The persons held at each facility now and ever, and in its region: a
    facility the reader may not see is a 404, as an unknown one."""
    outputs = []
    for facility in world.all("facility"):
        slug = facility.obj.slug
        for query in (f"facility={slug}", f"held_at={slug}"):
            outputs.append(get(client, reader, f"/api/v1/persons/?{query}", headers, facility))
        output = get(client, reader, f"/api/v1/persons/?region={facility.obj.region}", headers)
        output.expected_status, output.why = 200, "a region is any text"
        outputs.append(output)
    return outputs


INTERVENTIONS_API = "/api/v1/interventions/"
READERS = {"anonymous": Reader.PUBLIC, "partner": Reader.PARTNER}


def interventions_served() -> bool:
    """Whether the API lists interventions (helper api's part of issue 19)."""
    return any(path.startswith(INTERVENTIONS_API) for path, _kind in api_operations())


def persons_filtered_by_intervention() -> bool:
    from cases.filtersets import PersonFilterSet

    return {"intervention_kind", "intervention_outcome"} <= set(PersonFilterSet.base_filters)


def outcome_values(node: Node) -> set[str]:
    """The `intervention_outcome` / `outcome` values an intervention matches: its
    outcome and each Working Group category it found."""
    obj = node.obj
    return ({obj.outcome} - {""}) | {f"category-{c.lower()}" for c in obj.wgad_categories}


def intervention_year(node: Node) -> int | None:
    when = node.obj.decided_on_partial or node.obj.submitted_on_partial
    return when.date.year if when else None


def intervention_queries(world: World) -> list[tuple[str | None, str | None]]:
    """(kind, outcome value) pairs to filter by: each kind and value generated,
    alone and together."""
    generated = world.all("intervention")
    kinds = sorted({n.obj.kind for n in generated})
    values = sorted(set().union(set(), *(outcome_values(n) for n in generated)))
    pairs = [(k, None) for k in kinds] + [(None, v) for v in values]
    return pairs + [(k, v) for k in kinds for v in values]


def matches(node: Node, kind: str | None, value: str | None) -> bool:
    return (kind is None or node.obj.kind == kind) and (
        value is None or value in outcome_values(node)
    )


def read_pages(client: Client, reader: str, url: str, headers: dict, field_name: str):
    """Every page of an API list: the outputs, and the markers in `field_name` of
    its results (None when a page was not a 200)."""
    outputs, markers = [], set()
    while url:
        output = get(client, reader, url, headers)
        output.expected_status = 200
        outputs.append(output)
        if output.status != 200:
            return outputs, None
        data = json.loads(output.body)
        for row in data["results"]:
            markers.update(canonical(m) for m in MARKER.findall(str(row.get(field_name, ""))))
        url = data.get("next")
    return outputs, markers


def differences(expected: set[str], found: set[str] | None) -> str:
    if found is None or found == expected:
        return ""
    return f"missing {sorted(expected - found)}, unexpected {sorted(found - expected)}"


def intervention_list_outputs(
    client: Client, world: World, reader: str, headers: dict
) -> list[Output]:
    """The interventions by kind and by outcome (or category): exactly those the
    reader may see; and the statistics' counts (interventions.reads.
    intervention_counts) equal to the test's own count for the reader."""
    from interventions.reads import intervention_counts

    outputs = []
    visible = [n for n in world.all("intervention") if n.visible_to(reader)]
    for kind, value in intervention_queries(world):
        query = "&".join(
            part for part in (kind and f"kind={kind}", value and f"outcome={value}") if part
        )
        read, titles = read_pages(
            client, reader, f"{INTERVENTIONS_API}?{query}&page_size=50", headers, "title"
        )
        expected = {n.headline for n in visible if matches(n, kind, value)}
        read[0].mismatch = differences(expected, titles)
        outputs.extend(read)
    counts = intervention_counts(reader=READERS[reader])
    own = {
        "by_kind": {k: sum(n.obj.kind == k for n in visible) for k in InterventionKind.values},
        "by_outcome": {
            v: sum(v in outcome_values(n) for n in visible) for v in counts["by_outcome"]
        },
        "total": len(visible),
        "undated": sum(intervention_year(n) is None for n in visible),
    }
    by_year: dict[int, dict[str, int]] = {}
    for n in visible:
        if intervention_year(n) is not None:
            year = by_year.setdefault(intervention_year(n), {})
            year[n.obj.kind] = year.get(n.obj.kind, 0) + 1
    own["by_year"] = by_year
    theirs = {key: counts[key] for key in own}
    theirs["by_year"] = {
        int(y): {k: n for k, n in kinds.items() if n} for y, kinds in counts["by_year"].items()
    }
    theirs["by_year"] = {y: kinds for y, kinds in theirs["by_year"].items() if kinds}
    if theirs != own:
        output = Output(reader, "interventions.reads.intervention_counts", 200, "")
        output.mismatch = f"counted {theirs}, the test counts {own}"
        outputs.append(output)
    return outputs


def persons_by_intervention_outputs(
    client: Client, world: World, reader: str, headers: dict
) -> list[Output]:
    """The persons filtered by intervention kind and outcome: exactly the persons
    the reader may see with ONE intervention the reader may see matching both."""
    if not persons_filtered_by_intervention():
        return []
    outputs = []
    visible = [n for n in world.all("intervention") if n.visible_to(reader)]
    concerned = {id(n): set(n.obj.persons.values_list("pk", flat=True)) for n in visible}
    for kind, value in intervention_queries(world):
        query = "&".join(
            part
            for part in (kind and f"intervention_kind={kind}",
                         value and f"intervention_outcome={value}")
            if part
        )  # fmt: skip
        read, names = read_pages(
            client, reader, f"/api/v1/persons/?{query}&page_size=50", headers, "display_name"
        )
        expected = {
            person.headline
            for person in world.all("person")
            if person.visible_to(reader)
            and any(person.obj.pk in concerned[id(n)] for n in visible if matches(n, kind, value))
        }
        read[0].mismatch = differences(expected, names)
        outputs.extend(read)
    return outputs


def list_diff_outputs(client: Client, world: World, reader: str, headers: dict) -> list[Output]:
    """The diff of every ordered pair of each list's editions (an edition with
    itself when it has one), `from` by UUID and `to` by date; the first in CSV too."""
    outputs = []
    for prisoner_list in world.all("list"):
        editions = editions_of(world, prisoner_list)
        pairs = [(a, b) for a in editions for b in editions if a is not b] or [
            (editions[0], editions[0])
        ]
        for index, (before, after) in enumerate(pairs):
            url = (
                f"/api/v1/lists/{prisoner_list.obj.slug}/diff/"
                f"?from={before.obj.uuid}&to={edition_key(after)}"
            )
            for variant in (url, f"{url}&format=csv") if index == 0 else (url,):
                output = get(client, reader, variant, headers)
                expect_comparison(output, reader, prisoner_list, before, after)
                outputs.append(output)
    return outputs


def feed_outputs(client: Client, reader: str, headers: dict) -> list[Output]:
    """The change feed from its beginning (a full pull through it), page by page:
    every record it holds for this reader is read like any other output."""
    outputs = []
    url = "/api/v1/changes/?page_size=7"  # several pages in most examples
    while url:
        output = get(client, reader, url, headers)
        output.expected_status = 200
        outputs.append(output)
        url = json.loads(output.body)["next"] if output.status == 200 else None
    return outputs


def dossier_outputs(client: Client, world: World, graph: Graph) -> list[Output]:
    """The dossiers as each reader would get them: an official's (the HTML its
    PDF is printed from) for every official the reader may see, and a person's
    for every person an involvement or a trial concerns (the page's HTML, marked
    for partners); with `graph.dossier_pdfs`, the public PDFs themselves (a 404
    where the page is), their text read like any output."""
    from dossiers.official import official_html
    from dossiers.person import person_html

    site = "http://testserver/"
    outputs = []
    concerned = {
        id(parent)
        for node in world.all("involvement") + world.all("trial defendant")
        for fact in node.parents
        for parent in (fact, *fact.parents)
        if parent.kind == "person"
    }
    persons = [person for person in world.all("person") if id(person) in concerned]
    for reader, level in READERS.items():
        for official in world.all("official"):
            if official.visible_to(reader):
                html, _context = official_html(official.obj, reader=level, site_url=site)
                outputs.append(Output(reader, f"official dossier {official.obj.slug}", 200, html))
        for person in persons:
            if person.visible_to(reader):
                html = person_html(person.obj, reader=level, site_url=site)
                outputs.append(Output(reader, f"person dossier {person.obj.slug}", 200, html))
    if graph.dossier_pdfs:
        for node, kind in [(o, "officials") for o in world.all("official")] + [
            (p, "persons") for p in persons
        ]:
            url = f"/{kind}/{node.obj.slug}/dossier.pdf"
            cache.clear()
            response = client.get(url)
            output = Output("anonymous", url, response.status_code, "")
            output.expected_status = 200 if node.visible_to("anonymous") else 404
            output.why = node.describe()
            if response.status_code == 200:
                output.body = pdf_text(response.content)
            outputs.append(output)
    return outputs


def pdf_text(content: bytes) -> str:
    """The text of a PDF, page by page, as a reader copying it would get it."""
    from io import BytesIO

    from pypdf import PdfReader

    return "\n".join(page.extract_text() for page in PdfReader(BytesIO(content)).pages)


def page_outputs(client: Client, world: World, language: str) -> list[Output]:
    reader = "anonymous"
    outputs = []

    def page(url: str, expect: Node | None = None, **kwargs) -> None:
        output = get(client, reader, url, {}, expect, **kwargs)
        if expect is None and output.expected_status is None and "?" not in url:
            output.expected_status = 200
        outputs.append(output)

    persons, orgs = world.all("person"), world.all("organization")
    for prefix in ("", f"/{language}"):
        for url in ("/", "/persons/", "/statements/", "/sources/", "/organizations/",
                    "/statistics/", "/feeds/updates/", "/feeds/statements/", "/lists/",
                    "/groups/", "/facilities/", "/officials/", "/trials/",
                    "/trials/calendar.ics"):  # fmt: skip
            page(prefix + url)
        for official in world.all("official"):
            page(f"{prefix}/officials/{official.obj.slug}/", official)
        for trial in world.all("trial"):
            page(f"{prefix}/trials/{trial.obj.slug}/", trial)
            page(f"{prefix}/trials/{trial.obj.slug}/calendar.ics", trial)
        # a search and filters (each computes its own filter counts): answered
        # with the list, or a 400 naming a value it does not know
        for query in (f"q={persons[0].headline}", "status=held&occupation=journalist",
                      f"organization={orgs[0].obj.slug}&sort=arrested",
                      "allegation=torture&legal_stage=convicted&arrest_year=2020"):  # fmt: skip
            page(f"{prefix}/persons/?{query}")
        page(f"{prefix}/statements/?issuer={orgs[0].obj.slug}")
        page(f"{prefix}/sources/?publisher={orgs[0].obj.slug}")
        for person in persons:
            page(f"{prefix}/persons/{person.obj.slug}/", person)
            photo = next((n for n in world.all("photo") if n.parents[0] is person), None)
            if photo is not None:
                page(f"{prefix}/persons/{person.obj.slug}/photo/", photo)
            else:
                page(f"{prefix}/persons/{person.obj.slug}/photo/", person, visible=False)
        for org in orgs:
            page(f"{prefix}/organizations/{org.obj.slug}/", org)
        for source in world.all("source"):
            page(f"{prefix}/sources/{source.obj.uuid}/", source)
        for prisoner_list in world.all("list"):
            page(f"{prefix}/lists/{prisoner_list.obj.slug}/", prisoner_list)
            page(f"{prefix}/lists/{prisoner_list.obj.slug}/changes/", prisoner_list)
        for group in world.all("case group"):
            page(f"{prefix}/groups/{group.obj.slug}/", group)
        for facility in world.all("facility"):
            page(f"{prefix}/facilities/{facility.obj.slug}/", facility)
            region = facility.obj.region
            for query in (f"facility={facility.obj.slug}", f"region={region}"):
                page(f"{prefix}/persons/?{query}")
            page(f"{prefix}/facilities/?region={region}&kind=prison")
        for other in world.all("facility name"):
            page(f"{prefix}/facilities/?q={other.headline}")
        if prefix:
            continue  # the filters' combinations in one language: each page counts its facets
        outputs.extend(persons_by_trial_outputs(client, world, reader, {}, prefix))
        if persons_filtered_by_intervention():
            for kind, value in intervention_queries(world):
                query = "&".join(
                    part
                    for part in (kind and f"intervention_kind={kind}",
                                 value and f"intervention_outcome={value}")
                    if part
                )  # fmt: skip
                page(f"{prefix}/persons/?{query}")
    # the changes between each edition and the next, as the page names them by date
    for prisoner_list in world.all("list"):
        editions = editions_of(world, prisoner_list)
        for before, after in zip(editions, editions[1:], strict=False):
            url = (
                f"/lists/{prisoner_list.obj.slug}/changes/"
                f"?from={edition_key(before)}&to={edition_key(after)}"
            )
            output = get(client, reader, url, {})
            expect_comparison(output, reader, prisoner_list, before, after)
            if sum(edition.visible_to(reader) for edition in editions) < 2:
                output.expected_status = None  # the page says there is nothing to compare
            outputs.append(output)
    for name in [n.headline for n in persons + world.all("name variant")]:
        page(f"/persons/suggest/?q={name}")
    # every section of the sitemap, so a section added later is read too
    for url in ("/robots.txt", "/sitemap.xml", *(f"/sitemap-{name}.xml" for name in SITEMAPS)):
        page(url)
    return outputs


# --- the check ----------------------------------------------------------------------

# what each reader's outputs show at all: a partner reads the API, where photos are not
SHOWN_TO = {
    "anonymous": None,  # every kind
    "partner": {"person", "name variant", "organization", "affiliation", "detention", "charge",
                "case event", "PACE criterion", "allegation", "statement", "source",
                "reported count", "list", "edition", "facility", "facility name",
                "custody period", "intervention", "official", "official name", "position",
                "involvement", "trial", "trial defendant", "hearing"},
}  # fmt: skip


def problems_in(world: World, outputs: list[Output]) -> list[str]:
    problems = []
    seen: dict[str, set[str]] = {reader: set() for reader in READER_LEVELS}
    for output in outputs:
        accept = " (Accept: text/csv)" if output.csv_by_header else ""
        where = f"{output.reader} {output.url}{accept}"
        if output.status >= 500:
            problems.append(f"{where}: server error {output.status}")
        if output.mismatch:
            problems.append(f"{where}: {output.mismatch}")
        if output.expected_status and output.status != output.expected_status:
            problems.append(
                f"{where}: answered {output.status}, expected {output.expected_status} "
                f"for {output.why}"
            )
        # a marker the request itself carries (a search, a slug) may be echoed back
        asked = {canonical(m) for m in MARKER.findall(unquote(output.url))}
        for match in MARKER.finditer(output.body):
            marker = canonical(match.group())
            if marker in asked:
                continue
            asked.add(marker)  # one report per marker and output
            owner = world.owners.get(marker)
            if owner is None:
                problems.append(f"{where}: unknown marker {marker}")
                continue
            seen[output.reader].add(marker)
            if not owner.visible_to(output.reader):
                context = output.body[max(0, match.start() - 80) : match.end() + 80]
                problems.append(
                    f"LEAK to {where}: {marker} = {owner.describe()}\n    ...{context!r}..."
                )
        for secret, what in world.secrets.items():
            if secret in output.body:
                problems.append(f"LEAK to {where}: {secret!r} = {what}")
    for reader, kinds in SHOWN_TO.items():
        for kind, nodes in world.nodes.items():
            if kinds is not None and kind not in kinds:
                continue
            if kind == "intervention" and not interventions_served():
                continue  # not listed anywhere yet
            for node in nodes:
                if node.headline and node.visible_to(reader) and node.headline not in seen[reader]:
                    problems.append(
                        f"{reader}: {node.headline} ({node.kind}.headline of {node.describe()}) "
                        "is visible to this reader but shown nowhere"
                    )
    return problems


def letters_not_shown(world: World, graph: Graph, outputs: list[Output]) -> list[str]:
    """The recipient lines an explicit example says the public must read on the
    person's page (How to write): the leak check alone would pass if none were."""
    problems = []
    for index in graph.letters_shown:
        period = world.all("custody period")[index]
        person = period.obj.detention.person
        marker = world.recipient_lines[index]
        pages = [o for o in outputs if o.reader == "anonymous"
                 and o.url.endswith(f"/persons/{person.slug}/")]  # fmt: skip
        if not pages or not all(marker in o.body for o in pages):
            problems.append(
                f"the recipient line {marker} of {period.describe()} is not on "
                f"{person.slug}'s page for the public"
            )
    return problems


def unmarked_fields(world: World) -> list[str]:
    """Every text field of every generated record holds a marker, and every
    field cases.visibility names staff-only holds a marker nobody may see: a
    field added to a model is checked by this test once the builder fills it."""
    problems = []
    for nodes in world.nodes.values():
        for node in nodes:
            if node.obj is None:
                continue
            for model_field in node.obj._meta.concrete_fields:
                text = isinstance(model_field, CharField | TextField | FileField)
                if not text or model_field.choices or model_field.name == "name_key":
                    continue
                value = getattr(node.obj, model_field.attname)
                if isinstance(model_field, FileField):
                    if not value or value.name in world.secrets:
                        continue  # no file uploaded, or one stored under a random name
                    value = value.name
                where = f"{node.kind}.{model_field.name}"
                markers = [canonical(m) for m in MARKER.findall(str(value))]
                if not markers and (id(node), model_field.name) in world.left_blank:
                    continue
                if not markers:
                    problems.append(f"{where} holds no marker: the builder must fill it")
                if model_field.name in STAFF_ONLY_FIELDS and any(
                    not world.owners[m].hidden_from_all for m in markers
                ):
                    problems.append(f"{where} is staff-only: its marker must be hidden from all")
    return problems


PUBLIC = Level("public", False)
# Found by this test: a public detention, allegation and source still named the
# organization that arrested, was accused or published after it went to the
# trash (cases.reads.rows._ref, then cases.selectors._ref, checked its level
# only). A case event's deciding court and an untitled source's name, made of its
# publisher's, must not either. Run in every suite.
TRASHED_ORGANIZATION_NAMED = Graph(
    organizations=(Level("public", True), PUBLIC),
    persons=(PersonSpec(PUBLIC, (), (), (), None), PersonSpec(PUBLIC, (), (), (), None)),
    detentions=(
        DetentionSpec(0, PUBLIC, 0, "convicted", 2020, False, (), (("sentenced", PUBLIC, 0),), ()),
    ),
    allegations=(AllegationSpec(0, 0, 1, 0, "torture", PUBLIC),),
    statements=(StatementSpec(1, None, (0,), "report", PUBLIC),),
    # the second, untitled, would be named by its publisher: not by one in the trash
    sources=(SourceSpec(0, False, False, PUBLIC), SourceSpec(0, False, False, PUBLIC, False)),
    citations=(
        CitationSpec(0, "detention", 0, PUBLIC),
        CitationSpec(1, "case_event", 0, PUBLIC),
        CitationSpec(0, "allegation", 0, PUBLIC),
        CitationSpec(0, "statement", 0, PUBLIC),
    ),
    language="ru",
)
TRASHED, PARTNERS, INTERNAL = (
    Level("public", True),
    Level("partners", False),
    Level("internal", False),
)
# Every kind of fact public, each uncited or cited only where a reader may not
# look (a restricted or trashed citation, a restricted or trashed source), beside
# one cited by a confidential source (which counts). Run in every suite.
UNCITED_FACTS = Graph(
    organizations=(PUBLIC, PUBLIC),
    persons=(
        PersonSpec(PUBLIC, (), (), ((0, PUBLIC), (1, PUBLIC)), None),
        PersonSpec(PUBLIC, (), (), (), None),
    ),
    detentions=(
        DetentionSpec(
            0,
            PUBLIC,
            None,
            "pre-trial-detention",
            2023,
            False,
            (PUBLIC,),
            (("sentenced", PUBLIC, None),),
            (PUBLIC,),
        ),
        DetentionSpec(
            1,
            PUBLIC,
            0,
            "convicted",
            2020,
            False,
            (PUBLIC,),
            (("sentenced", PUBLIC, 1),),
            (PUBLIC,),
        ),
    ),
    allegations=(
        AllegationSpec(0, 0, None, None, "torture", PUBLIC),
        AllegationSpec(1, None, 0, 1, "torture", PUBLIC),
    ),
    statements=(
        StatementSpec(0, None, (0,), "call-for-release", PUBLIC),
        StatementSpec(1, None, (1,), "report", PUBLIC),
    ),
    sources=(
        SourceSpec(0, False, False, PUBLIC),
        SourceSpec(None, False, False, INTERNAL),
        SourceSpec(None, False, False, TRASHED),
        SourceSpec(None, False, False, PARTNERS),
        SourceSpec(None, True, False, PUBLIC),
    ),
    citations=(
        CitationSpec(0, "affiliation", 0, INTERNAL),  # affiliation 1: none at all
        CitationSpec(4, "detention", 1, PUBLIC),  # the confidential source counts
        CitationSpec(3, "case_event", 0, PUBLIC),  # for partners only
        CitationSpec(1, "case_event", 1, PUBLIC),  # an internal source
        CitationSpec(2, "allegation", 0, PUBLIC),  # a trashed source
        CitationSpec(0, "allegation", 1, TRASHED),  # a trashed citation
        CitationSpec(0, "statement", 0, PARTNERS),  # for partners only
        CitationSpec(0, "person", 0, PUBLIC),  # a person is not a fact: no effect
        CitationSpec(0, "reported_count", 0, PUBLIC),  # reported count 1: none
    ),  # detention 0 (with its charge, event, PACE criterion, allegation) and statement 1: none
    language="az",
    reported_counts=(ReportedCountSpec(0, PUBLIC), ReportedCountSpec(1, PUBLIC)),
)


# Lists and case groups whose records are hidden every way the policy hides them:
# a list of an internal publisher (its cited edition hidden with it), editions
# uncited or cited only for partners, an internal entry and an entry of an internal
# person, a case group uncited and members internal or of an internal person;
# beside them a public list with two public editions whose diff names a person
# released (a reason on record). Run in every suite.
HIDDEN_LISTS = Graph(
    organizations=(PUBLIC, INTERNAL),
    persons=(
        PersonSpec(PUBLIC, (), (), (), None),
        PersonSpec(INTERNAL, (), (), (), None),
        PersonSpec(PUBLIC, (), (), (), None),
    ),
    detentions=(DetentionSpec(0, PUBLIC, None, "released", 2020, True, (), (), ()),),
    allegations=(),
    statements=(StatementSpec(0, None, (0,), "report", PUBLIC),),
    sources=(SourceSpec(None, False, False, PUBLIC), SourceSpec(None, False, False, PARTNERS)),
    citations=(
        CitationSpec(0, "detention", 0, PUBLIC),
        CitationSpec(0, "statement", 0, PUBLIC),
        CitationSpec(0, "edition", 0, PUBLIC),
        CitationSpec(0, "edition", 1, PUBLIC),
        CitationSpec(1, "edition", 2, PUBLIC),  # a source for partners only
        CitationSpec(0, "edition", 4, PUBLIC),  # of the internal publisher's list
        CitationSpec(0, "case_group", 0, PUBLIC),
    ),  # none for edition 3 (of the list without a publisher) nor for case group 1
    language="ru",
    prisoner_lists=(
        ListSpec(0, PUBLIC, (
            EditionSpec(PUBLIC, (EntrySpec(0, PUBLIC), EntrySpec(1, PUBLIC),
                                 EntrySpec(2, INTERNAL))),
            EditionSpec(PUBLIC, (EntrySpec(2, PUBLIC), EntrySpec(1, PUBLIC))),
            EditionSpec(PUBLIC, (EntrySpec(0, PUBLIC),)),
        )),
        ListSpec(None, PUBLIC, (EditionSpec(PUBLIC, (EntrySpec(0, PUBLIC),)),)),
        ListSpec(1, PUBLIC, (EditionSpec(PUBLIC, (EntrySpec(0, PUBLIC),)),)),
    ),
    case_groups=(
        CaseGroupSpec(PUBLIC, (EntrySpec(0, PUBLIC), EntrySpec(1, PUBLIC), EntrySpec(2, INTERNAL))),
        CaseGroupSpec(PUBLIC, (EntrySpec(0, PUBLIC),)),
    ),
)  # fmt: skip


# Places of detention hidden every way the policy hides them, beside what the
# public may read: an uncited facility, an internal one, one cited for partners
# only, one run by an organization in the trash (shown, without naming it), an
# internal other name; custody periods under each of them, in the trash, uncited,
# of an internal person; how to write kept internal on a public custody period,
# and public on custody periods hidden otherwise; allegations naming hidden
# facilities. Person 1 is held at facility 0 (custody period 1, its letter
# public): the public reads the recipient line on their page. Run in every suite.
HIDDEN_PLACES = Graph(
    organizations=(PUBLIC, TRASHED),
    persons=(
        PersonSpec(PUBLIC, (), (), (), None),
        PersonSpec(PUBLIC, (), (), (), None),
        PersonSpec(INTERNAL, (), (), (), None),
    ),
    detentions=(
        DetentionSpec(0, PUBLIC, None, "pre-trial-detention", 2023, False, (), (), ()),
        DetentionSpec(1, PUBLIC, None, "pre-trial-detention", 2023, False, (), (), ()),
        DetentionSpec(2, PUBLIC, None, "convicted", 2021, False, (), (), ()),
    ),
    allegations=(
        AllegationSpec(0, 0, None, None, "torture", PUBLIC, 2),  # at an internal facility
        AllegationSpec(1, 1, None, None, "torture", PUBLIC, 0),
        AllegationSpec(None, None, None, None, "torture", PUBLIC, 1),  # an uncited facility
    ),
    statements=(StatementSpec(0, None, (0,), "report", PUBLIC),),
    sources=(SourceSpec(None, False, False, PUBLIC), SourceSpec(None, False, False, PARTNERS)),
    citations=(
        *(CitationSpec(0, "detention", i, PUBLIC) for i in range(3)),
        *(CitationSpec(0, "allegation", i, PUBLIC) for i in range(3)),
        CitationSpec(0, "statement", 0, PUBLIC),
        CitationSpec(0, "facility", 0, PUBLIC),  # facility 1: none
        CitationSpec(0, "facility", 2, PUBLIC),
        CitationSpec(1, "facility", 3, PUBLIC),  # a source for partners only
        *(CitationSpec(0, "custody_period", i, PUBLIC) for i in (0, 1, 2, 3, 4, 5, 6)),
    ),  # none for custody period 7
    language="az",
    facilities=(
        FacilitySpec(PUBLIC, (PUBLIC, INTERNAL), "prison", 1, True),
        FacilitySpec(PUBLIC, (PUBLIC,), "colony-strict", 0, True),
        FacilitySpec(INTERNAL, (PUBLIC,), "pre-trial-detention-centre", 0, True),
        FacilitySpec(PUBLIC, (), None, None, False),
    ),
    custody_periods=(
        CustodySpec(0, 0, PUBLIC, 2023, True, "internal"),  # how to write kept internal
        CustodySpec(1, 0, PUBLIC, 2023, True, "public"),  # shown: person 1's current place
        CustodySpec(0, 1, PUBLIC, 2022, False, "public"),  # at the uncited facility
        CustodySpec(1, 2, PUBLIC, 2022, False, "public"),  # at the internal facility
        CustodySpec(2, 0, PUBLIC, 2021, True, "public"),  # of the internal person
        CustodySpec(0, 0, TRASHED, 2024, True, "public"),
        CustodySpec(1, 3, PUBLIC, 2024, True, "partners"),  # a facility for partners only
        CustodySpec(0, 3, PUBLIC, 2020, False, "public"),  # uncited
    ),
    letters_shown=(1,),
)


# Interventions hidden every way the policy hides them, beside what each reader
# may read: before a body in the trash or internal, uncited, cited only by a
# trashed citation, for partners only, in the trash, internal; a public one
# naming an internal person, one cited by a confidential source (which counts),
# undated. Person 1 is named only on hidden interventions: no filter by kind or
# outcome finds them for the public (a partner finds them by the special
# procedures' letter). Run in every suite.
HIDDEN_INTERVENTIONS = Graph(
    organizations=(PUBLIC, TRASHED, INTERNAL),
    persons=(
        PersonSpec(PUBLIC, (), (), (), None),
        PersonSpec(PUBLIC, (), (), (), None),
        PersonSpec(INTERNAL, (), (), (), None),
    ),
    detentions=(DetentionSpec(0, PUBLIC, None, "convicted", 2020, False, (), (), ()),),
    allegations=(),
    statements=(StatementSpec(0, None, (0,), "report", PUBLIC),),
    sources=(
        SourceSpec(None, False, False, PUBLIC),
        SourceSpec(None, False, False, PARTNERS),
        SourceSpec(None, True, False, PUBLIC),
    ),
    citations=(
        CitationSpec(0, "detention", 0, PUBLIC),
        CitationSpec(0, "statement", 0, PUBLIC),
        CitationSpec(0, "intervention", 0, PUBLIC),
        CitationSpec(0, "intervention", 1, PUBLIC),  # before a body in the trash
        CitationSpec(0, "intervention", 2, PUBLIC),  # before an internal body
        CitationSpec(1, "intervention", 4, PARTNERS),  # for partners only
        CitationSpec(2, "intervention", 5, PUBLIC),  # a confidential source counts
        CitationSpec(0, "intervention", 6, PUBLIC),
        CitationSpec(0, "intervention", 7, PUBLIC),
        CitationSpec(0, "intervention", 8, TRASHED),  # a citation in the trash
    ),  # none for intervention 3
    language="ru",
    interventions=(
        InterventionSpec("wgad", 0, (0, 2), PUBLIC, "arbitrary", ("II", "III"), 2023, True),
        InterventionSpec("wgad", 1, (1,), PUBLIC, "arbitrary", ("II",), 2022, True),
        InterventionSpec("ecthr", 2, (1,), PUBLIC, "violation", (), 2021, True),
        InterventionSpec("wgad", None, (1,), PUBLIC, "arbitrary", ("II",), 2024, True),
        InterventionSpec("special-procedures", None, (1,), PARTNERS, "", (), 2024, False),
        InterventionSpec("treaty-body-review", 0, (0,), PUBLIC, "concern-expressed", (), None,
                         True),
        InterventionSpec("wgad", 0, (1,), TRASHED, "arbitrary", ("II",), 2023, True),
        InterventionSpec("wgad", 0, (1,), INTERNAL, "not-arbitrary", ("I",), 2023, True),
        InterventionSpec("ecthr", 0, (1,), PUBLIC, "violation", (), 2020, True),
    ),
)  # fmt: skip


# Officials, involvements and trials hidden every way the policy hides them,
# beside what each reader may read: an alleged perpetrator's involvement on two
# publishers' sources (public), on two sources of one publisher and on one
# source (partners only); an involvement in a trial whose court is in the trash,
# in the detention of an internal person, of an uncited official, internal; a
# reply whose source only partners see; an official's internal other name and
# position at an organization in the trash; a trial's defendant who is internal,
# an internal hearing still to come beside a public one and a past one. Run in
# every suite.
HIDDEN_ACCOUNTABILITY = Graph(
    organizations=(PUBLIC, PUBLIC, TRASHED),
    persons=(PersonSpec(PUBLIC, (), (), (), None), PersonSpec(INTERNAL, (), (), (), None)),
    detentions=(
        DetentionSpec(0, PUBLIC, None, "convicted", 2020, False, (), (("sentenced", PUBLIC, None),),
                      ()),
        DetentionSpec(1, PUBLIC, None, "convicted", 2021, False, (), (), ()),
    ),
    allegations=(AllegationSpec(0, 0, None, None, "torture", PUBLIC),),
    statements=(),
    sources=(
        SourceSpec(0, False, False, PUBLIC),
        SourceSpec(1, False, False, PUBLIC),
        SourceSpec(0, False, False, PUBLIC),
        SourceSpec(None, False, False, PARTNERS),
    ),
    citations=(
        CitationSpec(0, "detention", 0, PUBLIC),
        CitationSpec(0, "detention", 1, PUBLIC),
        CitationSpec(0, "case_event", 0, PUBLIC),
        CitationSpec(0, "allegation", 0, PUBLIC),
        CitationSpec(0, "official", 0, PUBLIC),  # official 1: none
        CitationSpec(0, "official", 2, PUBLIC),
        CitationSpec(0, "position", 0, PUBLIC),
        CitationSpec(0, "position", 1, PUBLIC),
        CitationSpec(0, "involvement", 0, PUBLIC),
        CitationSpec(1, "involvement", 0, PUBLIC),  # another publisher: public
        CitationSpec(0, "involvement", 1, PUBLIC),
        CitationSpec(2, "involvement", 1, PUBLIC),  # the same publisher: partners only
        CitationSpec(0, "involvement", 2, PUBLIC),  # one source: partners only
        *(CitationSpec(0, "involvement", i, PUBLIC) for i in range(3, 8)),
        CitationSpec(0, "trial", 0, PUBLIC),
        CitationSpec(0, "trial", 1, PUBLIC),
        *(CitationSpec(0, "hearing", i, PUBLIC) for i in range(4)),
    ),
    language="az",
    officials=(
        OfficialSpec(PUBLIC, (INTERNAL,), ((0, PUBLIC), (2, PUBLIC))),
        OfficialSpec(PUBLIC, (PUBLIC,), ()),  # uncited
        OfficialSpec(INTERNAL, (), ()),
    ),
    trials=(
        TrialSpec(0, PUBLIC, ((0, PUBLIC, True), (1, PUBLIC, True)),
                  ((PUBLIC, True), (INTERNAL, True), (PUBLIC, False))),
        TrialSpec(2, PUBLIC, ((0, PUBLIC, False),), ((PUBLIC, True),)),  # its court trashed
    ),
    dossier_pdfs=True,
    involvements=(
        InvolvementSpec(0, "alleged-perpetrator", "allegation", 0, PUBLIC, False, None),
        InvolvementSpec(0, "alleged-perpetrator", "detention", 0, PUBLIC, False, None),
        InvolvementSpec(0, "alleged-perpetrator", "case_event", 0, PUBLIC, True, 0),
        InvolvementSpec(0, "trial-judge", "trial", 0, PUBLIC, True, 3),  # a partners' source
        InvolvementSpec(0, "prosecutor", "trial", 1, PUBLIC, False, None),
        InvolvementSpec(0, "investigator", "detention", 1, PUBLIC, False, None),
        InvolvementSpec(1, "investigator", "detention", 0, PUBLIC, False, None),
        InvolvementSpec(0, "investigator", "detention", 0, INTERNAL, True, None),
    ),
)  # fmt: skip


@pytest.fixture
def private_media(tmp_path):
    """Photos and archived files the examples upload go to a folder of their own."""
    with override_settings(MEDIA_ROOT=tmp_path):
        yield


@pytest.mark.django_db
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=IN_SUITE,
    phases=[Phase.explicit, Phase.generate] if IN_SUITE else list(Phase),
    database=None,  # nothing written into the checkout
    print_blob=True,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,  # the database and media folder serve every example
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)
@given(graph=graphs())
@example(graph=TRASHED_ORGANIZATION_NAMED)
@example(graph=UNCITED_FACTS)
@example(graph=HIDDEN_LISTS)
@example(graph=HIDDEN_PLACES)
@example(graph=HIDDEN_INTERVENTIONS)
@example(graph=HIDDEN_ACCOUNTABILITY)
def test_no_restricted_record_or_staff_only_value_reaches_any_reader(graph, private_media):
    cache.clear()
    with transaction.atomic():  # each example's records are rolled back at the end
        world = build(graph)
        _token, raw = token_issue(name="mkS9998", contact="mkS9999")
        world.owners["mkS9998"] = world.owners["mkS9999"] = Owner(
            Node("partner token", 0, Level("internal", False)), "name and contact", STAFF_ONLY
        )
        client = Client()
        outputs = page_outputs(client, world, graph.language)
        outputs += api_outputs(client, world, "anonymous", {})
        outputs += api_outputs(client, world, "partner", {"HTTP_AUTHORIZATION": f"Bearer {raw}"})
        outputs += dossier_outputs(client, world, graph)
        problems = unmarked_fields(world) + problems_in(world, outputs)
        problems += letters_not_shown(world, graph, outputs)
        transaction.set_rollback(True)
    assert not problems, (
        f"{len(problems)} problems:\n" + "\n".join(problems[:25])
        + f"\nThe records (level; records above them):\n{world.describe()}"
    )  # fmt: skip
