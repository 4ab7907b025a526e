"""Small builders for test data: each makes a valid record with sensible
defaults, so a test states only what it is about."""

from __future__ import annotations

import itertools

from cases.choices import Visibility
from cases.models import (
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
from sources.models import Citation, Source

_numbers = itertools.count(1)


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


def detention(
    person_obj: Person | None = None, *, arrested=None, released=None, stage=None, **fields
):
    fields.setdefault("visibility", Visibility.PUBLIC)
    obj = Detention(person=person_obj or person(), **fields)
    obj.arrested_on = PartialDate.parse(arrested) if isinstance(arrested, str) else arrested
    obj.released_on = PartialDate.parse(released) if isinstance(released, str) else released
    if stage:
        obj.legal_stage = LegalStage.objects.get(code=stage)
    obj.save()
    return obj


def case_event(
    detention_obj: Detention, kind: str = "arrested", occurred=None, **fields
) -> CaseEvent:
    fields.setdefault("visibility", Visibility.PUBLIC)
    obj = CaseEvent(detention=detention_obj, kind=CaseEventKind.objects.get(code=kind), **fields)
    obj.occurred_on = PartialDate.parse(occurred) if occurred else None
    obj.save()
    return obj


def allegation(person_obj: Person | None = None, kind: str = "torture", **fields) -> Allegation:
    fields.setdefault("visibility", Visibility.PUBLIC)
    if person_obj is None and "victim_description" not in fields:
        person_obj = person()
    return Allegation.objects.create(
        person=person_obj, kind=AllegationKind.objects.get(code=kind), **fields
    )


def statement(title: str = "A statement", *, issuer=None, kind: str = "call-for-release", **fields):
    fields.setdefault("visibility", Visibility.PUBLIC)
    return Statement.objects.create(
        title=title,
        kind=StatementKind.objects.get(code=kind),
        issuer_organization=issuer or organization(),
        **fields,
    )


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
    from cases.models import IssuedSlug, Merge, SeedRecord
    from sources.models import ReportedCount

    for model in (
        Merge,
        Citation,
        Statement,
        Allegation,
        Detention,
        Person,
        ReportedCount,  # before its publisher (a protected key)
        Source,
        Organization,
        IssuedSlug,
        SeedRecord,  # or the next load_seed would take the seed records as deleted by an editor
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
