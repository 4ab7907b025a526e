"""The researchers' admin: every model is there, dates are typed as the source
gives them, impossible input is refused naming the field, and the person
search finds any spelling."""

import pytest
from django.contrib import admin
from django.urls import reverse

from cases.models import Allegation, Detention, Person
from cases.partial_dates import PartialDate
from tests import factories

pytestmark = pytest.mark.django_db

ADMIN_APPS = (
    "cases",
    "sources",
    "places",
    "interventions",
    "officials",
    "trials",
)  # every model has an admin


def admin_url(model, action="changelist", *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{action}", args=args)


def test_every_model_of_the_data_model_is_registered():
    from django.apps import apps
    from pghistory.models import Event

    for app_label in ADMIN_APPS:
        for model in apps.get_app_config(app_label).get_models():
            if issubclass(model, Event):
                continue  # history: shown on each record's history page
            assert admin.site.is_registered(model), f"{model.__name__} is not in the admin"


def test_every_foreign_key_in_the_admin_is_an_autocomplete():
    registered = [
        (model, model_admin)
        for model, model_admin in admin.site._registry.items()
        if model._meta.app_label in ADMIN_APPS
    ]
    inlines = [
        (inline.model, inline) for _m, model_admin in registered for inline in model_admin.inlines
    ]
    for model, model_admin in registered + inlines:
        for field in model._meta.get_fields():
            if (
                not (field.many_to_one and field.editable)
                or field.name in model_admin.readonly_fields
            ):
                continue
            fields = getattr(model_admin, "fields", None) or [field.name]
            flat = str(fields) + str(getattr(model_admin, "fieldsets", ""))
            if field.name not in flat or getattr(model_admin, "fk_name", None) == field.name:
                continue
            is_inline_parent = model_admin in dict(inlines).values() and field.name in (
                "person",
                "detention",
                "affiliation",
                "case_event",
                "allegation",
                "statement",
            )
            if is_inline_parent:
                continue
            assert field.name in model_admin.autocomplete_fields, (
                f"{model_admin.__class__.__name__}: {model.__name__}.{field.name} is not an autocomplete"
            )


def test_every_changelist_and_add_page_renders(staff_client):
    factories.detention(factories.person("Rendered Person", variants=["Рендеред"]), arrested="2023")
    factories.citation(detention=Detention.objects.first())
    for model, _model_admin in admin.site._registry.items():
        if model._meta.app_label not in ADMIN_APPS:
            continue
        response = staff_client.get(admin_url(model))
        assert response.status_code == 200, model
        if _model_admin.has_add_permission(_staff_request(staff_client)):
            assert staff_client.get(admin_url(model, "add")).status_code == 200, model


def _staff_request(client):
    from django.contrib.auth import get_user_model
    from django.test import RequestFactory

    request = RequestFactory().get("/")
    request.user = get_user_model().objects.get(username="researcher")
    return request


def test_change_pages_show_partial_dates_at_their_precision(staff_client):
    detention = factories.detention(arrested="November 2023", released="2024")
    page = staff_client.get(admin_url(Detention, "change", detention.pk)).content.decode()
    assert 'value="2023-11"' in page
    assert 'value="2024"' in page
    listing = staff_client.get(admin_url(Detention)).content.decode()
    assert "November 2023" in listing


def _person_form(**overrides):
    data = {
        "display_name": "Form Person",
        "gender": "",
        "birth_date": "",
        "citizenship": "",
        "summary": "",
        "photo_visibility": "internal",
        "visibility": "internal",
        "internal_notes": "",
    }
    for prefix in ("name_variants", "affiliations", "detentions", "citations"):
        data.update(
            {
                f"{prefix}-TOTAL_FORMS": "0",
                f"{prefix}-INITIAL_FORMS": "0",
                f"{prefix}-MIN_NUM_FORMS": "0",
                f"{prefix}-MAX_NUM_FORMS": "1000",
            }
        )
    data.update(overrides)
    return data


def test_person_with_variants_and_detention_is_saved_from_one_form(staff_client):
    data = _person_form(
        **{
            "display_name": "Bakhtiyar Hajiyev",
            "birth_date": "1982",
            "name_variants-TOTAL_FORMS": "2",
            "name_variants-0-name": "Bəxtiyar Hacıyev",
            "name_variants-0-language": "az",
            "name_variants-0-kind": "native",
            "name_variants-0-visibility": "public",
            "name_variants-1-name": "Бахтияр Гаджиев",
            "name_variants-1-language": "ru",
            "name_variants-1-kind": "transliteration",
            "name_variants-1-visibility": "public",
            "detentions-TOTAL_FORMS": "1",
            "detentions-0-arrested_on": "Nov 2023",
            "detentions-0-released_on": "",
            "detentions-0-facility": "",
            "detentions-0-visibility": "internal",
        }
    )
    response = staff_client.post(admin_url(Person, "add"), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    person = Person.objects.get(display_name="Bakhtiyar Hajiyev")
    assert person.birth_date_partial == PartialDate.parse("1982")
    assert person.name_variants.count() == 2
    assert person.detentions.get().arrested_on_partial == PartialDate.parse("2023-11")
    assert person.visibility == "internal", "new records start internal"


def test_impossible_date_is_refused_naming_the_field_and_nothing_is_saved(staff_client):
    data = _person_form(
        **{
            "display_name": "Should Not Exist",
            "detentions-TOTAL_FORMS": "1",
            "detentions-0-arrested_on": "31.02.2024",
            "detentions-0-visibility": "internal",
        }
    )
    response = staff_client.post(admin_url(Person, "add"), data)
    assert response.status_code == 200
    errors = response.context["inline_admin_formsets"][2].formset.errors[0]
    assert "February 2024 has 29 days" in " ".join(errors["arrested_on"])
    assert not Person.objects.filter(display_name="Should Not Exist").exists()


def test_release_before_arrest_is_refused_on_the_released_field(staff_client):
    person = factories.person("Release Test")
    data = {
        "person": person.pk,
        "arrested_on": "21.11.2023",
        "arrest_place": "",
        "released_on": "2023-10",
        "facility": "",
        "summary": "",
        "internal_notes": "",
        "visibility": "internal",
    }
    for prefix in ("charges", "events", "pace_assessments", "citations"):
        data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"})
    response = staff_client.post(admin_url(Detention, "add"), data)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "released_on" in errors
    assert "cannot be before the arrest" in errors["released_on"][0]
    assert not Detention.objects.filter(person=person).exists()


def test_negative_count_and_missing_victim_are_refused_naming_the_field(staff_client):
    from cases.models import AllegationKind

    data = {
        "kind": AllegationKind.objects.get(code="torture").pk,
        "victim_description": "",
        "count": "-5",
        "started_on": "",
        "ended_on": "",
        "description": "",
        "perpetrator": "",
        "internal_notes": "",
        "visibility": "internal",
        "citations-TOTAL_FORMS": "0",
        "citations-INITIAL_FORMS": "0",
    }
    response = staff_client.post(admin_url(Allegation, "add"), data)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "count" in errors
    assert "person" in errors
    assert not Allegation.objects.exists()


def test_blank_name_is_refused(staff_client):
    response = staff_client.post(admin_url(Person, "add"), _person_form(display_name="   "))
    assert response.status_code == 200
    assert "display_name" in response.context["adminform"].form.errors
    assert not Person.objects.exists()


@pytest.mark.parametrize(
    "query", ["Hacıyev", "Hajiyev", "Hajiev", "Гаджиев", "bakhtiyar hajiev", "HAJIYEV"]
)
def test_person_search_finds_any_spelling(staff_client, query):
    factories.person("Bakhtiyar Hajiyev")  # stored in English only
    factories.person("Leyla Yunus", variants=["Лейла Юнус"])
    response = staff_client.get(admin_url(Person), {"q": query})
    names = [person.display_name for person in response.context["cl"].result_list]
    assert names == ["Bakhtiyar Hajiyev"]


def test_person_search_matches_variants_and_ranks_the_closest_first(staff_client):
    factories.person("Leyla Yunus", variants=["Лейла Юнус"])
    factories.person("Arif Yunus", variants=["Ариф Юнус"])
    response = staff_client.get(admin_url(Person), {"q": "Лейла Юнус"})
    names = [person.display_name for person in response.context["cl"].result_list]
    assert names[0] == "Leyla Yunus"


def test_admin_marks_a_development_database(staff_client, settings):
    settings.DEBUG = True
    assert 'class="casebook-env"' in staff_client.get(reverse("admin:index")).content.decode()
    settings.DEBUG = False
    assert 'class="casebook-env"' not in staff_client.get(reverse("admin:index")).content.decode()


def test_admin_pages_name_the_sites_icon(staff_client):
    # without it every admin page makes the browser ask for /favicon.ico, a 404
    from django.test import Client

    icon = 'rel="icon" href="/static/casebook/favicon.svg"'
    assert icon in Client().get(reverse("admin:login")).content.decode()
    assert icon in staff_client.get(reverse("admin:index")).content.decode()


def test_admin_pages_send_a_referrer_policy_browsers_can_post_under():
    # under no-referrer Chromium posts with "Origin: null" and CSRF refuses the
    # sign-in (test_browser.py signs in with a real browser)
    from django.test import Client

    assert Client().get(reverse("admin:login"))["Referrer-Policy"] == "same-origin"


def test_pages_outside_the_admin_send_no_referrer(client):
    assert client.get("/").headers["Referrer-Policy"] == "no-referrer"


def test_lists_show_every_partial_date_at_its_precision(staff_client):
    from cases.models import Affiliation

    affiliation = Affiliation.objects.create(
        person=factories.person(), organization=factories.organization("Defense Line")
    )
    affiliation.started_on = PartialDate.parse("2020")
    affiliation.save()
    page = staff_client.get(admin_url(Affiliation)).content.decode()
    assert '<td class="field-started">2020</td>' in page
    assert "1 January 2020" not in page


def test_detentions_filter_by_year_of_arrest(staff_client):
    factories.detention(factories.person("Arrested 2015"), arrested="2015")
    factories.detention(factories.person("Arrested 2023"), arrested="November 2023")
    response = staff_client.get(admin_url(Detention), {"arrested_on_year": "2023"})
    names = [d.person.display_name for d in response.context["cl"].result_list]
    assert names == ["Arrested 2023"]


def test_citation_list_query_count_does_not_grow_with_the_page(
    staff_client, django_assert_max_num_queries
):
    from sources.models import Citation

    source = factories.source()
    for _ in range(30):
        detention = factories.detention(cited=False)
        factories.citation(source, detention=detention)
        factories.citation(source, case_event=factories.case_event(detention, cited=False))
        factories.citation(source, allegation=factories.allegation(detention.person, cited=False))
        factories.citation(source, person=detention.person)
    assert Citation.objects.count() == 120
    with django_assert_max_num_queries(12):
        assert staff_client.get(admin_url(Citation)).status_code == 200


def test_undoing_a_merge_after_a_statement_it_moved_was_deleted_for_good(staff_client):
    """The merges list's undo puts back what still exists: a statement deleted for
    good since the merge has no one to go back to (it was a foreign key error)."""
    from django.contrib.auth import get_user_model

    from cases import services
    from cases.models import Merge

    keep, other = factories.person("Kept Person"), factories.person("Merged Person")
    gone, stays = factories.statement("Deleted later"), factories.statement("Still here")
    for statement in (gone, stays):
        statement.persons.add(other)
    editor = get_user_model().objects.get(username="researcher")  # a superuser
    merge = services.persons_merge(keep=keep, other=other, user=editor)
    gone.delete()
    response = staff_client.post(
        admin_url(Merge), {"action": "undo", "_selected_action": [merge.pk], "index": 0}
    )
    assert response.status_code == 302
    merge.refresh_from_db()
    assert merge.undone_at is not None
    assert list(other.statements.all()) == [stays]
    assert not keep.statements.exists()
