"""The admin's change pages fit a 1,280-pixel screen: the pages a researcher works in
most (a person with their names, affiliations, detentions and citations; a
detention with its charges, events, custody periods, PACE criteria and citations;
an allegation, a statement, a source, a case event, a facility with its other
names and citations, a custody period with how to write), each with a few rows in every table, in
English and in Russian (the longer labels), scroll only downwards. Any style the
Content-Security-Policy blocks fails the test too."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client

from cases.choices import PaceCriterion
from cases.models import Charge, Occupation, PaceAssessment
from cases.partial_dates import PartialDate
from places.models import CustodyPeriod, Facility, FacilityName
from tests import factories
from tests.conftest import ARTIFACTS

WIDTH, HEIGHT = 1280, 800
LONG = (
    "Reported by his lawyer after a visit to the pre-trial detention centre, confirmed by "
    "two fellow detainees and by the family in an interview with an independent outlet"
)


def _with_citations(fact, source_obj, count: int = 2):
    for number in range(count):
        factories.cite(fact, source_obj=source_obj, locator=f"paragraph {number + 3}", excerpt=LONG)
    return fact


@pytest.fixture
def case_pages(vocabularies, django_user_model):
    """A case with a few rows in every table of its pages, and the session cookie of a
    researcher signed in with both factors. Made before the browser starts: while
    Playwright's event loop runs, the ORM would open a second connection that
    outlives the test."""
    source = factories.source(
        "Political prisoner sentenced after a closed trial in the Baku Grave Crimes Court",
        author="Independent correspondent",
        url="https://example.org/news/2024/01/political-prisoner-sentenced-closed-trial",
    )
    person = factories.person(
        "Bakhtiyar Hajiyev",
        variants=["Bəxtiyar Hacıyev", "Бахтияр Гаджиев", "Bakhtiyar Gadzhiyev"],
    )
    person.occupations.set(Occupation.objects.all()[:2])
    for name in ("Azerbaijan Popular Front Party youth wing", "Abzas Media"):
        factories.affiliation(
            person, factories.organization(name), role="Member of the board", cited=False
        )
    detention = factories.detention(
        person, arrested="2023-11-21", released="2024-03", stage="convicted", cited=False
    )
    factories.detention(person, arrested="2019-05", cited=False)
    factories.cite(person, source_obj=source, claim="name", locator="headline", excerpt=LONG)
    factories.cite(person, source_obj=source, claim="birth date", locator="p. 2", excerpt=LONG)
    for article, description in [
        ("206.3.2", "Smuggling committed by a group of persons by prior agreement"),
        ("193-1.3.1", "Legalisation of property obtained by criminal means, in large amount"),
        ("213.2.2", "Tax evasion in a particularly large amount"),
    ]:
        Charge.objects.create(detention=detention, article=article, description=description)
    events = [
        factories.case_event(detention, "arrested", "2023-11-21", description=LONG, cited=False),
        factories.case_event(
            detention, "sentenced", "2024-03-05", sentence_months=108, description=LONG, cited=False
        ),
    ]
    for criterion in (PaceCriterion.B, PaceCriterion.E):
        PaceAssessment.objects.create(detention=detention, criterion=criterion, justification=LONG)
    _with_citations(detention, source)
    _with_citations(events[1], source)
    allegation = _with_citations(
        factories.allegation(person, "torture", description=LONG, cited=False), source
    )
    statement = _with_citations(
        factories.statement(
            "Call for the immediate and unconditional release of the journalists of Abzas Media",
            quote=LONG,
            summary=LONG,
            cited=False,
        ),
        source,
    )
    statement.persons.set([person])
    facility = _with_citations(
        Facility.objects.create(
            name="Baku Pre-trial Detention Centre No. 1 of the Ministry of Justice",
            region="Baku", postal_address=LONG, letter_rules=LONG, parcel_rules=LONG,
        ),
        source,
    )  # fmt: skip
    for name, language in (("Бакинский следственный изолятор № 1", "ru"),
                           ("1 saylı Bakı İstintaq Təcridxanası", "az")):  # fmt: skip
        FacilityName.objects.create(facility=facility, name=name, language=language)
    periods = []
    for place, since, until in (
        (facility, "2023-11-22", "2024-03-10"),
        (Facility.objects.create(name="Prison No. 13"), "2024-03-10", None),
    ):
        period = CustodyPeriod(
            detention=detention, facility=place, note=LONG, letter_note=LONG,
            recipient_line="Hajiyev Bakhtiyar Ali oglu, born 1983, unit 4",
        )  # fmt: skip
        period.held_from = PartialDate.parse(since)
        period.held_until = PartialDate.parse(until) if until else None
        period.save()
        periods.append(_with_citations(period, source))

    user = django_user_model.objects.create_superuser("researcher", "r@example.org", "pw-unused-42")
    client = factories.staff_sign_in(Client(), user)
    return {
        "session": client.cookies[settings.SESSION_COOKIE_NAME].value,
        "pages": {
            "person": f"/admin/cases/person/{person.pk}/change/",
            "detention": f"/admin/cases/detention/{detention.pk}/change/",
            "allegation": f"/admin/cases/allegation/{allegation.pk}/change/",
            "statement": f"/admin/cases/statement/{statement.pk}/change/",
            "source": f"/admin/sources/source/{source.pk}/change/",
            "case event": f"/admin/cases/caseevent/{events[1].pk}/change/",
            "facility": f"/admin/places/facility/{facility.pk}/change/",
            "custody period": f"/admin/places/custodyperiod/{periods[1].pk}/change/",
            # the case-entry page, with the source and person of this case chosen
            "case entry": f"/admin/cases/person/enter-case/?source={source.pk}&person={person.pk}",
        },
    }


def _overflowing(page) -> list[str]:
    """The elements wider than the window (what a failure should name)."""
    return page.evaluate(
        """() => [...document.querySelectorAll('#content *')]
            .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
            .slice(0, 8)
            .map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '')
                 + (typeof e.className === 'string' && e.className.trim()
                    ? '.' + e.className.trim().split(/\\s+/).join('.') : '')
                 + ' ' + Math.round(e.getBoundingClientRect().right))"""
    )


@pytest.mark.parametrize("language", ["en", "ru"])
def test_change_pages_fit_1280_pixels_without_scrolling_sideways(
    case_pages, browser_page, live_server, language
):
    page = browser_page
    blocked = []
    page.on(
        "console",
        lambda m: blocked.append(m.text) if "Content Security Policy" in m.text else None,
    )
    page.set_viewport_size({"width": WIDTH, "height": HEIGHT})
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": case_pages["session"],
                "url": live_server.url,
            },
            {"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_server.url},
        ]
    )
    ARTIFACTS.mkdir(exist_ok=True)
    too_wide = []
    for name, url in case_pages["pages"].items():
        page.goto(f"{live_server.url}{url}")
        page.wait_for_load_state("load")
        assert page.locator("html").get_attribute("lang") == language, name
        assert page.locator("#content form").count() >= 1, name  # the change form, not a sign-in
        rows = page.locator(".inline-related tbody tr.has_original").count()
        assert rows >= (0 if name in ("source", "case entry") else 2), name
        scroll, client = page.evaluate(
            "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
        )
        if scroll > client + 1:
            shot = ARTIFACTS / f"admin-layout-{name.replace(' ', '-')}-{language}.png"
            page.screenshot(path=str(shot), full_page=True)
            too_wide.append(f"{name} ({language}) is {scroll}px wide: {_overflowing(page)}")
    assert too_wide == []
    assert blocked == []
