"""The places pages in a real browser (Debian's Chromium driven by Playwright): the
facilities' map is drawn from what Casebook serves itself (any request to another
host fails the test, in tests/conftest.py's `browser_page`, and so does anything
the Content-Security-Policy blocks), its points lead to the facilities' pages, and
the list, a facility's page and a person's how to write pass axe-core's WCAG 2.1
A/AA rules. Screenshots go to test-artifacts/."""

from __future__ import annotations

import importlib

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.apps import apps

from cases.choices import Visibility
from cases.partial_dates import PartialDate
from tests.conftest import ARTIFACTS
from tests.facility_records import custody, facility, held

pytestmark = pytest.mark.django_db(transaction=True)

WCAG = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}


@pytest.fixture
def places(vocabularies):
    """Two facilities with coordinates and one without, Rauf transferred from the
    first to the second with a public recipient line. Built before the browser
    starts (a transactional test's data, committed)."""
    importlib.import_module("places.migrations.0002_facility_kinds").add_terms(apps, None)
    prison = facility(
        "Baku Prison No. 1",
        region="Baku",
        country="Azerbaijan",
        latitude="40.40930",
        longitude="49.86710",
        postal_address="AZ1000, Baku, Prison No. 1",
        letter_language="Azerbaijani",
        letter_rules="Letters are read before delivery.",
    )
    colony = facility(
        "Ganja Colony No. 2",
        kind="colony-strict",
        region="Ganja",
        country="Azerbaijan",
        latitude="40.68280",
        longitude="46.36060",
        postal_address="AZ2000, Ganja, Colony No. 2",
    )
    facility("Police Station 3", kind="police-station", region="Baku")
    rauf, detention = held("Rauf Mammadov")
    custody(detention, prison, "2024-03", "2024-09")
    last = custody(
        detention,
        colony,
        "2024-09",
        recipient_line="Rauf Mammadov, born 1985, unit 2",
        letter_visibility=Visibility.PUBLIC,
    )
    last.letter_confirmed_on = PartialDate.parse("2024-11")
    last.save()
    return {"prison": prison, "colony": colony, "rauf": rauf}


@pytest.fixture
def csp_violations(browser_page) -> list[str]:
    blocked = []
    browser_page.on(
        "console",
        lambda m: blocked.append(m.text) if "Content Security Policy" in m.text else None,
    )
    return blocked


def accessibility_violations(page) -> list[str]:
    results = Axe().run(page, options=WCAG)
    return [
        f"{v['id']}: {v['help']} ({len(v['nodes'])}x, e.g. {v['nodes'][0]['target']})"
        for v in results.response["violations"]
    ]


def test_the_map_is_served_by_casebook_and_leads_to_a_facility(
    places, browser_page, live_server, csp_violations
):
    page = browser_page
    requested = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(live_server.url + "/facilities/")
    svg = page.locator("figure.facility-map svg")
    assert svg.is_visible()
    box = svg.bounding_box()
    assert box["width"] > 300 and box["height"] > 100
    assert page.locator("figure.facility-map path.country").count() >= 3  # Azerbaijan, neighbours
    points = page.locator("figure.facility-map a.point")
    assert points.count() == 2  # the police station has no coordinates: the table only
    assert page.locator("table.facility-table tbody tr").count() == 3
    # every request the page made went to the live server (the fixture aborts others)
    assert all(url.startswith(live_server.url) for url in requested), requested
    assert accessibility_violations(page) == []
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "facilities-map.png"), full_page=True)

    page.locator('figure.facility-map a.point[href="/facilities/ganja-colony-no-2/"]').click()
    page.wait_for_url("**/facilities/ganja-colony-no-2/")
    assert page.locator("h1").inner_text().startswith("Ganja Colony No. 2")
    assert "Rauf Mammadov" in page.locator("section[aria-labelledby=held-now-title]").inner_text()
    assert accessibility_violations(page) == []
    page.screenshot(path=str(ARTIFACTS / "facility-page.png"), full_page=True)
    assert csp_violations == []


def test_a_person_page_shows_transfers_and_how_to_write_accessibly(
    places, browser_page, live_server, csp_violations
):
    page = browser_page
    page.goto(live_server.url + f"/persons/{places['rauf'].slug}/")
    writing = page.locator("section.how-to-write")
    assert "Rauf Mammadov, born 1985, unit 2" in writing.inner_text()
    assert "AZ2000, Ganja, Colony No. 2" in writing.inner_text()
    timeline = page.locator("ol.timeline").inner_text()
    assert "Transferred from Baku Prison No. 1 to Ganja Colony No. 2" in timeline
    assert accessibility_violations(page) == []
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "person-how-to-write.png"), full_page=True)
    page.locator("ol.timeline a", has_text="Baku Prison No. 1").first.click()
    page.wait_for_url("**/facilities/baku-prison-no-1/")
    assert (
        "Rauf Mammadov" in page.locator("section[aria-labelledby=held-before-title]").inner_text()
    )
    page.goto(live_server.url + "/ru/facilities/")
    assert page.locator("html").get_attribute("lang") == "ru"
    assert accessibility_violations(page) == []
    assert csp_violations == []
