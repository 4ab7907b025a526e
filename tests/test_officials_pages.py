"""The officials' public pages and reads: an official named in two cases shows
both, each footnoted; any spelling or script finds an official; internal and
uncited involvements are hidden from the public and partners; an alleged
perpetrator is public only on two publishers' sources (partners: one); the
reply is shown with its source; the list filters; pinned query counts; bad
input is a 400 or a 404, never a 500."""

from __future__ import annotations

import re
from html import unescape

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cases.choices import Visibility
from cases.visibility import Reader
from officials.choices import InvolvementRole
from officials.pages import official_page
from officials.reads import search_officials
from tests import accountability_records as acc
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()


def text(response) -> str:
    assert response.status_code == 200, response.content[:2000]
    page = response.content.decode()
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", page)))


def queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


@pytest.fixture
def judge():
    """Judge Əli Əliyev (also Али Алиев), at the Baku court since 2019: the
    investigator of Rauf's detention (2023), the judge who sentenced Sevda (2024,
    who denied it), and in two cases no one but staff may see (an internal
    involvement; an uncited one)."""
    court = factories.organization("Baku Grave Crimes Court")
    official = acc.official("Əli Əliyev", names=[("Али Алиев", "ru")], nationality="Azerbaijan")
    acc.position(official, court, "Judge", started="2019-05")
    rauf = factories.person("Rauf Mammadov")
    sevda = factories.person("Sevda Huseynova")
    acc.involvement(
        official,
        InvolvementRole.INVESTIGATOR,
        detention=factories.detention(rauf, arrested="2023-11-20"),
        source=acc.published_source("Turan", "Rauf Mammadov arrested"),
    )
    sentenced = factories.case_event(factories.detention(sevda), "sentenced", "2024-06-14")
    denial = acc.published_source("APA", "The court answers")
    acc.involvement(
        official,
        InvolvementRole.TRIAL_JUDGE,
        case_event=sentenced,
        description="Sentenced her to nine years.",
        reply="The judge says the sentence followed the law.",
        reply_on="2024-06-20",
        reply_source=denial,
        source=acc.published_source("Meydan TV", "Sevda Huseynova sentenced"),
    )
    acc.involvement(
        official,
        detention=factories.detention(factories.person("Internal Ilgar")),
        visibility=Visibility.INTERNAL,
    )
    acc.involvement(
        official, detention=factories.detention(factories.person("Uncited Ulvi")), cited=False
    )
    return official


def test_an_official_named_in_two_cases_shows_both_each_footnoted(client, judge):
    page = text(client.get(f"/officials/{judge.slug}/"))
    assert "Rauf Mammadov" in page and "Sevda Huseynova" in page
    assert "Judge, Baku Grave Crimes Court" in page
    # newest first: the sentencing (2024) before the arrest (2023)
    assert page.index("Sevda Huseynova") < page.index("Rauf Mammadov")
    assert "Sentenced her to nine years." in page
    assert "The judge says the sentence followed the law." in page
    built = official_page(judge, Reader.PUBLIC)
    assert [len(case.involvements) for case in built.cases] == [1, 1]
    for entry in built.involvements:
        assert entry.notes, entry
        assert entry.sources_count == 1 and len(entry.publishers) == 1
    titles = [note["source"]["title"] for note in built.footnotes]
    # identity and the position (one shared source: one note), then the cases as
    # shown: the sentencing, the judge's reply, the arrest
    assert titles == [
        factories.CITING_SOURCE_TITLE,
        "Sevda Huseynova sentenced",
        "The court answers",
        "Rauf Mammadov arrested",
    ]
    html = client.get(f"/officials/{judge.slug}/").content.decode()
    for number, note in enumerate(built.footnotes, start=1):
        assert note["number"] == number
        assert f'id="fn-{number}"' in html and f'href="#fn-{number}"' in html
    sevda = built.cases[0].involvements[0]
    assert sevda.fact["kind"] == "case_event" and sevda.fact["kind_label"] == "sentenced"
    assert sevda.fact["person"]["name"] == "Sevda Huseynova"
    assert sevda.reply.source["title"] == "The court answers" and sevda.reply.notes


@pytest.mark.parametrize("query", ["Ali Aliyev", "Али Алиев", "Алиев", "aliyev", "Əliyev"])
def test_any_spelling_or_script_finds_the_official(client, judge, query):
    assert list(search_officials(query, Reader.PUBLIC)) == [judge]
    assert "Əli Əliyev" in text(client.get("/officials/", {"q": query}))


def test_a_hidden_other_name_never_finds_the_official(judge):
    acc.official_name(judge, "Secret Alias", visibility=Visibility.INTERNAL)
    assert list(search_officials("Secret Alias", Reader.PUBLIC)) == []
    assert list(search_officials("Secret Alias", Reader.STAFF)) == [judge]


def test_internal_and_uncited_involvements_are_shown_to_staff_only(client, judge):
    for reader in (Reader.PUBLIC, Reader.PARTNER):
        named = {e.fact["person"]["name"] for e in official_page(judge, reader).involvements}
        assert named == {"Rauf Mammadov", "Sevda Huseynova"}, reader
    staff = {e.fact["person"]["name"] for e in official_page(judge, Reader.STAFF).involvements}
    assert {"Internal Ilgar", "Uncited Ulvi"} <= staff
    page = text(client.get(f"/officials/{judge.slug}/"))
    assert "Internal Ilgar" not in page and "Uncited Ulvi" not in page
    listed = text(client.get("/officials/"))
    assert re.search(r"Əli Əliyev Judge, Baku Grave Crimes Court 2\b", listed), listed


def test_an_alleged_perpetrator_needs_two_publishers_for_the_public(client, judge):
    victim = factories.person("Tortured Tural")
    torture = factories.allegation(victim, "torture")
    acc.involvement(
        judge,
        InvolvementRole.ALLEGED_PERPETRATOR,
        allegation=torture,
        source=acc.published_source("Turan"),
    )

    def named(reader):
        return {e.fact["person"]["name"] for e in official_page(judge, reader).involvements}

    assert "Tortured Tural" in named(Reader.PARTNER)
    assert "Tortured Tural" not in named(Reader.PUBLIC)
    assert "Tortured Tural" not in text(client.get(f"/officials/{judge.slug}/"))
    assert "Əli Əliyev" not in text(client.get("/officials/", {"role": "alleged-perpetrator"}))

    # a second source of the same publisher is not enough; another publisher's is
    involvement = judge.involvements.get(allegation=torture)
    factories.cite(involvement, source_obj=acc.published_source("Turan"))
    assert "Tortured Tural" not in named(Reader.PUBLIC)
    factories.cite(involvement, source_obj=acc.published_source("OMCT"))
    assert "Tortured Tural" in named(Reader.PUBLIC)
    page = text(client.get(f"/officials/{judge.slug}/"))
    assert "Tortured Tural" in page and "OMCT, Turan" in page
    assert "Əli Əliyev" in text(client.get("/officials/", {"role": "alleged-perpetrator"}))


def test_the_list_filters_by_organization_role_and_person(client, judge):
    other = acc.official("Vüqar Vəliyev")
    acc.position(other, factories.organization("Ministry of Internal Affairs"), "Investigator")
    court = judge.positions.get().organization
    sevda = judge.involvements.get(role=InvolvementRole.TRIAL_JUDGE).case_event.detention.person
    for params in (
        {"organization": court.slug},
        {"role": "trial-judge"},
        {"person": sevda.slug},
        {"person": str(sevda.uuid)},
    ):
        page = text(client.get("/officials/", params))
        assert "Əli Əliyev" in page and "Vüqar Vəliyev" not in page, params
    # a person whose only involvement with the judge is internal finds no one
    ilgar = judge.involvements.get(visibility=Visibility.INTERNAL).detention.person
    assert "Əli Əliyev" not in text(client.get("/officials/", {"person": ilgar.slug}))


def test_a_trial_involvement_names_the_trial_and_its_defendants(client, judge):
    trial = acc.trial("The Abzas Media case", number="1(101)-123/2024")
    acc.defendant(trial, factories.person("Ulvi Hasanli"))
    acc.involvement(judge, InvolvementRole.TRIAL_JUDGE, trial=trial)
    built = official_page(judge, Reader.PUBLIC)
    case = next(c for c in built.cases if c.trial)
    assert case.trial["title"] == "The Abzas Media case"
    assert [d["name"] for d in case.defendants] == ["Ulvi Hasanli"]
    page = text(client.get(f"/officials/{judge.slug}/"))
    assert "The Abzas Media case" in page and "Ulvi Hasanli" in page


def test_query_counts_are_pinned_whatever_the_number_of_involvements(client, judge):
    trial = acc.trial("A trial")
    acc.defendant(trial)
    acc.involvement(judge, InvolvementRole.PROSECUTOR, trial=trial)
    few = queries(client, f"/officials/{judge.slug}/")
    for _ in range(3):
        acc.involvement(judge, InvolvementRole.PROSECUTOR, trial=acc.trial())
        acc.involvement(judge, source=acc.published_source("Turan"))
        acc.position(judge, title="Deputy")
    assert queries(client, f"/officials/{judge.slug}/") == few == 7  # the official and 6
    listed = queries(client, "/officials/")
    for _ in range(3):
        acc.involvement(acc.official())
    assert queries(client, "/officials/") == listed == 5  # orgs, count, page, positions, counts


@pytest.mark.parametrize(
    "url, status",
    [
        ("/officials/no-such-official/", 404),
        ("/officials/?role=executioner", 400),
        ("/officials/?organization=no-such-organization", 400),
        ("/officials/?person=no-such-person", 400),
        ("/officials/?q=%00", 400),
        ("/officials/?q=" + "x" * 500, 400),
        ("/officials/?page=999", 200),
        ("/officials/?page=abc", 200),
    ],
)
def test_bad_input_is_a_400_or_404_never_a_500(client, judge, url, status):
    assert client.get(url).status_code == status


def test_a_hidden_official_is_a_404(client):
    hidden = acc.official("Hidden Official", visibility=Visibility.PARTNERS)
    uncited = acc.official("Uncited Official", cited=False)
    assert client.get(f"/officials/{hidden.slug}/").status_code == 404
    assert client.get(f"/officials/{uncited.slug}/").status_code == 404


@pytest.mark.parametrize("language, heading", [("az", "/az/"), ("ru", "/ru/")])
def test_the_pages_answer_in_three_languages(client, judge, language, heading):
    assert client.get(f"{heading}officials/").status_code == 200
    response = client.get(f"{heading}officials/{judge.slug}/")
    assert response.status_code == 200
    assert f'lang="{language}"' in response.content.decode()


def test_the_photo_is_shown_only_at_its_level_with_its_provenance_and_source(client, judge):
    source = acc.published_source("Report.az", "The court's new judges")
    judge.photo.name = "photos/judge.jpg"
    judge.photo_source = source
    judge.photo_provenance = "The court's own announcement of his appointment, 2019."
    judge.save()
    url = f"/officials/{judge.slug}/"
    assert official_page(judge, Reader.PUBLIC).photo is None  # internal by default
    assert "photos/judge.jpg" not in client.get(url).content.decode()
    judge.photo_visibility = Visibility.PUBLIC
    judge.save()
    photo = official_page(judge, Reader.PUBLIC).photo
    assert photo.source["title"] == "The court's new judges" and photo.notes
    page = client.get(url).content.decode()
    assert "photos/judge.jpg" in page and "announcement of his appointment" in page
    # a photo whose source the reader may not see is not shown
    source.visibility = Visibility.INTERNAL
    source.save()
    assert official_page(judge, Reader.PUBLIC).photo is None
    assert official_page(judge, Reader.STAFF).photo is not None
