"""Every bulk action of every admin list, run as an editor would run it (the
action, its confirmation page, the password where asked) with real transactions,
without a list filter and under each list filter: no server error, and the
records changed as the action says. The lists come from admin.site's registry,
so a model added to the admin is covered, or this test says which rows it lacks."""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.test import Client, RequestFactory
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from access.models import PartnerToken
from access.services import token_issue
from cases import services
from cases.models import (
    Affiliation,
    Allegation,
    AllegationKind,
    AllegationStatus,
    CaseEvent,
    CaseEventKind,
    Charge,
    Detention,
    LegalStage,
    Merge,
    NameVariant,
    Occupation,
    Organization,
    PaceAssessment,
    Person,
    ReleaseReason,
    SourceKind,
    Statement,
    StatementKind,
)
from cases.partial_dates import PartialDate
from interventions.models import Intervention
from lists.models import CaseGroup, CaseGroupMember, Edition, ListEntry, PrisonerList
from officials.models import Involvement, Official, OfficialName, Position
from places.models import CustodyPeriod, Facility, FacilityKind, FacilityName
from sources.models import Citation, ReportedCount, Source
from tests import accountability_records as records
from tests import factories
from trials.models import Hearing, Trial, TrialDefendant

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "editor-password-for-bulk-actions-1"
INTERNAL = "internal"
_numbers = itertools.count(1)


# --- fresh rows of each model, with the nullable links both set and empty ------------------


def _person(**fields) -> Person:
    return factories.person(visibility=INTERNAL, **fields)


def _detention() -> Detention:
    return factories.detention(
        _person(), arrested=f"20{next(_numbers) % 20 + 10}", stage="convicted",
        visibility=INTERNAL,
    )  # fmt: skip


def _citations() -> list[Citation]:
    detention = _detention()
    person = detention.person
    source = factories.source(visibility=INTERNAL)
    event = factories.case_event(detention, occurred="2023", visibility=INTERNAL)
    allegation = factories.allegation(person, visibility=INTERNAL)
    statement = factories.statement(visibility=INTERNAL)
    affiliation = Affiliation.objects.create(
        person=person, organization=factories.organization(), visibility=INTERNAL
    )
    targets = [{"person": person, "claim": "name"}, {"detention": detention},
               {"case_event": event}, {"allegation": allegation}, {"statement": statement},
               {"affiliation": affiliation}]  # fmt: skip
    return [
        Citation.objects.create(source=source, visibility=INTERNAL, **target) for target in targets
    ]


def _allegations():
    named = factories.allegation(_detention().person, visibility=INTERNAL)
    unnamed = factories.allegation(None, victim_description="fellow detainees", visibility=INTERNAL)
    return [named, unnamed]


def _statements():
    by_organization = factories.statement(visibility=INTERNAL)
    by_person = Statement.objects.create(
        title="By a person", kind=StatementKind.objects.get(code="report"),
        issuer_person=_person(), visibility=INTERNAL,
    )  # fmt: skip
    factories.cite(by_person)
    return [by_organization, by_person]


def _sources():
    published = factories.source(publisher=factories.organization(), visibility=INTERNAL)
    return [published, factories.source("Without publisher", visibility=INTERNAL)]


def _reported_counts():
    count = ReportedCount(
        publisher=factories.organization(), number=254, counted="political prisoners",
        visibility=INTERNAL,
    )  # fmt: skip
    count.as_of = PartialDate.parse("1 December 2023")
    count.save()
    factories.cite(count)
    return [count]


def _vocabulary(model) -> Callable[[], list]:
    def make():
        number = next(_numbers)
        return [model.objects.create(code=f"bulk-term-{number}", label=f"bulk term {number}")]

    return make


def _merge():
    keep, other = _person(), _person()
    factories.detention(other, arrested="2020", visibility=INTERNAL)
    return [services.persons_merge(keep=keep, other=other)]


def _edition() -> Edition:
    """A cited edition of a new list (a fact: publishing it needs the citation)."""
    edition = Edition(prisoner_list=PrisonerList.objects.create(title=f"List {next(_numbers)}"))
    edition.published_on = PartialDate.parse("2024-03")
    edition.save()
    factories.cite(edition)
    return edition


def _case_group() -> CaseGroup:
    group = CaseGroup.objects.create(name=f"Case group {next(_numbers)}")
    factories.cite(group)
    return group


def _facility() -> Facility:
    """A cited facility of a kind, in a region (both list filters have a choice)."""
    kind, _created = FacilityKind.objects.get_or_create(code="prison", defaults={"label": "prison"})
    facility = Facility.objects.create(
        name=f"Prison No. {next(_numbers)}", kind=kind, region="Baku", visibility=INTERNAL
    )
    factories.cite(facility)
    return facility


def _intervention() -> Intervention:
    """A cited petition decided in a year (the year filter has a choice)."""
    intervention = Intervention(
        kind="wgad", title=f"Petition {next(_numbers)}", status="decided", visibility=INTERNAL
    )
    intervention.decided_on = PartialDate.parse("2024")
    intervention.save()
    factories.cite(intervention)
    return intervention


def _custody_periods() -> list[CustodyPeriod]:
    """One open, one closed: each cited (a fact)."""
    rows = []
    for held_until in (None, "2024-05"):
        period = CustodyPeriod(detention=_detention(), facility=_facility(), visibility=INTERNAL)
        period.held_from = PartialDate.parse("2023")
        period.held_until = PartialDate.parse(held_until) if held_until else None
        period.save()
        factories.cite(period)
        rows.append(period)
    return rows


def _cited(fact):
    """An internal fact with a public citation: publishing it passes the rule."""
    factories.cite(fact)
    return fact


def _trial() -> Trial:
    return _cited(records.trial(visibility=INTERNAL, cited=False, opened="2024"))


def _official() -> Official:
    return _cited(records.official(visibility=INTERNAL, cited=False))


def _other_user():
    return get_user_model().objects.create_user(f"colleague{next(_numbers)}", password="x-1")


def _access(model, **extra):
    def make():
        return [
            model.objects.create(
                user_agent="test", ip_address="10.0.0.1", username=f"someone{next(_numbers)}",
                http_accept="*/*", path_info="/admin/login/", **extra,
            )
        ]  # fmt: skip

    return make


ROWS: dict[type, Callable[[], list]] = {
    Organization: lambda: [factories.organization(visibility=INTERNAL)],
    Person: lambda: [
        factories.detention(_person(), arrested="2021", stage="convicted").person,
        _person(),
    ],  # fmt: skip
    NameVariant: lambda: list(_person(variants=["Another Spelling"]).name_variants.all()),
    # facts are cited: publishing one needs a citation its readers may see (cases.evidence)
    Affiliation: lambda: [factories.affiliation(_person(), visibility=INTERNAL)],
    Detention: lambda: [_detention(), factories.detention(_person(), visibility=INTERNAL)],
    Charge: lambda: [Charge.objects.create(detention=_detention(), article="206.3.2")],
    CaseEvent: lambda: [factories.case_event(_detention(), occurred="2023-05")],
    PaceAssessment: lambda: [
        PaceAssessment.objects.create(detention=_detention(), criterion="a", justification="why")
    ],
    Allegation: _allegations,
    Statement: _statements,
    Source: _sources,
    Citation: _citations,
    ReportedCount: _reported_counts,
    Merge: _merge,
    Occupation: _vocabulary(Occupation),
    LegalStage: _vocabulary(LegalStage),
    CaseEventKind: _vocabulary(CaseEventKind),
    ReleaseReason: _vocabulary(ReleaseReason),
    AllegationKind: _vocabulary(AllegationKind),
    AllegationStatus: _vocabulary(AllegationStatus),
    StatementKind: _vocabulary(StatementKind),
    SourceKind: _vocabulary(SourceKind),
    Group: lambda: [Group.objects.create(name=f"Temporary group {next(_numbers)}")],
    PartnerToken: lambda: [token_issue(name=f"Partner {next(_numbers)}")[0]],
    TOTPDevice: lambda: [TOTPDevice.objects.create(user=_other_user(), name="phone")],
    StaticDevice: lambda: [StaticDevice.objects.create(user=_other_user(), name="backup")],
    AccessAttempt: _access(AccessAttempt, get_data="", post_data="", failures_since_start=1),
    AccessLog: _access(AccessLog),
    AccessFailureLog: _access(AccessFailureLog, locked_out=False),
    PrisonerList: lambda: [PrisonerList.objects.create(title=f"List {next(_numbers)}")],
    Edition: lambda: [_edition()],
    ListEntry: lambda: [ListEntry.objects.create(edition=_edition(), person=_person())],
    CaseGroup: lambda: [_case_group()],
    CaseGroupMember: lambda: [
        CaseGroupMember.objects.create(group=_case_group(), person=_person())
    ],
    Facility: lambda: [_facility()],
    FacilityName: lambda: [FacilityName.objects.create(facility=_facility(), name="Тюрьма № 13")],
    CustodyPeriod: _custody_periods,
    FacilityKind: _vocabulary(FacilityKind),
    Intervention: lambda: [_intervention()],
    Official: lambda: [_official()],
    OfficialName: lambda: [records.official_name(_official(), "Алиев", visibility=INTERNAL)],
    Position: lambda: [
        _cited(records.position(_official(), visibility=INTERNAL, cited=False, started="2020"))
    ],
    # an investigator: an alleged perpetrator would need two publishers to be public
    Involvement: lambda: [
        _cited(
            records.involvement(
                _official(), detention=_detention(), visibility=INTERNAL, cited=False
            )
        )
    ],  # fmt: skip
    Trial: lambda: [_trial()],
    TrialDefendant: lambda: [records.defendant(_trial(), _person(), visibility=INTERNAL)],
    Hearing: lambda: [
        _cited(records.hearing(_trial(), "2024-05-02", visibility=INTERNAL, cited=False))
    ],
}


# --- driving the admin as a browser does ---------------------------------------------------


def changelist(model) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")


def hidden_inputs(html: str) -> dict[str, list[str]]:
    fields: dict[str, list[str]] = {}
    for tag in re.findall(r"<input[^>]*>", html):
        if 'type="hidden"' not in tag:
            continue
        name, value = re.search(r'name="([^"]+)"', tag), re.search(r'value="([^"]*)"', tag)
        if name and name[1] != "csrfmiddlewaretoken":
            fields.setdefault(name[1], []).append(value[1] if value else "")
    return fields


def run_action(client: Client, url: str, action: str, pks: list) -> None:
    """Choose the rows and the action on the list at `url`, then confirm as the
    page asks (its hidden fields, and the password when it asks for it), until the
    admin redirects back to the list."""
    response = client.post(url, {"action": action, "_selected_action": pks, "index": 0})
    for _step in range(3):
        assert response.status_code < 500, (url, action)
        if response.status_code == 302:
            return
        html = response.content.decode()
        assert response.status_code == 200 and 'name="post"' in html, (
            f"{url} {action}: neither done nor a confirmation page: {html[:1500]}"
        )
        data = hidden_inputs(html)
        if 'name="current_password"' in html:
            data["current_password"] = [PASSWORD]
        response = client.post(url, data)
    raise AssertionError(f"{url} {action}: still asking after three confirmations")


def filter_choices(client: Client, model, pks: list) -> list[str | None]:
    """No filter, then for each list filter the first choice whose rows hold
    some of `pks` (as a query string)."""
    response = client.get(changelist(model))
    assert response.status_code == 200, model
    cl = response.context["cl"]
    queries: list[str | None] = [None]
    for spec in cl.filter_specs:
        for choice in spec.choices(cl):
            query = choice["query_string"]
            if choice.get("selected") or query in ("?", ""):
                continue
            listed = client.get(changelist(model) + query).context["cl"].queryset
            if listed.filter(pk__in=pks).exists():
                queries.append(query)
                break
    return queries


def reset(model, action: str, pks: list) -> None:
    """Put the rows back where the action has something to do."""
    if hasattr(model, "visibility"):
        start = "public" if action == "make_internal" else INTERNAL
        model.objects.filter(pk__in=pks).update(visibility=start, deleted_at=None)


def check_result(model, action: str, pks: list) -> None:
    rows = model._default_manager.filter(pk__in=pks)
    if action in ("publish_public", "publish_partners", "make_internal"):
        level = {"publish_public": "public", "publish_partners": "partners"}.get(action, INTERNAL)
        assert set(rows.values_list("visibility", flat=True)) == {level}, (model, action)
    elif action == "delete_selected" and hasattr(model, "deleted_at"):
        assert rows.count() == len(pks) and not rows.filter(deleted_at__isnull=True).exists()
    elif action == "delete_selected":
        assert not rows.exists(), (model, "not deleted")
    elif action == "undo":
        assert not rows.filter(undone_at__isnull=True).exists()
    elif action == "revoke":
        assert not rows.filter(revoked_at__isnull=True).exists()


@pytest.fixture
def editor(vocabularies, django_user_model, settings) -> Client:
    # the password is checked on every confirmation page: a fast hash for the test
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    user = django_user_model.objects.create_superuser("chief", "c@example.org", PASSWORD)
    return factories.staff_sign_in(Client(), user)


@pytest.mark.slow
def test_every_bulk_action_on_every_admin_list_works_with_and_without_a_filter(editor):
    request = RequestFactory().get("/")
    request.user = get_user_model().objects.get(username="chief")
    ran = []
    for model, model_admin in admin.site._registry.items():
        actions = list(model_admin.get_actions(request))
        if not actions:
            continue
        assert model in ROWS, (
            f"{model.__name__} has bulk actions {actions}: add a maker of its rows to ROWS"
        )
        pks = [row.pk for row in ROWS[model]()]
        for action in actions:
            reset(model, action, pks)
            for query in filter_choices(editor, model, pks):
                reset(model, action, pks)
                listed = model_admin.get_queryset(request)
                if query:
                    listed = editor.get(changelist(model) + query).context["cl"].queryset
                chosen = list(listed.filter(pk__in=pks).values_list("pk", flat=True))
                assert chosen, (model, action, query)
                run_action(editor, changelist(model) + (query or ""), action, chosen)
                check_result(model, action, chosen)
                ran.append((model.__name__, action, query))
                if action == "delete_selected" and hasattr(model, "deleted_at"):
                    for pk in chosen:  # and an editor restores them from the trash
                        response = editor.post(
                            reverse("admin:cases_trash"),
                            {"record": f"{model._meta.label_lower}:{pk}"},
                        )
                        assert response.status_code == 302
                    assert not model.objects.filter(pk__in=chosen, deleted_at__isnull=False)
                elif action in ("delete_selected", "undo", "revoke"):
                    pks = [row.pk for row in ROWS[model]()]  # fresh rows for the next pass
    ran_on = {(name, action) for name, action, _query in ran}
    for model in (Citation, Allegation, Source, Person, Organization, Statement, Detention):
        for action in ("publish_public", "publish_partners", "make_internal", "delete_selected"):
            assert (model.__name__, action) in ran_on
    filtered = {name for name, _action, query in ran if query}
    assert {"Citation", "Allegation", "Source", "Person"} <= filtered


@pytest.mark.parametrize("model", [Citation, Allegation, Source, Statement, Detention])
def test_publishing_records_with_nullable_parents_in_bulk(editor, model):
    # their lists outer-join nullable parents: FOR UPDATE refused those joins (a 500)
    pks = [row.pk for row in ROWS[model]()]
    run_action(editor, changelist(model), "publish_public", pks)
    assert set(model.objects.filter(pk__in=pks).values_list("visibility", flat=True)) == {"public"}
