"""The change feed's model-based test (issue 14, item 4): whatever is changed, and
however, a copy kept with the feed equals a fresh pull.

A Hypothesis state machine applies random sequences of changes to a
transactional database: records of every kind created (persons with name
variants and occupations, organizations, detentions with charges and events,
allegations, statements naming persons, sources, reported counts, citations,
facilities with other names, custody periods opened, closed and transferred),
fields edited, levels set at every level (public, partners, internal; through
the publishing service or a bare `update()`), trash and restore, merge and
undo, confidential switches, citations added, hidden and removed, bulk
`update()` and raw SQL around the services, and a transaction on a second
connection left open across syncs and committed in a later step. Interleaved
are syncs of the reference client (clients/casebook_sync.py), each for the
anonymous reader or a partner; after each, that reader's copy is compared with
a fresh pull of every list, record by record and field by field. At the end of
each sequence the open transaction is committed, both copies are synced and
compared, and a full pull through the feed into a new copy is compared too.

`make test` runs FEED_EXAMPLES=5 sequences (derandomized, not shrunk); `make
fuzz` runs FEED_EXAMPLES=200 random ones, a failure shrunk to its shortest
sequence."""

from __future__ import annotations

import functools
import importlib
import itertools
import os
import shutil
import tempfile
import uuid
from pathlib import Path
from typing import NamedTuple

import psycopg
import pytest
from django.core.exceptions import ValidationError
from django.db import OperationalError, connection
from django.test import Client
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from access.services import token_issue
from cases.choices import Visibility
from cases.models import (
    Allegation,
    AllegationStatus,
    CaseEvent,
    Charge,
    Detention,
    LegalStage,
    Merge,
    NameVariant,
    Occupation,
    Organization,
    Person,
    Statement,
    StatementKind,
)
from cases.partial_dates import PartialDate
from cases.search import name_key
from cases.services import (
    merge_undo,
    persons_merge,
    records_publish,
    records_restore_from_trash,
    records_trash,
)
from officials.choices import InvolvementRole
from officials.models import Involvement, Official, OfficialName, Position
from places.models import CustodyPeriod, Facility, FacilityKind, FacilityName
from sources.models import Citation, ReportedCount, Source
from sync.models import Change, Entry
from tests import accountability_records as accountability
from tests import factories
from tests.facility_records import custody, facility
from tests.feed_mirror import Mirror, second_connection
from trials.models import Hearing, Trial, TrialDefendant

pytestmark = pytest.mark.slow

EXAMPLES = int(os.environ.get("FEED_EXAMPLES", "5"))
STEPS = int(os.environ.get("FEED_STEPS", "60"))
# make test: the same sequences on every run, a failure reported as found;
# make fuzz: random sequences, a failure shrunk to its shortest
IN_SUITE = "FEED_EXAMPLES" not in os.environ
SYNC_EVERY = 8
LOCK_TIMEOUT = "300ms"  # a write waiting on the open transaction's row gives up

# half the records public: most changes then show in both readers' copies
levels = st.sampled_from(
    [Visibility.PUBLIC, Visibility.PUBLIC, Visibility.PARTNERS, Visibility.INTERNAL]
)
via = st.sampled_from(["service", "update"])


class Ref(NamedTuple):
    """A record the machine made: its model's label and primary key."""

    kind: str
    pk: int


MODELS = {
    "person": Person,
    "variant": NameVariant,
    "organization": Organization,
    "detention": Detention,
    "charge": Charge,
    "event": CaseEvent,
    "allegation": Allegation,
    "statement": Statement,
    "source": Source,
    "count": ReportedCount,
    "citation": Citation,
    "facility": Facility,
    "facilityname": FacilityName,
    "custody": CustodyPeriod,
    "official": Official,
    "officialname": OfficialName,
    "position": Position,
    "involvement": Involvement,
    "trial": Trial,
    "defendant": TrialDefendant,
    "hearing": Hearing,
}
# the facts a citation may support, and their citation columns
FACTS = (
    "detention", "event", "allegation", "statement", "count", "facility", "custody", "official",
    "position", "involvement", "trial", "hearing",
)  # fmt: skip
CITATION_COLUMNS = {"event": "case_event", "count": "reported_count", "custody": "custody_period"}


# what the machine deletes for good (persons, organizations, sources and
# facilities it only trashes: a merge, a citation or a custody period protects them)
DELETABLE = (
    "variant", "detention", "charge", "event", "allegation", "statement", "facilityname",
    "custody", "officialname", "position", "involvement", "trial", "defendant", "hearing",
)  # fmt: skip
FACILITY_KINDS = ["prison", "pre-trial-detention-centre", "colony-general"]


def obj(ref: Ref):
    return MODELS[ref.kind].objects.get(pk=ref.pk)


def rows(ref: Ref):
    return MODELS[ref.kind].objects.filter(pk=ref.pk)


def is_lock_timeout(error: BaseException) -> bool:
    cause = error.__cause__
    return getattr(cause, "sqlstate", None) == "55P03"


def tolerant(method):
    """A change the services refuse (a ValidationError: an uncited fact made
    public, a merge of a trashed person, an undo done twice) or that waits on
    the row the open transaction holds (lock_timeout) changes nothing: the step
    is a no-op."""

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        try:
            method(self, *args, **kwargs)
        except ValidationError:
            pass
        except OperationalError as error:
            if not is_lock_timeout(error):
                raise

    return wrapper


def reset_case_data() -> None:
    """An empty database and an empty feed for the next sequence."""
    Facility.objects.update(operator=None)  # an operator protects its organization
    # an involvement protects its official, a trial and a position their organization
    Involvement.objects.all().delete()
    Trial.objects.all().delete()
    Official.objects.all().delete()
    factories.delete_case_data()
    Facility.objects.all().delete()  # their custody periods and allegations went above
    Change.objects.all().delete()
    Entry.objects.all().delete()


class FeedMachine(RuleBasedStateMachine):
    """The records made are kept by kind (`made`); each rule draws the records
    it changes from them (shown as `Ref(kind, pk)` draws in a failing example)."""

    partner_token: str = ""  # set by the test

    def __init__(self):
        super().__init__()
        reset_case_data()
        with connection.cursor() as cursor:
            cursor.execute(f"SET lock_timeout = '{LOCK_TIMEOUT}'")
        self.folder = Path(tempfile.mkdtemp(prefix="casebook-feed-model-"))
        self.client = Client()
        self.mirrors = {
            "anonymous": Mirror(self.client, self.folder / "anonymous.sqlite3"),
            "partner": Mirror(
                self.client, self.folder / "partner.sqlite3", token=self.partner_token
            ),
        }
        self.made: dict[str, list[int]] = {kind: [] for kind in MODELS}
        self.merges: list[int] = []
        self.numbers = itertools.count(1)
        self.open: psycopg.Connection | None = None
        self.syncs = 0
        self.steps = 0

    def name(self, what: str) -> str:
        return f"{what} {next(self.numbers)}"

    def keep(self, kind: str, record) -> None:
        self.made[kind].append(record.pk)

    def pick(self, data, *kinds: str) -> Ref:
        """One record of these kinds (a precondition made sure there is one)."""
        return data.draw(
            st.sampled_from([Ref(kind, pk) for kind in kinds for pk in self.made[kind]]),
            label="/".join(kinds),
        )

    def pick_any(self, data) -> Ref:
        """A record of any kind, the kind drawn first: a kind with few records is
        as likely as one with many."""
        kind = data.draw(st.sampled_from([k for k in MODELS if self.made[k]]), label="kind")
        return self.pick(data, kind)

    def maybe(self, data, kind: str) -> Ref | None:
        if not self.made[kind]:
            return None
        return data.draw(st.none() | st.sampled_from([Ref(kind, pk) for pk in self.made[kind]]),
                         label=f"{kind} or none")  # fmt: skip

    # --- the starting graph --------------------------------------------------------

    @initialize(
        person_levels=st.lists(levels, min_size=3, max_size=3),
        fact_levels=st.lists(levels, min_size=6, max_size=6),
        organization_levels=st.lists(levels, min_size=2, max_size=2),
        place_levels=st.lists(levels, min_size=4, max_size=4),
        accountability_levels=st.lists(levels, min_size=6, max_size=6),
        confidential=st.booleans(),
    )
    def a_case_graph(
        self,
        person_levels,
        fact_levels,
        organization_levels,
        place_levels,
        accountability_levels,
        confidential,
    ):
        """Every sequence starts from records that depend on each other: three
        persons with a name variant each; a detention of the first with a charge
        and an event, held by one organization; an allegation about it, reported
        by the second person and laid on that organization; a call for the
        release of the first and third issued by the other organization; a dated
        source it published citing the detention and the call; a reported count.
        The first person was held at a pre-trial detention centre, then
        transferred to a prison the first organization runs (the open period
        cited by the dated source: the current place), where the allegation is
        reported. An official (with another name) holds a position in the first
        organization, investigated the detention and is the alleged perpetrator
        of the allegation (cited by the dated source and another publisher's);
        the first person is tried by the first organization (a defendant of the
        detention, a hearing), with the official as its judge. Facts are also
        cited by the shared public source (tests.factories)."""
        self.keep("source", factories.source(factories.CITING_SOURCE_TITLE))
        police, ngo = (
            factories.organization(self.name("Organization"), visibility=level)
            for level in organization_levels
        )
        persons = [
            factories.person(self.name("Person"), visibility=level) for level in person_levels
        ]
        variants = [
            NameVariant.objects.create(person=p, name=self.name("Alias"), visibility=p.visibility)
            for p in persons
        ]
        detention = factories.detention(
            persons[0], visibility=fact_levels[0], stage="pre-trial-detention",
            arrested="2023-11", arresting_authority=police,
        )  # fmt: skip
        charge = Charge.objects.create(
            detention=detention, article="206.3.2", description="smuggling",
            visibility=fact_levels[1],
        )  # fmt: skip
        event = factories.case_event(detention, "arrested", "2023-11-20", visibility=fact_levels[1])
        allegation = factories.allegation(
            persons[0], visibility=fact_levels[2], detention=detention, reported_by=persons[1],
            perpetrator_organization=police,
        )  # fmt: skip
        call = factories.statement(
            self.name("Statement"), issuer=ngo, kind="call-for-release", visibility=fact_levels[3]
        )
        call.persons.add(persons[0], persons[2])
        source = factories.source(
            self.name("Source"), visibility=fact_levels[4], is_confidential=confidential,
            publisher=ngo, author="An author", url="https://example.org/report",
        )  # fmt: skip
        source.published_on = PartialDate.parse("2024-03-01")
        source.save()
        citations = [
            factories.cite(detention, source_obj=source, locator="p. 2", excerpt="held"),
            factories.cite(call, source_obj=source, visibility=fact_levels[5]),
        ]
        centre = facility(self.name("Detention centre"), kind="pre-trial-detention-centre",
                          visibility=place_levels[0], region="Baku")  # fmt: skip
        prison = facility(self.name("Prison"), visibility=place_levels[1], operator=police,
                          names=[(self.name("Тюрьма"), "ru")])  # fmt: skip
        periods = [
            custody(detention, centre, "2023-11", "2024-01", visibility=place_levels[2]),
            custody(detention, prison, "2024-01", visibility=place_levels[3], source=source),
        ]
        Allegation.objects.filter(pk=allegation.pk).update(facility=prison)
        count = ReportedCount(publisher=ngo, number=300, counted="prisoners", visibility="public")
        count.as_of = PartialDate.parse("2024-12")
        count.save()
        factories.cite(count)
        other_publisher = factories.source(self.name("Source"), publisher=police)
        at = accountability_levels
        official = accountability.official(
            self.name("Official"), visibility=at[0], names=[(self.name("Чиновник"), "ru")]
        )
        trial = accountability.trial(self.name("Trial"), court=police, opened="2024-02",
                                     visibility=at[1])  # fmt: skip
        involvements = [
            accountability.involvement(official, "investigator", detention=detention,
                                       visibility=at[2]),
            accountability.involvement(official, "alleged-perpetrator", allegation=allegation,
                                       visibility=at[3], sources=[source, other_publisher]),
            accountability.involvement(official, "trial-judge", trial=trial, visibility=at[4]),
        ]  # fmt: skip
        for kind, records in (
            ("official", [official]),
            ("officialname", list(official.names.all())),
            (
                "position",
                [
                    accountability.position(
                        official, police, "Investigator", started="2019", visibility=at[5]
                    )
                ],
            ),
            ("involvement", involvements),
            ("trial", [trial]),
            (
                "defendant",
                [
                    accountability.defendant(
                        trial, persons[0], detention=detention, charges="206.3.2"
                    )
                ],
            ),
            ("hearing", [accountability.hearing(trial, "2024-03-14", visibility=at[1])]),
            ("source", [other_publisher]),
        ):
            for record in records:
                self.keep(kind, record)
        for kind, records in (
            ("organization", [police, ngo]),
            ("person", persons),
            ("variant", variants),
            ("detention", [detention]),
            ("charge", [charge]),
            ("event", [event]),
            ("allegation", [allegation]),
            ("statement", [call]),
            ("source", [source]),
            ("count", [count]),
            ("citation", citations),
            ("facility", [centre, prison]),
            ("facilityname", list(prison.names.all())),
            ("custody", periods),
        ):
            for record in records:
                self.keep(kind, record)

    # --- creating records ---------------------------------------------------------

    @rule(level=levels)
    def create_organization(self, level):
        self.keep(
            "organization", factories.organization(self.name("Organization"), visibility=level)
        )

    # a new name may wait on the open transaction's (the possible-duplicate
    # counts of a shared name key, cases.reads.duplicates): tolerant
    @rule(level=levels)
    @tolerant
    def create_person(self, level):
        self.keep("person", factories.person(self.name("Person"), visibility=level))

    @rule(data=st.data(), level=levels)
    @tolerant
    def add_name_variant(self, data, level):
        person = self.pick(data, "person")
        self.keep(
            "variant",
            NameVariant.objects.create(
                person_id=person.pk, name=self.name("Alias"), visibility=level
            ),
        )

    @rule(data=st.data(), code=st.sampled_from(["journalist", "activist", "lawyer"]))
    def add_occupation(self, data, code):
        obj(self.pick(data, "person")).occupations.add(Occupation.objects.get(code=code))

    @rule(
        data=st.data(),
        level=levels,
        stage=st.sampled_from([None, "pre-trial-detention", "convicted", "released"]),
        arrested=st.sampled_from([None, "2019", "2021-03", "2023-11-20"]),
        cited=st.booleans(),
    )
    def create_detention(self, data, level, stage, arrested, cited):
        person, authority = self.pick(data, "person"), self.maybe(data, "organization")
        detention = factories.detention(
            obj(person), visibility=level, stage=stage, arrested=arrested, cited=cited,
            arresting_authority_id=authority.pk if authority else None,
        )  # fmt: skip
        self.keep("detention", detention)

    @precondition(lambda self: self.made["detention"])
    @rule(data=st.data(), level=levels)
    def add_charge(self, data, level):
        charge = Charge.objects.create(
            detention_id=self.pick(data, "detention").pk, article=f"{next(self.numbers)}.1",
            description="charge", visibility=level,
        )  # fmt: skip
        self.keep("charge", charge)

    @precondition(lambda self: self.made["detention"])
    @rule(
        data=st.data(),
        level=levels,
        kind=st.sampled_from(["arrested", "sentenced", "released"]),
        cited=st.booleans(),
    )
    def add_event(self, data, level, kind, cited):
        detention = obj(self.pick(data, "detention"))
        event = factories.case_event(detention, kind, "2022-05-01", visibility=level, cited=cited)
        self.keep("event", event)

    @rule(data=st.data(), level=levels, about_a_detention=st.booleans())
    def create_allegation(self, data, level, about_a_detention):
        reporter, perpetrator = self.maybe(data, "person"), self.maybe(data, "organization")
        fields = {
            "visibility": level,
            "reported_by_id": reporter.pk if reporter else None,
            "perpetrator_organization_id": perpetrator.pk if perpetrator else None,
        }
        if about_a_detention and self.made["detention"]:
            detention = obj(self.pick(data, "detention"))
            allegation = factories.allegation(detention.person, detention=detention, **fields)
        else:
            allegation = factories.allegation(obj(self.pick(data, "person")), **fields)
        self.keep("allegation", allegation)

    @rule(
        data=st.data(),
        level=levels,
        kind=st.sampled_from(["call-for-release", "report"]),
        named=st.integers(0, 2),
    )
    def create_statement(self, data, level, kind, named):
        issuer, issuer_person = self.pick(data, "organization"), self.maybe(data, "person")
        statement = factories.statement(
            self.name("Statement"), issuer=obj(issuer), kind=kind, visibility=level,
            issuer_person_id=issuer_person.pk if issuer_person else None,
        )  # fmt: skip
        statement.persons.add(*{self.pick(data, "person").pk for _ in range(named)})
        self.keep("statement", statement)

    @precondition(lambda self: self.made["statement"])
    @rule(data=st.data(), add=st.booleans())
    def link_statement_person(self, data, add):
        statement, person = obj(self.pick(data, "statement")), self.pick(data, "person")
        if add:
            statement.persons.add(person.pk)
        else:
            statement.persons.remove(person.pk)

    @rule(
        data=st.data(),
        level=levels,
        confidential=st.booleans(),
        published=st.sampled_from([None, "2023", "2024-02", "2024-06-30"]),
    )
    def create_source(self, data, level, confidential, published):
        publisher = self.maybe(data, "organization")
        source = factories.source(
            self.name("Source"), visibility=level, is_confidential=confidential,
            publisher_id=publisher.pk if publisher else None, author="An author",
            url=f"https://example.org/{next(self.numbers)}",
        )  # fmt: skip
        if published:
            source.published_on = PartialDate.parse(published)
            source.save()
        self.keep("source", source)

    @rule(data=st.data(), level=levels)
    def create_reported_count(self, data, level):
        count = ReportedCount(
            publisher_id=self.pick(data, "organization").pk, number=next(self.numbers),
            counted="prisoners", visibility=level,
        )  # fmt: skip
        count.as_of = PartialDate.parse("2024-12")
        count.save()
        factories.cite(count)
        self.keep("count", count)

    # --- places of detention ---------------------------------------------------------

    @rule(
        data=st.data(),
        level=levels,
        kind=st.sampled_from(FACILITY_KINDS),
        region=st.sampled_from(["Baku", "Ganja", ""]),
        cited=st.booleans(),
    )
    def create_facility(self, data, level, kind, region, cited):
        operator = self.maybe(data, "organization")
        place = facility(
            self.name("Prison"), kind=kind, region=region, visibility=level, cited=cited,
            operator_id=operator.pk if operator else None,
        )  # fmt: skip
        self.keep("facility", place)

    @precondition(lambda self: self.made["facility"])
    @rule(data=st.data(), level=levels)
    def add_facility_name(self, data, level):
        name = FacilityName.objects.create(
            facility_id=self.pick(data, "facility").pk, name=self.name("Тюрьма"), language="ru",
            visibility=level,
        )  # fmt: skip
        self.keep("facilityname", name)

    @precondition(lambda self: self.made["facility"])
    @rule(
        data=st.data(),
        change=st.sampled_from(["name", "region", "kind", "operator"]),
        kind=st.sampled_from(FACILITY_KINDS),
    )
    @tolerant
    def edit_facility(self, data, change, kind):
        record = obj(self.pick(data, "facility"))
        if change == "name":
            record.name = self.name("Renamed prison")
        elif change == "region":
            record.region = "Absheron" if record.region != "Absheron" else "Baku"
        elif change == "kind":
            record.kind = FacilityKind.objects.get(code=kind)
        else:
            operator = self.maybe(data, "organization")
            record.operator_id = operator.pk if operator else None
        record.save()

    @precondition(lambda self: self.made["facility"] and self.made["detention"])
    @rule(
        data=st.data(),
        level=levels,
        held_from=st.sampled_from([None, "2023-11", "2024-02-01"]),
        cited=st.booleans(),
        dated_source=st.booleans(),
    )
    def open_custody(self, data, level, held_from, cited, dated_source):
        """A custody period opened (the current place, when its source is newest)."""
        detention, place = obj(self.pick(data, "detention")), obj(self.pick(data, "facility"))
        source = obj(self.pick(data, "source")) if dated_source else None
        period = custody(detention, place, held_from, visibility=level, cited=cited, source=source)
        self.keep("custody", period)

    @precondition(lambda self: self.made["custody"])
    @rule(data=st.data(), how=via)
    @tolerant
    def close_custody(self, data, how):
        """Closed (after every start the machine draws), or open again."""
        ref = self.pick(data, "custody")
        record = obj(ref)
        held_until = None if record.held_until else PartialDate.parse("2025-01")
        if how == "service":
            record.held_until = held_until
            record.save()
        else:
            rows(ref).update(
                held_until=held_until.date if held_until else None,
                held_until_precision=held_until.precision if held_until else None,
            )

    @precondition(lambda self: self.made["custody"] and self.made["facility"])
    @rule(data=st.data(), level=levels)
    @tolerant
    def transfer(self, data, level):
        """The period closed and the next opened at another facility the same day."""
        period = obj(self.pick(data, "custody"))
        period.held_until = PartialDate.parse("2024-08-01")
        period.save()
        place = obj(self.pick(data, "facility"))
        self.keep("custody", custody(period.detention, place, "2024-08-01", visibility=level))

    @precondition(lambda self: self.made["allegation"] and self.made["facility"])
    @rule(data=st.data())
    @tolerant
    def allegation_at_a_facility(self, data):
        place = self.maybe(data, "facility")
        rows(self.pick(data, "allegation")).update(facility_id=place.pk if place else None)

    # --- officials and trials ----------------------------------------------------------

    @rule(level=levels, cited=st.booleans())
    def create_official(self, level, cited):
        official = accountability.official(self.name("Official"), visibility=level, cited=cited)
        self.keep("official", official)

    @precondition(lambda self: self.made["official"])
    @rule(data=st.data(), level=levels)
    def add_official_name(self, data, level):
        official = obj(self.pick(data, "official"))
        name = accountability.official_name(
            official, self.name("Чиновник"), language="ru", visibility=level
        )
        self.keep("officialname", name)

    @precondition(lambda self: self.made["official"])
    @rule(data=st.data(), level=levels, cited=st.booleans(), ended=st.booleans())
    def add_position(self, data, level, cited, ended):
        official, organization = self.pick(data, "official"), self.pick(data, "organization")
        position = accountability.position(
            obj(official), obj(organization), self.name("Judge"), started="2019",
            ended="2023" if ended else None, visibility=level, cited=cited,
        )  # fmt: skip
        self.keep("position", position)

    @precondition(lambda self: self.made["official"])
    @rule(
        data=st.data(),
        level=levels,
        role=st.sampled_from(InvolvementRole.values),
        fact_kind=st.sampled_from(["detention", "event", "allegation", "trial"]),
        sources=st.integers(0, 2),
    )
    def add_involvement(self, data, level, role, fact_kind, sources):
        """In a detention, an event, an allegation or a trial; cited by none, one
        or two sources (of one publisher or two, or none)."""
        if not self.made[fact_kind]:
            return
        official, fact = obj(self.pick(data, "official")), obj(self.pick(data, fact_kind))
        cited_by = [obj(self.pick(data, "source")) for _ in range(sources)]
        involvement = accountability.involvement(
            official, role, **{CITATION_COLUMNS.get(fact_kind, fact_kind): fact}, visibility=level,
            cited=bool(cited_by), sources=cited_by,
        )  # fmt: skip
        self.keep("involvement", involvement)

    @rule(data=st.data(), level=levels, cited=st.booleans())
    def create_trial(self, data, level, cited):
        court = self.maybe(data, "organization")
        trial = accountability.trial(
            self.name("Trial"), court=obj(court) if court else None, opened="2024-02",
            visibility=level, cited=cited,
        )  # fmt: skip
        self.keep("trial", trial)

    @precondition(lambda self: self.made["trial"])
    @rule(data=st.data(), level=levels, of_a_detention=st.booleans())
    def add_defendant(self, data, level, of_a_detention):
        trial, person = self.pick(data, "trial"), self.pick(data, "person")
        if TrialDefendant.objects.filter(trial_id=trial.pk, person_id=person.pk).exists():
            return
        detention = Detention.objects.filter(person_id=person.pk).first()
        defendant = accountability.defendant(
            obj(trial), obj(person), detention=detention if of_a_detention else None,
            charges=self.name("Article"), visibility=level,
        )  # fmt: skip
        self.keep("defendant", defendant)

    @precondition(lambda self: self.made["trial"])
    @rule(
        data=st.data(),
        level=levels,
        held=st.sampled_from(["2024-05", "2025-03-14", "2031-01-20"]),
        cited=st.booleans(),
    )
    def add_hearing(self, data, level, held, cited):
        hearing = accountability.hearing(
            obj(self.pick(data, "trial")), held, visibility=level, cited=cited,
            court_room=self.name("Room"),
        )  # fmt: skip
        self.keep("hearing", hearing)

    @precondition(lambda self: self.made["official"])
    @rule(data=st.data(), field=st.sampled_from(["name", "description", "birth_date"]))
    @tolerant
    def edit_official(self, data, field):
        record = obj(self.pick(data, "official"))
        if field == "birth_date":
            record.birth_date = None if record.birth_date else PartialDate.parse("1970")
        else:
            setattr(record, field, self.name(field))
        record.save()

    @precondition(lambda self: self.made["position"])
    @rule(data=st.data(), field=st.sampled_from(["title", "ended_on", "organization"]))
    @tolerant
    def edit_position(self, data, field):
        record = obj(self.pick(data, "position"))
        if field == "title":
            record.title = self.name("Title")
        elif field == "ended_on":
            record.ended_on = None if record.ended_on else PartialDate.parse("2024-06")
        else:
            record.organization_id = self.pick(data, "organization").pk
        record.save()

    @precondition(lambda self: self.made["involvement"])
    @rule(
        data=st.data(),
        field=st.sampled_from(["role", "description", "reply", "official"]),
        role=st.sampled_from(InvolvementRole.values),
    )
    @tolerant
    def edit_involvement(self, data, field, role):
        """Its role (to or from alleged perpetrator), what the official did, a reply
        with its source (or none), or another official."""
        record = obj(self.pick(data, "involvement"))
        if field == "role":
            record.role = role
        elif field == "description":
            record.description = self.name("What they did")
        elif field == "reply":
            source = self.maybe(data, "source")
            record.reply = self.name("Denied") if source else ""
            record.reply_source_id = source.pk if source else None
        else:
            record.official_id = self.pick(data, "official").pk
        record.save()

    @precondition(lambda self: self.made["trial"])
    @rule(data=st.data(), field=st.sampled_from(["title", "number", "court", "closed_on"]))
    @tolerant
    def edit_trial(self, data, field):
        record = obj(self.pick(data, "trial"))
        if field == "title":
            record.title = self.name("Trial title")
        elif field == "number":
            record.number = self.name("1(101)-")
        elif field == "court":
            court = self.maybe(data, "organization")
            record.court_id = court.pk if court else None
        else:
            record.closed_on = None if record.closed_on else PartialDate.parse("2025-01")
        record.save()

    @precondition(lambda self: self.made["defendant"])
    @rule(data=st.data(), field=st.sampled_from(["charges", "detention"]))
    @tolerant
    def edit_defendant(self, data, field):
        record = obj(self.pick(data, "defendant"))
        if field == "charges":
            record.charges = self.name("Article")
        else:
            detention = self.maybe(data, "detention")
            record.detention_id = detention.pk if detention else None
        record.save()

    @precondition(lambda self: self.made["hearing"])
    @rule(
        data=st.data(),
        status=st.sampled_from(["scheduled", "held", "postponed", "cancelled"]),
        field=st.sampled_from(["status", "what_happened", "held_on"]),
    )
    @tolerant
    def edit_hearing(self, data, status, field):
        record = obj(self.pick(data, "hearing"))
        if field == "status":
            record.status = status
        elif field == "what_happened":
            record.what_happened = self.name("Adjourned")
        else:
            record.held_on = PartialDate.parse("2026-02-02")
            record.starts_at = None
        record.save()

    # --- citations ---------------------------------------------------------------

    @rule(data=st.data(), level=levels)
    def cite(self, data, level):
        fact = obj(self.pick(data, *FACTS))
        source = obj(self.pick(data, "source"))
        citation = factories.cite(
            fact, source_obj=source, visibility=level, locator="p. 1", excerpt="quoted"
        )
        self.keep("citation", citation)

    @rule(data=st.data())
    def uncite(self, data):
        """Every citation of a fact deleted: the fact goes uncited."""
        fact = self.pick(data, *FACTS)
        column = CITATION_COLUMNS.get(fact.kind, fact.kind)
        Citation.objects.filter(**{f"{column}_id": fact.pk}).delete()

    @precondition(lambda self: self.made["citation"])
    @rule(data=st.data())
    def remove_citation(self, data):
        rows(self.pick(data, "citation")).delete()

    @precondition(lambda self: any(self.made[k] for k in DELETABLE))
    @rule(data=st.data())
    @tolerant  # a name variant deleted may wait on the open transaction's name keys
    def delete_for_good(self, data):
        """Deleted, not trashed (what hangs on it goes too; an allegation about a
        deleted detention loses the link)."""
        kind = data.draw(st.sampled_from([k for k in DELETABLE if self.made[k]]), label="kind")
        rows(self.pick(data, kind)).delete()
        for kind, pks in self.made.items():
            existing = set(MODELS[kind].objects.filter(pk__in=pks).values_list("pk", flat=True))
            pks[:] = [pk for pk in pks if pk in existing]

    # --- editing -----------------------------------------------------------------

    @rule(data=st.data(), field=st.sampled_from(["summary", "display_name", "citizenship"]))
    @tolerant
    def edit_person(self, data, field):
        record = obj(self.pick(data, "person"))
        setattr(record, field, self.name(field))
        record.save()

    @precondition(lambda self: self.made["detention"])
    @rule(
        data=st.data(),
        change=st.sampled_from(["facility", "release", "stage", "authority"]),
        stage=st.sampled_from(["pre-trial-detention", "convicted", "released", "in-exile"]),
    )
    @tolerant
    def edit_detention(self, data, change, stage):
        record = obj(self.pick(data, "detention"))
        if change == "facility":
            record.facility = self.name("Prison")
        elif change == "release":
            record.released_on = None if record.released_on else PartialDate.parse("2025-01")
        elif change == "stage":
            record.legal_stage = LegalStage.objects.get(code=stage)
        else:
            authority = self.maybe(data, "organization")
            record.arresting_authority_id = authority.pk if authority else None
        record.save()

    @rule(data=st.data())
    @tolerant
    def rename_organization(self, data):
        record = obj(self.pick(data, "organization"))
        record.name = self.name("Renamed organization")
        record.save()

    @rule(data=st.data(), field=st.sampled_from(["title", "published_on", "publisher"]))
    @tolerant
    def edit_source(self, data, field):
        record = obj(self.pick(data, "source"))
        if field == "title":
            record.title = self.name("Source title")
        elif field == "published_on":
            record.published_on = None if record.published_on else PartialDate.parse("2025-02")
        else:
            publisher = self.maybe(data, "organization")
            record.publisher_id = publisher.pk if publisher else None
        record.save()

    @precondition(lambda self: self.made["statement"])
    @rule(data=st.data(), field=st.sampled_from(["title", "kind"]))
    @tolerant
    def edit_statement(self, data, field):
        record = obj(self.pick(data, "statement"))
        if field == "title":
            record.title = self.name("Statement title")
        else:
            other = "report" if record.kind.code == "call-for-release" else "call-for-release"
            record.kind = StatementKind.objects.get(code=other)
        record.save()

    @precondition(lambda self: self.made["allegation"])
    @rule(
        data=st.data(),
        field=st.sampled_from(["description", "status"]),
        status=st.sampled_from(["reported", "corroborated", "prosecuted"]),
    )
    @tolerant
    def edit_allegation(self, data, field, status):
        record = obj(self.pick(data, "allegation"))
        if field == "description":
            record.description = self.name("Description")
        else:
            record.status = AllegationStatus.objects.get(code=status)
        record.save()

    # --- levels, trash, merges ----------------------------------------------------

    @rule(data=st.data(), level=levels, how=via)
    @tolerant
    def set_level(self, data, level, how):
        """At every level: person, name variant, organization, detention, charge,
        event, allegation, statement, source, reported count, citation, facility,
        facility name, custody period."""
        record = self.pick_any(data)
        if how == "service":
            records_publish(queryset=rows(record), visibility=level)
        else:
            rows(record).update(visibility=level)

    @rule(data=st.data())
    @tolerant
    def trash(self, data):
        records_trash(queryset=rows(self.pick_any(data)))

    @rule(data=st.data())
    @tolerant
    def restore(self, data):
        records_restore_from_trash(queryset=rows(self.pick_any(data)))

    @rule(data=st.data())
    @tolerant
    def merge(self, data):
        keep, other = self.pick(data, "person"), self.pick(data, "person")
        self.merges.append(persons_merge(keep=obj(keep), other=obj(other)).pk)

    @precondition(lambda self: self.merges)
    @rule(data=st.data())
    @tolerant
    def undo_merge(self, data):
        merge_undo(merge=Merge.objects.get(pk=data.draw(st.sampled_from(self.merges))))

    @rule(data=st.data())
    @tolerant
    def switch_confidential(self, data):
        record = obj(self.pick(data, "source"))
        record.is_confidential = not record.is_confidential
        record.save()

    # --- around the services ------------------------------------------------------

    @rule(data=st.data(), level=levels)
    @tolerant
    def bulk_update_under_a_person(self, data, level):
        """queryset.update() over many rows: a person's detentions and variants."""
        person = self.pick(data, "person")
        Detention.objects.filter(person_id=person.pk).update(facility=self.name("Facility"))
        NameVariant.objects.filter(person_id=person.pk).update(visibility=level)

    @rule(data=st.data(), level=levels)
    @tolerant
    def bulk_update_citations_of_a_source(self, data, level):
        Citation.objects.filter(source_id=self.pick(data, "source").pk).update(visibility=level)

    @rule(data=st.data(), level=levels)
    @tolerant
    def raw_sql(self, data, level):
        """A level set and the trash emptied by hand-written SQL."""
        record = self.pick_any(data)
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {MODELS[record.kind]._meta.db_table}"
                " SET visibility = %s, deleted_at = NULL WHERE id = %s",
                [level, record.pk],
            )

    # --- a transaction left open across syncs --------------------------------------

    @precondition(lambda self: self.open is None)
    @rule(
        data=st.data(),
        change=st.sampled_from(["summary", "level", "variant", "citation"]),
        level=levels,
    )
    def open_transaction(self, data, change, level):
        """A second session writes and stays open: its change is committed only in
        a later step, after syncs that began after it."""
        person = self.pick(data, "person")
        other = second_connection()
        if change == "summary":
            other.execute(
                "UPDATE cases_person SET summary = %s, updated_at = now() WHERE id = %s",
                [self.name("Written in a long transaction"), person.pk],
            )
        elif change == "level":
            other.execute(
                "UPDATE cases_person SET visibility = %s WHERE id = %s", [level, person.pk]
            )
        elif change == "variant" or not self.made["detention"]:
            name = self.name("Long-transaction alias")
            other.execute(
                "INSERT INTO cases_namevariant (uuid, visibility, created_at, updated_at,"
                " person_id, name, language, kind, name_key)"
                " VALUES (%s, %s, now(), now(), %s, %s, '', 'alias', %s)",
                [uuid.uuid4(), level, person.pk, name, name_key(name)],
            )
        else:
            other.execute(
                "INSERT INTO sources_citation (uuid, visibility, created_at, updated_at,"
                " source_id, detention_id, claim, locator, excerpt, confidence)"
                " SELECT %s, %s, now(), now(), s.id, %s, '', '', '', 'medium'"
                " FROM sources_source s WHERE s.title = %s",
                [
                    uuid.uuid4(),
                    level,
                    self.pick(data, "detention").pk,
                    factories.CITING_SOURCE_TITLE,
                ],
            )
        self.open = other

    @precondition(lambda self: self.open is not None)
    @rule()
    def commit_transaction(self):
        self._commit_open()

    def _commit_open(self):
        """Commit the other session's transaction. Django's foreign keys are checked
        at commit (DEFERRABLE INITIALLY DEFERRED): a row it added under a record this
        session deleted for good since fails then, and the transaction is rolled
        back, as it would be for any writer; the feed must then show nothing of it."""
        try:
            self.open.commit()
        except psycopg.errors.ForeignKeyViolation:
            pass  # rolled back by the server
        self.open.close()
        self.open = None

    # --- syncs ------------------------------------------------------------------------

    @rule(
        data=st.data(),
        reader=st.sampled_from(["anonymous", "partner"]),
        page_size=st.sampled_from([None, 1, 3]),
        meddle=st.booleans(),
    )
    def sync(self, data, reader, page_size, meddle):
        """One reader syncs (the other's next sync spans more changes), in pages
        of 1 or 3 or the default 500; with `meddle`, a person is edited after the
        first page, and the same sync must bring the edit."""
        self.syncs += 1
        person = self.pick(data, "person") if meddle and self.made["person"] else None

        def edit():
            try:
                Person.objects.filter(pk=person.pk).update(summary=self.name("Edited mid-sync"))
            except OperationalError as error:  # the open transaction holds the row
                if not is_lock_timeout(error):
                    raise

        self.mirrors[reader].assert_equals_fresh_pull(
            f" after sync {self.syncs}", page_size=page_size, between_pages=edit if person else None
        )

    @rule()
    def sync_both(self):
        self.syncs += 1
        for mirror in self.mirrors.values():
            mirror.assert_equals_fresh_pull(f" after sync {self.syncs}")

    @invariant()
    def every_few_steps_both_sync(self):
        """Besides the sync rules, both readers sync every SYNC_EVERY steps, so a
        long sequence is checked along the way and not only at its end."""
        self.steps += 1
        if self.steps % SYNC_EVERY == 0:
            self.sync_both()

    def teardown(self):
        try:
            if self.open is not None:
                self._commit_open()
            for mirror in self.mirrors.values():
                mirror.assert_equals_fresh_pull(" at the end of the sequence")
            for name, mirror in self.mirrors.items():
                fresh = Mirror(
                    self.client, self.folder / f"{name}-fresh.sqlite3", token=mirror.token
                )
                fresh.assert_equals_fresh_pull(" (a full pull through the feed)")
        finally:
            if self.open is not None:
                self.open.close()
            shutil.rmtree(self.folder, ignore_errors=True)


@pytest.fixture
def facility_kinds(vocabularies):
    """The kinds of facility of places' data migration (flushed like the others)."""
    from django.apps import apps

    importlib.import_module("places.migrations.0002_facility_kinds").add_terms(apps, None)


@pytest.mark.django_db(transaction=True)
def test_a_mirror_kept_with_the_feed_always_equals_a_fresh_pull(facility_kinds):
    FeedMachine.partner_token = token_issue(name="Partner NGO")[1]
    try:
        run_state_machine_as_test(
            FeedMachine,
            settings=settings(
                max_examples=EXAMPLES,
                stateful_step_count=STEPS,
                deadline=None,
                derandomize=IN_SUITE,
                phases=[Phase.explicit, Phase.generate] if IN_SUITE else list(Phase),
                suppress_health_check=[
                    HealthCheck.too_slow,
                    HealthCheck.data_too_large,
                    HealthCheck.filter_too_much,
                ],
            ),
        )
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = 0")
