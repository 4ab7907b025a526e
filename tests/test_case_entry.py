"""Entering a case from its source on one admin page (issue 15, item 1): the
whole case saved at once or nothing; a passage cited for several facts is one
footnote; likely duplicates stop a new person until the researcher decides; a
stored record trashed meanwhile is refused; a failed save keeps what was typed;
the source file's text is read from PDF, HTML or plain text."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from cases.choices import Visibility
from cases.models import (
    Affiliation,
    Allegation,
    CaseEvent,
    CaseEventKind,
    Charge,
    Detention,
    NameVariant,
    Organization,
    Person,
    SourceKind,
)
from cases.services import case_publish
from sources.extract import source_text
from sources.models import Citation, Source
from tests import factories

URL = "/admin/cases/person/enter-case/"
ARREST = "Journalist Aysel Testova was arrested in Baku on 12 March 2024."
COURT = (
    "The Khatai District Court ordered four months of pre-trial detention "
    "on charges of smuggling (article 206.3.2)."
)
BEATEN = "Her lawyer said she was beaten in custody."
NEWS = f"{ARREST}\n\n{COURT}\n\n{BEATEN}"
ROW_PREFIXES = ("variants", "affiliations", "charges", "events", "allegations", "statements")


def entry_data(**fields) -> dict:
    """The page's POST: management forms of every list, then the fields given
    (names as the page has them: "person-display_name", "events-0-kind")."""
    data = {"source-mode": "new", "person-mode": "new"}
    counts = {prefix: 0 for prefix in (*ROW_PREFIXES, "passages")}
    for name in fields:
        prefix, _dash, rest = name.partition("-")
        if prefix in counts and rest.split("-")[0].isdigit():
            counts[prefix] = max(counts[prefix], int(rest.split("-")[0]) + 1)
    for prefix, count in counts.items():
        data[f"{prefix}-TOTAL_FORMS"] = str(count)
        data[f"{prefix}-INITIAL_FORMS"] = "0"
    data.update(fields)
    return data


def news_item(court: Organization, **more) -> dict:
    """The issue's news item, as a researcher enters it."""
    kind = CaseEventKind.objects.get
    return entry_data(
        **{
            "source-url": "https://news.example.org/aysel-testova",
            "source-title": "Journalist arrested in Baku",
            "source-published_on": "2024-03-13",
            "source-language": "en",
            "source-kind": SourceKind.objects.get(code="news-article").pk,
            "source-archive_text": NEWS,
            "person-display_name": "Aysel Testova",
            "person-gender": "female",
            "variants-0-name": "Aysel Testová",
            "variants-0-language": "az",
            "variants-0-kind": "transliteration",
            "variants-1-name": "Айсель Тестова",
            "variants-1-language": "ru",
            "variants-1-kind": "native",
            "affiliations-0-organization": Organization.objects.get_or_create(
                name="Test Media", defaults={"slug": "test-media"}
            )[0].pk,
            "affiliations-0-role": "journalist",
            "detention-arrested_on": "12 March 2024",
            "detention-arrest_place": "Baku",
            "charges-0-article": "206.3.2",
            "charges-0-description": "smuggling",
            "events-0-kind": kind(code="arrested").pk,
            "events-0-occurred_on": "2024-03-12",
            "events-1-kind": kind(code="pre-trial-detention-ordered").pk,
            "events-1-occurred_on": "2024-03-13",
            "events-1-organization": court.pk,
            "events-1-sentence_months": "4",
            "allegations-0-kind": _allegation_kind("ill-treatment"),
            "allegations-0-reported_by_description": "her lawyer",
            "passages-0-excerpt": ARREST,
            "passages-0-locator": "para. 1",
            "passages-0-confidence": "high",
            "passages-0-claim": "name and occupation",
            "passages-0-facts": "person,affiliations-0,detention,events-0",
            "passages-1-excerpt": COURT,
            "passages-1-locator": "para. 2",
            "passages-1-confidence": "high",
            "passages-1-facts": "events-1,charges-0",
            "passages-2-excerpt": BEATEN,
            "passages-2-locator": "para. 3",
            "passages-2-confidence": "medium",
            "passages-2-facts": "allegations-0",
            **more,
        }
    )


def _allegation_kind(code: str) -> int:
    from cases.models import AllegationKind

    return AllegationKind.objects.get(code=code).pk


def _counts() -> dict:
    return {
        model.__name__: model.objects.count()
        for model in (
            Source, Person, NameVariant, Affiliation, Detention, Charge, CaseEvent, Allegation,
            Citation,
        )
    }  # fmt: skip


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    """Files the page stores (sources' files, files kept after a failed save) go here."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def court():
    return factories.organization("Khatai District Court")


@pytest.mark.django_db
def test_the_page_has_every_part_of_a_case(staff_client):
    page = staff_client.get(URL)
    assert page.status_code == 200
    html = page.content.decode()
    for name in (
        "source-mode", "source-archive_text", "source-archive_file", "person-display_name",
        "person-reported_age", "detention-arrested_on", "charges-TOTAL_FORMS",
        "events-0-organization", "events-0-sentence_months", "allegations-0-reported_by_description",
        "statements-0-title", "passages-TOTAL_FORMS",
    ):  # fmt: skip
        assert f'name="{name}"' in html, name
    assert "casebook/case_entry.js" in html
    assert "Cite the selection" in html


@pytest.mark.django_db
def test_the_news_item_is_saved_whole_internal_and_cited(staff_client, court):
    response = staff_client.post(URL, news_item(court))
    person = Person.objects.get(display_name="Aysel Testova")
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:cases_person_publish_case", args=[person.pk])
    assert sorted(person.name_variants.values_list("name", flat=True)) == [
        "Aysel Testová",
        "Айсель Тестова",
    ]
    detention = person.detentions.get()
    assert str(detention.arrested_on_partial) == str(factories.PartialDate.parse("2024-03-12"))
    assert list(detention.charges.values_list("article", flat=True)) == ["206.3.2"]
    ordered = detention.events.get(kind__code="pre-trial-detention-ordered")
    assert ordered.organization == court and ordered.sentence_months == 4
    allegation = person.allegations.get()
    assert allegation.reported_by_description == "her lawyer"
    assert allegation.detention == detention
    source = Source.objects.get(title="Journalist arrested in Baku")
    assert source.archive_text == NEWS
    # one citation per fact a passage supports, each with the passage's excerpt and locator
    citations = Citation.objects.filter(source=source)
    first = citations.filter(excerpt=ARREST)
    assert {c.target for c in first} == {
        person,
        person.affiliations.get(),
        detention,
        detention.events.get(kind__code="arrested"),
    }
    assert {c.locator for c in first} == {"para. 1"}
    assert first.get(person=person).claim == "name and occupation"
    # a charge is cited through its detention: "events-1,charges-0" cites the event and detention
    assert {c.target for c in citations.filter(excerpt=COURT)} == {ordered, detention}
    assert citations.get(excerpt=BEATEN).allegation == allegation
    # everything new is internal until an editor publishes the case
    for model in (Source, Person, NameVariant, Affiliation, Detention, Charge, CaseEvent,
                  Allegation, Citation):  # fmt: skip
        assert set(model.objects.filter(pk__in=_ids_of_case(person, model)).values_list(
            "visibility", flat=True)) <= {Visibility.INTERNAL}  # fmt: skip


def _ids_of_case(person, model):
    from cases.reads.case_records import case_record_ids

    return case_record_ids(person).get(model, set())


@pytest.mark.django_db
def test_a_passage_cited_for_several_facts_is_one_footnote_on_the_public_page(staff_client, court):
    staff_client.post(URL, news_item(court))
    person = Person.objects.get(display_name="Aysel Testova")
    chosen = {}
    from cases.reads.case_records import case_records

    for record in case_records(person):
        chosen.setdefault(record.model, []).append(record.pk)
    case_publish(person=person, chosen=chosen, visibility=Visibility.PUBLIC)
    Organization.objects.update(visibility=Visibility.PUBLIC)
    html = Client().get(f"/persons/{person.slug}/").content.decode()
    # three passages, three footnotes, though they support seven facts
    assert html.count('<li id="fn-') == 3
    for number, excerpt in enumerate((ARREST, COURT, BEATEN), start=1):
        note = html.split(f'<li id="fn-{number}"')[1].split("</li>")[0]
        assert f"<q>{excerpt}</q>" in note
    # the first passage is marked at each fact it supports, with a back link to each
    assert html.count('href="#fn-1"') >= 3
    assert "Khatai District Court" in html
    assert "her lawyer" in html


@pytest.mark.django_db
def test_a_failed_save_writes_nothing_and_keeps_every_value(staff_client, court):
    before = _counts()
    data = news_item(court, **{"events-1-occurred_on": "the 45th of Smarch"})
    page = staff_client.post(URL, data)
    assert page.status_code == 200
    assert _counts() == before
    html = page.content.decode()
    assert "Nothing was saved" in html
    for typed in ("Aysel Testova", "Айсель Тестова", "the 45th of Smarch", "her lawyer", "206.3.2"):
        assert typed in html, typed
    # the passages and the facts they cite come back, for the script to tick again
    assert "events-1,charges-0" in html
    assert "Khatai District Court" in html  # the chosen court is still chosen


@pytest.mark.django_db
def test_a_database_refusal_rolls_back_the_whole_case(staff_client, court):
    """The same article charged twice passes each row's checks; the second
    breaks a constraint when saved, after the person, the detention and the
    first charge. Nothing of the case is left behind, and the page says why."""
    before = _counts()
    data = news_item(court, **{"charges-1-article": "206.3.2"})
    page = staff_client.post(URL, data)
    assert page.status_code == 200, page.get("Location")
    assert _counts() == before
    assert "already exists" in page.content.decode()


@pytest.mark.django_db
def test_a_likely_duplicate_stops_a_new_person_until_the_researcher_decides(staff_client, court):
    existing = factories.person("Aysel Testova", variants=["Айсель Тестова"])
    page = staff_client.post(URL, news_item(court))
    assert page.status_code == 200
    html = page.content.decode()
    assert "matches persons already recorded" in html
    assert reverse("admin:cases_person_change", args=[existing.pk]) in html
    assert Person.objects.count() == 1
    # the researcher says it is someone else: saved
    page = staff_client.post(URL, news_item(court, **{"person-not_a_duplicate": "on"}))
    assert page.status_code == 302
    assert Person.objects.filter(display_name="Aysel Testova").count() == 2


@pytest.mark.django_db
def test_matches_as_the_name_is_typed_any_spelling(staff_client):
    existing = factories.person("Aysel Testova", variants=["Айсель Тестова"])
    factories.person("Someone Else Entirely")
    answer = staff_client.get(URL + "matches/", {"name": "Айсель Тестова"}).json()
    assert [p["id"] for p in answer["persons"]] == [existing.pk]
    answer = staff_client.get(URL + "matches/", {"name": "Aysel Testowa"}).json()
    assert [p["id"] for p in answer["persons"]] == [existing.pk]
    assert staff_client.get(URL + "matches/", {"name": "Zzyzx Qwerty"}).json()["persons"] == []


@pytest.mark.django_db
def test_a_stored_person_and_source_gain_the_case(staff_client, court):
    person = factories.person("Stored Person")
    source = factories.source("Stored source", archive_text="")
    data = news_item(
        court,
        **{
            "source-mode": "stored",
            "source-stored": source.pk,
            "person-mode": "stored",
            "person-stored": person.pk,
        },
    )
    response = staff_client.post(URL, data)
    assert response.status_code == 302
    assert Person.objects.filter(display_name="Aysel Testova").count() == 0
    assert person.detentions.count() == 1
    assert Citation.objects.filter(source=source).count() == 7  # 4 + 2 + 1 facts
    source.refresh_from_db()
    assert source.archive_text == NEWS  # it had no text: the pasted one is kept with it


@pytest.mark.django_db
def test_a_person_trashed_while_the_page_was_open_is_refused(staff_client, court):
    person = factories.person("Stored Person")
    data = news_item(court, **{"person-mode": "stored", "person-stored": person.pk})
    Person.objects.filter(pk=person.pk).update(deleted_at="2026-01-01T00:00:00Z")
    before = _counts()
    page = staff_client.post(URL, data)
    assert page.status_code == 200
    assert _counts() == before


@pytest.mark.django_db
def test_a_passage_citing_an_empty_row_is_refused(staff_client, court):
    before = _counts()
    data = news_item(court, **{"passages-2-facts": "allegations-0,statements-3"})
    page = staff_client.post(URL, data)
    assert page.status_code == 200
    assert "statements-3" in page.content.decode()
    assert _counts() == before


@pytest.mark.django_db
def test_a_removed_row_is_not_saved(staff_client, court):
    data = news_item(court, **{"variants-1-DELETE": "True"})
    assert staff_client.post(URL, data).status_code == 302
    person = Person.objects.get(display_name="Aysel Testova")
    assert list(person.name_variants.values_list("name", flat=True)) == ["Aysel Testová"]


@pytest.mark.django_db
def test_charges_without_a_detention_are_refused(staff_client, court):
    data = news_item(court, **{"detention-arrested_on": "", "detention-arrest_place": ""})
    page = staff_client.post(URL, data)
    assert page.status_code == 200
    assert "Enter the detention" in page.content.decode()


@pytest.mark.django_db
def test_the_case_entry_is_history_with_who_and_from_where(staff_client, court, django_user_model):
    staff_client.post(URL, news_item(court))
    person = Person.objects.get(display_name="Aysel Testova")
    event = person.history.get()
    assert event.pgh_context.metadata["action"] == "case entry"
    staff = django_user_model.objects.get(username="researcher")
    assert event.pgh_context.metadata["user"] == staff.pk
    assert event.pgh_context.metadata["url"] == URL
    # the citations, the detention and its events are in the same change
    detention = person.detentions.get()
    assert detention.history.get().pgh_context_id == event.pgh_context_id


@pytest.mark.django_db
def test_a_researcher_may_enter_a_case_and_a_reader_may_not(client, django_user_model, court):
    from django.contrib.auth.models import Group

    from access.roles import EDITOR, RESEARCHER, role_permissions, roles_apply

    roles_apply()
    # a researcher adds case events (a role once took them for history events: "...event")
    assert "cases.add_caseevent" in role_permissions()[RESEARCHER]
    researcher = django_user_model.objects.create_user("r", "r@example.org", "x", is_staff=True)
    researcher.groups.add(Group.objects.get(name=RESEARCHER))
    assert factories.staff_sign_in(client, researcher).get(URL).status_code == 200
    viewer = django_user_model.objects.create_user("v", "v@example.org", "x", is_staff=True)
    assert factories.staff_sign_in(Client(), viewer).get(URL).status_code == 403
    assert "cases.add_caseevent" in role_permissions()[EDITOR]


# --- the text of a source file ---------------------------------------------------------


def pdf_of_pages(*pages: str) -> bytes:
    """A small valid PDF whose pages show the given lines of text."""
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        None,
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    kids = []
    for text in pages:
        stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode()
        objects.append(f"<< /Length {len(stream)} >>\nstream\n{stream.decode()}\nendstream")
        content = len(objects)
        objects.append(
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
            f"/Resources << /Font << /F1 3 0 R >> >> /Contents {content} 0 R >>"
        )
        kids.append(f"{len(objects)} 0 R")
    objects[1] = f"<< /Type /Pages /Kids [{' '.join(kids)}] /Count {len(kids)} >>"
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(f"{number} 0 obj\n{body}\nendobj\n".encode())
    xref = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
    for offset in offsets:
        out.write(f"{offset:010d} 00000 n \n".encode())
    out.write(
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    )
    return out.getvalue()


def test_pdf_pages_are_separated_by_form_feeds():
    file = SimpleUploadedFile("report.pdf", pdf_of_pages("First page text", "Second page text"))
    assert source_text(file) == "First page text\fSecond page text"


def test_html_becomes_paragraphs_without_scripts():
    html = (
        "<html><head><title>t</title><script>var x = 1;</script></head><body>"
        "<h1>Arrested</h1><p>She was <b>arrested</b> on Monday.</p><p>Second &amp; last.</p>"
        "</body></html>"
    )
    file = SimpleUploadedFile("page.html", html.encode())
    assert source_text(file) == "Arrested\n\nShe was arrested on Monday.\n\nSecond & last."


def test_plain_text_is_kept_and_other_files_are_refused():
    from django.core.exceptions import ValidationError

    assert source_text(SimpleUploadedFile("a.txt", b"Line one\r\n\r\n\r\nLine two")) == (
        "Line one\n\nLine two"
    )
    with pytest.raises(ValidationError, match="not a PDF, an HTML page or a plain text"):
        source_text(SimpleUploadedFile("photo.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"))


@pytest.mark.django_db
def test_the_extract_endpoint_answers_text_or_a_clear_error(staff_client):
    answer = staff_client.post(
        URL + "extract/", {"file": SimpleUploadedFile("r.pdf", pdf_of_pages("Hello PDF"))}
    )
    assert answer.json() == {"text": "Hello PDF"}
    refused = staff_client.post(
        URL + "extract/", {"file": SimpleUploadedFile("x.bin", b"\x00\x01")}
    )
    assert refused.status_code == 400 and "not a PDF" in refused.json()["error"]
    assert staff_client.get(URL + "extract/").status_code == 400


@pytest.mark.django_db
def test_an_uploaded_file_is_kept_after_a_failed_save_and_saved_with_the_source(
    staff_client, court, media
):
    pdf = pdf_of_pages("Journalist arrested")
    data = news_item(court, **{"events-1-occurred_on": "not a date", "source-archive_text": ""})
    data["source-archive_file"] = SimpleUploadedFile("report.pdf", pdf)
    page = staff_client.post(URL, data)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Kept from the attempt that failed: report.pdf" in html
    token = page.context["page"].source.data["source-kept_file"]
    fixed = news_item(court, **{"source-archive_text": "", "source-kept_file": token})
    assert staff_client.post(URL, fixed).status_code == 302
    source = Source.objects.get(title="Journalist arrested in Baku")
    assert source.archive_file.read() == pdf
    assert source.archive_text == "Journalist arrested"
    # the kept copy is gone once the source has the file
    assert list((media / "sources" / "pending").iterdir()) == []


@pytest.mark.django_db
def test_a_forged_kept_file_token_is_refused_with_a_message(staff_client, court):
    before = _counts()
    data = news_item(court, **{"source-kept_file": "sources/pending/../../etc/passwd"})
    page = staff_client.post(URL, data)
    assert page.status_code == 200
    assert "no longer here" in page.content.decode()
    assert _counts() == before


# --- with real transactions ----------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_whole_case_commits_and_a_failure_commits_nothing(
    client, django_user_model, vocabularies
):
    user = django_user_model.objects.create_superuser("lead", "l@example.org", "x")
    signed_in = factories.staff_sign_in(client, user)
    court = factories.organization("Khatai District Court")
    before = _counts()
    assert (
        signed_in.post(URL, news_item(court, **{"charges-1-article": "206.3.2"})).status_code == 200
    )
    assert _counts() == before
    assert signed_in.post(URL, news_item(court)).status_code == 302
    assert Person.objects.filter(display_name="Aysel Testova").count() == 1
    assert Citation.objects.filter(excerpt=ARREST).count() == 4


@pytest.mark.django_db
def test_levels_cannot_be_set_on_the_page_so_the_evidence_rule_is_never_skipped(
    staff_client, court
):
    """Publishing goes through the publishing page (the evidence rule, an
    editor, a password); a level slipped into the entry's post is ignored."""
    data = news_item(court, **{"detention-visibility": "public", "source-visibility": "public",
                               "person-visibility": "public", "events-0-visibility": "public"})  # fmt: skip
    assert staff_client.post(URL, data).status_code == 302
    person = Person.objects.get(display_name="Aysel Testova")
    assert person.visibility == Visibility.INTERNAL
    assert person.detentions.get().visibility == Visibility.INTERNAL
    assert Source.objects.get(title="Journalist arrested in Baku").visibility == Visibility.INTERNAL
    assert Client().get(f"/persons/{person.slug}/").status_code == 404


@pytest.mark.django_db
def test_the_same_case_entered_twice_is_stopped_the_second_time(staff_client, court):
    """Two researchers entering one news item: the second save finds the person
    the first one saved, and says so instead of creating a duplicate."""
    assert staff_client.post(URL, news_item(court)).status_code == 302
    second = staff_client.post(URL, news_item(court))
    assert second.status_code == 200
    assert "matches persons already recorded" in second.content.decode()
    assert Person.objects.filter(display_name="Aysel Testova").count() == 1


@pytest.mark.django_db
def test_a_source_trashed_while_the_page_was_open_is_refused(staff_client, court):
    source = factories.source("Stored source")
    data = news_item(court, **{"source-mode": "stored", "source-stored": source.pk})
    Source.objects.filter(pk=source.pk).update(deleted_at="2026-01-01T00:00:00Z")
    before = _counts()
    page = staff_client.post(URL, data)
    assert page.status_code == 200
    assert _counts() == before


@pytest.mark.django_db
def test_a_stored_source_is_preselected_from_its_page(staff_client):
    source = factories.source("Stored source", archive_text="The stored text.")
    html = staff_client.get(URL, {"source": source.pk}).content.decode()
    assert "The stored text." in html
    assert 'value="stored" id="id_source-mode_1" checked' in html
    assert f'<option value="{source.pk}" selected>Stored source</option>' in html
    answer = staff_client.get(URL + "source-text/", {"id": source.pk}).json()
    assert answer["text"] == "The stored text."
    assert staff_client.get(URL + "source-text/", {"id": "x"}).status_code == 404


@pytest.mark.django_db
def test_the_page_speaks_azerbaijani_and_russian(staff_client):
    for language, words in (("az", "Mənbə"), ("ru", "Источник")):
        html = staff_client.get(URL, HTTP_ACCEPT_LANGUAGE=language).content.decode()
        assert f'lang="{language}"' in html
        assert words in html, language


@pytest.mark.django_db
def test_links_to_the_page_from_persons_and_sources(staff_client):
    person = factories.person("Stored Person")
    source = factories.source("Stored source")
    assert URL in staff_client.get("/admin/cases/person/").content.decode()
    assert f'href="{URL}"' in staff_client.get("/admin/").content.decode()
    change = staff_client.get(f"/admin/cases/person/{person.pk}/change/").content.decode()
    assert f"{URL}?person={person.pk}" in change
    html = staff_client.get(URL, {"person": person.pk}).content.decode()
    assert 'value="stored" id="id_person-mode_1" checked' in html
    assert f'<option value="{person.pk}" selected>Stored Person</option>' in html
    source_page = staff_client.get(f"/admin/sources/source/{source.pk}/change/").content.decode()
    assert f"{URL}?source={source.pk}" in source_page
    # an address naming nothing (or a record in the trash) just opens the empty page
    assert staff_client.get(URL, {"person": "x", "source": "99999"}).status_code == 200


# --- what a review found --------------------------------------------------------------------


@pytest.mark.django_db
def test_a_record_trashed_after_the_page_was_checked_is_refused_by_the_service(court):
    """The page checked a stored person; before the save locks it, an editor
    moves it to the trash. The service refuses and writes nothing."""
    from django.core.exceptions import ValidationError

    from cases.services import CaseEntry, case_enter

    person = factories.person("Stored Person")
    source = factories.source("Stored source")
    Person.objects.filter(pk=person.pk).update(deleted_at="2026-01-01T00:00:00Z")
    before = _counts()
    entry = CaseEntry(source=source, person=person, detention=Detention(arrest_place="Baku"))
    with pytest.raises(ValidationError, match="moved to the trash or deleted"):
        case_enter(entry=entry)
    Source.objects.filter(pk=source.pk).update(deleted_at="2026-01-01T00:00:00Z")
    Person.objects.filter(pk=person.pk).update(deleted_at=None)
    with pytest.raises(ValidationError, match="moved to the trash or deleted"):
        case_enter(entry=entry)
    assert _counts() == before


@pytest.mark.django_db
def test_without_the_right_to_add_nothing_is_entered(client, django_user_model, court):
    from django.contrib.auth.models import Permission

    viewer = django_user_model.objects.create_user("v", "v@example.org", "x", is_staff=True)
    viewer.user_permissions.set(Permission.objects.filter(codename__startswith="view_"))
    signed_in = factories.staff_sign_in(client, viewer)
    before = _counts()
    assert signed_in.post(URL, news_item(court)).status_code == 403
    assert signed_in.get(URL + "matches/", {"name": "Aysel"}).status_code == 403
    assert signed_in.get(URL + "source-text/", {"id": "1"}).status_code == 403
    file = SimpleUploadedFile("a.txt", b"text")
    assert signed_in.post(URL + "extract/", {"file": file}).status_code == 403
    assert _counts() == before
    from django.core.exceptions import PermissionDenied

    from cases.services import CaseEntry, case_enter

    with pytest.raises(PermissionDenied):
        case_enter(entry=CaseEntry(source=Source(), person=Person()), user=viewer)


@pytest.mark.django_db
def test_kept_file_tokens_of_another_person_place_or_day_are_refused(
    staff_client, django_user_model, court, media
):
    from django.core import signing
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from cases.admin_entry import _kept_name

    staff = django_user_model.objects.get(username="researcher")
    name = default_storage.save("sources/pending/report.pdf", ContentFile(b"%PDF-1.4"))
    outside = default_storage.save("sources/elsewhere.pdf", ContentFile(b"%PDF-1.4"))

    def token(**kept):
        return signing.dumps(kept, salt="case-entry-file")

    assert _kept_name(token(name=name, user=staff.pk), staff.pk) == name
    assert _kept_name(token(name=name, user=staff.pk + 1), staff.pk) is None  # someone else's
    assert _kept_name(token(name=outside, user=staff.pk), staff.pk) is None
    assert _kept_name(token(name="sources/pending/../x.pdf", user=staff.pk), staff.pk) is None
    assert _kept_name(name, staff.pk) is None  # not signed
    # a token whose file is gone: the page says so instead of saving without the file
    gone = token(name="sources/pending/gone.pdf", user=staff.pk)
    page = staff_client.post(URL, news_item(court, **{"source-kept_file": gone}))
    assert page.status_code == 200
    assert "no longer here" in page.content.decode()


@pytest.mark.django_db
def test_a_failed_save_leaves_no_source_file_behind(staff_client, court, media):
    data = news_item(court, **{"charges-1-article": "206.3.2"})  # refused after the source
    data["source-archive_file"] = SimpleUploadedFile("report.pdf", pdf_of_pages("Text"))
    assert staff_client.post(URL, data).status_code == 200
    stored = [p for p in (media / "sources").iterdir() if p.is_file()]
    assert stored == []  # only the copy kept for the retry, under pending/
    assert len(list((media / "sources" / "pending").iterdir())) == 1


@pytest.mark.django_db
def test_fields_of_a_new_record_do_not_block_a_stored_one(staff_client, court):
    """Typed for a new source or person, then a stored one chosen: the hidden
    fields are not saved, and their errors do not stop the save."""
    person = factories.person("Stored Person")
    source = factories.source("Stored source")
    data = news_item(
        court,
        **{
            "source-mode": "stored", "source-stored": source.pk,
            "source-url": "javascript:alert(1)", "source-published_on": "the 45th of Smarch",
            "person-mode": "stored", "person-stored": person.pk,
            "person-birth_date": "not a date",
        },
    )  # fmt: skip
    assert staff_client.post(URL, data).status_code == 302
    assert person.detentions.count() == 1


@pytest.mark.django_db
def test_a_file_for_a_stored_source_is_refused_not_dropped(staff_client, court):
    source = factories.source("Stored source")
    data = news_item(court, **{"source-mode": "stored", "source-stored": source.pk})
    data["source-archive_file"] = SimpleUploadedFile("report.pdf", pdf_of_pages("Text"))
    page = staff_client.post(URL, data)
    assert page.status_code == 200
    assert "A file is stored with a new source" in page.content.decode()


@pytest.mark.django_db
def test_a_spelling_in_the_trash_is_named_not_skipped(staff_client, court):
    person = factories.person("Stored Person", variants=["Aysel Testová"])
    person.name_variants.update(deleted_at="2026-01-01T00:00:00Z")
    data = news_item(court, **{"person-mode": "stored", "person-stored": person.pk})
    page = staff_client.post(URL, data)
    assert page.status_code == 200
    assert "is in the trash" in page.content.decode()
    assert person.detentions.count() == 0


def test_files_that_are_too_large_or_badly_encoded_get_a_message(settings):
    from django.core.exceptions import ValidationError

    settings.SOURCE_FILE_MAX_BYTES = 1000
    with pytest.raises(ValidationError, match="may be at most"):
        source_text(SimpleUploadedFile("big.txt", b"a" * 1001))
    settings.SOURCE_FILE_MAX_BYTES = 10_000
    # UTF-16 with its mark, cut in the middle of a character after the first 2 KB
    odd = "\ufeffAysel ".encode("utf-16-le")[:0] + b"\xff\xfe" + "x".encode("utf-16-le") * 1500
    with pytest.raises(ValidationError, match="not in UTF-8"):
        source_text(SimpleUploadedFile("odd.txt", odd + b"\x41"))
    assert source_text(SimpleUploadedFile("u16.txt", odd)) == "x" * 1500
    # a NUL after the first 2 KB is dropped (PostgreSQL refuses it in text)
    assert source_text(SimpleUploadedFile("nul.txt", b"a" * 3000 + b"\x00b")) == "a" * 3000 + "b"


@pytest.mark.django_db
def test_query_counts_of_the_page_and_the_save_do_not_grow_with_the_database(
    staff_client, court, django_assert_max_num_queries
):
    """The page's queries are its own (the session, the vocabularies of its
    selects), and the save's are a few per record it writes: neither grows
    with the persons already recorded."""
    for number in range(30):
        factories.person(f"Recorded Person {number}", variants=[f"Записанный {number}"])
    with django_assert_max_num_queries(20):
        assert staff_client.get(URL).status_code == 200
    with django_assert_max_num_queries(185):  # 16 records, 7 of them citations
        assert staff_client.post(URL, news_item(court)).status_code == 302
