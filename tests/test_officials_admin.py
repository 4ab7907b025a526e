"""Officials and trials in the admin (officials.admin, trials.admin): every page
loads; an official is added with other names, a position, its own citation and
an involvement in one form, then found by another spelling, and the
involvement's page shows the fact it is in; a photo is kept only with its source
and provenance, said on each field before the database refuses it; an
involvement in two facts is refused with the model's message; a trial is added
with its defendant, hearing, citation and judge."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cases.choices import Visibility
from officials.models import Involvement, Official, OfficialName, Position
from sources.models import Citation
from tests import accountability_records as records
from tests import factories
from tests.test_admin_citation_inlines import add_form
from tests.test_evidence_rule import change_url, page_form
from tests.test_uploads import noisy_jpeg
from trials.models import Hearing, Trial, TrialDefendant

pytestmark = pytest.mark.django_db

INTERNAL = Visibility.INTERNAL


def url(model, action: str = "changelist", *args) -> str:
    opts = model._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_{action}", args=args)


def errors(response) -> str:
    """Every error of an admin form and its inlines, for a failing assertion."""
    context = response.context or {}
    found = []
    if "adminform" in context:
        found.append(str(context["adminform"].form.errors))
    for inline in context.get("inline_admin_formsets", []):
        found.append(str(inline.formset.errors) + str(inline.formset.non_form_errors()))
    return " ".join(found) or response.content.decode()[:2000]


def test_every_page_loads(staff_client):
    official = records.official("Rauf Mammadov", names=[("Рауф Маммадов", "ru")])
    position = records.position(official, title="Investigator")
    involvement = records.involvement(official)
    trial = records.trial("The Yagublu case")
    hearing = records.hearing(trial, "2025-03-04")
    defendant = records.defendant(trial)
    for model, obj in (
        (Official, official), (OfficialName, official.names.get()), (Position, position),
        (Involvement, involvement), (Trial, trial), (Hearing, hearing),
        (TrialDefendant, defendant),
    ):  # fmt: skip
        for page in (url(model), url(model, "add"), change_url(obj), url(model, "history", obj.pk)):
            assert staff_client.get(page).status_code == 200, page


def test_an_official_is_added_with_names_position_citation_and_involvement(staff_client):
    person = factories.person("Tofig Yagublu")
    detention = factories.detention(person, arrested="2023-12")
    ministry = factories.organization("Ministry of Internal Affairs")
    source = records.published_source("Turan")
    data = add_form(staff_client, Official)
    data.update({
        "name": "Rauf Mammadov", "birth_date": "1971", "nationality": "Azerbaijani",
        "description": "Head of the Baku police department.",
        "names-TOTAL_FORMS": "1", "names-0-name": "Рауф Маммадов", "names-0-language": "ru",
        "names-0-visibility": INTERNAL,
        "positions-TOTAL_FORMS": "1", "positions-0-organization": ministry.pk,
        "positions-0-title": "Head of department", "positions-0-started_on": "March 2019",
        "positions-0-visibility": INTERNAL,
        "citations-TOTAL_FORMS": "1", "citations-0-source": source.pk,
        "citations-0-locator": "para. 4", "citations-0-confidence": "high",
        "citations-0-visibility": INTERNAL,
        "involvements-TOTAL_FORMS": "1", "involvements-0-role": "investigator",
        "involvements-0-detention": detention.pk,
        "involvements-0-description": "Led the search of his flat.",
        "involvements-0-visibility": INTERNAL,
    })  # fmt: skip
    response = staff_client.post(url(Official, "add"), data)
    assert response.status_code == 302, errors(response)
    official = Official.objects.get(name="Rauf Mammadov")
    assert (official.slug, official.visibility, str(official.birth_date_partial)) == (
        "rauf-mammadov", INTERNAL, "1971",
    )  # fmt: skip
    assert list(OfficialName.objects.filter(official=official).values_list("name", flat=True)) == [
        "Рауф Маммадов"
    ]
    [position] = Position.objects.filter(official=official)
    assert (position.organization, str(position.started_on_partial)) == (ministry, "March 2019")
    assert list(Citation.objects.filter(official=official).values_list("source", flat=True)) == [
        source.pk
    ]
    [involvement] = Involvement.objects.filter(official=official)
    assert (involvement.fact, involvement.visibility) == (detention, INTERNAL)  # starts internal
    # found by another spelling, in the list and by autocomplete
    listed = staff_client.get(url(Official), {"q": "Маммадов"}).content.decode()
    assert change_url(official) in listed
    autocomplete = staff_client.get(
        reverse("admin:autocomplete"),
        {"term": "маммадов", "app_label": "officials", "model_name": "involvement",
         "field_name": "official"},
    )  # fmt: skip
    assert [r["id"] for r in autocomplete.json()["results"]] == [str(official.pk)]
    # the involvement's page says which fact it is in, linked
    page = staff_client.get(change_url(involvement)).content.decode()
    assert "Tofig Yagublu" in page and change_url(detention) in page
    # its list too, and a change saved through its own page keeps it internal
    assert change_url(detention) in staff_client.get(url(Involvement)).content.decode()
    data = page_form(staff_client, change_url(involvement))
    data["description"] = "Led the search of his flat on 28 November."
    assert staff_client.post(change_url(involvement), data).status_code == 302
    involvement.refresh_from_db()
    assert involvement.description.endswith("28 November.")


def test_an_involvement_in_two_facts_is_refused_with_a_message(staff_client):
    involvement = records.involvement(records.official("Rauf Mammadov"), visibility=INTERNAL)
    data = page_form(staff_client, change_url(involvement))
    data["trial"] = records.trial("The Yagublu case").pk
    response = staff_client.post(change_url(involvement), data)
    assert response.status_code == 200
    assert "exactly one fact" in errors(response)
    involvement.refresh_from_db()
    assert involvement.trial_id is None


def photo() -> SimpleUploadedFile:
    return SimpleUploadedFile("face.jpg", noisy_jpeg((60, 60)), content_type="image/jpeg")


def test_a_photo_without_source_and_provenance_is_refused_on_each_field(
    staff_client, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path / "media"
    official = records.official("Rauf Mammadov", visibility=INTERNAL)
    data = page_form(staff_client, change_url(official))
    response = staff_client.post(change_url(official), {**data, "photo": photo()})
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert form.errors["photo_source"] == [
        "A photo is kept only with its source: choose the source that published this photo "
        "naming this official, or remove the photo."
    ]
    [provenance] = form.errors["photo_provenance"]
    assert provenance.startswith("A photo is kept only with its provenance: say who took")
    # a source alone is not enough
    source = records.published_source("APA")
    response = staff_client.post(
        change_url(official), {**data, "photo": photo(), "photo_source": source.pk}
    )
    form = response.context["adminform"].form
    assert list(form.errors) == ["photo_provenance"]
    official.refresh_from_db()
    assert not official.photo
    # with both, it is kept (its own level: internal)
    response = staff_client.post(
        change_url(official),
        {**data, "photo": photo(), "photo_source": source.pk,
         "photo_provenance": "APA's report of 2 May 2024, his named portrait at a press event; "
                             "compared with the ministry's published photo."},
    )  # fmt: skip
    assert response.status_code == 302, errors(response)
    official.refresh_from_db()
    assert official.photo.name.startswith("persons/") and official.photo_visibility == INTERNAL


def test_a_trial_is_added_with_its_defendant_hearing_citation_and_judge(staff_client):
    person = factories.person("Tofig Yagublu")
    court = factories.organization("Baku Grave Crimes Court")
    judge = records.official("Afgan Hajiyev")
    source = records.published_source("Turan")
    data = add_form(staff_client, Trial)
    data.update({
        "title": "The Yagublu case", "number": "1(101)-123/2024", "court": court.pk,
        "instance": "first-instance", "opened_on": "2024-05", "time_zone": "Asia/Baku",
        "defendants-TOTAL_FORMS": "1", "defendants-0-person": person.pk,
        "defendants-0-charges": "206.3.2", "defendants-0-visibility": INTERNAL,
        "hearings-TOTAL_FORMS": "1", "hearings-0-held_on": "2024-06-04",
        "hearings-0-starts_at": "11:00", "hearings-0-court_room": "3",
        "hearings-0-status": "scheduled", "hearings-0-visibility": INTERNAL,
        "citations-TOTAL_FORMS": "1", "citations-0-source": source.pk,
        "citations-0-confidence": "high", "citations-0-visibility": INTERNAL,
        "involvements-TOTAL_FORMS": "1", "involvements-0-official": judge.pk,
        "involvements-0-role": "trial-judge", "involvements-0-visibility": INTERNAL,
    })  # fmt: skip
    response = staff_client.post(url(Trial, "add"), data)
    assert response.status_code == 302, errors(response)
    trial = Trial.objects.get(title="The Yagublu case")
    assert TrialDefendant.objects.get(trial=trial).person == person
    [hearing] = Hearing.objects.filter(trial=trial)
    assert (hearing.held_on_partial.isoformat(), str(hearing.starts_at)) == (
        "2024-06-04",
        "11:00:00",
    )
    assert Citation.objects.filter(trial=trial).count() == 1
    [involvement] = Involvement.objects.filter(trial=trial)
    assert (involvement.official, involvement.role) == (judge, "trial-judge")
    # a defendant's name finds the trial once
    listed = staff_client.get(url(Trial), {"q": "Yagublu"}).context["cl"]
    assert list(listed.result_list) == [trial]
