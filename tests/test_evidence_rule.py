"""The evidence rule for writes (cases.evidence): a fact is made partners-level or
public only with a citation that level's reader may see. The publish service,
restores, the admin's forms and bulk actions and the case-sheet import go
through it; Needs sources and `audit_evidence` list what it blocks."""

from __future__ import annotations

import csv
import io
import itertools
import re
from html import escape as html_escape

import pytest
from django.apps import apps
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from cases import admin_evidence, evidence, services
from cases.case_sheet import COLUMNS, case_sheet_import
from cases.models import Affiliation, Allegation, Detention, Person, Statement
from cases.partial_dates import PartialDate
from cases.seed import DEFAULT_SEED_FILE, load_seed
from cases.visibility import Reader, visibility_q
from interventions.models import Intervention
from places.models import CustodyPeriod, Facility
from sources.models import Citation, Source
from tests import factories

pytestmark = pytest.mark.django_db

INTERNAL, PARTNERS, PUBLIC = "internal", "partners", "public"


# --- building facts explicitly: uncited unless a test cites them ---------------------------


def held(name: str = "Bakhtiyar Hajiyev", *, level: str = INTERNAL) -> Detention:
    """A detention without any citation, at `level`."""
    return factories.detention(factories.person(name), arrested="2023", cited=False,
                               visibility=level)  # fmt: skip


def cite(fact, *, citation: str = PUBLIC, source: str = PUBLIC, **source_fields) -> Citation:
    """A citation of `fact` at level `citation`, of a new source at level `source`."""
    source_obj = factories.source(f"Source {fact.pk} {citation} {source}", visibility=source,
                                  **source_fields)  # fmt: skip
    field = evidence.citation_field(type(fact))
    return Citation.objects.create(source=source_obj, **{field: fact}, visibility=citation)


# --- the rule ------------------------------------------------------------------------------


def test_the_rule_covers_every_fact_the_visibility_policy_cites():
    names = {model._meta.model_name for model in evidence.fact_models()}
    assert {"affiliation", "detention", "caseevent", "allegation", "statement"} <= names
    assert {"facility", "custodyperiod"} <= names  # the places app's facts
    assert "intervention" in names  # the interventions app's fact
    assert not evidence.is_fact(Person) and not evidence.is_fact(Citation)


@pytest.mark.parametrize("level", [PUBLIC, PARTNERS])
def test_a_fact_without_any_citation_may_not_be_published(level):
    detention = held()
    [problem] = evidence.publication_problems(detention, level, stored_visibility=INTERNAL)
    assert problem.startswith("Detention “Bakhtiyar Hajiyev, arrested 2023”: no citation")
    reader = "a public reader" if level == PUBLIC else "a partner"
    assert f"no citation {reader} may see" in problem


@pytest.mark.parametrize(
    "level, citation, source, allowed",
    [
        (PUBLIC, PUBLIC, PUBLIC, True),
        (PUBLIC, INTERNAL, PUBLIC, False),  # the citation itself is staff-only
        (PUBLIC, PUBLIC, INTERNAL, False),  # its source is staff-only
        (PUBLIC, PARTNERS, PUBLIC, False),
        (PARTNERS, PARTNERS, PARTNERS, True),
        (PARTNERS, PUBLIC, PARTNERS, True),
        (PARTNERS, PARTNERS, INTERNAL, False),
    ],
)
def test_a_fact_needs_a_citation_and_source_its_level_may_see(level, citation, source, allowed):
    detention = held()
    cite(detention, citation=citation, source=source)
    problems = evidence.publication_problems(detention, level, stored_visibility=INTERNAL)
    assert (problems == []) is allowed, problems
    if not allowed:
        assert (
            "its citation is not one" in problems[0] and "publish it with its source" in problems[0]
        )


def test_a_confidential_source_counts():
    detention = held()
    cite(detention, is_confidential=True)
    assert evidence.publication_problems(detention, PUBLIC, stored_visibility=INTERNAL) == []


def test_a_citation_or_source_in_the_trash_does_not_count():
    trashed_citation, trashed_source = held("One"), held("Two")
    cite(trashed_citation).__class__.objects.filter(detention=trashed_citation).update(
        deleted_at=timezone.now()
    )
    Source.objects.filter(pk=cite(trashed_source).source_id).update(deleted_at=timezone.now())
    for detention in (trashed_citation, trashed_source):
        assert evidence.publication_problems(detention, PUBLIC, stored_visibility=INTERNAL)


def test_lowering_a_level_is_never_refused():
    detention = held(level=PUBLIC)  # written around the rule
    assert evidence.publication_problems(detention, PARTNERS, stored_visibility=PUBLIC) == []
    assert evidence.publication_problems(detention, INTERNAL, stored_visibility=PUBLIC) == []
    # keeping it public is not lowering
    assert evidence.publication_problems(detention, PUBLIC, stored_visibility=PUBLIC)


def test_citations_as_a_form_leaves_them_agree_with_the_policy_in_every_combination():
    """The rule for rows not yet saved (cases.evidence._may_be_seen) says what
    visibility_q(Citation, reader) says of the same rows saved."""
    detention = held()
    levels = (INTERNAL, PARTNERS, PUBLIC)
    for citation_level, source_level, citation_trashed, source_trashed in itertools.product(
        levels, levels, (False, True), (False, True)
    ):
        citation = cite(detention, citation=citation_level, source=source_level)
        if source_trashed:
            Source.objects.filter(pk=citation.source_id).update(deleted_at=timezone.now())
        if citation_trashed:
            Citation.objects.filter(pk=citation.pk).update(deleted_at=timezone.now())
        unsaved = Citation(
            source_id=citation.source_id, detention=detention, visibility=citation_level,
            deleted_at=timezone.now() if citation_trashed else None,
        )  # fmt: skip
        for reader in (Reader.PARTNER, Reader.PUBLIC):
            saved = Citation.objects.filter(pk=citation.pk).filter(visibility_q(Citation, reader))
            assert evidence._may_be_seen([unsaved], reader) is saved.exists(), (
                citation_level, source_level, citation_trashed, source_trashed, reader,
            )  # fmt: skip
        Citation.objects.filter(pk=citation.pk).delete()


# --- the publish service -------------------------------------------------------------------


def test_publishing_in_bulk_refuses_every_uncited_fact_and_writes_nothing(django_user_model):
    cited, uncited = held("Cited Person"), held("Tofig Yagublu")
    cite(cited)
    with pytest.raises(ValidationError) as refused:
        services.records_publish(
            queryset=Detention.objects.filter(pk__in=[cited.pk, uncited.pk]), visibility=PUBLIC
        )
    [message] = refused.value.messages
    assert message.startswith("Detention “Tofig Yagublu, arrested 2023”: no citation")
    assert set(Detention.objects.values_list("visibility", flat=True)) == {INTERNAL}
    # with its evidence, the same call publishes both
    cite(uncited)
    assert services.records_publish(queryset=Detention.objects.all(), visibility=PUBLIC) == 2


@pytest.mark.parametrize("factory", ["affiliation", "allegation", "statement", "case_event"])
def test_every_kind_of_fact_is_refused_without_a_citation(factory):
    make = getattr(factories, factory)
    fact = (
        make(held(), cited=False, visibility=INTERNAL)
        if factory == "case_event"
        else make(cited=False, visibility=INTERNAL)
    )
    with pytest.raises(ValidationError):
        services.records_publish(queryset=type(fact).objects.filter(pk=fact.pk), visibility=PUBLIC)
    cite(fact)
    assert services.records_publish(
        queryset=type(fact).objects.filter(pk=fact.pk), visibility=PUBLIC
    )


def facility(name: str = "Prison No. 13", *, level: str = INTERNAL) -> Facility:
    """A facility without any citation, at `level`."""
    return Facility.objects.create(name=name, visibility=level)


def custody_period(*, level: str = INTERNAL) -> CustodyPeriod:
    """A custody period without any citation (of an uncited detention and facility)."""
    period = CustodyPeriod(detention=held(), facility=facility("Kurdakhani"), visibility=level)
    period.held_from = PartialDate.parse("2023-11")
    period.save()
    return period


@pytest.mark.parametrize("make", [facility, custody_period], ids=["facility", "custody period"])
@pytest.mark.parametrize(
    "level, citation, source, allowed",
    [
        (PUBLIC, PUBLIC, PUBLIC, True),
        (PUBLIC, PARTNERS, PUBLIC, False),
        (PUBLIC, PUBLIC, INTERNAL, False),
        (PARTNERS, PARTNERS, PARTNERS, True),
        (PARTNERS, INTERNAL, PUBLIC, False),
    ],
)
def test_a_facility_or_custody_period_needs_a_citation_its_level_may_see(
    make, level, citation, source, allowed
):
    fact = make()
    chosen = type(fact).objects.filter(pk=fact.pk)
    with pytest.raises(ValidationError, match="no citation"):
        services.records_publish(queryset=chosen, visibility=level)
    cite(fact, citation=citation, source=source)
    if allowed:
        assert services.records_publish(queryset=chosen, visibility=level) == 1
    else:
        with pytest.raises(ValidationError, match="is not one"):
            services.records_publish(queryset=chosen, visibility=level)
    fact.refresh_from_db()
    assert fact.visibility == (level if allowed else INTERNAL)


def test_a_custody_period_needs_its_own_citation_not_its_detentions_or_facilitys():
    period = custody_period()
    cite(period.detention)
    cite(period.facility)
    [problem] = evidence.publication_problems(period, PUBLIC, stored_visibility=INTERNAL)
    assert problem.startswith("Custody period “Bakhtiyar Hajiyev @ Kurdakhani”: no citation")
    cite(period)
    assert evidence.publication_problems(period, PUBLIC, stored_visibility=INTERNAL) == []


def test_a_public_facility_restored_from_the_trash_without_its_evidence_comes_back_internal():
    place = facility(level=PUBLIC)  # written around the rule
    services.records_trash(queryset=Facility.objects.filter(pk=place.pk))
    services.records_restore_from_trash(queryset=Facility.objects.filter(pk=place.pk))
    place.refresh_from_db()
    assert (place.deleted_at, place.visibility) == (None, INTERNAL)


def intervention(*, level: str = INTERNAL) -> Intervention:
    """An intervention without any citation, at `level`, on behalf of a cited person,
    before a body (itself cited and public: its evidence is not the intervention's)."""
    body = factories.organization("UN Working Group on Arbitrary Detention")
    proceeding = Intervention.objects.create(
        kind="wgad", body=body, title="Opinion on Bakhtiyar Hajiyev", status="decided",
        outcome="arbitrary", wgad_categories=["II"], visibility=level,
    )  # fmt: skip
    proceeding.persons.add(held(level=PUBLIC).person)
    cite(proceeding.persons.get().detentions.get())
    return proceeding


@pytest.mark.parametrize(
    "level, citation, source, allowed",
    [
        (PUBLIC, PUBLIC, PUBLIC, True),
        (PUBLIC, PARTNERS, PUBLIC, False),
        (PUBLIC, INTERNAL, PUBLIC, False),
        (PUBLIC, PUBLIC, INTERNAL, False),
        (PARTNERS, PARTNERS, PARTNERS, True),
        (PARTNERS, PUBLIC, PARTNERS, True),
        (PARTNERS, INTERNAL, PUBLIC, False),
        (PARTNERS, PARTNERS, INTERNAL, False),
    ],
)
def test_an_intervention_needs_a_citation_its_level_may_see(level, citation, source, allowed):
    fact = intervention()
    chosen = Intervention.objects.filter(pk=fact.pk)
    [problem] = evidence.publication_problems(fact, level, stored_visibility=INTERNAL)
    assert problem.startswith("Intervention “Opinion on Bakhtiyar Hajiyev”: no citation"), problem
    with pytest.raises(ValidationError, match="no citation"):
        services.records_publish(queryset=chosen, visibility=level)
    cite(fact, citation=citation, source=source)
    if allowed:
        assert services.records_publish(queryset=chosen, visibility=level) == 1
    else:
        with pytest.raises(ValidationError, match="is not one"):
            services.records_publish(queryset=chosen, visibility=level)
    fact.refresh_from_db()
    assert fact.visibility == (level if allowed else INTERNAL)


def test_an_intervention_needs_its_own_citation_not_its_persons_or_bodys():
    fact = intervention()  # its person's detention is cited (public)
    assert evidence.publication_problems(fact, PUBLIC, stored_visibility=INTERNAL)
    trashed = cite(fact)
    Citation.objects.filter(pk=trashed.pk).update(deleted_at=timezone.now())
    assert evidence.publication_problems(fact, PUBLIC, stored_visibility=INTERNAL)
    cite(fact)
    assert evidence.publication_problems(fact, PUBLIC, stored_visibility=INTERNAL) == []


def test_a_public_intervention_restored_from_the_trash_without_its_evidence_comes_back_internal():
    fact = intervention(level=PUBLIC)  # written around the rule
    services.records_trash(queryset=Intervention.objects.filter(pk=fact.pk))
    services.records_restore_from_trash(queryset=Intervention.objects.filter(pk=fact.pk))
    fact.refresh_from_db()
    assert (fact.deleted_at, fact.visibility) == (None, INTERNAL)


def test_records_that_are_not_facts_are_published_as_before():
    person = factories.person(visibility=INTERNAL)
    assert services.records_publish(queryset=Person.objects.filter(pk=person.pk), visibility=PUBLIC)


def test_restoring_a_public_version_of_a_fact_now_without_citations_is_refused():
    detention = held()
    citation = cite(detention)
    services.records_publish(queryset=Detention.objects.filter(pk=detention.pk), visibility=PUBLIC)
    event = (
        apps.get_model("cases", "DetentionEvent")
        .objects.filter(pgh_obj=detention, visibility=PUBLIC)
        .last()
    )
    services.records_publish(
        queryset=Detention.objects.filter(pk=detention.pk), visibility=INTERNAL
    )
    Citation.objects.filter(pk=citation.pk).update(visibility=INTERNAL)
    detention.refresh_from_db()
    with pytest.raises(ValidationError, match="no citation|not one a public reader"):
        services.record_restore_version(obj=detention, event=event)
    detention.refresh_from_db()
    assert detention.visibility == INTERNAL


def test_a_public_fact_restored_from_the_trash_without_its_evidence_comes_back_internal():
    detention = held(level=PUBLIC)
    services.records_trash(queryset=Detention.objects.filter(pk=detention.pk))
    assert services.records_restore_from_trash(queryset=Detention.objects.filter(pk=detention.pk))
    detention.refresh_from_db()
    assert (detention.deleted_at, detention.visibility) == (None, INTERNAL)
    # one with its evidence keeps its level
    cite(detention)
    Detention.objects.filter(pk=detention.pk).update(visibility=PUBLIC, deleted_at=timezone.now())
    services.records_restore_from_trash(queryset=Detention.objects.filter(pk=detention.pk))
    detention.refresh_from_db()
    assert detention.visibility == PUBLIC


# --- the admin's change forms ----------------------------------------------------------------


def page_form(client, url: str) -> dict:
    """What a browser posts from the page at `url` unchanged: every field as shown."""
    html = client.get(url).content.decode()
    data = {}
    for tag in re.findall(r"<input[^>]*>", html):
        name = re.search(r'name="([^"]+)"', tag)
        if not name or re.search(r'type="(submit|file)"', tag) or "__prefix__" in tag:
            continue
        if 'type="checkbox"' in tag and "checked" not in tag:
            continue
        value = re.search(r'value="([^"]*)"', tag)
        data[name[1]] = value[1] if value else ""
    for name, attrs, body in re.findall(
        r'<select name="([^"]+)"([^>]*)>(.*?)</select>', html, re.S
    ):
        chosen = re.findall(r'<option value="([^"]*)"[^>]*selected', body)
        if "__prefix__" not in name and (chosen or "multiple" not in attrs):
            data[name] = chosen if "multiple" in attrs else (chosen[0] if chosen else "")
    for name, body in re.findall(r'<textarea name="([^"]+)"[^>]*>(.*?)</textarea>', html, re.S):
        if "__prefix__" not in name:
            data[name] = body.strip("\n")
    data.pop("csrfmiddlewaretoken", None)
    return data


def change_url(obj) -> str:
    return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])


def visibility_errors(response) -> list[str]:
    assert response.status_code == 200, response.status_code
    return list(response.context["adminform"].form.errors.get("visibility", []))


def test_the_change_form_refuses_a_public_fact_without_a_citation(staff_client):
    detention = held()
    data = page_form(staff_client, change_url(detention))
    data["visibility"] = PUBLIC
    [error] = visibility_errors(staff_client.post(change_url(detention), data))
    assert "Detention “Bakhtiyar Hajiyev, arrested 2023”: no citation a public reader" in error
    detention.refresh_from_db()
    assert detention.visibility == INTERNAL


def test_a_citation_added_in_the_same_form_counts(staff_client):
    detention = held()
    source = factories.source("The public article", visibility=PUBLIC)
    data = page_form(staff_client, change_url(detention))
    prefix = next(k.removesuffix("-TOTAL_FORMS") for k in data
                  if k.endswith("-TOTAL_FORMS") and k.startswith("citations"))  # fmt: skip
    row = int(data[f"{prefix}-TOTAL_FORMS"])
    data.update({
        f"{prefix}-TOTAL_FORMS": str(row + 1), f"{prefix}-{row}-source": source.pk,
        f"{prefix}-{row}-confidence": "high", f"{prefix}-{row}-visibility": INTERNAL,
        "visibility": PUBLIC,
    })  # fmt: skip
    # an internal citation of a public source is not enough...
    assert "its citation is not one a public reader may see" in " ".join(
        visibility_errors(staff_client.post(change_url(detention), data))
    )
    assert not Citation.objects.exists()
    # ...a public one is
    data[f"{prefix}-{row}-visibility"] = PUBLIC
    response = staff_client.post(change_url(detention), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    detention.refresh_from_db()
    assert detention.visibility == PUBLIC and detention.citations.get().source == source


def test_a_citation_deleted_in_the_same_form_no_longer_counts(staff_client):
    detention = held()
    cite(detention)
    data = page_form(staff_client, change_url(detention))
    data.update({"visibility": PUBLIC, "citations-0-DELETE": "on"})
    assert visibility_errors(staff_client.post(change_url(detention), data))
    assert Citation.objects.filter(deleted_at__isnull=True).count() == 1


def test_a_new_fact_is_added_public_with_the_citation_typed_on_it(staff_client):
    person = factories.person("Igbal Abilov")
    source = factories.source("The public article", visibility=PUBLIC)
    url = reverse("admin:cases_allegation_add")
    data = page_form(staff_client, url)
    data.update({
        "person": person.pk, "kind": Allegation._meta.get_field("kind").related_model.objects
        .get(code="torture").pk, "visibility": PUBLIC,
    })  # fmt: skip
    assert "no citation a public reader may see" in " ".join(
        visibility_errors(staff_client.post(url, data))
    )
    data.update({"citations-TOTAL_FORMS": "1", "citations-0-source": source.pk,
                 "citations-0-confidence": "high", "citations-0-visibility": PUBLIC})  # fmt: skip
    assert staff_client.post(url, data).status_code == 302
    assert Allegation.objects.get(person=person).visibility == PUBLIC


def test_the_facility_form_refuses_a_public_facility_until_a_public_citation_is_typed(
    staff_client,
):
    place = facility()
    source = factories.source("The ombudsman's report", visibility=PUBLIC)
    data = page_form(staff_client, change_url(place))
    data["visibility"] = PUBLIC
    [error] = visibility_errors(staff_client.post(change_url(place), data))
    assert "Facility “Prison No. 13”: no citation a public reader may see" in error
    data.update({
        "citations-TOTAL_FORMS": "1", "citations-0-source": source.pk,
        "citations-0-confidence": "high", "citations-0-visibility": PUBLIC,
    })  # fmt: skip
    assert staff_client.post(change_url(place), data).status_code == 302
    place.refresh_from_db()
    assert place.visibility == PUBLIC


def test_a_custody_period_inline_on_the_detention_page_is_refused_too(staff_client):
    """A custody period row on the detention's page has no citation rows of its own."""
    period = custody_period()
    url = change_url(period.detention)
    data = page_form(staff_client, url)
    data["custody_periods-0-visibility"] = PARTNERS
    response = staff_client.post(url, data)
    assert response.status_code == 200
    formset = next(f.formset for f in response.context["inline_admin_formsets"]
                   if f.formset.prefix == "custody_periods")  # fmt: skip
    assert "no citation a partner may see" in str(formset.errors)
    period.refresh_from_db()
    assert period.visibility == INTERNAL


def test_a_fact_inline_on_another_page_is_refused_too(staff_client):
    """A detention row on the person's page has no citation rows of its own."""
    detention = held("Anar Mammadli")
    url = change_url(detention.person)
    data = page_form(staff_client, url)
    data["detentions-0-visibility"] = PUBLIC
    response = staff_client.post(url, data)
    assert response.status_code == 200
    formset = next(f.formset for f in response.context["inline_admin_formsets"]
                   if f.formset.prefix == "detentions")  # fmt: skip
    assert "no citation a public reader may see" in str(formset.errors)
    detention.refresh_from_db()
    assert detention.visibility == INTERNAL


# --- the admin's bulk actions ----------------------------------------------------------------


def test_the_bulk_publish_action_names_the_refused_facts_and_publishes_nothing(staff_client):
    cited, uncited = held("Cited Person"), held("Tofig Yagublu")
    cite(cited)
    response = staff_client.post(
        reverse("admin:cases_detention_changelist"),
        {"action": "publish_public", "_selected_action": [cited.pk, uncited.pk], "index": 0},
        follow=True,
    )
    [message] = [str(m) for m in response.context["messages"]]
    assert "Nothing was published" in message
    assert "Detention “Tofig Yagublu, arrested 2023”: no citation" in message
    assert "Cited Person" not in message
    assert reverse("admin:cases_needs_sources") in message
    assert set(Detention.objects.values_list("visibility", flat=True)) == {INTERNAL}


# --- Needs sources, the guide on citing ------------------------------------------------------


def test_needs_sources_lists_each_blocked_fact_with_a_link_to_it(staff_client):
    blocked = held("Blocked Person")
    partners_only = held("Partners Person")
    cite(partners_only, citation=PARTNERS, source=PARTNERS)
    ready = held("Ready Person")
    cite(ready)
    around = held("Published Around", level=PUBLIC)  # raw data, no citation
    response = staff_client.get(reverse("admin:cases_needs_sources"))
    html = response.content.decode()
    assert response.status_code == 200
    for fact in (blocked, partners_only, around):
        assert f'href="{change_url(fact)}"' in html
    assert change_url(ready) not in html
    [group] = [g for g in response.context["groups"] if g["opts"].model_name == "detention"]
    assert [row["fact"] for row in group["published"]] == [around]
    assert {row["fact"].pk: row["partners"] for row in group["internal"]} == {
        blocked.pk: False, partners_only.pk: True,
    }  # fmt: skip


def test_needs_sources_reads_the_same_number_of_queries_for_any_number_of_facts(
    staff_client, django_assert_num_queries
):
    """Four queries per kind of fact (two lists and their counts) and the page's
    own eight (session, user, second factor, permissions, messages), however many
    facts are blocked. Every kind of fact has an admin the superuser may view, so
    every kind is a group of the page (a fact without an admin would be left off:
    the facilities and custody periods were, 40 queries, until places.admin)."""
    url = reverse("admin:cases_needs_sources")
    kinds = evidence.fact_models()
    expected = 8 + 4 * len(kinds)
    held("Person 0")
    response = staff_client.get(url)
    assert [group["opts"].model for group in response.context["groups"]] == kinds
    assert {Facility, CustodyPeriod} <= set(kinds)
    with django_assert_num_queries(expected):
        staff_client.get(url)
    for number in range(1, 30):
        held(f"Person {number}", level=PUBLIC if number % 3 else INTERNAL)
        factories.allegation(cited=False, visibility=INTERNAL)
        facility(f"Prison No. {number}", level=PUBLIC if number % 2 else INTERNAL)
    custody_period()
    with django_assert_num_queries(expected):
        response = staff_client.get(url)
    assert response.status_code == 200
    [places] = [g for g in response.context["groups"] if g["opts"].model is Facility]
    assert (places["published_count"], places["internal_count"]) == (15, 15)


def test_needs_sources_is_for_staff_who_may_view_facts(client, django_user_model):
    user = django_user_model.objects.create_user("reader", "r@example.org", "x", is_staff=True)
    signed_in = factories.staff_sign_in(client, user)
    assert signed_in.get(reverse("admin:cases_needs_sources")).status_code == 403
    user.user_permissions.add(Permission.objects.get(codename="view_detention"))
    response = signed_in.get(reverse("admin:cases_needs_sources"))
    assert response.status_code == 200
    assert [g["opts"].model_name for g in response.context["groups"]] == ["detention"]


def test_the_admin_links_to_needs_sources_and_to_the_guide_on_citing(staff_client):
    index = staff_client.get(reverse("admin:index")).content.decode()
    guide_url = reverse("admin:cases_citing_guide")
    assert reverse("admin:cases_needs_sources") in index and guide_url in index
    detention = held()
    assert guide_url in staff_client.get(change_url(detention)).content.decode()
    needs_sources = staff_client.get(reverse("admin:cases_needs_sources")).content.decode()
    assert guide_url in needs_sources


def test_the_guide_page_shows_the_markdown_file_as_html(staff_client, tmp_path, monkeypatch):
    guide = tmp_path / "citing.md"
    guide.write_text(
        "# How to cite\n\nA *source* is what a fact rests on.\n\n| a | b |\n| - | - |\n"
    )
    monkeypatch.setattr(admin_evidence, "CITING_GUIDE", guide)
    html = staff_client.get(reverse("admin:cases_citing_guide")).content.decode()
    assert re.search(r"<h1[^>]*>How to cite</h1>", html)
    assert "<em>source</em>" in html and "<table>" in html
    guide.unlink()
    html = staff_client.get(reverse("admin:cases_citing_guide")).content.decode()
    assert "docs/citing.md) is missing" in html


def test_the_projects_guide_on_citing_is_served(staff_client):
    assert admin_evidence.CITING_GUIDE.is_file(), "docs/citing.md, linked from the admin"
    heading = next(
        line.lstrip("# ").strip()
        for line in admin_evidence.CITING_GUIDE.read_text().splitlines()
        if line.startswith("# ")
    )
    html = staff_client.get(reverse("admin:cases_citing_guide")).content.decode()
    assert re.search(rf"<h1[^>]*>{re.escape(html_escape(heading))}</h1>", html)


# --- the case-sheet import -----------------------------------------------------------------


def sheet(*rows: dict):
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(COLUMNS))
    writer.writeheader()
    writer.writerows(rows)
    return io.BytesIO(out.getvalue().encode())


def test_an_import_creates_every_fact_and_citation_internal():
    result = case_sheet_import(file=sheet({
        "person": "Elchin Testov", "affiliations": "Abzas Media", "arrested_on": "2023-11",
        "allegations": "torture", "sources": "https://example.org/article",
    }))  # fmt: skip
    assert result.written, [str(e) for e in result.errors]
    for model in (Affiliation, Detention, Allegation, Citation, Source):
        assert set(model.objects.values_list("visibility", flat=True)) == {INTERNAL}, model


def test_an_import_refuses_a_row_changing_a_public_detention_without_evidence():
    detention = held("Elchin Testov", level=PUBLIC)
    result = case_sheet_import(file=sheet(
        {"person": "Elchin Testov", "arrested_on": "2023", "facility": "Kurdakhani"},
    ))  # fmt: skip
    assert not result.written
    [error] = result.errors
    assert (error.row, error.column, error.value) == (2, "arrested_on", "2023")
    assert "public in Casebook without evidence" in error.message
    assert "Detention “Elchin Testov, arrested 2023”: no citation a public reader" in str(error)
    detention.refresh_from_db()
    assert detention.facility == ""
    # with a public citation, the same row is imported
    cite(detention)
    assert case_sheet_import(file=sheet(
        {"person": "Elchin Testov", "arrested_on": "2023", "facility": "Kurdakhani"},
    )).written  # fmt: skip


# --- a release is a fact of its own -------------------------------------------------------


def cite_dated(fact, published: str) -> Citation:
    """A public citation of `fact`, of a new public source published `published`."""
    citation = cite(fact)
    citation.source.published_on = PartialDate.parse(published)
    citation.source.save()
    return citation


def released_with_an_old_source(level: str = PUBLIC) -> Detention:
    """A detention at `level` released on 1 March 2025, cited only by its arrest
    article of May 2023 (public)."""
    detention = held(level=level)
    cite_dated(detention, "2023-05")
    detention.released_on = PartialDate.parse("2025-03-01")
    detention.save()
    return detention


def test_a_release_needs_a_source_as_new_as_it():
    detention = released_with_an_old_source(INTERNAL)
    [problem] = evidence.publication_problems(detention, PUBLIC, stored_visibility=INTERNAL)
    assert "no citation a public reader may see is from a source as new as the release" in problem
    assert "(2025-03-01)" in problem
    with pytest.raises(ValidationError):
        services.records_publish(queryset=Detention.objects.all(), visibility=PUBLIC)
    # an undated source counts (its age is not known); so does one of the release's month
    cite_dated(detention, "2025-03")
    assert evidence.publication_problems(detention, PUBLIC, stored_visibility=INTERNAL) == []


def test_a_release_event_cited_by_a_new_source_supports_it():
    detention = released_with_an_old_source(INTERNAL)
    event = factories.case_event(detention, "released", occurred="2025-03-01", cited=False)
    cite_dated(event, "2025-03-02")
    assert evidence.publication_problems(detention, PUBLIC, stored_visibility=INTERNAL) == []


def test_an_edit_of_something_else_is_not_held_up_by_an_older_release(staff_client):
    """A release published before the rule (its only source older than it) does
    not block an edit of another field: the rule holds when a release is entered,
    changed or shown to wider readers."""
    detention = released_with_an_old_source(PUBLIC)
    assert evidence.publication_problems(detention, PUBLIC, stored_visibility=PUBLIC) == []
    data = page_form(staff_client, change_url(detention))
    data["facility"] = "Kurdakhani"
    response = staff_client.post(change_url(detention), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    detention.refresh_from_db()
    assert detention.facility == "Kurdakhani"
    # made partners-level, then public again: shown to wider readers, so checked
    detention.visibility = PARTNERS
    detention.save()
    assert evidence.publication_problems(detention, PUBLIC, stored_visibility=PARTNERS)


def test_the_change_form_refuses_a_release_entered_without_its_source(staff_client):
    detention = held(level=PUBLIC)
    cite_dated(detention, "2023-05")
    data = page_form(staff_client, change_url(detention))
    data["released_on"] = "2025-03-01"
    [error] = visibility_errors(staff_client.post(change_url(detention), data))
    assert "as new as the release (2025-03-01)" in error
    detention.refresh_from_db()
    assert detention.released_on is None


def test_an_import_refuses_to_release_a_public_detention_without_a_source_for_it():
    detention = held("Elchin Testov", level=PUBLIC)
    cite_dated(detention, "2023-05")
    row = {"person": "Elchin Testov", "arrested_on": "2023", "released_on": "2025-03-01",
           "sources": "https://example.org/freed"}  # fmt: skip
    result = case_sheet_import(file=sheet(row))
    assert not result.written
    [error] = result.errors
    assert (error.row, error.column, error.value) == (2, "released_on", "2025-03-01")
    assert "as new as the release" in error.message and "internal citations" in error.message
    detention.refresh_from_db()
    assert detention.released_on is None
    # once a public source of the release is cited, the row is imported
    cite_dated(detention, "2025-03")
    assert case_sheet_import(file=sheet(row)).written


# --- audit_evidence --------------------------------------------------------------------------


def test_audit_evidence_passes_on_the_seed_and_fails_on_a_public_fact_written_with_sql():
    load_seed(DEFAULT_SEED_FILE)
    out = io.StringIO()
    call_command("audit_evidence", stdout=out)
    assert "Every partners-level and public fact has a citation" in out.getvalue()

    statement = factories.statement("Written around the rule", cited=False, visibility=INTERNAL)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {Statement._meta.db_table} SET visibility = %s WHERE id = %s",
            [PUBLIC, statement.pk],
        )
    out = io.StringIO()
    with pytest.raises(CommandError) as failed:
        call_command("audit_evidence", stdout=out)
    assert failed.value.returncode == 1
    [line] = out.getvalue().splitlines()
    assert line.split("\t") == [
        "statement", str(statement.uuid), PUBLIC, "Written around the rule",
        change_url(statement),
    ]  # fmt: skip


@pytest.mark.django_db(transaction=True)
def test_the_confirmed_bulk_publish_locks_checks_and_publishes_with_real_transactions(
    vocabularies, client, django_user_model, settings
):
    """The whole action as an editor runs it (the list, the confirmation page with the
    password), with real commits: refused while a fact is uncited, then published."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    password = "editor-password-for-evidence-1"
    user = django_user_model.objects.create_superuser("chief", "c@example.org", password)
    editor = factories.staff_sign_in(client, user)
    cited, uncited = held("Cited Person"), held("Tofig Yagublu")
    cite(cited)
    url = reverse("admin:cases_detention_changelist")
    choose = {"action": "publish_public", "_selected_action": [cited.pk, uncited.pk], "index": 0}
    refused = editor.post(url, choose, follow=True)
    assert "Tofig Yagublu, arrested 2023" in " ".join(str(m) for m in refused.context["messages"])
    assert set(Detention.objects.values_list("visibility", flat=True)) == {INTERNAL}
    cite(uncited)
    confirmation = editor.post(url, choose)
    assert 'name="current_password"' in confirmation.content.decode()
    done = editor.post(url, {**choose, "post": "yes", "current_password": password})
    assert done.status_code == 302
    assert set(Detention.objects.values_list("visibility", flat=True)) == {PUBLIC}
