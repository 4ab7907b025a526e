"""The WGAD draft of a seed person: a DOCX following the Working Group's model
questionnaire, each fact referenced to its sources, the fields the record lacks,
and on every section the header saying it is an internal draft. Written by
`manage.py wgad_draft` and downloaded from the person's admin page by staff only."""

import io
import re

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from docx import Document

from cases.choices import Visibility
from cases.models import Person
from cases.seed import load_seed
from interventions.choices import InterventionKind
from interventions.models import Intervention
from interventions.wgad import HEADER, MISSING_HEADING, SECTIONS, SOURCES_HEADING, wgad_draft
from sources.models import Citation
from tests import factories

pytestmark = pytest.mark.django_db

SEED_PERSON = "Bakhtiyar Hajiyev"


@pytest.fixture
def hajiyev():
    load_seed()
    return Person.objects.get(display_name=SEED_PERSON)


def _open(data: bytes) -> Document:
    return Document(io.BytesIO(data))


def _headings(document) -> list[str]:
    return [p.text for p in document.paragraphs if p.style.name == "Heading 1"]


def _under(document, heading: str) -> list[str]:
    """The paragraphs under one heading, up to the next."""
    lines, inside = [], False
    for paragraph in document.paragraphs:
        if paragraph.style.name == "Heading 1":
            inside = paragraph.text == heading
        elif inside and paragraph.text:
            lines.append(paragraph.text)
    return lines


def test_the_draft_of_a_seed_person_has_the_sections_in_order(hajiyev):
    document = _open(wgad_draft(hajiyev))
    assert _headings(document) == [*SECTIONS, SOURCES_HEADING, MISSING_HEADING]
    identity = _under(document, SECTIONS[0])
    assert identity[0].startswith(f"Name: {SEED_PERSON}")
    assert any("Bəxtiyar Hacıyev" in line for line in identity)  # the spellings
    assert _under(document, SECTIONS[1])  # the arrest: recorded in the seed


def test_every_reference_is_listed_among_the_sources(hajiyev):
    document = _open(wgad_draft(hajiyev))
    body = "\n".join(p.text for p in document.paragraphs)
    sources = _under(document, SOURCES_HEADING)
    assert sources, "the seed person's facts are cited"
    cited = {int(n) for n in re.findall(r"\[(\d+)\]", body.split(SOURCES_HEADING)[0])}
    listed = [int(re.match(r"\[(\d+)\] ", line).group(1)) for line in sources]
    assert listed == list(range(1, len(listed) + 1))
    assert cited == set(listed)
    titles = {
        c.source.display_title for c in Citation.objects.filter(person=hajiyev, deleted_at=None)
    }
    assert any(title in "\n".join(sources) for title in titles)


def test_the_missing_fields_are_listed(hajiyev):
    missing = _under(_open(wgad_draft(hajiyev)), MISSING_HEADING)
    assert "Date of birth" in missing  # the seed gives none
    assert any(line.startswith("Whether an arrest warrant") for line in missing)


def test_every_section_has_the_internal_draft_header(hajiyev):
    document = _open(wgad_draft(hajiyev))
    assert document.sections
    for section in document.sections:
        assert section.header.paragraphs[0].text == HEADER


def test_internal_records_are_in_the_draft_and_the_trash_is_not(hajiyev):
    source = factories.source("Petition notes", is_confidential=True)
    internal = Intervention.objects.create(
        kind=InterventionKind.WGAD,
        title="Opinion on Hajiyev",
        opinion_number="7/2026",
        wgad_categories=["I", "II"],
        visibility=Visibility.INTERNAL,
    )
    internal.persons.add(hajiyev)
    factories.citation(source, intervention=internal, locator="p. 3")
    trashed = Intervention.objects.create(
        kind=InterventionKind.WGAD, title="Trashed opinion", wgad_categories=["V"]
    )
    trashed.persons.add(hajiyev)
    trashed.delete()  # a record's delete moves it to the trash

    document = _open(wgad_draft(hajiyev))
    categories = "\n".join(_under(document, SECTIONS[5]))
    assert "Opinion on Hajiyev (opinion 7/2026): categories found I, II" in categories
    assert "Trashed opinion" not in categories
    sources = "\n".join(_under(document, SOURCES_HEADING))
    assert "Confidential source on file" in sources
    assert "Petition notes" not in sources


def test_an_empty_record_lists_what_it_lacks():
    person = factories.person("Nothing Known")
    missing = _under(_open(wgad_draft(person)), MISSING_HEADING)
    for expected in ("Date of birth", "Occupation"):
        assert expected in missing
    assert any(line.startswith("Any detention") for line in missing)
    assert any(line.startswith("Charges") for line in missing)
    assert any(line.startswith("A domestic remedy") for line in missing)
    assert any(line.startswith("A custody period") for line in missing)


def test_the_command_writes_the_file(hajiyev, tmp_path):
    output = tmp_path / "draft.docx"
    call_command("wgad_draft", hajiyev.slug, "--output", str(output), stdout=io.StringIO())
    assert _headings(_open(output.read_bytes()))[0] == SECTIONS[0]


def test_the_command_writes_to_the_slug_by_default(hajiyev, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    call_command("wgad_draft", hajiyev.slug, stdout=io.StringIO())
    assert (tmp_path / f"{hajiyev.slug}-wgad-draft.docx").exists()


def test_the_command_refuses_an_unknown_slug(tmp_path):
    with pytest.raises(CommandError, match="no-such-person"):
        call_command("wgad_draft", "no-such-person", "--output", str(tmp_path / "x.docx"))
    assert not (tmp_path / "x.docx").exists()


def test_the_person_page_offers_the_draft_and_staff_download_it(hajiyev, staff_client):
    page = staff_client.get(reverse("admin:cases_person_change", args=[hajiyev.pk]))
    url = reverse("admin:interventions_wgad_draft", args=[hajiyev.pk])
    assert page.status_code == 200
    assert url in page.content.decode()
    response = staff_client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert f'filename="{hajiyev.slug}-wgad-draft.docx"' in response["Content-Disposition"]
    assert _headings(_open(response.content))[:6] == list(SECTIONS)


def test_anonymous_readers_are_refused_the_draft(hajiyev, client):
    response = client.get(reverse("admin:interventions_wgad_draft", args=[hajiyev.pk]))
    assert response.status_code == 302  # to the sign-in page
    assert not response.get("Content-Type", "").startswith("application/vnd")


def test_staff_without_the_view_permission_on_persons_are_refused(
    hajiyev, client, django_user_model
):
    user = django_user_model.objects.create_user("clerk", "c@example.org", "pw", is_staff=True)
    factories.staff_sign_in(client, user)
    response = client.get(reverse("admin:interventions_wgad_draft", args=[hajiyev.pk]))
    assert response.status_code == 403


def test_an_unknown_person_is_not_found(staff_client):
    assert (
        staff_client.get(reverse("admin:interventions_wgad_draft", args=["0"])).status_code == 404
    )
    assert (
        staff_client.get(reverse("admin:interventions_wgad_draft", args=["x"])).status_code == 404
    )
