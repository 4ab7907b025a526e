"""Builders of places records for the API and filter tests: a facility and a
custody period are facts, built cited (a public citation of the shared test
source, as tests/factories.py cites every fact) unless `cited=False`."""

from __future__ import annotations

from cases.choices import Visibility
from cases.models import Detention
from cases.partial_dates import PartialDate
from places.models import CustodyPeriod, Facility, FacilityKind, FacilityName
from sources.models import Source
from tests import factories


def facility(
    name: str,
    *,
    kind: str = "prison",
    cited: bool = True,
    visibility: str = Visibility.PUBLIC,
    names: tuple = (),
    **fields,
) -> Facility:
    """A facility; `names` are its other names, each a name or (name, language)."""
    obj = Facility.objects.create(
        name=name, kind=FacilityKind.objects.get(code=kind), visibility=visibility, **fields
    )
    for other in names:
        other_name, language = (other, "") if isinstance(other, str) else other
        FacilityName.objects.create(
            facility=obj, name=other_name, language=language, visibility=visibility
        )
    if cited:
        factories.cite(obj)
    return obj


def custody(
    detention_obj: Detention,
    facility_obj: Facility,
    held_from: str | None = None,
    held_until: str | None = None,
    *,
    cited: bool = True,
    source: Source | None = None,
    visibility: str = Visibility.PUBLIC,
    **fields,
) -> CustodyPeriod:
    """A custody period (open without `held_until`), cited by `source` when given
    (a dated one decides which open period is the current place)."""
    obj = CustodyPeriod(
        detention=detention_obj, facility=facility_obj, visibility=visibility, **fields
    )
    obj.held_from = PartialDate.parse(held_from) if held_from else None
    obj.held_until = PartialDate.parse(held_until) if held_until else None
    obj.save()
    if cited:
        factories.cite(obj, source_obj=source)
    return obj


def dated_source(title: str, published: str) -> Source:
    obj = factories.source(title)
    obj.published_on = PartialDate.parse(published)
    obj.save()
    return obj


def held(name: str, **fields):
    """A person held now (in pre-trial detention, no release) and their detention."""
    person = factories.person(name, **fields)
    return person, factories.detention(person, arrested="2024-03", stage="pre-trial-detention")
