"""One English word, several grammatical jobs (issue 21): each job has its own
translation context, so that Russian can say "освобождена" of a woman,
"освобождение" of an event and "12 освобождены" of a count.

The pages are rendered in Russian with a catalog of this module's own, whose
translations name the context they were looked up in ("[woman] convicted"): a
page that looks a word up in another context, or in none, shows something else,
and the test fails. English pages are checked unchanged."""

from __future__ import annotations

import ast
import gettext
import re
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.utils.translation import override, trans_real

from cases.choices import (
    OCCUPATION_CONTEXTS,
    PERSON_FORMS,
    STATUS_CONTEXTS,
    VOCABULARIES,
    VOCABULARY_CONTEXTS,
)
from cases.models import CaseEventKind, LegalStage, Occupation, ReleaseReason
from cases.pages import term_labels
from tests import factories

ROOT = Path(__file__).resolve().parent.parent
WOMAN, MAN, NEUTRAL = (STATUS_CONTEXTS[g] for g in ("female", "male", ""))


def russian_plural(n: int) -> int:
    if n % 10 == 1 and n % 100 != 11:
        return 0
    return 1 if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14 else 2


class Catalog(gettext.NullTranslations):
    """A Russian catalog holding only `entries`: (msgctxt or None, msgid) -> the
    translation, or for a plural the three Russian forms."""

    def __init__(self, entries: dict):
        super().__init__()
        self.entries = entries

    def _find(self, message: str):
        context, separator, msgid = message.partition(trans_real.CONTEXT_SEPARATOR)
        return self.entries.get((context, msgid) if separator else (None, message))

    def gettext(self, message):
        found = self._find(message)
        return found if isinstance(found, str) else message

    def ngettext(self, singular, plural, n):
        found = self._find(singular)
        if isinstance(found, tuple):
            return found[russian_plural(n)]
        return singular if n == 1 else plural

    def language(self):
        return "ru"

    def to_language(self):
        return "ru"


# Every word the tests look for, in each context it is used in, and the same words
# with no context: a page that dropped the context would show "[none] ...".
ENTRIES = {
    (WOMAN, "In detention"): "[woman] In detention",
    (MAN, "In detention"): "[man] In detention",
    (NEUTRAL, "In detention"): "[neutral] In detention",
    (None, "In detention"): "[none] In detention",
    (WOMAN, "Released"): "[woman] Released",
    (MAN, "Released"): "[man] Released",
    (NEUTRAL, "Released"): "[neutral] Released",
    (None, "Released"): "[none] Released",
    ("timeline heading", "Released"): "[timeline] Released",
    **{
        (context, stage): f"[{name}] {stage}"
        for stage in ("convicted", "pardoned", "released")
        for context, name in ((WOMAN, "woman"), (MAN, "man"), (NEUTRAL, "neutral"))
    },
    ("legal stage", "convicted"): "[stage] convicted",
    ("legal stage", "pre-trial detention"): "[stage] pre-trial detention",
    ("legal stage", "pardoned"): "[stage] pardoned",
    ("legal stage", "released"): "[stage] released",
    (None, "convicted"): "[none] convicted",
    (None, "pre-trial detention"): "[none] pre-trial detention",
    ("case event", "pardoned"): "[event] pardoned",
    ("case event", "released"): "[event] released",
    (None, "pardoned"): "[none] pardoned",
    (None, "released"): "[none] released",
    ("release reason", "acquitted"): "[reason] acquitted",
    ("legal stage", "acquitted"): "[stage] acquitted",
    (None, "acquitted"): "[none] acquitted",
    (OCCUPATION_CONTEXTS["female"], "journalist"): "[woman] journalist",
    ("occupation", "journalist"): "[occupation] journalist",
    (None, "journalist"): "[none] journalist",
    ("number of persons", "released"): ("[one] released", "[few] released", "[many] released"),
    ("number of persons", "in detention now"): (
        "[one] in detention now",
        "[few] in detention now",
        "[many] in detention now",
    ),
    ("persons", "released"): "[persons] released",
    (None, "persons"): "[admin list] persons",
    ("count column", "Persons"): "[count column] Persons",
    (None, "Persons"): "[none] Persons",
    ("admin filter: is the person deprived of liberty", "in detention now"): "[admin filter]",
}


@pytest.fixture
def russian(monkeypatch):
    """Russian, as this module's catalog says it, for `override("ru")` and /ru/ pages."""
    monkeypatch.setitem(trans_real._translations, "ru", Catalog(ENTRIES))


def page(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, response.content[:2000]
    return response.content.decode()


def status_line(body: str) -> str:
    match = re.search(r'<p class="status[^"]*">(.*?)</p>', body, re.S)
    assert match, "no status line"
    return re.sub(r"<[^>]+>|\[\d+\]$", "", match.group(1)).strip()


def convicted(gender: str, name: str | None = None):
    """A person held at the stage "convicted" (no dated source: "on sources with no date")."""
    person = factories.person(name or f"Convicted {gender or 'unknown'}", gender=gender)
    factories.detention(person, arrested="2023-05-02", stage="convicted")
    return person


# --- said of one person: the form of their gender ----------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("gender", "form"),
    [("female", "woman"), ("male", "man"), ("", "neutral"), ("other", "neutral")],
)
def test_a_persons_status_and_stage_are_said_in_the_form_of_their_gender(
    client, russian, gender, form
):
    person = convicted(gender)
    body = page(client, f"/ru/persons/{person.slug}/")
    assert status_line(body).startswith(f"[{form}] In detention: [{form}] convicted")
    # the stage of the detention in the timeline is the person's too
    assert f"[{form}] convicted</p>" in body
    assert "[stage] convicted" not in body and "[none]" not in body


@pytest.mark.django_db
def test_a_released_womans_badge_and_stage_are_feminine(client, russian):
    person = factories.person("Released woman", gender="female")
    factories.detention(person, arrested="2022", released="2024-03-01", stage="pardoned")
    body = page(client, f"/ru/persons/{person.slug}/")
    assert status_line(body).startswith("[woman] Released: [woman] pardoned")
    # the timeline's heading is an entry of its own, not the person's status
    assert "[timeline] Released" in body


@pytest.mark.django_db
def test_a_stage_with_no_form_for_the_person_is_said_as_the_stage(client, russian):
    """ "pre-trial detention" reads the same of anyone: with no entry in the person's
    context, the stage's own translation, not the English and not a context-less one."""
    person = factories.person("Held before trial", gender="female")
    factories.detention(person, arrested="2024-01-02", stage="pre-trial-detention")
    body = page(client, f"/ru/persons/{person.slug}/")
    assert status_line(body).startswith("[woman] In detention: [stage] pre-trial detention")


@pytest.mark.django_db
def test_the_list_and_the_home_page_say_each_persons_status_in_their_form(client, russian):
    convicted("female", "Card woman")
    convicted("male", "Card man")
    for path in ("/ru/persons/", "/ru/"):
        body = page(client, path)
        card = body[body.index("Card woman") :]
        assert "[woman] In detention: [woman] convicted" in card[: card.index("</article>")]
        card = body[body.index("Card man") :]
        assert "[man] In detention: [man] convicted" in card[: card.index("</article>")]


@pytest.mark.django_db
def test_a_womans_occupation_takes_her_form_and_a_mans_the_vocabularys(client, russian):
    journalist = Occupation.objects.get(code="journalist")
    woman = factories.person("Woman journalist", gender="female")
    man = factories.person("Man journalist", gender="male")
    for person in (woman, man):
        person.occupations.add(journalist)
    assert "[woman] journalist" in page(client, f"/ru/persons/{woman.slug}/")
    assert "[occupation] journalist" in page(client, f"/ru/persons/{man.slug}/")


# --- events, reasons and terms: their vocabulary's context --------------------------------


@pytest.mark.django_db
def test_one_english_label_is_a_stage_an_event_and_a_reason_each_in_its_context(russian):
    with override("ru"):
        assert str(LegalStage.objects.get(code="pardoned")) == "[stage] pardoned"
        assert str(CaseEventKind.objects.get(code="pardoned")) == "[event] pardoned"
        assert str(LegalStage.objects.get(code="acquitted")) == "[stage] acquitted"
        assert str(ReleaseReason.objects.get(code="acquitted")) == "[reason] acquitted"
        labels = term_labels()
        assert labels["legal_stage"]["released"] == "[stage] released"
        assert labels["case_event"]["released"] == "[event] released"
        # a term a researcher added, not in the catalogs: its English label
        LegalStage.objects.create(code="under-police-watch", label="under police watch")
        assert term_labels()["legal_stage"]["under-police-watch"] == "under police watch"
        assert str(LegalStage.objects.get(code="under-police-watch")) == "under police watch"


@pytest.mark.django_db
def test_the_timeline_names_events_and_release_reasons_as_such(client, russian):
    person = factories.person("Pardoned and acquitted", gender="female")
    detention = factories.detention(person, arrested="2021", stage="pre-trial-detention")
    factories.case_event(detention, "pardoned", "2022-05-01")
    acquitted = ReleaseReason.objects.get(code="acquitted")
    factories.detention(
        person, arrested="2023", released="2023-06-01", stage="released", release_reason=acquitted
    )
    body = page(client, f"/ru/persons/{person.slug}/")
    assert re.search(r"<h3>\[event\] pardoned", body)
    assert "<p>[reason] acquitted</p>" in body


@pytest.mark.django_db
def test_filters_and_statistics_speak_of_stages_not_of_one_person(client, russian):
    convicted("female")
    assert "[stage] convicted" in page(client, "/ru/persons/")  # the filter's option
    statistics = page(client, "/ru/statistics/")
    assert "[stage] convicted" in statistics and "[woman]" not in statistics
    assert "[count column] Persons" in statistics


# --- counts: the plural of their number -----------------------------------------------------


def count_label(body: str, status: str) -> tuple[int, str]:
    match = re.search(
        rf'\?status={status}[^"]*"><strong>(\d+)</strong> <span>(.*?)</span>', body, re.S
    )
    assert match, f"no {status} count"
    return int(match.group(1)), match.group(2)


@pytest.mark.django_db
def test_the_home_pages_counts_take_the_plural_of_their_number(client, russian):
    forms = ENTRIES[("number of persons", "released")]
    for number in (1, 2, 5):
        while count_label(page(client, "/ru/"), "released")[0] < number:
            person = factories.person(gender="female")
            factories.detention(person, arrested="2020", released="2021", stage="released")
        assert count_label(page(client, "/ru/"), "released") == (
            number,
            forms[russian_plural(number)],
        )
    held, label = count_label(page(client, "/ru/"), "held&amp;status_as_of_after")
    assert label == ENTRIES[("number of persons", "in detention now")][russian_plural(held)]


# --- the admin -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_admins_persons_breadcrumb_is_the_list_not_the_count_column(staff_client, russian):
    staff_client.cookies["django_language"] = "ru"
    body = page(staff_client, "/admin/cases/person/")
    breadcrumbs = re.search(r'<div class="breadcrumbs">(.*?)</div>', body, re.S).group(1)
    assert "[admin list] persons" in breadcrumbs.lower()
    assert "count column" not in body
    assert "[admin filter]" in body  # the filter's title, a question about each person


# --- English unchanged --------------------------------------------------------------------


@pytest.mark.django_db
def test_english_pages_read_as_before(client):
    woman = convicted("female", "English woman")
    woman.occupations.add(Occupation.objects.get(code="journalist"))
    detention = woman.detentions.get()
    factories.case_event(detention, "pardoned", "2024-02-01")
    body = page(client, f"/persons/{woman.slug}/")
    assert status_line(body) == "In detention: convicted, on sources with no date"
    assert "<p>Legal stage: convicted</p>" in body
    assert re.search(r"<h3>Pardoned", body)
    assert "journalist" in body
    released = factories.person("English released", gender="male")
    factories.detention(released, arrested="2020", released="2021", stage="released")
    assert status_line(page(client, f"/persons/{released.slug}/")).startswith("Released")
    home = page(client, "/")
    assert count_label(home, "released") == (1, "released")
    assert count_label(home, "held&amp;status_as_of_after")[1] == "in detention now"


# --- the catalogs' source: every mark in its context -----------------------------------------


def _marks(tree: ast.AST) -> list[tuple[str, str]]:
    return [
        (node.args[0].value, node.args[1].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "pgettext_noop"
    ]


def test_every_starting_term_is_marked_in_its_vocabularys_context():
    tree = ast.parse((ROOT / "cases" / "choices.py").read_text())
    assignment = next(
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.AnnAssign) and getattr(node.target, "id", "") == "VOCABULARIES"
    )
    for key, terms in zip(assignment.value.keys, assignment.value.values, strict=True):
        context = VOCABULARY_CONTEXTS[key.value]
        assert {c for c, _label in _marks(terms)} == {context}, key.value
        assert [label for _c, label in _marks(terms)] == [
            label for _code, label in VOCABULARIES[key.value]
        ]


def test_the_person_forms_are_marked_in_the_person_contexts_for_known_words():
    tree = ast.parse((ROOT / "cases" / "choices.py").read_text())
    forms = next(
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "PERSON_FORMS"
    )
    marks = _marks(forms)
    assert len(marks) == len(PERSON_FORMS)
    stages = {label for _code, label in VOCABULARIES["LegalStage"]} | {"In detention", "Released"}
    occupations = {label for _code, label in VOCABULARIES["Occupation"]}
    for context, label in marks:
        if context in STATUS_CONTEXTS.values():
            assert label in stages, label
        else:
            assert context in OCCUPATION_CONTEXTS.values() and label in occupations, label
    # every stage said of a person has the three forms
    for label in {label for context, label in marks if context in STATUS_CONTEXTS.values()}:
        assert {c for c, m in marks if m == label} == set(STATUS_CONTEXTS.values()), label


def test_the_projects_makemessages_reads_the_marks_with_their_context(tmp_path):
    (tmp_path / "cases").mkdir()
    (tmp_path / "cases" / "choices.py").write_text((ROOT / "cases" / "choices.py").read_text())
    (tmp_path / "locale").mkdir()
    run = (
        "import django; from django.conf import settings; settings.configure(); django.setup();"
        "from cases.management.commands.makemessages import Command;"
        "Command().run_from_argv(['manage.py', 'makemessages', '-l', 'ru'])"
    )
    subprocess.run(
        [sys.executable, "-c", run],
        cwd=tmp_path, check=True, capture_output=True,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": f"{tmp_path}:{ROOT}"},
    )  # fmt: skip
    found = {
        (e.msgctxt, e.msgid) for e in polib.pofile(tmp_path / "locale/ru/LC_MESSAGES/django.po")
    }
    for entry in (
        ("legal stage", "released"),
        ("case event", "released"),
        ("release reason", "acquitted"),
        (WOMAN, "convicted"),
        (NEUTRAL, "In detention"),
    ):
        assert entry in found
