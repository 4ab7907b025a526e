"""Places of detention in the admin (places.admin, and the custody periods inline
on the detention in cases.admin): the pages load for researchers and editors, a
facility is found by any spelling of any of its names, its page says who is held
there now, a detention's custody periods are saved from the detention's page,
how to write to a person is widened by editors only, and a facility is saved
with its names and citations in one form with real transactions."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, User
from django.test import Client
from django.urls import reverse

from access.roles import EDITOR, RESEARCHER, roles_apply
from cases.models import Allegation, AllegationKind
from cases.partial_dates import PartialDate
from cases.reads.case_records import case_record_ids, case_records
from cases.services import case_publish
from places.models import CustodyPeriod, Facility, FacilityKind, FacilityName
from sources.models import Citation
from tests import factories
from tests.test_admin_citation_inlines import add_form
from tests.test_evidence_rule import change_url, page_form

PASSWORD = "a-long-test-password-7"


def url(model, action="changelist", *args) -> str:
    opts = model._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_{action}", args=args)


def member(role: str, name: str) -> Client:
    roles_apply()
    user = User.objects.create_user(name, password=PASSWORD, is_staff=True)
    user.groups.add(Group.objects.get(name=role))
    return factories.staff_sign_in(Client(), user)


def facility(name: str = "Prison No. 13", *, names=(), cited=True, **fields) -> Facility:
    fields.setdefault("visibility", "public")
    obj = Facility.objects.create(name=name, **fields)
    for other in names:
        FacilityName.objects.create(facility=obj, name=other, visibility=obj.visibility)
    if cited:
        factories.cite(obj)
    return obj


def held_at(place: Facility, detention, *, since: str, until: str | None = None,
            reported: str | None = None, **fields) -> CustodyPeriod:  # fmt: skip
    """A custody period of `detention` at `place`, cited by a source published `reported`."""
    period = CustodyPeriod(detention=detention, facility=place, **fields)
    period.held_from = PartialDate.parse(since)
    period.held_until = PartialDate.parse(until) if until else None
    period.save()
    source = factories.source(f"Report {period.pk}")
    if reported:
        source.published_on = PartialDate.parse(reported)
        source.save()
    factories.cite(period, source_obj=source)
    return period


# --- the pages, for each role ------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("role", [RESEARCHER, EDITOR])
def test_every_places_page_loads_for_researchers_and_editors(role):
    client = member(role, f"{role}-of-places")
    place = facility(names=["Тюрьма № 13"], kind=FacilityKind.objects.get(code="prison"))
    period = held_at(place, factories.detention(arrested="2023"), since="2023-11")
    name = place.names.get()
    pages = [
        url(Facility), url(Facility, "add"), url(Facility, "change", place.pk),
        url(CustodyPeriod), url(CustodyPeriod, "add"), url(CustodyPeriod, "change", period.pk),
        url(FacilityName), url(FacilityName, "change", name.pk),
        url(FacilityKind), url(FacilityKind, "add"),
        url(period.detention, "change", period.detention.pk),
    ]  # fmt: skip
    for page in pages:
        response = client.get(page)
        assert response.status_code == 200, (role, page)
    change = client.get(url(Facility, "change", place.pk))
    prefixes = {formset.formset.prefix for formset in change.context["inline_admin_formsets"]}
    assert prefixes == {"names", "citations"}
    assert "Тюрьма № 13" in change.content.decode()
    detention = client.get(url(period.detention, "change", period.detention.pk))
    inline = next(f for f in detention.context["inline_admin_formsets"]
                  if f.formset.prefix == "custody_periods")  # fmt: skip
    assert [form.instance for form in inline.formset.forms] == [period]
    assert url(CustodyPeriod, "change", period.pk) in detention.content.decode()
    # visibility is the editors' to change, as on every record
    can_publish = role == EDITOR
    assert ('name="visibility"' in change.content.decode()) is can_publish


@pytest.mark.django_db
def test_a_facility_is_found_by_any_spelling_of_any_of_its_names(staff_client):
    wanted = facility("Prison No. 13", names=["Тюрьма № 13", "13 saylı cəzaçəkmə müəssisəsi"])
    facility("Kurdakhani Pre-trial Detention Centre")
    for query in ("prison no 13", "Тюрьма", "sayli cezachekme", "13 saylı"):
        listed = staff_client.get(url(Facility), {"q": query}).context["cl"].queryset
        assert list(listed) == [wanted], query
    # other names are listed beside the name
    page = staff_client.get(url(Facility)).content.decode()
    assert "Тюрьма № 13, 13 saylı cəzaçəkmə müəssisəsi" in page or (
        "13 saylı cəzaçəkmə müəssisəsi, Тюрьма № 13" in page
    )


@pytest.mark.django_db
def test_the_facility_list_counts_its_custody_periods_and_links_to_them(staff_client):
    place, other = facility(), facility("Kurdakhani")
    for _ in range(3):
        held_at(place, factories.detention(arrested="2023"), since="2023")
    trashed = held_at(place, factories.detention(arrested="2022"), since="2022")
    CustodyPeriod.objects.filter(pk=trashed.pk).update(deleted_at=trashed.created_at)
    response = staff_client.get(url(Facility))
    rows = {f.name: f.custody_count for f in response.context["cl"].result_list}
    assert rows == {"Prison No. 13": 3, "Kurdakhani": 0}
    link = f"{url(CustodyPeriod)}?facility__id__exact={place.pk}"
    assert f'href="{link}"' in response.content.decode()
    listed = staff_client.get(link).context["cl"].queryset
    assert listed.count() == 3 and {p.facility_id for p in listed} == {place.pk}
    assert other.pk not in {p.facility_id for p in listed}


@pytest.mark.django_db
def test_held_here_now_lists_the_persons_whose_current_place_it_is(staff_client):
    here, elsewhere = facility(), facility("Kurdakhani")
    now = factories.detention(factories.person("Held Here Now"), arrested="2023")
    held_at(here, now, since="2023-11", reported="2024-01")
    moved = factories.detention(factories.person("Transferred Away"), arrested="2022")
    held_at(here, moved, since="2022", until="2023")
    held_at(elsewhere, moved, since="2023")
    # two open periods: the one with the newer source is where they are
    newer = factories.detention(factories.person("Reported Elsewhere"), arrested="2023")
    held_at(here, newer, since="2023", reported="2023-05")
    held_at(elsewhere, newer, since="2023", reported="2024-02")
    internal = factories.detention(factories.person("Internal Person", visibility="internal"),
                                   arrested="2024")  # fmt: skip
    period = held_at(here, internal, since="2024", visibility="internal")

    page = staff_client.get(url(Facility, "change", here.pk)).content.decode()
    section = page[page.index("Held here now") :]
    assert "Held Here Now" in section and "Internal Person" in section  # staff see every level
    assert "Transferred Away" not in section and "Reported Elsewhere" not in section
    assert f'href="{url(now.person, "change", now.person.pk)}"' in section
    assert f'href="{url(CustodyPeriod, "change", period.pk)}"' in section
    assert "January 2024" in section  # last reported: the newest source's date
    other = staff_client.get(url(Facility, "change", elsewhere.pk)).content.decode()
    other = other[other.index("Held here now") :]
    assert "Transferred Away" in other and "Reported Elsewhere" in other
    assert "Held Here Now" not in other
    # a facility no one is held at says so; the add page has no one to list
    empty = facility("Empty Colony")
    assert (
        "No one, as far as Casebook knows."
        in staff_client.get(url(Facility, "change", empty.pk)).content.decode()
    )
    assert staff_client.get(url(Facility, "add")).status_code == 200


# --- the custody periods inline on the detention ---------------------------------------------


@pytest.mark.django_db
def test_custody_periods_are_added_and_changed_on_the_detention_page(staff_client):
    detention = factories.detention(factories.person("Tofig Yagublu"), arrested="2023-12")
    first, second = facility("Baku Pre-trial Detention Centre No. 1"), facility()
    page = change_url(detention)
    data = page_form(staff_client, page)
    assert data["custody_periods-TOTAL_FORMS"] == "0"
    data.update({
        "custody_periods-TOTAL_FORMS": "2",
        "custody_periods-0-facility": first.pk, "custody_periods-0-held_from": "December 2023",
        "custody_periods-0-held_until": "2024-05-20", "custody_periods-0-visibility": "internal",
        "custody_periods-1-facility": second.pk, "custody_periods-1-held_from": "2024-05-20",
        "custody_periods-1-visibility": "internal",
    })  # fmt: skip
    response = staff_client.post(page, data)
    assert response.status_code == 302, _errors(response)
    periods = list(detention.custody_periods.order_by("held_from"))
    assert [(p.facility, str(p.held_from_partial), p.held_until_partial) for p in periods] == [
        (first, "December 2023", PartialDate.parse("2024-05-20")),
        (second, "20 May 2024", None),
    ]
    # an end before the start is refused on its row, naming it
    data = page_form(staff_client, page)
    data["custody_periods-1-held_until"] = "2023"
    response = staff_client.post(page, data)
    assert response.status_code == 200
    assert "The end cannot be before the start" in str(_errors(response))
    # a row made public without its own citation is refused (a custody period is a fact)
    data = page_form(staff_client, page)
    data["custody_periods-0-visibility"] = "public"
    response = staff_client.post(page, data)
    assert response.status_code == 200
    assert "no citation a public reader may see" in _errors(response)
    assert set(detention.custody_periods.values_list("visibility", flat=True)) == {"internal"}


@pytest.mark.django_db
def test_an_allegation_names_the_facility_where_it_happened(staff_client):
    place = facility()
    person = factories.person("Igbal Abilov")
    add = url(Allegation, "add")
    data = add_form(staff_client, Allegation)
    assert "facility" in data
    data.update({
        "person": person.pk, "kind": AllegationKind.objects.get(code="torture").pk,
        "facility": place.pk, "visibility": "internal",
    })  # fmt: skip
    response = staff_client.post(add, data)
    assert response.status_code == 302, _errors(response)
    assert place.allegations.get().person == person
    # found by its autocomplete, like every other key
    search = staff_client.get(
        reverse("admin:autocomplete"),
        {"term": "prison", "app_label": "cases", "model_name": "allegation",
         "field_name": "facility"},
    )  # fmt: skip
    assert [r["text"] for r in search.json()["results"]] == ["Prison No. 13"]


# --- how to write: its own level -------------------------------------------------------


@pytest.mark.django_db
def test_only_an_editor_may_show_how_to_write_to_more_readers():
    place = facility()
    period = held_at(place, factories.detention(arrested="2023"), since="2023",
                     recipient_line="Hajiyev B., 1983", letter_visibility="partners")  # fmt: skip
    page = url(CustodyPeriod, "change", period.pk)
    researcher = member(RESEARCHER, "rita")
    data = page_form(researcher, page)
    assert data["recipient_line"] == "Hajiyev B., 1983"
    data["letter_visibility"] = "public"
    response = researcher.post(page, data)
    assert response.status_code == 200
    assert "Only an editor may show how to write" in str(
        response.context["adminform"].form.errors["letter_visibility"]
    )
    period.refresh_from_db()
    assert period.letter_visibility == "partners"
    # narrowing it needs no editor: researchers hide it when it would endanger the person
    data["letter_visibility"] = "internal"
    assert researcher.post(page, data).status_code == 302
    period.refresh_from_db()
    assert period.letter_visibility == "internal"
    editor = member(EDITOR, "elnur")
    data = page_form(editor, page)
    data["letter_visibility"] = "public"
    assert editor.post(page, data).status_code == 302
    period.refresh_from_db()
    assert period.letter_visibility == "public"


@pytest.mark.django_db
def test_the_letter_fields_are_grouped_under_how_to_write(staff_client):
    period = held_at(facility(), factories.detention(arrested="2023"), since="2023")
    response = staff_client.get(url(CustodyPeriod, "change", period.pk))
    fieldsets = {str(fs.name): fs for fs in response.context["adminform"]}
    letter = [field.field.name for line in fieldsets["How to write"] for field in line]
    assert letter == ["recipient_line", "letter_note", "letter_confirmed_on", "letter_visibility"]
    prefixes = {f.formset.prefix for f in response.context["inline_admin_formsets"]}
    assert prefixes == {"citations"}


# --- citations of the new facts ----------------------------------------------------------


@pytest.mark.django_db
def test_the_citation_list_names_facilities_and_custody_periods_in_one_query(
    staff_client, django_assert_num_queries
):
    colonies = iter(range(1, 10))

    def cite_more():
        place = facility(f"Colony {next(colonies)}")
        held_at(place, factories.detention(arrested="2023"), since="2023")

    cite_more()
    staff_client.get(url(Citation))
    with django_assert_num_queries(_queries(staff_client, url(Citation))):
        staff_client.get(url(Citation))
    before = _queries(staff_client, url(Citation))
    for _ in range(4):
        cite_more()
    assert _queries(staff_client, url(Citation)) == before
    page = staff_client.get(url(Citation)).content.decode()
    assert "Colony 5" in page and "@ Colony 5" in page
    citation = Citation.objects.filter(custody_period__isnull=False).first()
    fields = page_form(staff_client, url(Citation, "change", citation.pk))
    assert fields["custody_period"] == str(citation.custody_period_id)
    assert "facility" in fields


def _queries(client, address: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert client.get(address).status_code == 200
    return len(captured)


# --- publishing a case -------------------------------------------------------------------


@pytest.mark.django_db
def test_a_case_holds_its_custody_periods_and_names_a_facility_kept_internal(
    django_user_model,
):
    internal_place = facility("Secret Colony", visibility="internal")
    public_place = facility("Prison No. 13")
    detention = factories.detention(factories.person("Anar Mammadli"), arrested="2023",
                                    visibility="internal")  # fmt: skip
    first = held_at(internal_place, detention, since="2023", until="2024", visibility="internal")
    second = held_at(public_place, detention, since="2024", visibility="internal")
    ids = case_record_ids(detention.person)
    assert ids[CustodyPeriod] == {first.pk, second.pk}
    assert {c.custody_period_id for c in Citation.objects.filter(pk__in=ids[Citation])} >= {
        first.pk, second.pk,
    }  # fmt: skip
    labels = {r.pk: r.label for r in case_records(detention.person) if r.model is CustodyPeriod}
    assert (
        "the facility is Internal" in labels[first.pk]
        or "the facility is internal" in (labels[first.pk])
    )
    assert labels[second.pk] == str(second)
    editor = django_user_model.objects.create_superuser("chief", "c@example.org", "x-1")
    changed = case_publish(
        person=detention.person, chosen={CustodyPeriod: [first.pk, second.pk]},
        visibility="public", user=editor,
    )  # fmt: skip
    assert changed == {CustodyPeriod: 2}
    # the facility is not part of one person's case: it stays as it was
    internal_place.refresh_from_db()
    assert internal_place.visibility == "internal"


# --- with real transactions ---------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_facility_is_saved_with_its_names_and_citations_with_real_transactions(
    vocabularies, client, django_user_model
):
    # the terms of places/0002 (a transactional test before this one flushed them)
    kind, _new = FacilityKind.objects.get_or_create(code="prison", defaults={"label": "prison"})
    user = django_user_model.objects.create_superuser("adder", "a@example.org", "pw-unused-1")
    client = factories.staff_sign_in(client, user)
    source = factories.source("The ombudsman's report", visibility="public")
    data = add_form(client, Facility)
    data.update({
        "name": "Prison No. 13", "kind": kind.pk, "region": "Baku",
        "postal_address": "AZ1000, Baku, Prison No. 13", "address_confirmed_on": "March 2024",
        "latitude": "40.40930", "longitude": "49.86710", "visibility": "public",
        "names-TOTAL_FORMS": "2",
        "names-0-name": "Тюрьма № 13", "names-0-language": "ru", "names-0-visibility": "public",
        "names-1-name": "13 saylı cəzaçəkmə müəssisəsi", "names-1-language": "az",
        "names-1-visibility": "internal",
        "citations-TOTAL_FORMS": "1", "citations-0-source": source.pk,
        "citations-0-locator": "p. 4", "citations-0-confidence": "high",
        "citations-0-visibility": "public",
    })  # fmt: skip
    response = client.post(url(Facility, "add"), data)
    assert response.status_code == 302, _errors(response)
    saved = Facility.objects.get()
    assert (saved.slug, saved.visibility, str(saved.address_confirmed_on_partial)) == (
        "prison-no-13", "public", "March 2024",
    )  # fmt: skip
    assert sorted(saved.names.values_list("language", "visibility")) == [
        ("az", "internal"), ("ru", "public"),
    ]  # fmt: skip
    assert list(saved.citations.values_list("source", "locator")) == [(source.pk, "p. 4")]
    # without a citation a public reader may see, a public facility is refused
    data.update({"name": "Prison No. 14", "citations-TOTAL_FORMS": "0", "names-TOTAL_FORMS": "0"})
    response = client.post(url(Facility, "add"), data)
    assert response.status_code == 200
    assert "Facility “Prison No. 14”: no citation a public reader may see" in _errors(response)
    assert Facility.objects.count() == 1


def _errors(response) -> str:
    context = response.context or {}
    errors = []
    if "adminform" in context:
        errors.append(str(context["adminform"].form.errors))
    for formset in context.get("inline_admin_formsets", []):
        errors.append(str(formset.formset.errors) + str(formset.formset.non_form_errors()))
    return " ".join(errors) or response.content.decode()[:2000]
