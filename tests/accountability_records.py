"""Builders of officials and trials records for the tests of issue 17: officials,
their other names, positions and involvements, trials, their defendants and
hearings. An official, a position, an involvement, a trial and a hearing are
facts, built cited (`cited=True`): one citation at the record's own level of the
shared test source (tests/factories.py), or of `source` when given. An
involvement as alleged perpetrator is public only on sources of two different
publishers: `published_source` makes a source of a named publisher, and
`involvement(..., sources=[a, b])` cites each.

Other helpers may add builders at the END of this file."""

from __future__ import annotations

import datetime
import itertools

from cases.choices import Visibility
from cases.models import Detention, Organization, Person
from cases.partial_dates import PartialDate
from officials.choices import InvolvementRole
from officials.models import Involvement, Official, OfficialName, Position
from sources.models import Source
from tests import factories
from trials.models import Hearing, Trial, TrialDefendant

_numbers = itertools.count(1)


def _date(value: str | PartialDate | None) -> PartialDate | None:
    return PartialDate.parse(value) if isinstance(value, str) else value


def _cite(fact, *, cited: bool, visibility: str, source: Source | None, sources=()) -> None:
    """Cite `fact` at `visibility` (public when the record is public...), by each
    of `sources`, else by `source`, else by the shared test source."""
    if not cited:
        return
    for one in sources or [source]:
        factories.cite(fact, source_obj=one, visibility=visibility)


def published_source(publisher: str | Organization, title: str | None = None, **fields) -> Source:
    """A public source published by `publisher` (a name: the organization is made
    once per name), for the two-publisher rule."""
    if isinstance(publisher, str):
        publisher = Organization.objects.filter(name=publisher).first() or factories.organization(
            publisher
        )
    return factories.source(
        title or f"{publisher.name} report {next(_numbers)}", publisher=publisher, **fields
    )


def official(
    name: str | None = None,
    *,
    names: tuple = (),
    visibility: str = Visibility.PUBLIC,
    cited: bool = True,
    source: Source | None = None,
    birth: str | PartialDate | None = None,
    **fields,
) -> Official:
    """An official; `names` are other names, each a name or (name, language), at
    the official's level."""
    obj = Official(name=name or f"Test Official {next(_numbers)}", visibility=visibility, **fields)
    obj.birth_date = _date(birth)
    obj.save()
    for other in names:
        other_name, language = (other, "") if isinstance(other, str) else other
        official_name(obj, other_name, language=language, visibility=visibility)
    _cite(obj, cited=cited, visibility=visibility, source=source)
    return obj


def official_name(
    official_obj: Official, name: str, *, language: str = "", visibility: str = Visibility.PUBLIC
) -> OfficialName:
    return OfficialName.objects.create(
        official=official_obj, name=name, language=language, visibility=visibility
    )


def position(
    official_obj: Official,
    organization_obj: Organization | None = None,
    title: str = "Judge",
    *,
    started: str | PartialDate | None = None,
    ended: str | PartialDate | None = None,
    visibility: str = Visibility.PUBLIC,
    cited: bool = True,
    source: Source | None = None,
) -> Position:
    obj = Position(
        official=official_obj,
        organization=organization_obj or factories.organization(),
        title=title,
        visibility=visibility,
    )
    obj.started_on = _date(started)
    obj.ended_on = _date(ended)
    obj.save()
    _cite(obj, cited=cited, visibility=visibility, source=source)
    return obj


def involvement(
    official_obj: Official,
    role: str = InvolvementRole.INVESTIGATOR,
    *,
    detention: Detention | None = None,
    case_event=None,
    allegation=None,
    trial: Trial | None = None,
    visibility: str = Visibility.PUBLIC,
    cited: bool = True,
    source: Source | None = None,
    sources: tuple | list = (),
    reply_on: str | PartialDate | None = None,
    **fields,
) -> Involvement:
    """An involvement of `official_obj` in one fact (a detention, a case event,
    an allegation or a trial); given none, in a new detention of a new person.
    Cited by each of `sources` (two publishers' for a public alleged
    perpetrator), else by `source`, else by the shared test source."""
    if not any((detention, case_event, allegation, trial)):
        detention = factories.detention(factories.person(), arrested="2024-03")
    obj = Involvement(
        official=official_obj,
        role=role,
        detention=detention,
        case_event=case_event,
        allegation=allegation,
        trial=trial,
        visibility=visibility,
        **fields,
    )
    obj.reply_on = _date(reply_on)
    obj.save()
    _cite(obj, cited=cited, visibility=visibility, source=source, sources=sources)
    return obj


def trial(
    title: str | None = None,
    *,
    court: Organization | None = None,
    opened: str | PartialDate | None = None,
    closed: str | PartialDate | None = None,
    visibility: str = Visibility.PUBLIC,
    cited: bool = True,
    source: Source | None = None,
    **fields,
) -> Trial:
    obj = Trial(
        title=title or f"Test trial {next(_numbers)}", court=court, visibility=visibility, **fields
    )
    obj.opened_on = _date(opened)
    obj.closed_on = _date(closed)
    obj.save()
    _cite(obj, cited=cited, visibility=visibility, source=source)
    return obj


def defendant(
    trial_obj: Trial,
    person_obj: Person | None = None,
    *,
    detention: Detention | None = None,
    charges: str = "",
    visibility: str = Visibility.PUBLIC,
) -> TrialDefendant:
    """A defendant of `trial_obj` (a new person when none is given); not a fact
    (the trial's citations cover who is tried)."""
    return TrialDefendant.objects.create(
        trial=trial_obj,
        person=person_obj or factories.person(),
        detention=detention,
        charges=charges,
        visibility=visibility,
    )


def hearing(
    trial_obj: Trial,
    held: str | PartialDate | datetime.date,
    *,
    starts_at: datetime.time | None = None,
    visibility: str = Visibility.PUBLIC,
    cited: bool = True,
    source: Source | None = None,
    **fields,
) -> Hearing:
    """A hearing on `held` (a partial date's text, a PartialDate or a day)."""
    if isinstance(held, datetime.date):
        held = PartialDate.parse(held.isoformat())
    obj = Hearing(trial=trial_obj, starts_at=starts_at, visibility=visibility, **fields)
    obj.held_on = _date(held)
    obj.save()
    _cite(obj, cited=cited, visibility=visibility, source=source)
    return obj
