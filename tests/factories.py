"""Small builders for test data: each makes a valid record with sensible
defaults, so a test states only what it is about.

A fact (affiliation, detention, case event, allegation, statement) is built
cited: one public citation of the shared public source `CITING_SOURCE_TITLE`,
since a partner or the public sees a fact only with a citation they may see
(cases.visibility, rule 3). `cited=False` builds one without."""

from __future__ import annotations

import itertools

from cases.choices import Visibility
from cases.models import (
    Affiliation,
    Allegation,
    AllegationKind,
    CaseEvent,
    CaseEventKind,
    Detention,
    LegalStage,
    NameVariant,
    Organization,
    Person,
    SourceKind,
    Statement,
    StatementKind,
)
from cases.partial_dates import PartialDate
from sources.models import CITATION_TARGETS, Citation, Source

_numbers = itertools.count(1)
CITING_SOURCE_TITLE = "The source the test facts cite"


def cite(fact, *, source_obj: Source | None = None, **fields) -> Citation:
    """A public citation of `fact` (of the shared public source unless another is
    given): what makes a fact visible beyond staff."""
    target = {Citation._meta.get_field(name).related_model: name for name in CITATION_TARGETS}
    if source_obj is None:
        source_obj = Source.objects.filter(title=CITING_SOURCE_TITLE).first()
        source_obj = source_obj or source(CITING_SOURCE_TITLE)
    fields.setdefault("visibility", Visibility.PUBLIC)
    return Citation.objects.create(source=source_obj, **{target[type(fact)]: fact}, **fields)


def _cited(fact, cited: bool):
    if cited:
        cite(fact)
    return fact


def person(
    name: str | None = None, *, variants=(), visibility=Visibility.PUBLIC, **fields
) -> Person:
    obj = Person.objects.create(
        display_name=name or f"Test Person {next(_numbers)}", visibility=visibility, **fields
    )
    for variant in variants:
        NameVariant.objects.create(person=obj, name=variant, visibility=visibility)
    return obj


def organization(name: str | None = None, **fields) -> Organization:
    fields.setdefault("visibility", Visibility.PUBLIC)
    return Organization.objects.create(name=name or f"Test Organization {next(_numbers)}", **fields)


def affiliation(
    person_obj: Person | None = None,
    organization_obj: Organization | None = None,
    *,
    cited: bool = True,
    **fields,
) -> Affiliation:
    fields.setdefault("visibility", Visibility.PUBLIC)
    obj = Affiliation.objects.create(
        person=person_obj or person(), organization=organization_obj or organization(), **fields
    )
    return _cited(obj, cited)


def detention(
    person_obj: Person | None = None,
    *,
    arrested=None,
    released=None,
    stage=None,
    cited: bool = True,
    **fields,
):
    fields.setdefault("visibility", Visibility.PUBLIC)
    obj = Detention(person=person_obj or person(), **fields)
    obj.arrested_on = PartialDate.parse(arrested) if isinstance(arrested, str) else arrested
    obj.released_on = PartialDate.parse(released) if isinstance(released, str) else released
    if stage:
        obj.legal_stage = LegalStage.objects.get(code=stage)
    obj.save()
    return _cited(obj, cited)


def case_event(
    detention_obj: Detention,
    kind: str = "arrested",
    occurred=None,
    *,
    cited: bool = True,
    **fields,
) -> CaseEvent:
    fields.setdefault("visibility", Visibility.PUBLIC)
    obj = CaseEvent(detention=detention_obj, kind=CaseEventKind.objects.get(code=kind), **fields)
    obj.occurred_on = PartialDate.parse(occurred) if occurred else None
    obj.save()
    return _cited(obj, cited)


def allegation(
    person_obj: Person | None = None, kind: str = "torture", *, cited: bool = True, **fields
) -> Allegation:
    fields.setdefault("visibility", Visibility.PUBLIC)
    if person_obj is None and "victim_description" not in fields:
        person_obj = person()
    obj = Allegation.objects.create(
        person=person_obj, kind=AllegationKind.objects.get(code=kind), **fields
    )
    return _cited(obj, cited)


def statement(
    title: str = "A statement",
    *,
    issuer=None,
    kind: str = "call-for-release",
    cited: bool = True,
    **fields,
) -> Statement:
    fields.setdefault("visibility", Visibility.PUBLIC)
    obj = Statement.objects.create(
        title=title,
        kind=StatementKind.objects.get(code=kind),
        issuer_organization=issuer or organization(),
        **fields,
    )
    return _cited(obj, cited)


def source(title: str = "A source", *, kind: str = "news-article", **fields) -> Source:
    fields.setdefault("visibility", Visibility.PUBLIC)
    return Source.objects.create(title=title, kind=SourceKind.objects.get(code=kind), **fields)


def citation(source_obj: Source | None = None, **target) -> Citation:
    target.setdefault("visibility", Visibility.PUBLIC)
    if "person" in target:
        target.setdefault("claim", "name")
    return Citation.objects.create(source=source_obj or source(), **target)


def delete_case_data() -> None:
    """Remove every case record (vocabularies stay), children before parents."""
    from cases.models import IssuedSlug, Merge, SeedRecord, Withdrawal
    from interventions.models import Intervention
    from officials.models import Involvement, Official
    from sources.models import ReportedCount
    from trials.models import Trial

    for model in (
        Merge,
        Citation,
        Involvement,  # before its official (a protected key)
        Official,  # with its names and positions, before their organizations
        Trial,  # with its defendants and hearings, before its court
        Intervention,  # before its body (a protected key)
        Statement,
        Allegation,
        Detention,
        Person,
        ReportedCount,  # before its publisher (a protected key)
        Source,
        Organization,
        IssuedSlug,
        SeedRecord,  # or the next load_seed would take the seed records as deleted by an editor
        Withdrawal,  # the deletions above are withdrawals of public records: not the next test's
    ):
        model.objects.all().delete()


def staff_sign_in(client, user):
    """Sign a staff member in with both factors, as the admin requires: a confirmed
    authenticator app and a session it verified."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    device = device or TOTPDevice.objects.create(user=user, name="Test app", confirmed=True)
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client
