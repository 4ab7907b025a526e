"""What a reverse proxy or CDN may keep (casebook.http_cache.PublicCacheMiddleware):
anonymous public pages, feeds and API answers are `public` with an ETag and a 304
on If-None-Match; staff, partners, the admin, anything but GET, errors and
responses that set a cookie never are. One test reads the headers over a real
connection, as a proxy receives them."""

from __future__ import annotations

import urllib.error
import urllib.request

import pytest
from django.core.cache import cache
from django.http import HttpResponse
from django.template import engines
from django.test import Client, override_settings
from django.urls import path
from django.views.decorators.cache import never_cache

from access.services import token_issue
from casebook.http_cache import public_cache_control
from casebook.urls import urlpatterns as site_urlpatterns
from tests import factories

pytestmark = pytest.mark.django_db

PUBLIC = "public, max-age=30, s-maxage=60, stale-while-revalidate=30"


# --- a few views the site does not have: a cookie, a CSRF form, a failure, a POST ---


def _sets_a_cookie(request):
    response = HttpResponse("a choice remembered")
    response.set_cookie("remembered", "yes")
    return response


def _csrf_form(request):
    template = engines["django"].from_string(
        '<form method="post">{% csrf_token %}<button>Send</button></form>'
    )
    return HttpResponse(template.render({}, request))


def _fails(request):
    raise RuntimeError("a failure for the test")


def _accepts_post(request):
    return HttpResponse(f"done: {request.method}")


def _says_private(request):
    response = HttpResponse("for this reader only")
    response["Cache-Control"] = "private, max-age=30"
    return response


urlpatterns = [
    path("test-cache/cookie/", _sets_a_cookie),
    path("test-cache/form/", _csrf_form),
    path("test-cache/fails/", _fails),
    path("test-cache/post/", _accepts_post),
    path("test-cache/private/", _says_private),
    path("test-cache/never/", never_cache(_accepts_post)),
    *site_urlpatterns,
]
with_test_views = override_settings(ROOT_URLCONF=__name__)


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()  # the API's throttle counters and the filter counts


@pytest.fixture
def leyla():
    return factories.person("Leyla Yunus", summary="Scholar and rights defender.")


@pytest.fixture
def partner_token():
    _token, raw = token_issue(name="Partner NGO")
    return raw


def directives(response) -> set[str]:
    return {part.strip() for part in response.get("Cache-Control", "").split(",") if part.strip()}


def vary(response) -> set[str]:
    return {part.strip().lower() for part in response.get("Vary", "").split(",") if part.strip()}


def assert_public(response):
    assert response.status_code in (200, 304), response.status_code
    assert response["Cache-Control"] == PUBLIC
    assert {"cookie", "authorization"} <= vary(response)
    assert not response.cookies


def assert_not_public(response, *, no_store: bool):
    cache_control = directives(response)
    assert "private" in cache_control
    assert "public" not in cache_control
    assert not any(d.startswith(("s-maxage", "stale-while-revalidate")) for d in cache_control)
    assert ("no-store" if no_store else "no-cache") in cache_control


# --- anonymous readers: public, with validators --------------------------------------


@pytest.mark.parametrize("prefix", ["", "/az", "/ru"])
def test_an_anonymous_page_is_public_with_an_etag_and_a_304_on_if_none_match(client, leyla, prefix):
    url = f"{prefix}/persons/{leyla.slug}/"
    response = client.get(url)
    assert response.status_code == 200
    assert_public(response)
    etag = response["ETag"]
    assert etag

    again = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    assert again.content == b""
    assert_public(again)  # a revalidated copy gets its lifetimes again
    assert again["ETag"] == etag

    changed = client.get(url, HTTP_IF_NONE_MATCH='"not-this-one"')
    assert changed.status_code == 200


def test_the_language_is_the_addresses_so_public_responses_do_not_vary_on_accept_language(
    client, leyla
):
    url = f"/persons/{leyla.slug}/"
    english = client.get(url)
    with_russian_browser = client.get(url, HTTP_ACCEPT_LANGUAGE="ru")
    assert with_russian_browser["Content-Language"] == "en"
    assert with_russian_browser["ETag"] == english["ETag"]  # the same body
    russian = client.get(f"/ru{url}", HTTP_ACCEPT_LANGUAGE="en")
    assert russian["Content-Language"] == "ru"
    assert russian["ETag"] != english["ETag"]
    for response in (english, with_russian_browser, russian):
        assert "accept-language" not in vary(response)
        assert_public(response)


@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/persons/",
        "/persons/?q=Leyla&status=held",
        "/az/persons/",
        "/statements/",
        "/organizations/",
        "/sources/",
        "/statistics/",
        "/lists/",
        "/groups/",
        "/feeds/updates/",
        "/ru/feeds/statements/",
        "/sitemap.xml",
        "/robots.txt",
    ],
)
def test_every_public_page_and_feed_is_public_and_holds_nothing_per_reader(client, leyla, url):
    response = client.get(url)
    assert response.status_code == 200
    assert_public(response)
    assert response["ETag"]
    assert "csrfmiddlewaretoken" not in response.content.decode()


@pytest.mark.parametrize(
    "url", ["/api/v1/persons/", "/api/v1/statements/", "/api/v1/sources/", "/api/v1/stats/"]
)
def test_anonymous_api_answers_are_public(client, leyla, url):
    response = client.get(url)
    assert response.status_code == 200
    assert_public(response)
    assert "accept" in vary(response)  # JSON or CSV from the same address
    again = client.get(url, HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304
    assert_public(again)


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/changes/",
        "/api/v1/withdrawals/?since=2024-01-01T00:00:00Z",
        "/api/v1/persons/?updated_since=2024-01-01T00:00:00Z",
    ],
)
def test_incremental_pulls_are_revalidated_every_time(client, leyla, url):
    """A mirror keeps what it is given and asks on from there: a copy seconds
    old would lose what changed meanwhile. A cache may keep it to revalidate."""
    response = client.get(url)
    assert response.status_code == 200, response.content
    assert directives(response) == {"public", "no-cache"}
    assert {"cookie", "authorization"} <= vary(response)


def test_a_views_own_no_cache_stands(client, leyla):
    response = client.get("/persons/suggest/?q=Leyla")
    assert response.status_code == 200
    assert directives(response) == {"public", "no-cache"}


@override_settings(
    PUBLIC_CACHE_MAX_AGE=10, PUBLIC_CACHE_S_MAXAGE=600, PUBLIC_CACHE_STALE_WHILE_REVALIDATE=0
)
def test_the_lifetimes_come_from_the_settings(client, leyla):
    assert public_cache_control() == "public, max-age=10, s-maxage=600"
    assert client.get("/persons/")["Cache-Control"] == "public, max-age=10, s-maxage=600"


@override_settings(PUBLIC_CACHE_MAX_AGE=0, PUBLIC_CACHE_S_MAXAGE=0)
def test_lifetimes_of_zero_revalidate_every_response(client, leyla):
    response = client.get("/persons/")
    assert directives(response) == {"public", "no-cache"}
    assert client.get("/persons/", HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 304


# --- staff and partners: never public ---------------------------------------------


def test_a_signed_in_researcher_gets_private_pages_with_nothing_of_theirs_in_them(
    staff_client, leyla
):
    """Private, and revalidated, so a researcher sees an edit at once. The body
    is the anonymous reader's, byte for byte: no CSRF token, no "signed in as",
    no messages; so the public copy of the same address holds nothing of theirs."""
    anonymous = Client()
    for url in (f"/persons/{leyla.slug}/", "/az/persons/", "/feeds/updates/", "/api/v1/persons/"):
        response = staff_client.get(url)
        assert response.status_code == 200, url
        assert_not_public(response, no_store=False)
        assert response.content == anonymous.get(url).content, url


def test_any_session_cookie_makes_a_response_private(client, leyla):
    client.cookies["sessionid"] = "an-expired-or-unknown-session"
    response = client.get(f"/persons/{leyla.slug}/")
    assert response.status_code == 200
    assert "public" not in directives(response)
    assert "private" in directives(response)


def test_a_partner_token_gets_private_answers(client, leyla, partner_token):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {partner_token}"}
    for url in ("/api/v1/persons/", f"/api/v1/persons/{leyla.slug}/", "/api/v1/changes/"):
        response = client.get(url, **headers)
        assert response.status_code == 200, (url, response.content)
        assert_not_public(response, no_store=False)
        assert "authorization" in vary(response)
    page = client.get("/persons/", **headers)
    assert_not_public(page, no_store=False)


def test_a_bad_token_is_not_public_either(client, leyla):
    response = client.get("/api/v1/persons/", HTTP_AUTHORIZATION="Bearer cbk_wrong")
    assert response.status_code == 401
    assert "public" not in directives(response)


def test_the_admin_and_sign_in_pages_are_never_stored(staff_client):
    client = Client()  # anonymous, beside the signed-in researcher
    sign_in = client.get("/admin/login/")
    assert sign_in.status_code == 200
    assert_not_public(sign_in, no_store=True)
    index = staff_client.get("/admin/")
    assert index.status_code == 200
    assert_not_public(index, no_store=True)
    redirect = client.get("/admin/")  # anonymous: to the sign-in page
    assert redirect.status_code == 302
    assert_not_public(redirect, no_store=True)


# --- cookies, forms, methods, errors -----------------------------------------------


@with_test_views
def test_a_response_that_sets_a_cookie_is_never_stored(client):
    response = client.get("/test-cache/cookie/")
    assert response.status_code == 200
    assert response.cookies["remembered"].value == "yes"
    assert_not_public(response, no_store=True)


@with_test_views
def test_a_form_with_a_csrf_token_is_never_stored(client):
    response = client.get("/test-cache/form/")
    assert response.status_code == 200
    assert b"csrfmiddlewaretoken" in response.content
    assert "csrftoken" in response.cookies
    assert_not_public(response, no_store=True)


@with_test_views
def test_get_token_sets_the_cookie_even_for_a_reader_who_has_one(client):
    """The rule rests on Django re-sending the CSRF cookie whenever a response
    holds a token: a reader with the cookie already gets it again."""
    client.get("/test-cache/form/")
    again = client.get("/test-cache/form/")
    assert "csrftoken" in again.cookies
    assert_not_public(again, no_store=True)


@with_test_views
def test_post_and_other_methods_are_never_stored(client, leyla):
    posted = client.post("/test-cache/post/")
    assert posted.status_code == 200
    assert posted.content == b"done: POST"
    assert_not_public(posted, no_store=True)
    for method in ("post", "put", "delete"):
        response = getattr(client, method)(f"/persons/{leyla.slug}/")
        assert response.status_code == 405
        assert_not_public(response, no_store=True)
    api = client.post("/api/v1/persons/")
    assert api.status_code == 405
    assert_not_public(api, no_store=True)


def test_head_is_public_like_get(client, leyla):
    response = client.head(f"/persons/{leyla.slug}/")
    assert response.status_code == 200
    assert_public(response)


def test_not_found_is_never_stored(client):
    for url in ("/persons/no-such-person/", "/az/no-such-page/", "/api/v1/persons/no-such/"):
        response = client.get(url)
        assert response.status_code == 404, url
        assert_not_public(response, no_store=True)


def test_a_restricted_record_is_a_404_that_is_never_stored(client):
    hidden = factories.person("Internal Person", visibility="internal")
    response = client.get(f"/persons/{hidden.slug}/")
    assert response.status_code == 404
    assert_not_public(response, no_store=True)


@with_test_views
def test_a_server_error_is_never_stored(client):
    client.raise_request_exception = False
    response = client.get("/test-cache/fails/")
    assert response.status_code == 500
    assert_not_public(response, no_store=True)


@with_test_views
def test_a_views_private_or_no_store_stands(client):
    private = client.get("/test-cache/private/")
    assert directives(private) == {"private", "max-age=30", "no-cache"}
    never = client.get("/test-cache/never/")
    assert "no-store" in directives(never)
    assert "public" not in directives(never)


# --- over a real connection --------------------------------------------------------


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _fetch(url: str, **headers) -> tuple[int, dict[str, str], bytes]:
    """The status, headers and body as a proxy in front of the app receives them."""
    opener = urllib.request.build_opener(_NoRedirects)
    request = urllib.request.Request(url, headers=headers)
    try:
        with opener.open(request, timeout=30) as response:
            return response.status, dict(response.headers.items()), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers.items()), error.read()


@pytest.mark.django_db(transaction=True)
def test_a_proxy_receives_the_headers_over_http(live_server, vocabularies, partner_token):
    leyla = factories.person("Leyla Yunus", summary="Scholar and rights defender.")
    page = f"{live_server.url}/az/persons/{leyla.slug}/"

    status, headers, body = _fetch(page, **{"Accept-Language": "ru"})
    assert status == 200 and body
    assert headers["Cache-Control"] == PUBLIC
    assert {"Cookie", "Authorization"} <= {v.strip() for v in headers["Vary"].split(",")}
    assert "Accept-Language" not in headers["Vary"]
    assert "Set-Cookie" not in headers
    etag = headers["ETag"]

    status, headers, body = _fetch(page, **{"If-None-Match": etag})
    assert status == 304 and body == b""
    assert headers["Cache-Control"] == PUBLIC
    assert headers["ETag"] == etag

    status, headers, _ = _fetch(f"{live_server.url}/api/v1/persons/")
    assert status == 200
    assert headers["Cache-Control"] == PUBLIC

    status, headers, _ = _fetch(
        f"{live_server.url}/api/v1/persons/", Authorization=f"Bearer {partner_token}"
    )
    assert status == 200
    assert headers["Cache-Control"] == "private, no-cache"

    status, headers, _ = _fetch(page, Cookie="sessionid=whatever")
    assert status == 200
    assert "public" not in headers["Cache-Control"]
    assert "private" in headers["Cache-Control"]

    status, headers, _ = _fetch(f"{live_server.url}/admin/login/")
    assert status == 200
    assert "no-store" in headers["Cache-Control"] and "private" in headers["Cache-Control"]
    assert "Set-Cookie" in headers

    status, headers, _ = _fetch(f"{live_server.url}/persons/no-such-person/")
    assert status == 404
    assert headers["Cache-Control"] == "private, no-store"
