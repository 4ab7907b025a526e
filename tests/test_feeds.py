"""Sitemaps, Atom feeds and robots.txt: every public page in each language with
its alternates, nothing a public reader may not see, and query counts that do
not grow with the number of records."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from urllib.parse import urlsplit

import pytest
from django.core.cache import cache
from django.utils import timezone

from cases.models import Affiliation
from tests import factories

pytestmark = pytest.mark.django_db

SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
XHTML = "{http://www.w3.org/1999/xhtml}"
ATOM = "{http://www.w3.org/2005/Atom}"
LANGUAGE_PREFIXES = {"en": "", "az": "/az", "ru": "/ru"}


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()


@pytest.fixture
def records():
    """Public records beside restricted ones; every restricted text says HIDDEN."""
    hrw = factories.organization("Human Rights Watch", slug="human-rights-watch")
    report = factories.source("HRW report", publisher=hrw)
    leyla = factories.person("Leyla Yunus", summary="Scholar and rights defender.")
    leyla.internal_notes = "HIDDEN-NOTE"
    leyla.save()
    factories.detention(leyla, arrested="2014-07", stage="convicted")
    call = factories.statement("Release Leyla Yunus", issuer=hrw, summary="HRW calls for release")
    call.persons.add(leyla)
    ilgar = factories.person("Ilgar Mammadov")

    trashed = {"deleted_at": timezone.now()}
    hidden = {
        "person_internal": factories.person("HIDDEN Internal Person", visibility="internal"),
        "person_partners": factories.person("HIDDEN Partners Person", visibility="partners"),
        "person_trashed": factories.person("HIDDEN Trashed Person", **trashed),
        "org_internal": factories.organization("HIDDEN Internal Org", visibility="internal"),
        "org_partners": factories.organization("HIDDEN Partners Org", visibility="partners"),
        "org_trashed": factories.organization("HIDDEN Trashed Org", **trashed),
        "source_internal": factories.source("HIDDEN internal source", visibility="internal"),
        "source_partners": factories.source("HIDDEN partners source", visibility="partners"),
        "source_trashed": factories.source("HIDDEN trashed source", **trashed),
        "source_confidential": factories.source(
            "HIDDEN interview", is_confidential=True, author="HIDDEN speaker"
        ),
    }
    factories.statement("HIDDEN internal statement", issuer=hrw, visibility="internal")
    factories.statement("HIDDEN statement of a hidden issuer", issuer=hidden["org_internal"])
    factories.statement("HIDDEN trashed statement", issuer=hrw, **trashed)
    Affiliation.objects.create(
        person=leyla, organization=hidden["org_internal"], visibility="public"
    )
    return {"hrw": hrw, "report": report, "leyla": leyla, "ilgar": ilgar, "call": call, **hidden}


# --- sitemap -------------------------------------------------------------------------


def sitemap_entries(client) -> dict[str, dict]:
    """Every <url> of every sitemap the index lists, by path: its lastmod and
    its alternates {hreflang: path}."""
    index = client.get("/sitemap.xml")
    assert index.status_code == 200 and index["Content-Type"] == "application/xml"
    entries = {}
    for loc in ET.fromstring(index.content).iter(f"{SITEMAP}loc"):
        section = client.get(urlsplit(loc.text).path)
        assert section.status_code == 200, loc.text
        assert b"hidden" not in section.content.lower(), loc.text  # the slugs say it
        for url in ET.fromstring(section.content).iter(f"{SITEMAP}url"):
            path = urlsplit(url.find(f"{SITEMAP}loc").text).path
            lastmod = url.find(f"{SITEMAP}lastmod")
            entries[path] = {
                "lastmod": lastmod.text if lastmod is not None else None,
                "alternates": {
                    link.get("hreflang"): urlsplit(link.get("href")).path
                    for link in url.iter(f"{XHTML}link")
                },
            }
    return entries


def test_the_sitemap_lists_each_public_page_in_every_language_with_alternates(client, records):
    entries = sitemap_entries(client)
    leyla, hrw, report = records["leyla"], records["hrw"], records["report"]
    for page in (
        "/",
        "/persons/",
        "/statements/",
        "/sources/",
        "/organizations/",
        "/statistics/",
        f"/persons/{leyla.slug}/",
        f"/persons/{records['ilgar'].slug}/",
        f"/organizations/{hrw.slug}/",
        f"/sources/{report.uuid}/",
    ):
        every_language = {code: prefix + page for code, prefix in LANGUAGE_PREFIXES.items()}
        for path in every_language.values():
            assert path in entries, path
            assert entries[path]["alternates"] == {**every_language, "x-default": page}, path
    assert entries[f"/az/persons/{leyla.slug}/"]["lastmod"] == f"{leyla.updated_at:%Y-%m-%d}"


def test_the_sitemap_leaves_out_restricted_trashed_and_confidential_records(client, records):
    entries = sitemap_entries(client)
    listed = "\n".join(entries)
    for name, record in records.items():
        if name.startswith(("person_", "org_", "source_")):
            identifier = str(getattr(record, "slug", None) or record.uuid)
            assert identifier not in listed, name
    persons = {path for path in entries if re.search(r"/persons/[^/]+/$", path)}
    assert len(persons) == 2 * len(LANGUAGE_PREFIXES)  # Leyla and Ilgar, nobody else


def test_robots_txt_points_to_the_sitemap_and_keeps_crawlers_out_of_admin_and_api(client):
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    lines = response.content.decode().splitlines()
    assert lines[0] == "User-agent: *"
    assert "Disallow: /admin/" in lines and "Disallow: /api/" in lines
    assert "Disallow: /*/dossier.pdf" in lines  # PDFs drawn on request: crawlers read the pages
    assert "Sitemap: http://testserver/sitemap.xml" in lines


# --- feeds ---------------------------------------------------------------------------


def feed(client, url: str) -> ET.Element:
    response = client.get(url)
    assert response.status_code == 200, url
    assert response["Content-Type"] == "application/atom+xml; charset=utf-8"
    assert b"HIDDEN" not in response.content, url
    return ET.fromstring(response.content)


def local(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def entries_of(root: ET.Element) -> list[dict]:
    return [
        {
            "title": entry.findtext(f"{ATOM}title"),
            "summary": entry.findtext(f"{ATOM}summary"),
            "link": local(entry.find(f"{ATOM}link").get("href")),
            "author": entry.findtext(f"{ATOM}author/{ATOM}name"),
        }
        for entry in root.iter(f"{ATOM}entry")
    ]


@pytest.mark.parametrize("language", ["en", "az", "ru"])
def test_the_updates_feed_lists_public_case_pages_newest_first(client, records, language):
    prefix = LANGUAGE_PREFIXES[language]
    root = feed(client, f"{prefix}/feeds/updates/")
    assert root.get("{http://www.w3.org/XML/1998/namespace}lang") == language
    leyla, ilgar = records["leyla"], records["ilgar"]
    assert entries_of(root) == [
        {"title": "Ilgar Mammadov", "summary": None, "link": f"{prefix}/persons/{ilgar.slug}/",
         "author": None},
        {"title": "Leyla Yunus", "summary": "Scholar and rights defender.",
         "link": f"{prefix}/persons/{leyla.slug}/", "author": None},
    ]  # fmt: skip


def test_the_statements_feed_lists_public_statements_linking_to_a_page(client, records):
    root = feed(client, "/ru/feeds/statements/")
    assert entries_of(root) == [
        {
            "title": "Release Leyla Yunus",
            "summary": "HRW calls for release",
            "link": f"/ru/persons/{records['leyla'].slug}/",
            "author": "Human Rights Watch",
        }
    ]


def test_each_page_links_to_the_updates_feed(client, records):
    body = client.get("/az/").content.decode()
    assert 'type="application/atom+xml"' in body
    assert 'href="/az/feeds/updates/"' in body


def test_a_statement_concerning_nobody_links_to_its_issuers_statements(client, records):
    factories.statement("A report", issuer=records["hrw"])
    entries = entries_of(feed(client, "/feeds/statements/"))
    assert entries[0]["title"] == "A report"
    assert entries[0]["link"] == "/statements/?issuer=human-rights-watch"


# --- query counts --------------------------------------------------------------------


def add_public_records(n: int) -> None:
    org = factories.organization()
    for i in range(n):
        person = factories.person(summary=f"Summary {i}", variants=[f"Variant {i}"])
        factories.detention(person, arrested="2020", stage="convicted")
        factories.statement(f"Statement {i}", issuer=org).persons.add(person)
        factories.organization()
        factories.source(f"Source {i}", publisher=org)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("/sitemap.xml", 6),  # per record section: its latest change and its length
        ("/sitemap-pages.xml", 0),
        ("/sitemap-persons.xml", 2),  # the length, then one page of records
        ("/sitemap-organizations.xml", 2),
        ("/sitemap-sources.xml", 2),
        # cases.reads.rows.latest_persons (with the stored status and the custody periods)
        ("/feeds/updates/", 7),
        ("/az/feeds/statements/", 2),  # statements, the persons they concern
    ],
)
def test_sitemap_and_feed_query_counts_do_not_grow(
    client, records, django_assert_num_queries, url, expected
):
    add_public_records(2)
    with django_assert_num_queries(expected):
        assert client.get(url).status_code == 200
    add_public_records(10)
    with django_assert_num_queries(expected):
        assert client.get(url).status_code == 200


def test_a_sitemap_page_reads_only_its_own_records(client, records, monkeypatch):
    from cases import sitemaps

    monkeypatch.setattr(sitemaps.PersonSitemap, "limit", 4)  # two persons in 3 languages + 1
    add_public_records(1)  # three public persons: 9 entries on pages of 4
    pages = [client.get("/sitemap-persons.xml", {"p": page}) for page in (1, 2, 3)]
    listed = [
        urlsplit(url.findtext(f"{SITEMAP}loc")).path
        for page in pages
        for url in ET.fromstring(page.content).iter(f"{SITEMAP}url")
    ]
    assert [len(list(ET.fromstring(p.content))) for p in pages] == [4, 4, 1]
    assert len(listed) == len(set(listed)) == 9
    assert client.get("/sitemap-persons.xml", {"p": 4}).status_code == 404
    index = client.get("/sitemap.xml").content.decode()
    assert "/sitemap-persons.xml?p=3" in index and "/sitemap-persons.xml?p=4" not in index


def test_a_feed_is_validated_by_its_etag_not_by_the_newest_items_time(client, records):
    # a withdrawn item changes the feed without a newer time: If-Modified-Since alone
    # must not earn a 304, so the feed sends no Last-Modified; the ETag changes instead
    first = client.get("/feeds/updates/")
    assert first.status_code == 200 and "Last-Modified" not in first.headers
    assert first.headers["ETag"]
    again = client.get("/feeds/updates/", HTTP_IF_NONE_MATCH=first.headers["ETag"])
    assert again.status_code == 304
    stale = client.get("/feeds/updates/", HTTP_IF_MODIFIED_SINCE="Fri, 01 Jan 2100 00:00:00 GMT")
    assert stale.status_code == 200
