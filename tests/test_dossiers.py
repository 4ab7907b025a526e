"""Dossiers: an official's (identity, positions, conduct with each incident's
evidence footnoted, replies, sources) carries the same facts as the official's
page; a person's is the person page itself, so it shows what the page shows and
nothing the page hides; both as PDF and DOCX, from the command, the admin's
buttons and (PDF, public) the pages' links; nothing fetched but our static files."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys

import pytest
from django.core.files.base import ContentFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from docx import Document
from PIL import Image
from pypdf import PdfReader

from cases.visibility import Reader
from dossiers.official import official_dossier_docx
from dossiers.person import person_dossier_pdf, person_html
from dossiers.render import RefusedAddress, local_fetcher
from officials.choices import InvolvementRole
from officials.pages import official_page
from tests import accountability_records as records
from tests import factories

pytestmark = pytest.mark.django_db

SECTIONS = (
    "1. Identity and identifiers",
    "2. Positions",
    "3. Conduct",
    "4. Exculpatory information and replies",
    "5. Sources",
)
INTERNAL_ACT = "Signed the internal-only search warrant"


def pdf_text(content: bytes) -> str:
    assert content.startswith(b"%PDF")
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    return re.sub(r"\s+", " ", text)


def docx_paragraphs(content: bytes) -> list[tuple[str, str]]:
    return [(p.style.name, p.text) for p in Document(io.BytesIO(content)).paragraphs]


def squeeze(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


@pytest.fixture
def judge():
    """A judge named in two persons' cases (one with the official's published
    reply), each involvement cited by its own publisher's source, and one
    involvement still internal."""
    judge = records.official(
        "Rəşad Məmmədov", names=[("Рашад Мамедов", "ru")], nationality="Azerbaijani"
    )
    records.position(judge, factories.organization("Baku Grave Crimes Court"), "Judge")
    first, second = factories.person("Anar Əliyev"), factories.person("Bahruz Bayramov")
    records.involvement(
        judge,
        InvolvementRole.TRIAL_JUDGE,
        detention=factories.detention(first, arrested="2023-11-02"),
        description="Sentenced him to nine years",
        source=records.published_source("Meydan TV", "Nine years for Əliyev"),
        reply="The court denied any pressure",
        reply_on="2024-01-02",
        reply_source=records.published_source("Turan", "The court answers"),
    )
    records.involvement(
        judge,
        InvolvementRole.APPEAL_JUDGE,
        detention=factories.detention(second, arrested="2024-02"),
        description="Upheld the sentence",
        source=records.published_source("Amnesty International", "Appeal upheld"),
    )
    records.involvement(
        judge,
        InvolvementRole.INVESTIGATOR,
        detention=factories.detention(second, arrested="2024-05"),
        description=INTERNAL_ACT,
        visibility="internal",
    )
    return judge


def test_the_official_pdf_has_the_same_facts_as_the_official_page(client, judge):
    page = client.get(reverse("official-detail", kwargs={"slug": judge.slug}))
    assert page.status_code == 200
    html = squeeze(page.content.decode())
    response = client.get(reverse("official-dossier", kwargs={"slug": judge.slug}))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="{judge.slug}.pdf"'
    text = pdf_text(response.content)

    for section in SECTIONS:
        assert section in text
    facts = official_page(judge, Reader.PUBLIC)
    # both persons' cases, each involvement's fact and its footnote mark, the reply
    for name in ("Anar Əliyev", "Bahruz Bayramov"):
        assert name in html and name in text
    for entry in facts.involvements:
        assert entry.description in html and entry.description in text
        marks = "".join(f"[{mark.number}]" for mark in entry.notes)
        assert marks and marks in text
    assert "The court denied any pressure" in html and "The court denied any pressure" in text
    # the same sources, numbered alike
    titles = [note["source"]["title"] for note in facts.footnotes]
    assert {"Nine years for Əliyev", "Appeal upheld", "The court answers"} <= set(titles)
    for title in titles:
        assert title in html and title in text
    positions = [text.index(title) for title in titles]
    assert positions == sorted(positions)
    assert INTERNAL_ACT not in html and INTERNAL_ACT not in text
    assert "internal" not in text.lower()


def test_the_staff_official_dossier_has_the_sections_and_marks_each_internal_fact(judge):
    staff = official_dossier_docx(judge, reader=Reader.STAFF, site_url="http://x.test/")
    paragraphs = docx_paragraphs(staff)
    headings = [text for style, text in paragraphs if style == "Heading 1"]
    assert headings == list(SECTIONS)
    incidents = [text for style, text in paragraphs if style == "Heading 2"]
    assert len(incidents) == 3
    internal = [text for text in incidents if text.startswith("[internal]")]
    assert len(internal) == 1 and "Investigator" in internal[0]
    assert any(INTERNAL_ACT in text for _style, text in paragraphs)
    header = Document(io.BytesIO(staff)).sections[0].header.paragraphs[0].text
    assert "internal" in header.lower()
    public = official_dossier_docx(judge, reader=Reader.PUBLIC, site_url="http://x.test/")
    public_text = " ".join(text for _style, text in docx_paragraphs(public))
    assert INTERNAL_ACT not in public_text and "[internal]" not in public_text


@pytest.fixture
def prisoner():
    person = factories.person("Təhmasib Şahbazlı", variants=["Тахмасиб Шахбазлы"])
    factories.citation(factories.source("Profile of Şahbazlı"), person=person)
    factories.detention(person, arrested="2024-03-05", arrest_place="Baku")
    factories.allegation(person, description="Beaten at the police station")
    factories.allegation(person, description="Hidden internal allegation", visibility="internal")
    return person


def main_of(html: str) -> str:
    return html[html.index("<main") : html.index("</main>")]


def test_the_person_dossier_is_the_person_page_itself(client, prisoner):
    page = client.get(reverse("person-detail", kwargs={"slug": prisoner.slug})).content.decode()
    dossier = person_html(prisoner, reader=Reader.PUBLIC, site_url="http://testserver/")
    assert main_of(dossier) == main_of(page)
    link = reverse("person-dossier", kwargs={"slug": prisoner.slug})
    assert f'href="{link}"' in page and "Download PDF" in page
    az_page = client.get(f"/az/persons/{prisoner.slug}/").content.decode()
    assert f'href="/az/persons/{prisoner.slug}/dossier.pdf"' in az_page


def test_the_person_pdf_shows_what_the_page_shows_and_nothing_it_hides(client, prisoner):
    page = client.get(reverse("person-detail", kwargs={"slug": prisoner.slug})).content.decode()
    response = client.get(reverse("person-dossier", kwargs={"slug": prisoner.slug}))
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="{prisoner.slug}.pdf"'
    assert response["Cache-Control"].startswith("public, max-age=")
    text = pdf_text(response.content)
    headings = re.findall(r"<h[123][^>]*>(.*?)</h[123]>", main_of(page), re.S)
    assert len(headings) >= 4
    for heading in headings:
        assert squeeze(re.sub(r"<[^>]+>", "", heading)) in text
    for fact in (
        "Тахмасиб Шахбазлы",
        "Baku",
        "Beaten at the police station",
        "Profile of Şahbazlı",
    ):
        assert fact in page and fact in text
    assert "Hidden internal allegation" not in page
    assert "Hidden internal allegation" not in text
    assert "Download PDF" not in text  # the page's own link is not printed


def test_the_public_dossiers_are_404_where_the_pages_are(client, judge):
    hidden_person = factories.person("Hidden Person", visibility="internal")
    hidden_official = records.official("Hidden Official", visibility="internal")
    for url in (
        reverse("person-dossier", kwargs={"slug": hidden_person.slug}),
        reverse("person-dossier", kwargs={"slug": "nobody"}),
        reverse("official-dossier", kwargs={"slug": hidden_official.slug}),
        reverse("official-dossier", kwargs={"slug": "nobody"}),
    ):
        assert client.get(url).status_code == 404, url


def test_the_command_writes_dossiers_and_refuses_bad_input_clearly(tmp_path, judge, prisoner):
    output = tmp_path / "judge.docx"
    call_command("dossier", "official", judge.slug, format="docx", output=str(output))
    headings = [
        text for style, text in docx_paragraphs(output.read_bytes()) if style == "Heading 1"
    ]
    assert headings == list(SECTIONS)
    staff = tmp_path / "person.docx"
    call_command(
        "dossier", "person", prisoner.slug, "--format=docx", f"--output={staff}", "--reader=staff"
    )
    staff_paragraphs = docx_paragraphs(staff.read_bytes())
    staff_text = " ".join(text for _style, text in staff_paragraphs)
    assert "Hidden internal allegation" in staff_text  # staff asked for it, and it is marked
    allegations = [t for _s, t in staff_paragraphs if "Allegation: torture" in t]
    assert len(allegations) == 2
    assert [t.startswith("[internal] Allegation") for t in allegations].count(True) == 1
    public = tmp_path / "person-public.docx"
    call_command("dossier", "person", prisoner.slug, format="docx", output=str(public))
    public_text = " ".join(text for _style, text in docx_paragraphs(public.read_bytes()))
    assert "Beaten at the police station" in public_text
    assert "Hidden internal allegation" not in public_text  # the default reader is the public

    hidden = factories.person("Still Internal", visibility="internal")
    bad = [
        (("person", "nobody"), {}, "nobody"),
        (("person", hidden.slug), {}, hidden.slug),
        (("person", prisoner.slug), {"format": "odt"}, "'odt'"),
        (("persons", prisoner.slug), {}, "'persons'"),
        (("official", judge.slug), {"reader": "editor"}, "'editor'"),
        (("official", judge.slug), {"language": "fr"}, "'fr'"),
    ]
    for args, options, named in bad:
        with pytest.raises(CommandError, match=re.escape(named)):
            call_command("dossier", *args, output=str(tmp_path / "x"), **options)
    assert not (tmp_path / "x").exists()


def test_the_admin_buttons_download_the_staff_dossiers(staff_client, client, judge, prisoner):
    change = staff_client.get(reverse("admin:cases_person_change", args=[prisoner.pk]))
    docx_url = reverse("admin:dossiers_person", args=[prisoner.pk, "docx"])
    assert docx_url in change.content.decode()
    assert reverse("admin:dossiers_person", args=[prisoner.pk, "pdf"]) in change.content.decode()
    response = staff_client.get(docx_url)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert f"{prisoner.slug}-staff-dossier.docx" in response["Content-Disposition"]
    text = " ".join(t for _s, t in docx_paragraphs(response.content))
    assert "Hidden internal allegation" in text

    official_change = staff_client.get(reverse("admin:officials_official_change", args=[judge.pk]))
    official_docx = reverse("admin:dossiers_official", args=[judge.pk, "docx"])
    assert official_docx in official_change.content.decode()
    response = staff_client.get(official_docx)
    assert response.status_code == 200
    assert any(INTERNAL_ACT in t for _s, t in docx_paragraphs(response.content))
    assert (
        staff_client.get(reverse("admin:dossiers_official", args=[judge.pk, "odt"])).status_code
        == 404
    )
    client.logout()  # staff_client is the same client, signed in
    assert client.get(official_docx).status_code == 302  # signed out: to the sign-in page


def test_a_dossier_fetches_only_our_static_files():
    fetcher = local_fetcher(
        "https://casebook.example/", {"/persons/a/photo/": (b"JPEG", "image/jpeg")}
    )
    css = fetcher.fetch("https://casebook.example/static/casebook/site.css")
    assert b"Casebook" in css.read()
    assert fetcher.fetch("https://casebook.example/persons/a/photo/").read() == b"JPEG"
    for url in (
        "https://tracker.example/pixel.png",
        "http://casebook.example/static/casebook/site.css",  # another origin
        "https://casebook.example/static/../casebook/settings.py",
        "https://casebook.example/media/private/sheet.xlsx",
        "https://casebook.example/persons/b/photo/",
        "file:///etc/passwd",
        "data:text/css,body{}",
    ):
        with pytest.raises(RefusedAddress):
            fetcher.fetch(url)
    assert len(fetcher.refused) == 7


def test_weasyprint_is_imported_only_when_a_pdf_is_made():
    """Importing it takes over a second: no command, worker or test pays it at start."""
    script = "import sys, django; django.setup(); print('weasyprint' in sys.modules)"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "casebook.settings", "DEBUG": "1"}
    result = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120
    )
    assert result.stdout.strip() == "False", result.stderr


def test_the_photo_is_in_the_pdf_only_where_the_reader_may_see_it(prisoner):
    image = io.BytesIO()
    Image.new("RGB", (8, 10), "navy").save(image, "PNG")
    prisoner.photo.save("portrait.png", ContentFile(image.getvalue()), save=False)
    prisoner.photo_visibility = "internal"
    prisoner.save()

    def images(reader):
        content = person_dossier_pdf(prisoner, reader=reader, site_url="http://testserver/")
        return sum(len(page.images) for page in PdfReader(io.BytesIO(content)).pages)

    assert images(Reader.PUBLIC) == 0
    assert images(Reader.STAFF) == 1
