"""The seed says no more than its articles: every excerpt is found word for word
in the article it cites (typography aside), no fact goes uncited, and a date
the articles do not give is marked as inferred, never with high confidence.

The file is read as written (fixtures/seed.yaml) and as loaded (the stored
citations against the stored article text), so an excerpt edited in either
place is caught."""

import re
import unicodedata
from pathlib import Path

import pytest
import yaml
from django.core.management import CommandError, call_command

from cases.partial_dates import PartialDate
from cases.seed import DEFAULT_SEED_FILE, INFERENCE_PREFIX, load_seed
from sources.models import Citation, Source
from tests.factories import delete_case_data

ARTICLES = DEFAULT_SEED_FILE.parent / "articles"

# The typography an article and an excerpt may write differently. Spelt out here
# rather than taken from cases.seed, so that a change there cannot make this pass.
QUOTES = {"‘": "'", "’": "'", "‚": "'", "‛": "'", "“": '"', "”": '"', "„": '"', "‟": '"'}
DASHES = dict.fromkeys("‐‑‒–—―−", "-")


def plain(text: str) -> str:
    text = unicodedata.normalize("NFC", text)
    text = "".join(QUOTES.get(c, DASHES.get(c, c)) for c in text)
    return " ".join(text.replace("\u00a0", " ").split())


def seed() -> dict:
    return yaml.safe_load(Path(DEFAULT_SEED_FILE).read_text(encoding="utf-8"))


def facts(data: dict):
    """(where, entry, kind of date fields) of every fact of the seed that must be cited."""
    for person in data.get("persons") or []:
        key = person["key"]
        yield f"person {key}", person, ("birth_date",)
        for affiliation in person.get("affiliations") or []:
            where = f"person {key}, affiliation {affiliation['organization']}"
            yield where, affiliation, ("started_on", "ended_on")
        for detention in person.get("detentions") or []:
            where = f"person {key}, detention {detention.get('key')}"
            yield where, detention, ("arrested_on", "released_on")
            for number, event in enumerate(detention.get("events") or [], start=1):
                yield f"{where}, event {number}", event, ("occurred_on",)
        for number, allegation in enumerate(person.get("allegations") or [], start=1):
            yield f"person {key}, allegation {number}", allegation, ("started_on", "ended_on")
    for allegation in data.get("allegations") or []:
        yield f"allegation {allegation['key']}", allegation, ("started_on", "ended_on")
    for statement in data.get("statements") or []:
        yield f"statement {statement['key']}", statement, ("issued_on",)
    for count in data.get("reported_counts") or []:  # counts others published are facts too
        yield f"reported count {count.get('key')}", count, ("as_of",)
    for intervention in data.get("interventions") or []:  # proceedings are facts too
        dates = ("submitted_on", "communicated_on", "government_replied_on", "decided_on")
        yield f"intervention {intervention.get('key')}", intervention, dates


def citations(data: dict):
    for where, entry, _dates in facts(data):
        for number, cite in enumerate(entry.get("cite") or [], start=1):
            yield f"{where}, citation {number}", cite


def article_texts(data: dict) -> dict[str, str]:
    return {
        source["key"]: (ARTICLES / source["archive"]).read_text(encoding="utf-8")
        for source in data["sources"]
    }


# --- as written -----------------------------------------------------------------------


def test_every_excerpt_is_found_word_for_word_in_its_article():
    data = seed()
    texts = article_texts(data)
    missing = [
        f"{where}: {cite.get('excerpt')!r}"
        for where, cite in citations(data)
        if not cite.get("excerpt")
        or plain(str(cite["excerpt"])) not in plain(texts[cite["source"]])
    ]
    assert missing == []


def test_statement_quotes_are_found_word_for_word_in_a_cited_article():
    data = seed()
    texts = article_texts(data)
    for statement in data["statements"]:
        if statement.get("quote"):
            cited = {cite["source"] for cite in statement["cite"]}
            quoted = any(plain(statement["quote"]) in plain(texts[key]) for key in cited)
            assert quoted, statement["key"]


def test_what_an_intervention_quotes_is_found_word_for_word_in_a_cited_article():
    data = seed()
    texts = article_texts(data)
    interventions = data.get("interventions") or []
    assert [i["key"] for i in interventions] == ["cat-2015-azerbaijan-fourth-review"]
    for intervention in interventions:
        cited = {cite["source"] for cite in intervention["cite"]}
        quoted = re.findall(r"“([^”]+)”", intervention.get("outcome_summary", ""))
        assert quoted, intervention["key"]
        for passage in quoted:
            assert any(plain(passage) in plain(texts[key]) for key in cited), passage
        assert "reference" not in intervention  # the article gives no number


def test_no_fact_of_the_seed_lacks_a_citation():
    uncited = [
        where
        for where, entry, _dates in facts(seed())
        if not entry.get("cite")
        or not all(cite.get("source") and cite.get("excerpt") for cite in entry["cite"])
    ]
    assert uncited == []


def test_the_checks_see_an_altered_excerpt_and_a_missing_citation():
    # the two checks above, on a copy of the seed with one excerpt changed by a
    # word and one citation list dropped
    data = seed()
    texts = article_texts(data)
    hassanli = next(p for p in data["persons"] if p["key"] == "ulvi-hassanli")
    cite = hassanli["cite"][0]
    assert plain(cite["excerpt"]) in plain(texts[cite["source"]])
    altered = cite["excerpt"].replace("inhumane treatment", "torture")
    assert plain(altered) not in plain(texts[cite["source"]])
    del hassanli["detentions"][0]["cite"]
    assert "person ulvi-hassanli, detention main" in [
        where for where, entry, _ in facts(data) if not entry.get("cite")
    ]


def test_typography_alone_does_not_make_an_excerpt_differ():
    article = "Secretary Blinken urged Azerbaijan to “immediately” release them — now."
    assert plain('urged Azerbaijan to "immediately" release them - now') in plain(article)
    assert plain("urged\u00a0Azerbaijan  to") in plain(article)


# --- inferences -----------------------------------------------------------------------

MONTHS = [
    "January", "February", "March", "April", "May", "June", "July", "August",
    "September", "October", "November", "December",
]  # fmt: skip


def stated_by(date: PartialDate, excerpt: str) -> bool:
    """Whether the excerpt gives the date's year (a month or day without the
    year, such as "On December 9", leaves the year to inference)."""
    return re.search(rf"\b{date.date.year}\b", excerpt) is not None


def unmarked_inferences(data: dict) -> list[str]:
    """The dates of `data` that no excerpt gives and no citation marks inferred."""
    unmarked = []
    for where, entry, date_fields in facts(data):
        for name in date_fields:
            if not entry.get(name):
                continue
            date = PartialDate.parse(str(entry[name]))
            cites = entry.get("cite") or []
            if any(stated_by(date, str(cite.get("excerpt", ""))) for cite in cites):
                continue
            if not any(cite.get("inference") for cite in cites):
                unmarked.append(f"{where}: {name} {date} is in no excerpt and not inferred")
    return unmarked


def test_a_date_no_excerpt_gives_is_marked_inferred_and_not_high():
    assert unmarked_inferences(seed()) == []


def test_an_inference_is_never_cited_with_high_confidence():
    strong = [
        where
        for where, cite in citations(seed())
        if cite.get("inference") and cite.get("confidence", "medium") not in ("low", "medium")
    ]
    assert strong == []


def test_dates_read_from_undated_articles_say_they_are_inferred():
    # issue 13, point 5: the award dates ("On December 9", "this month") and the
    # release years of the country reports (a year from a report's title)
    statements = {s["key"]: s for s in seed()["statements"]}
    for key in (
        "award-vagifgizi-2024",
        "award-safarov-2024",
        "us-2022-country-reports",
        "us-2021-country-reports",
        "barclay-briefing-2023",
    ):
        inferred = [c for c in statements[key]["cite"] if c.get("inference")]
        assert inferred, key
        assert all(c["confidence"] in ("low", "medium") for c in inferred), key
    # the sources' own dates: each undated article's notes say how its date was found
    for source in seed()["sources"]:
        if source["key"] != "hrw-2015-cat":
            assert "inferred" in source["notes"].lower(), source["key"]


def test_the_date_check_sees_an_unmarked_inference():
    data = seed()
    award = next(s for s in data["statements"] if s["key"] == "award-safarov-2024")
    for cite in award["cite"]:
        cite.pop("inference", None)
    unmarked = unmarked_inferences(data)
    assert len(unmarked) == 1 and "award-safarov-2024" in unmarked[0], unmarked


# --- as loaded ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        load_seed()
    yield
    with django_db_blocker.unblock():
        delete_case_data()


@pytest.mark.django_db
def test_every_stored_excerpt_is_in_its_stored_article(seeded):
    stored = list(Citation.objects.select_related("source"))
    assert len(stored) == len(list(citations(seed())))
    missing = [
        f"{c.pk}: {c.excerpt!r}"
        for c in stored
        if not c.excerpt or plain(c.excerpt) not in plain(c.source.archive_text)
    ]
    assert missing == []
    assert all(source.archive_text for source in Source.objects.all())


@pytest.mark.django_db
def test_a_stored_citation_says_what_was_inferred(seeded):
    inferred = Citation.objects.filter(locator__contains=INFERENCE_PREFIX)
    written = [c for _where, c in citations(seed()) if c.get("inference")]
    assert inferred.count() == len(written) > 0
    assert not inferred.filter(confidence="high").exists()
    award = inferred.get(statement__title__contains="Anti-Corruption Champion")
    assert "“On December 9” without a year" in award.locator


@pytest.mark.django_db
def test_the_loader_refuses_an_excerpt_not_in_the_article(tmp_path):
    seed_file = tmp_path / "seed.yaml"
    text = Path(DEFAULT_SEED_FILE).read_text(encoding="utf-8")
    altered = text.replace(
        'excerpt: "Ulvi Hassanli, a detainee, reported witnessing 58 instances of torture and',
        'excerpt: "Ulvi Hassanli, a detainee, reported witnessing 58 instances of torture or',
        1,
    )
    assert altered != text
    seed_file.write_text(altered, encoding="utf-8")
    (tmp_path / "articles").symlink_to(ARTICLES)
    before = Citation.objects.count()
    with pytest.raises(CommandError) as error:
        call_command("load_seed", "--file", str(seed_file))
    message = str(error.value)
    assert "person ulvi-hassanli, citation 1: excerpt: not found word for word" in message
    assert Citation.objects.count() == before, "nothing is written"


@pytest.mark.django_db
def test_the_loader_refuses_an_inference_with_high_confidence(tmp_path):
    seed_file = tmp_path / "seed.yaml"
    text = Path(DEFAULT_SEED_FILE).read_text(encoding="utf-8")
    marker = 'inference: "December 2024: “this month”'
    assert marker in text
    # the award's first citation: confidence medium -> high
    before, after = text.split(marker, 1)
    head, _medium, tail = before.rpartition("confidence: medium")
    before = head + "confidence: high" + tail
    seed_file.write_text(before + marker + after, encoding="utf-8")
    (tmp_path / "articles").symlink_to(ARTICLES)
    with pytest.raises(CommandError) as error:
        call_command("load_seed", "--file", str(seed_file))
    assert (
        "statement award-safarov-2024, citation 1: confidence: a citation that states an "
        "inference cannot have high confidence"
    ) in str(error.value)
