"""What a reader or researcher reads, in the language of the page: dates at each
precision as English, Azerbaijani and Russian readers write them; the site's own
400, 403, 404 and 500 pages; filter and partial-date messages through the
catalogs (the API's in English); a language code as the language's name; the
import summary's plural forms.

Whether a text goes through the catalogs is checked with a marked catalog of
our own put ahead of locale/ (`marked_catalog`): a text that went through
gettext shows the mark, whatever locale/ holds yet."""

from __future__ import annotations

import datetime
import io
import json
from urllib.parse import urlencode

import polib
import pytest
from django.conf.urls.i18n import i18n_patterns
from django.core.exceptions import PermissionDenied, SuspiciousOperation, ValidationError
from django.http import QueryDict
from django.test import Client, RequestFactory
from django.urls import path
from django.utils import formats, translation
from django.views import defaults

from casebook import urls as project_urls
from casebook.formats.month_names import MONTHS_IN_A_DATE
from cases.admin_bases import partial_date_column
from cases.case_sheet import case_sheet_preview
from cases.case_sheet.result import CaseSheetResult
from cases.filtersets import OrganizationFilterSet, PersonFilterSet, StatementFilterSet
from cases.models import Detention, Person, Statement
from cases.partial_dates import PartialDate, PartialDateError, PartialDateFormField, Precision
from cases.visibility import Reader
from sources.templatetags.language_names import language_name
from tests import factories

D = datetime.date
RUSSIAN_PLURALS = (
    "nplurals=3; plural=(n%10==1 && n%100!=11 ? 0 : n%10>=2 && n%10<=4 && "
    "(n%100<10 || n%100>=20) ? 1 : 2);"
)


# --- a marked catalog ahead of locale/ -------------------------------------------------


@pytest.fixture
def marked_catalog(settings, tmp_path):
    """install(language, entries): a catalog of `language` whose entries win over
    locale/ (the first of LOCALE_PATHS is merged last). An entry is a msgid, which
    gets "[xx] " before it; (msgctxt, msgid), the same with a context; or
    (msgid, msgid_plural, [forms]) for a plural."""

    def install(language: str, entries) -> None:
        po = polib.POFile()
        po.metadata = {
            "Content-Type": "text/plain; charset=UTF-8",
            "Language": language,
            "Plural-Forms": RUSSIAN_PLURALS if language == "ru" else "nplurals=2; plural=(n != 1);",
        }
        for entry in entries:
            if isinstance(entry, str):
                po.append(polib.POEntry(msgid=entry, msgstr=f"[{language}] {entry}"))
            elif len(entry) == 2:
                context, msgid = entry
                po.append(
                    polib.POEntry(msgctxt=context, msgid=msgid, msgstr=f"[{language}] {msgid}")
                )
            else:
                singular, plural, forms = entry
                po.append(
                    polib.POEntry(
                        msgid=singular, msgid_plural=plural, msgstr_plural=dict(enumerate(forms))
                    )
                )
        folder = tmp_path / "locale" / language / "LC_MESSAGES"
        folder.mkdir(parents=True)
        po.save_as_mofile(str(folder / "django.mo"))
        if str(tmp_path / "locale") not in settings.LOCALE_PATHS:
            # changing the setting clears Django's translation caches (test signals)
            settings.LOCALE_PATHS = [str(tmp_path / "locale"), *settings.LOCALE_PATHS]

    return install


# --- dates ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "date", "precision", "expected"),
    [
        ("en", D(2023, 1, 1), Precision.YEAR, "2023"),
        ("en", D(2023, 11, 1), Precision.MONTH, "November 2023"),
        ("en", D(2023, 11, 21), Precision.DAY, "21 November 2023"),
        ("az", D(2023, 1, 1), Precision.YEAR, "2023"),
        ("az", D(2023, 11, 1), Precision.MONTH, "noyabr 2023"),
        ("az", D(2024, 2, 14), Precision.DAY, "14 fevral 2024"),
        ("az", D(2024, 6, 1), Precision.MONTH, "iyun 2024"),  # not "i̇yun": dotted İ folded
        ("az", D(2024, 7, 9), Precision.DAY, "9 iyul 2024"),
        ("ru", D(2023, 1, 1), Precision.YEAR, "2023 г."),
        ("ru", D(2023, 11, 1), Precision.MONTH, "ноябрь 2023 г."),  # nominative, lower case
        ("ru", D(2024, 2, 14), Precision.DAY, "14 февраля 2024 г."),  # genitive with a day
        ("ru", D(2024, 5, 1), Precision.MONTH, "май 2024 г."),
        ("ru", D(2024, 5, 9), Precision.DAY, "9 мая 2024 г."),
    ],
)
def test_a_partial_date_reads_as_readers_of_the_language_write_it(
    language, date, precision, expected
):
    with translation.override(language):
        assert str(PartialDate(date, precision)) == expected


@pytest.mark.parametrize("language", ["az", "ru"])
def test_every_month_of_a_partial_date_is_in_lower_case(language):
    with translation.override(language):
        for month in range(1, 13):
            for precision in (Precision.MONTH, Precision.DAY):
                text = str(PartialDate(D(2024, month, 1), precision))
                assert text == text.lower() and "\u0307" not in text, text


def test_a_year_with_no_format_of_ours_is_the_bare_year():
    """YEAR_FORMAT is not one of Django's formats: a language without a format
    module of ours still gets the year, not the format's name read as a format."""
    with translation.override("de"):
        assert str(PartialDate(D(2023, 1, 1), Precision.YEAR)) == "2023"


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", ["14 February 2024", "February 2024", "February 14"]),
        ("ru", ["14 февраля 2024 г.", "Февраль 2024 г.", "14 февраля"]),
    ],
)
def test_the_formats_of_other_dates(language, expected):
    """`|date:"DATE_FORMAT"` and the admin's date columns: Russian puts the month
    of a day in the genitive; a month standing alone (a table heading) keeps
    Django's capitalised nominative. English is unchanged."""
    day = D(2024, 2, 14)
    with translation.override(language):
        assert [
            formats.date_format(day, name)
            for name in ("DATE_FORMAT", "YEAR_MONTH_FORMAT", "MONTH_DAY_FORMAT")
        ] == expected


def test_azerbaijani_dates_write_the_month_in_lower_case_in_every_format():
    """`E` reads the "alt. month" names, which locale/az gives in lower case
    (casebook/formats/month_names.py): "Counted on 14 fevral 2024", the admin's
    date columns, a source's access date."""
    with translation.override("az"):
        names = [str(month) for month in MONTHS_IN_A_DATE]
        assert names == [name.lower() for name in names]
        assert formats.date_format(D(2024, 2, 14), "DATE_FORMAT") == "14 fevral 2024"
        moment = datetime.datetime(2024, 6, 3, 9, 5)
        assert formats.date_format(moment, "DATETIME_FORMAT") == "3 iyun 2024, 9:05"


def test_our_catalog_gives_the_month_names_of_dates_over_djangos(marked_catalog):
    """The mechanism the Azerbaijani dates rely on: an "alt. month" entry of the
    project's catalogs wins over Django's own."""
    marked_catalog("az", [("alt. month", "February")])
    with translation.override("az"):
        assert formats.date_format(D(2024, 2, 14), "DATE_FORMAT") == "14 [az] February 2024"


def test_the_admin_date_column_shows_the_partial_date_of_the_language():
    column = partial_date_column("arrested_on", "arrested")
    detention = Detention(person=Person(display_name="x"))
    detention.arrested_on = PartialDate(D(2023, 11, 1), Precision.MONTH)
    with translation.override("ru"):
        assert str(column(None, detention)) == "ноябрь 2023 г."
    with translation.override("az"):
        assert str(column(None, detention)) == "noyabr 2023"


@pytest.mark.django_db
def test_a_case_page_and_its_feed_show_dates_in_the_language_of_the_address(client):
    person = factories.person("Leyla Testova", slug="leyla-testova")
    factories.detention(person, arrested="2014-07", stage="convicted")
    pages = {
        language: client.get(f"/{language}/persons/leyla-testova/").content.decode()
        for language in ("az", "ru")
    }
    assert "iyul 2014" in pages["az"] and "İyul 2014" not in pages["az"]
    assert "июль 2014 г." in pages["ru"] and "Июль 2014" not in pages["ru"]
    feed = client.get("/ru/feeds/updates/")
    assert feed.status_code == 200
    assert "<updated>20" in feed.content.decode()  # RFC 3339, whatever the language


# --- the site's error pages ----------------------------------------------------------


def _fail(request, kind):
    if kind == "forbidden":
        raise PermissionDenied
    if kind == "bad":
        raise SuspiciousOperation("a forged header")
    raise RuntimeError("a bug")


urlpatterns = [
    *project_urls.urlpatterns,
    *i18n_patterns(path("failing/<str:kind>/", _fail), prefix_default_language=False),
]

ERROR_PAGE_TEXT = [
    "Page not found",
    "There is no public page at this address. It may have been mistyped, or the page may "
    "have moved.",
    "Access denied",
    "You do not have permission to see this page.",
    "Bad request",
    "The server could not understand this request. Check the address and try again.",
    "Server error",
    "Something went wrong on our side and the page could not be shown. Please try again in "
    "a few minutes.",
    "Go to the home page",
]
PREFIXES = {"en": "", "az": "/az", "ru": "/ru"}


@pytest.fixture
def error_pages(settings, marked_catalog):
    """DEBUG off, as in production, and the error pages' text marked for az and ru."""
    settings.DEBUG = False
    for language in ("az", "ru"):
        marked_catalog(language, ERROR_PAGE_TEXT)


def _marked(text: str, language: str) -> str:
    return text if language == "en" else f"[{language}] {text}"


@pytest.mark.urls(__name__)
@pytest.mark.parametrize("language", ["en", "az", "ru"])
@pytest.mark.parametrize(
    ("address", "status", "template", "heading"),
    [
        ("/no-such-page/", 404, "404.html", "Page not found"),
        ("/persons/no-such-person/", 404, "404.html", "Page not found"),
        ("/failing/forbidden/", 403, "403.html", "Access denied"),
        ("/failing/bad/", 400, "400.html", "Bad request"),
        ("/failing/bug/", 500, "500.html", "Server error"),
    ],
)
@pytest.mark.django_db
def test_the_error_pages_are_the_sites_own_in_the_language_of_the_address(
    error_pages, language, address, status, template, heading
):
    client = Client(raise_request_exception=False)
    response = client.get(PREFIXES[language] + address)
    assert response.status_code == status
    assert template in [t.name for t in response.templates]
    body = response.content.decode()
    assert f'<html lang="{language}"' in body
    assert f"<h1>{_marked(heading, language)}</h1>" in body
    assert _marked("Go to the home page", language) in body
    assert f'href="{PREFIXES[language]}/"' in body  # the home page of the same language


@pytest.mark.parametrize("language", ["en", "az", "ru"])
def test_the_500_and_400_pages_need_neither_database_nor_request_context(error_pages, language):
    """No database access is allowed in this test: a page that asked would fail."""
    request = RequestFactory().get(f"{PREFIXES[language]}/")
    with translation.override(language):
        pages = {
            500: defaults.server_error(request),
            400: defaults.bad_request(request, SuspiciousOperation()),
        }
    for status, response in pages.items():
        body = response.content.decode()
        assert response.status_code == status
        assert f'<html lang="{language}"' in body
        heading = "Server error" if status == 500 else "Bad request"
        assert f"<h1>{_marked(heading, language)}</h1>" in body


@pytest.mark.django_db
@pytest.mark.parametrize("address", ["/api/v1/no-such-endpoint/", "/api/no-such-version/"])
def test_the_api_still_answers_its_own_json_404(settings, client, address):
    settings.DEBUG = False
    response = client.get(address, HTTP_ACCEPT_LANGUAGE="ru")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert json.loads(response.content)["error"]["code"] == "not_found"


# --- filter and partial-date messages ------------------------------------------------

FILTER_MESSAGES = [
    "A value may not contain a NUL character.",
    "Unknown value %(value)s. Expected a code or English label of: %(allowed)s.",
    "Unknown value %(value)s. Expected one of: %(allowed)s.",
    "Expected a year from 0001 to 9999 such as 2023, got %(value)s.",
    "Write the date with the digits 0-9, got %(value)s.",
    "Expected true or false, got %(value)s.",
    "No person with slug or UUID %(value)s.",
    "No organization with slug or UUID %(value)s.",
    "Expected a time such as 2024-01-31T00:00:00Z (with its UTC offset), got %(value)s.",
    "%(text)s is not a date.",
    "The date is empty.",
    "%(text)s: %(word)s is not a month name.",
    "%(text)s: there is no month %(month)s; months go from 1 to 12.",
    "%(text)s: the year %(year)s is before 1800; check the year.",
    (
        "%(text)s is not a real date: %(month)s has %(days)s day.",
        "%(text)s is not a real date: %(month)s has %(days)s days.",
        [
            "%(text)s — такой даты нет: %(month)s насчитывает %(days)s день.",
            "%(text)s — такой даты нет: %(month)s насчитывает %(days)s дня.",
            "%(text)s — такой даты нет: %(month)s насчитывает %(days)s дней.",
        ],
    ),
]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("filterset", "query", "expected"),
    [
        (PersonFilterSet, {"status": "jailed"}, "Unknown value 'jailed'. Expected one of:"),
        (PersonFilterSet, {"legal_stage": "jailed"}, "Unknown value 'jailed'. Expected a code"),
        (PersonFilterSet, {"arrest_year": "23"}, "Expected a year from 0001 to 9999"),
        (PersonFilterSet, {"released": "maybe"}, "Expected true or false, got 'maybe'."),
        (PersonFilterSet, {"arrested_after": "yesterday"}, "'yesterday' is not a date."),
        (PersonFilterSet, {"arrested_after": "٢٠٢٣"}, "Write the date with the digits 0-9"),
        (PersonFilterSet, {"charge": "206\x00"}, "A value may not contain a NUL character."),
        (PersonFilterSet, {"updated_since": "today"}, "Expected a time such as"),
        (PersonFilterSet, {"organization": "no-such"}, "No organization with slug or UUID"),
        (OrganizationFilterSet, {"kind": "cult"}, "Unknown value 'cult'. Expected one of:"),
    ],
)
def test_a_filter_message_goes_through_the_catalog(marked_catalog, filterset, query, expected):
    marked_catalog("ru", FILTER_MESSAGES)
    model = filterset._meta.model
    for language, mark in (("en", ""), ("ru", "[ru] ")):
        with translation.override(language):
            bound = filterset(
                QueryDict(urlencode(query)), model.objects.none(), reader=Reader.PUBLIC
            )
            assert not bound.is_valid()
            messages = [m for errors in bound.errors.values() for m in errors]
            assert any(m.startswith(mark + expected) for m in messages), messages


@pytest.mark.django_db
def test_the_list_page_speaks_the_reader_language_and_the_api_english(client, marked_catalog):
    """The API has no language prefix, so its messages stay English whatever the
    Accept-Language header asks (docs/api.md's error shape, unchanged)."""
    marked_catalog("ru", FILTER_MESSAGES)
    page = client.get("/ru/persons/?status=jailed").content.decode()
    assert "[ru] Unknown value &#x27;jailed&#x27;. Expected one of: held" in page
    answer = client.get("/api/v1/persons/?status=jailed", HTTP_ACCEPT_LANGUAGE="ru")
    assert answer.status_code == 400
    assert json.loads(answer.content)["error"]["message"] == (
        "Invalid request. status: Unknown value 'jailed'. Expected one of: held, released, unknown."
    )


@pytest.mark.django_db
def test_an_unknown_record_in_a_filter_names_its_kind_in_a_sentence_of_its_own(marked_catalog):
    marked_catalog("ru", FILTER_MESSAGES)
    query = QueryDict("issuer=nothing-here&person=nobody-here")
    with translation.override("ru"):
        bound = StatementFilterSet(query, Statement.objects.none(), reader=Reader.PUBLIC)
        assert not bound.is_valid()
    assert bound.errors == {
        "person": ["[ru] No person with slug or UUID 'nobody-here'."],
        "issuer": ["[ru] No organization with slug or UUID 'nothing-here'."],
    }


@pytest.mark.parametrize(
    ("text", "english", "russian"),
    [
        (
            "yesterday",
            "'yesterday' is not a date. A year, a month",
            "[ru] 'yesterday' is not a date.",
        ),
        ("", "The date is empty. A year, a month", "[ru] The date is empty."),
        (
            "Novembre 2023",
            "'Novembre 2023': 'Novembre' is not a month name.",
            "[ru] 'Novembre 2023'",
        ),
        ("2023-13", "'2023-13': there is no month 13; months go from 1 to 12.", "[ru] '2023-13'"),
        ("0999", "'0999': the year 999 is before 1800; check the year.", "[ru] '0999'"),
        (
            "2023-02-30",
            "'2023-02-30' is not a real date: February 2023 has 28 days.",
            "'2023-02-30' — такой даты нет: февраль 2023 г. насчитывает 28 дней.",
        ),
    ],
)
def test_a_partial_date_error_is_in_the_language_of_the_admin(
    marked_catalog, text, english, russian
):
    marked_catalog("ru", FILTER_MESSAGES)
    with translation.override("en"), pytest.raises(PartialDateError) as error:
        PartialDate.parse(text)
    assert str(error.value).startswith(english)
    with translation.override("ru"), pytest.raises(PartialDateError) as error:
        PartialDate.parse(text)
    assert str(error.value).startswith(russian)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("İyun 2023", D(2023, 6, 1)), ("İYUL 2024", D(2024, 7, 1)), ("14 İyun 2023", D(2023, 6, 14))],
)
def test_an_azerbaijani_month_written_with_a_capital_dotted_i_is_read(text, expected):
    """ "İyun".lower() is "i̇yun" with a combining dot: the name is folded first."""
    assert PartialDate.parse(text).date == expected


def test_thirty_one_days_take_the_russian_singular(marked_catalog):
    marked_catalog("ru", FILTER_MESSAGES)
    with translation.override("ru"), pytest.raises(PartialDateError) as error:
        PartialDate.parse("2024-01-32")
    assert "январь 2024 г. насчитывает 31 день." in str(error.value)


def test_the_admin_date_field_says_its_error_in_the_admin_language(marked_catalog):
    marked_catalog("ru", FILTER_MESSAGES)
    field = PartialDateFormField(required=False)
    with translation.override("ru"), pytest.raises(ValidationError) as error:
        field.clean("yesterday")
    assert error.value.messages[0].startswith("[ru] 'yesterday' is not a date.")


@pytest.mark.django_db
def test_the_case_sheet_import_says_a_date_error_in_the_admin_language(marked_catalog):
    marked_catalog("ru", FILTER_MESSAGES)
    sheet = b"person,arrested_on\r\nElchin Testov,yesterday\r\n"
    with translation.override("ru"):
        result = case_sheet_preview(file=io.BytesIO(sheet), file_name="sheet.csv")
    assert [(e.row, e.column) for e in result.errors] == [(2, "arrested_on")]
    assert result.errors[0].message.startswith("[ru] 'yesterday' is not a date.")


# --- language names ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "code", "expected"),
    [
        ("en", "az", "Azerbaijani"),
        ("en", "ru", "Russian"),
        ("en", "en", "English"),
        ("en", "AZ", "Azerbaijani"),
        ("en", "az-Cyrl", "Azerbaijani (Cyrillic)"),
        ("en", "az_latn", "Azerbaijani (Latin)"),
        ("en", "tr", "Turkish"),
        ("en", "xx-unknown", "xx-unknown"),  # shown as recorded, never hidden
        ("en", "", ""),
        ("ru", "az", "Азербайджанский"),
        ("ru", "az-Cyrl", "Азербайджанский ([ru] Cyrillic)"),
        ("az", "ru", "Rus dili"),
    ],
)
def test_a_language_code_is_shown_as_the_language_name(marked_catalog, language, code, expected):
    marked_catalog("ru", [("script", "Cyrillic")])
    with translation.override(language):
        assert language_name(code) == expected


@pytest.mark.django_db
def test_a_source_page_names_its_language(client):
    source = factories.source("An interview", language="az")
    page = client.get(f"/ru/sources/{source.uuid}/").content.decode()
    assert "<dd>Азербайджанский</dd>" in page and "<dd>az</dd>" not in page
    page = client.get(f"/sources/{source.uuid}/").content.decode()
    assert "<dd>Azerbaijani</dd>" in page


# --- the import summary --------------------------------------------------------------------

SUMMARY_PHRASES = [
    (
        "%(n)s new person",
        "%(n)s new persons",
        ["%(n)s новое лицо", "%(n)s новых лица", "%(n)s новых лиц"],
    ),
    (
        "%(n)s new detention",
        "%(n)s new detentions",
        [
            "%(n)s новый случай лишения свободы",
            "%(n)s новых случая лишения свободы",
            "%(n)s новых случаев лишения свободы",
        ],
    ),
]


def _summary(**counts) -> str:
    result = CaseSheetResult(file_name="sheet.csv", file_format="csv", rows=5)
    result.counts.update(counts)
    return result.summary()


def test_the_import_summary_counts_in_english():
    with translation.override("en"):
        assert _summary(new_persons=1, new_detentions=2, new_sources=5) == (
            "5 rows: 1 new person, 2 new detentions, 5 new sources"
        )


@pytest.mark.parametrize(
    ("persons", "expected"),
    [
        (1, "1 новое лицо"),
        (2, "2 новых лица"),
        (5, "5 новых лиц"),
        (21, "21 новое лицо"),
        (11, "11 новых лиц"),
    ],
)
def test_the_russian_import_summary_takes_the_plural_form_of_each_number(
    marked_catalog, persons, expected
):
    marked_catalog("ru", SUMMARY_PHRASES)
    with translation.override("ru"):
        summary = _summary(new_persons=persons, new_detentions=3)
    assert f": {expected}, 3 новых случая лишения свободы" in summary


@pytest.mark.django_db
def test_the_admin_lists_name_languages_not_codes(staff_client):
    from tests import factories

    factories.person("Aysel Testova", variants=["Айсель Тестова"])
    from cases.models import NameVariant

    NameVariant.objects.update(language="ru")
    factories.source("A source in Azerbaijani", language="az")
    variants = staff_client.get("/admin/cases/namevariant/", HTTP_ACCEPT_LANGUAGE="ru")
    html = variants.content.decode()
    assert "Русский" in html or "русский" in html.lower()
    assert '<td class="field-language_name">ru</td>' not in html
    sources = staff_client.get("/admin/sources/source/").content.decode()
    assert ">Azerbaijani</a>" in sources  # the language filter's choice, by name
