"""The public pages of the lists app (issue 18, items 4 and 5): the lists, one
list with its editions and their sizes (a chart with its numbers in a table),
what changed between two editions, and the case groups. Every page in three
languages, only what the public may see and count, 400 with a message for a bad
edition, 404 for an unknown slug, and query counts that do not grow with the data."""

from __future__ import annotations

import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cases.choices import Visibility
from cases.models import ReleaseReason
from cases.partial_dates import PartialDate
from cases.visibility import Reader
from lists.models import CaseGroup, CaseGroupMember, Edition, ListEntry, PrisonerList
from lists.reads import edition_diff
from tests import factories
from tests import test_public_browser as public_browser
from tests.translated_case import visible_text

pytestmark = pytest.mark.django_db

PUBLIC = Visibility.PUBLIC
INTERNAL = Visibility.INTERNAL


def html(response, status: int = 200) -> str:
    assert response.status_code == status, response.content[:2000]
    return response.content.decode()


def text(response, status: int = 200) -> str:
    return visible_text(html(response, status))


def prisoner_list(title: str, *, visibility=PUBLIC, **fields) -> PrisonerList:
    return PrisonerList.objects.create(title=title, visibility=visibility, **fields)


def edition(of: PrisonerList, date: str, *, cited: bool = True, visibility=PUBLIC, **fields):
    obj = Edition(prisoner_list=of, visibility=visibility, **fields)
    obj.published_on = PartialDate.parse(date)
    obj.save()
    if cited:
        factories.cite(obj, locator="p. 1", excerpt=f"the list of {date}")
    return obj


def name(of: Edition, person, group: str = "", *, visibility=PUBLIC, listed_name: str = ""):
    return ListEntry.objects.create(
        edition=of,
        person=person,
        group=group,
        listed_name=listed_name or person.display_name,
        visibility=visibility,
    )


def case_group(name_: str, *, cited: bool = True, visibility=PUBLIC, **fields) -> CaseGroup:
    group = CaseGroup.objects.create(name=name_, visibility=visibility, **fields)
    if cited:
        factories.cite(group, locator="§ 4", excerpt="tried together")
    return group


def build_world() -> dict:
    """A public list of three editions (2023-06, 2023-12-01 and 2024-03-01) and an
    uncited one between them; persons named in some, one of them internal; a
    released person removed; an internal list; a case group with an internal
    member and an uncited group."""
    union = factories.organization("Union For Freedom of Political Prisoners", slug="union")
    azlist = prisoner_list(
        "Political prisoners in Azerbaijan",
        slug="azerbaijan",
        publisher=union,
        criteria="PACE Resolution 1900 (2012)",
        description="The union's list, updated every few months.",
        internal_notes="STAFF-ONLY list note",
    )
    june = edition(azlist, "2023-06", title="June list")
    december = edition(azlist, "2023-12-01", title="December list")
    uncited = edition(azlist, "2024-01-15", cited=False, title="Uncited draft")
    march = edition(azlist, "2024-03-01", title="March list", internal_notes="STAFF-ONLY ed note")

    sevinj = factories.person("Sevinj Vagifgizi")
    ulvi = factories.person("Ulvi Hasanli")
    tofig = factories.person("Tofig Yagublu")
    bahruz = factories.person("Bahruz Samadov")
    secret = factories.person("Hidden Person", visibility=INTERNAL)
    released = factories.detention(tofig, arrested="2023-12-14", released="2024-02-20")
    released.release_reason = ReleaseReason.objects.get(code="pardon")
    released.save()

    name(june, tofig, "Politicians")
    name(december, sevinj, "Journalists")
    name(december, tofig, "Politicians")
    name(december, secret, "Journalists")
    name(uncited, bahruz, "Academics")
    # the later edition spells her name otherwise: the same person, unchanged
    name(march, sevinj, "Journalists", listed_name="Sevinc Vaqifqızı")
    name(march, ulvi, "Journalists")
    name(march, bahruz, "Academics")
    name(march, secret, "Hidden group")

    hidden_list = prisoner_list("Internal draft list", slug="draft", visibility=INTERNAL)
    edition(hidden_list, "2024-01")

    abzas = case_group(
        "Abzas Media case",
        slug="abzas-media-case",
        description="Journalists of Abzas Media, arrested from November 2023.",
        internal_notes="STAFF-ONLY group note",
    )
    for person, role in ((sevinj, "chief editor"), (ulvi, "director"), (secret, "reporter")):
        CaseGroupMember.objects.create(group=abzas, person=person, role=role, visibility=PUBLIC)
    case_group("Uncited group", slug="uncited-group", cited=False)
    return {
        "list": azlist,
        "june": june,
        "december": december,
        "uncited": uncited,
        "march": march,
        "sevinj": sevinj,
        "ulvi": ulvi,
        "tofig": tofig,
        "bahruz": bahruz,
        "secret": secret,
        "abzas": abzas,
    }


@pytest.fixture
def world():
    return build_world()


def page_urls() -> list[str]:
    return [
        "/lists/",
        "/lists/azerbaijan/",
        "/lists/azerbaijan/changes/",
        "/lists/azerbaijan/changes/?from=2023-06&to=2024-03-01",
        "/groups/",
        "/groups/abzas-media-case/",
    ]


# --- every page, every language -------------------------------------------------------


@pytest.mark.parametrize("prefix", ["", "/az", "/ru"])
def test_every_list_page_renders_in_each_language(client, world, prefix):
    language = prefix.strip("/") or "en"
    for url in page_urls():
        body = html(client.get(prefix + url))
        assert f'<html lang="{language}"' in body, url


def test_the_site_navigation_leads_to_the_lists(client, world):
    assert 'href="/lists/"' in html(client.get("/"))
    assert 'href="/az/lists/"' in html(client.get("/az/"))
    assert 'href="/lists/" aria-current="page"' in html(client.get("/lists/"))


def test_no_staff_only_field_reaches_a_list_page(client, world):
    for url in page_urls():
        assert "STAFF-ONLY" not in html(client.get(url)), url


# --- the lists ---------------------------------------------------------------------------


def test_the_lists_page_shows_each_visible_list_with_its_latest_edition(client, world):
    page = text(client.get("/lists/"))
    assert "Political prisoners in Azerbaijan" in page
    assert "Union For Freedom of Political Prisoners" in page
    assert "PACE Resolution 1900 (2012)" in page
    # three editions: the uncited one is not counted; the latest names three
    # persons the public may see (the internal one is not counted)
    assert "3 editions on record" in page
    assert "Latest: 1 March 2024, 3 persons named." in page
    assert "Internal draft list" not in page


def test_a_list_whose_publisher_is_internal_is_not_shown(client, world):
    world["list"].publisher.visibility = INTERNAL
    world["list"].publisher.save()
    assert "Political prisoners in Azerbaijan" not in text(client.get("/lists/"))
    html(client.get("/lists/azerbaijan/"), 404)


def test_the_list_page_shows_its_editions_oldest_first_with_their_sizes(client, world):
    body = html(client.get("/lists/azerbaijan/"))
    page = visible_text(body)
    assert "Union For Freedom of Political Prisoners" in page
    assert "PACE Resolution 1900 (2012)" in page
    assert "The union's list, updated every few months." in page
    rows = re.findall(
        r'<th scope="row"><time datetime="([\d-]+)">.*?</th>\s*<td>(\d+)</td>', body, re.S
    )
    assert rows == [("2023-06", "1"), ("2023-12-01", "2"), ("2024-03-01", "3")]
    assert "Uncited draft" not in page and "2024-01-15" not in body
    assert "June list" in page and "March list" in page
    # each edition after the first links to what changed since the one before
    assert 'href="/lists/azerbaijan/changes/?from=2023-06&amp;to=2023-12-01"' in body
    assert 'href="/lists/azerbaijan/changes/?from=2023-12-01&amp;to=2024-03-01"' in body
    assert "First edition on record" in page


def test_the_chart_of_sizes_has_its_numbers_in_a_table(client, world):
    body = html(client.get("/lists/azerbaijan/"))
    assert '<script src="/static/vendor/chartjs/chart.umd.min.js" defer></script>' in body
    assert '<script src="/static/casebook/charts.js" defer></script>' in body
    assert '<canvas id="chart-months" role="img"' in body
    data = json.loads(re.search(r'id="chart-data" type="application/json">(.*?)</script>', body)[1])
    assert data["months"] == {
        "labels": ["June 2023", "1 December 2023", "1 March 2024"],
        "values": [1, 2, 3],
    }
    table = dict(
        re.findall(
            r'<th scope="row"><time datetime="[\d-]+">([^<]+)</time>.*?</th>\s*<td>(\d+)',
            body,
            re.S,
        )
    )
    assert {label: int(n) for label, n in table.items()} == dict(
        zip(data["months"]["labels"], data["months"]["values"], strict=True)
    )
    assert "<caption" in body


def test_a_list_with_one_edition_draws_no_chart_but_keeps_the_table(client, world):
    single = prisoner_list("A single edition list", slug="single")
    name(edition(single, "2022"), world["ulvi"])
    body = html(client.get("/lists/single/"))
    assert "chart-months" not in body and "chart.umd.min.js" not in body
    assert re.search(
        r'<th scope="row"><time datetime="2022">2022</time>.*?</th>\s*<td>1</td>', body, re.S
    )


def test_the_list_page_counts_the_groups_of_the_latest_edition(client, world):
    body = html(client.get("/lists/azerbaijan/"))
    groups = dict(re.findall(r'<th scope="row">([^<]+)</th><td>(\d+)</td>', body))
    # the internal person's group is neither shown nor counted
    assert groups == {"Journalists": "2", "Academics": "1"}
    assert "Hidden group" not in body and "Hidden Person" not in body


def test_the_editions_are_footnoted_to_their_sources(client, world):
    body = html(client.get("/lists/azerbaijan/"))
    assert body.count('class="fn"') == 3  # one mark on each visible edition
    assert factories.CITING_SOURCE_TITLE in body
    assert "the list of 2024-03-01" in body
    assert "the list of 2024-01-15" not in body


def test_an_unknown_or_hidden_list_is_404(client, world):
    for url in (
        "/lists/nothing/",
        "/lists/nothing/changes/",
        "/lists/draft/",
        "/lists/draft/changes/",
    ):
        html(client.get(url), 404)
    html(client.get("/ru/lists/nothing/"), 404)


# --- what changed ---------------------------------------------------------------------------


def added_and_removed(body: str) -> tuple[list[str], list[str]]:
    def names(css: str) -> list[str]:
        section = re.search(rf'<ul class="plain-list {css}">(.*?)</ul>', body, re.S)[1]
        return re.findall(r'<a href="/persons/[\w-]+/">([^<]+)</a>', section)

    return names("changes-added"), names("changes-removed")


def test_the_changes_page_compares_the_two_latest_editions_by_default(client, world):
    body = html(client.get("/lists/azerbaijan/changes/"))
    page = visible_text(body)
    assert "From the edition of 1 December 2023 to the edition of 1 March 2024:" in page
    added, removed = added_and_removed(body)
    # she is spelled otherwise in March: the same person, unchanged
    assert added == ["Bahruz Samadov", "Ulvi Hasanli"]
    assert removed == ["Tofig Yagublu"]
    assert "2 persons added, 1 person removed, 1 person named in both." in page
    assert "Hidden Person" not in body
    # the selects show the editions compared
    assert '<option value="2023-12-01" selected>' in body
    assert '<option value="2024-03-01" selected>' in body
    assert 'value="2024-01-15"' not in body  # the uncited edition is not offered


def test_each_person_links_to_their_page_with_group_and_reason(client, world):
    body = html(client.get("/lists/azerbaijan/changes/"))
    tofig, ulvi = world["tofig"], world["ulvi"]
    assert (
        f'<a href="/persons/{ulvi.slug}/">Ulvi Hasanli</a> <span class="hint">(Journalists)</span>'
        in body
    )
    diff = edition_diff(before=world["december"], after=world["march"], reader=Reader.PUBLIC)
    (removal,) = diff.removed
    assert removal.reason  # the reason on record, here a release with a pardon
    assert (
        f'<a href="/persons/{tofig.slug}/">Tofig Yagublu</a> <span class="hint">(Politicians)</span>: '
        f"{removal.reason}" in body
    )


@pytest.mark.parametrize(
    ("before", "after"),
    [("june", "december"), ("december", "march"), ("june", "march")],
)
def test_the_changes_page_counts_what_edition_diff_counts_for_the_public(
    client, world, before, after
):
    key = {
        name: edition.published_on_partial.isoformat()
        for name, edition in world.items()
        if isinstance(edition, Edition)
    }
    body = html(client.get(f"/lists/azerbaijan/changes/?from={key[before]}&to={key[after]}"))
    diff = edition_diff(before=world[before], after=world[after], reader=Reader.PUBLIC)
    added, removed = added_and_removed(body)
    assert added == [change.person.display_name for change in diff.added]
    assert removed == [change.person.display_name for change in diff.removed]
    page = visible_text(body)
    assert re.search(rf"\b{len(diff.added)} persons? added", page)
    assert re.search(rf"\b{len(diff.removed)} persons? removed", page)
    assert re.search(rf"\b{diff.unchanged} persons? named in both", page)


def test_an_edition_is_chosen_by_its_identifier_too(client, world):
    june, march = world["june"], world["march"]
    body = html(client.get(f"/lists/azerbaijan/changes/?from={june.uuid}&to={march.uuid}"))
    assert "From the edition of June 2023 to the edition of 1 March 2024:" in visible_text(body)


def test_a_missing_from_is_the_edition_before_to(client, world):
    body = html(client.get("/lists/azerbaijan/changes/?to=2023-12-01"))
    assert "From the edition of June 2023 to the edition of 1 December 2023:" in visible_text(body)


@pytest.mark.parametrize(
    ("query", "parameter", "message"),
    [
        ("from=2023-13-01", "from", "No edition of this list is named “2023-13-01”."),
        ("from=garbage&to=2024-03-01", "from", "No edition of this list is named “garbage”."),
        ("to=2099-01-01", "to", "No edition of this list is named “2099-01-01”."),
        # the uncited edition is not one the public may compare
        ("from=2024-01-15", "from", "No edition of this list is named “2024-01-15”."),
        ("from=2024-03-01&to=2023-06", "from", "Choose an edition older than the one you compare"),
        (
            "from=2024-03-01&to=2024-03-01",
            "from",
            "Choose an edition older than the one you compare",
        ),
        ("to=2023-06", "to", "There is no earlier edition to compare it with."),
    ],
)
def test_a_bad_edition_is_a_400_with_a_message(client, world, query, parameter, message):
    response = client.get(f"/lists/azerbaijan/changes/?{query}")
    body = html(response, 400)
    assert 'role="alert"' in body and f"<code>{parameter}</code>" in body
    assert message in visible_text(body)
    assert "persons added" not in body  # no comparison is shown


def test_the_bad_parameters_are_named_in_the_readers_language(client, world):
    body = html(client.get("/ru/lists/azerbaijan/changes/?from=garbage"), 400)
    assert '<html lang="ru"' in body and "garbage" in body


def test_a_list_with_fewer_than_two_editions_has_nothing_to_compare(client, world):
    single = prisoner_list("A single edition list", slug="single")
    name(edition(single, "2022"), world["ulvi"])
    page = text(client.get("/lists/single/changes/"))
    assert "fewer than two editions" in page


# --- case groups ------------------------------------------------------------------------


def test_the_group_page_shows_its_visible_members_and_footnotes(client, world):
    body = html(client.get("/groups/abzas-media-case/"))
    page = visible_text(body)
    assert "Abzas Media case" in page
    assert "Journalists of Abzas Media, arrested from November 2023." in page
    sevinj, ulvi = world["sevinj"], world["ulvi"]
    assert f'<a href="/persons/{sevinj.slug}/">Sevinj Vagifgizi</a>, chief editor' in body
    assert f'<a href="/persons/{ulvi.slug}/">Ulvi Hasanli</a>, director' in body
    assert "Hidden Person" not in body and "reporter" not in body
    assert 'href="#fn-1"' in body and 'id="fn-1"' in body
    assert factories.CITING_SOURCE_TITLE in page and "tried together" in page


def test_the_groups_page_lists_the_visible_groups_with_their_visible_members(client, world):
    page = text(client.get("/groups/"))
    assert "Abzas Media case 2 persons" in page
    assert "Uncited group" not in page


def test_an_unknown_uncited_or_internal_group_is_404(client, world):
    html(client.get("/groups/nothing/"), 404)
    html(client.get("/groups/uncited-group/"), 404)
    case_group("Internal group", slug="internal-group", visibility=INTERNAL)
    html(client.get("/groups/internal-group/"), 404)


def test_a_group_whose_only_citation_is_internal_is_hidden(client, world):
    world["abzas"].citations.update(visibility=INTERNAL)
    html(client.get("/groups/abzas-media-case/"), 404)
    assert "Abzas Media case" not in text(client.get("/groups/"))


# --- query counts ------------------------------------------------------------------------


def queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        html(client.get(url))
    return len(captured.captured_queries)


def later_editions(world) -> tuple[Edition, Edition]:
    """Two more editions of the list (2025 and 2026), each cited to a source of its own."""
    editions = []
    for year in (2025, 2026):
        later = edition(world["list"], f"{year}-01-01", cited=False)
        factories.cite(later, source_obj=factories.source(f"The list of {year}"))
        editions.append(later)
    return editions[0], editions[1]


def add_names(first: Edition, second: Edition, persons: int) -> None:
    """`persons` more persons, each with a detention (what a removal's reason
    reads), in four groups: some named in both editions, some only in the first
    (removed), some only in the second (added)."""
    for index in range(persons):
        person = factories.person()
        factories.detention(person, arrested=f"{1990 + index % 30}-05", released="2024-12")
        group = f"Group {index % 4}"
        if index % 3 != 1:
            name(first, person, group)
        if index % 3 != 2:
            name(second, person, group)


# the list, its editions, their citations, their sources, the latest edition's
# groups: one query each (the session and the language cost none)
LIST_PAGE_QUERIES = 5


def test_the_list_page_query_count_does_not_grow_with_the_editions(
    client, world, django_assert_num_queries
):
    with django_assert_num_queries(LIST_PAGE_QUERIES):
        html(client.get("/lists/azerbaijan/"))
    first, second = later_editions(world)
    add_names(first, second, 30)
    with django_assert_num_queries(LIST_PAGE_QUERIES):
        body = html(client.get("/lists/azerbaijan/"))
    assert body.count('class="fn"') == 5


# the list, its editions (the chosen ones among them), the two editions' entries,
# the persons added or removed, the newest detention of each person removed and
# its custody events (lists.reads.edition_diff): one query each
CHANGES_PAGE_QUERIES = 6


@pytest.mark.parametrize(
    "query", ["", "?from=2023-06&to=2024-03-01", "?from=2025-01-01&to=2026-01-01"]
)
def test_the_changes_page_query_count_does_not_grow_with_the_changes(
    client, world, django_assert_num_queries, query
):
    first, second = later_editions(world)
    add_names(first, second, 3)
    url = f"/lists/azerbaijan/changes/{query}"
    with django_assert_num_queries(CHANGES_PAGE_QUERIES):
        html(client.get(url))
    add_names(first, second, 30)
    with django_assert_num_queries(CHANGES_PAGE_QUERIES):
        body = html(client.get(url))
    assert re.search(r"[1-9]\d* persons? removed", body)  # the reasons were read


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("/lists/", 2),  # the lists with their publishers, their editions with their sizes
        ("/groups/", 1),  # the groups with their members counted
        ("/groups/abzas-media-case/", 4),  # the group, its citations, sources, members
    ],
)
def test_the_index_and_group_pages_query_counts_do_not_grow(
    client, world, django_assert_num_queries, url, expected
):
    with django_assert_num_queries(expected):
        html(client.get(url))
    first, second = later_editions(world)
    add_names(first, second, 12)
    more = prisoner_list("Another list", slug="another")
    add_names(edition(more, "2024"), edition(more, "2025"), 5)
    for number in range(5):
        group = case_group(f"Group case {number}")
        factories.cite(group, source_obj=factories.source(f"Group source {number}"))
        CaseGroupMember.objects.create(
            group=world["abzas"], person=factories.person(), visibility=PUBLIC
        )
        CaseGroupMember.objects.create(group=group, person=factories.person(), visibility=PUBLIC)
    factories.cite(world["abzas"], source_obj=factories.source("Another group source"))
    with django_assert_num_queries(expected):
        html(client.get(url))


# --- in a browser ----------------------------------------------------------------------


csp_violations = public_browser.csp_violations  # the fixture: what the policy blocked


@pytest.fixture
def browser_world(vocabularies):
    return build_world()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "viewport", [{"width": 1280, "height": 900}, {"width": 390, "height": 844}]
)
def test_the_pages_draw_the_chart_and_are_accessible_in_a_browser(
    browser_world, browser_page, live_server, csp_violations, viewport
):
    page = browser_page
    page.set_viewport_size(viewport)
    for path in page_urls():
        page.goto(live_server.url + path)
        page.wait_for_load_state("networkidle")
        if path == "/lists/azerbaijan/":
            assert page.evaluate("!!Chart.getChart('chart-months')"), "chart not drawn"
        assert csp_violations == [], path
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), path
        assert public_browser.accessibility_violations(page) == [], path
