"""Public pages a reverse proxy or CDN may cache, and nothing else (issue 20, item 6).

`PublicCacheMiddleware` is the first middleware, so it sees every response
last, after the session, CSRF, locale and conditional-GET middleware have
written theirs. It gives each response one of four answers in `Cache-Control`:

- **public**: `public, max-age=PUBLIC_CACHE_MAX_AGE, s-maxage=PUBLIC_CACHE_S_MAXAGE,
  stale-while-revalidate=PUBLIC_CACHE_STALE_WHILE_REVALIDATE`, with
  `Vary: Cookie, Authorization`: a 200 (or its 304) to a GET or HEAD from an
  anonymous reader (no session cookie, no `Authorization` header) that sets no
  cookie, outside the admin and sign-in pages. The public pages, feeds and the
  API read everything as the public (`cases.visibility.Reader.PUBLIC`), so that
  response is the same for every anonymous reader; the public templates hold
  no CSRF token, no "signed in as" and no messages (a view that asks for a CSRF
  token sets the cookie, and a response setting a cookie is never public).
  The validator is the `ETag` of `ConditionalGetMiddleware` (a 304 on
  `If-None-Match`); no page has one true time for `Last-Modified` (a change to
  any record it shows, a citation or a withdrawal changes it).
- **revalidate**: `public, no-cache`: the API's incremental pulls (`changes/`,
  `withdrawals/`, `updated_since`, `since`, `after`), whose client trusts the
  answer to be current; a cache may keep it only to revalidate with the ETag.
- **private**: `private, no-cache`: a reader with a session cookie (staff) or an
  `Authorization` header (partner tokens): never kept by a shared cache, and
  revalidated by the browser, so a researcher sees an edit at once.
- **no-store**: `private, no-store`: the admin and sign-in pages, anything but
  GET and HEAD, errors, redirects, and responses that set a cookie.

What a view says itself stands when it is stricter: `private`, `no-store` and
`no-cache` are kept (the name suggestions say `no-cache`; the admin's
`never_cache`). The API's views mark every anonymous answer `public, no-cache`
(cases.api.views.CasebookAPIView, written before this policy): under /api/ that
blanket marking gives way to the answer above. Static files (WhiteNoise) keep
their own headers.

`Vary`: the public pages take their language from the address (/az/, /ru/, none
for English: `i18n_patterns` with `prefix_default_language=False`), so a
response never depends on `Accept-Language`, and the `Vary: Accept-Language`
that `LocaleMiddleware` adds to every address without a prefix is dropped from
public responses (it would split a shared cache by every browser's language
list). `Cookie` and `Authorization` are added: a signed-in researcher or a
partner is never answered from the anonymous copy by a cache that honours Vary.

Settings (seconds): PUBLIC_CACHE_MAX_AGE (browsers, default 30),
PUBLIC_CACHE_S_MAXAGE (shared caches, default 60),
PUBLIC_CACHE_STALE_WHILE_REVALIDATE (default 30); both lifetimes 0 make every
public response `public, no-cache`. They bound how long a change, a withdrawal
included, takes to reach every reader unless the proxy is purged: s-maxage plus
stale-while-revalidate at the proxy, then max-age plus stale-while-revalidate
again in a browser behind a proxy that sends no `Age` header (nginx): 150
seconds with the defaults. docs/proxy.md sets up nginx in front."""

from __future__ import annotations

from enum import Enum

from django.conf import settings
from django.conf.urls.i18n import is_language_prefix_patterns_used
from django.utils.cache import cc_delim_re, patch_vary_headers
from django.utils.translation import get_language_from_path

DEFAULT_MAX_AGE = 30
DEFAULT_S_MAXAGE = 60
DEFAULT_STALE_WHILE_REVALIDATE = 30

# Staff and sign-in pages, with or without a language prefix; /i18n/ is the
# admin's language switch (it sets a cookie).
PRIVATE_PATHS = ("/admin/", "/accounts/", "/i18n/")
API_PATH = "/api/"
# Incremental pulls: a partner's mirror stores what it is given and asks from there
API_REVALIDATE_PATHS = ("/api/v1/changes/", "/api/v1/withdrawals/")
API_REVALIDATE_PARAMETERS = frozenset({"updated_since", "since", "after"})
# the marking cases.api.views.CasebookAPIView gives every anonymous answer
API_BLANKET_MARKING = frozenset({"public", "no-cache"})

SAFE_METHODS = frozenset({"GET", "HEAD"})
PUBLIC_STATUSES = frozenset({200, 304})
# directives that only concern shared caches, dropped from anything not public
SHARED_DIRECTIVES = ("public", "s-maxage", "stale-while-revalidate", "stale-if-error")


class Verdict(Enum):
    PUBLIC = "public"
    REVALIDATE = "revalidate"
    PRIVATE = "private"
    NO_STORE = "no-store"


class PublicCacheMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.path.startswith(settings.STATIC_URL):
            return response  # WhiteNoise's own headers (hashed names, kept for years)
        verdict = cache_verdict(request, response)
        if verdict is Verdict.PUBLIC:
            _mark_public(request, response)
        elif verdict is Verdict.REVALIDATE:
            _mark_revalidate(request, response)
        else:
            _mark_private(response, no_store=verdict is Verdict.NO_STORE)
        return response


def cache_verdict(request, response) -> Verdict:
    """Who may keep this response, by the rules in the module's docstring."""
    path = _path_without_language(request.path)
    if path.startswith(PRIVATE_PATHS):
        return Verdict.NO_STORE
    if request.method not in SAFE_METHODS:
        return Verdict.NO_STORE
    own = _directives(response)
    if "no-store" in own:
        return Verdict.NO_STORE
    if _is_personal(request):
        return Verdict.PRIVATE
    if _sets_cookie(response) or response.status_code not in PUBLIC_STATUSES:
        return Verdict.NO_STORE
    if "private" in own:
        return Verdict.PRIVATE
    if path.startswith(API_PATH):
        if path.startswith(API_REVALIDATE_PATHS) or API_REVALIDATE_PARAMETERS & set(request.GET):
            return Verdict.REVALIDATE
        if set(own) == API_BLANKET_MARKING:
            own = {}
    if "no-cache" in own:
        return Verdict.REVALIDATE
    return Verdict.PUBLIC


def public_cache_control() -> str:
    """The Cache-Control of a public response, from the settings."""
    max_age = int(getattr(settings, "PUBLIC_CACHE_MAX_AGE", DEFAULT_MAX_AGE))
    s_maxage = int(getattr(settings, "PUBLIC_CACHE_S_MAXAGE", DEFAULT_S_MAXAGE))
    stale = int(
        getattr(settings, "PUBLIC_CACHE_STALE_WHILE_REVALIDATE", DEFAULT_STALE_WHILE_REVALIDATE)
    )
    if max_age <= 0 and s_maxage <= 0:
        return "public, no-cache"
    directives = ["public", f"max-age={max_age}", f"s-maxage={s_maxage}"]
    if stale > 0:
        directives.append(f"stale-while-revalidate={stale}")
    return ", ".join(directives)


def _is_personal(request) -> bool:
    """A signed-in (or signing-in) staff member, or a partner with a token. Any
    session cookie counts: whether it is still valid is not this middleware's
    question, and a browser that has one is a researcher's."""
    return bool(
        request.META.get("HTTP_AUTHORIZATION") or request.COOKIES.get(settings.SESSION_COOKIE_NAME)
    )


def _sets_cookie(response) -> bool:
    return bool(response.cookies) or response.has_header("Set-Cookie")


def _path_without_language(path: str) -> str:
    language = get_language_from_path(path)
    if language and path.startswith(f"/{language}/"):
        return path[len(language) + 1 :]
    return path


def _directives(response) -> dict[str, str | None]:
    directives: dict[str, str | None] = {}
    for part in cc_delim_re.split(response.get("Cache-Control", "")):
        name, _, value = part.strip().partition("=")
        if name:
            directives[name.lower()] = value or None
    return directives


def _write(response, directives: dict[str, str | None]) -> None:
    response["Cache-Control"] = ", ".join(
        name if value is None else f"{name}={value}" for name, value in directives.items()
    )


def _mark_public(request, response) -> None:
    response["Cache-Control"] = public_cache_control()
    _vary_for_shared_caches(request, response)


def _mark_revalidate(request, response) -> None:
    directives = {"public": None, "no-cache": None}
    for name, value in _directives(response).items():
        if name not in SHARED_DIRECTIVES:
            directives.setdefault(name, value)
    _write(response, directives)
    _vary_for_shared_caches(request, response)


def _mark_private(response, *, no_store: bool) -> None:
    own = {
        name: value
        for name, value in _directives(response).items()
        if name not in SHARED_DIRECTIVES and name != "private"
    }
    directives = {"private": None, ("no-store" if no_store else "no-cache"): None}
    for name, value in own.items():
        directives.setdefault(name, value)
    _write(response, directives)


def _vary_for_shared_caches(request, response) -> None:
    patch_vary_headers(response, ("Cookie", "Authorization"))
    if _language_from_address(request):
        kept = [
            header
            for header in cc_delim_re.split(response.get("Vary", ""))
            if header and header.lower() != "accept-language"
        ]
        response["Vary"] = ", ".join(kept)


def _language_from_address(request) -> bool:
    """True when the language of this response is the address's: a prefix, or
    none and so the default language. LocaleMiddleware then reads neither the
    language cookie nor Accept-Language (django.middleware.locale)."""
    urlconf = getattr(request, "urlconf", settings.ROOT_URLCONF)
    prefixes_used, default_prefixed = is_language_prefix_patterns_used(urlconf)
    return prefixes_used and not default_prefixed
