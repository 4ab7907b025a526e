"""What crawlers are told: the sitemaps of the public pages (each page in every
language, with its hreflang alternates) and robots.txt. Only what the public
reader may see is listed: every queryset goes through cases.visibility."""

from __future__ import annotations

from collections.abc import Sequence

from django.contrib.sitemaps import Sitemap
from django.db.models import Max, QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.views.decorators.http import require_safe

from cases.models import Organization, Person
from cases.visibility import Reader, visible
from sources.models import Source

READER = Reader.PUBLIC  # a sitemap is read by anyone


class _PagesInEachLanguage(Sequence):
    """The (record, language) pairs of a queryset, read one sitemap page at a
    time. Django's i18n sitemap builds every pair in memory on each request:
    300,000 pairs at 100,000 persons, to serve 50,000 of them."""

    def __init__(self, queryset: QuerySet, languages: list[str]):
        self.queryset = queryset
        self.languages = languages
        self._length: int | None = None

    def __len__(self) -> int:
        if self._length is None:
            self._length = self.queryset.count() * len(self.languages)
        return self._length

    def __getitem__(self, index):
        if not isinstance(index, slice):
            return self[index : index + 1][0]
        start, stop, _step = index.indices(len(self))
        per_record = len(self.languages)
        first = start // per_record
        records = self.queryset[first : -(-stop // per_record)]
        pairs = [(record, language) for record in records for language in self.languages]
        return pairs[start - first * per_record : stop - first * per_record]


class PublicPageSitemap(Sitemap):
    """Each page in every interface language, with hreflang alternates."""

    i18n = True
    alternates = True
    x_default = True

    def _items(self):
        # Django's own _items() lists every (item, language) pair; records are
        # read a page at a time instead (the static pages are a short list).
        items = self.items()
        if isinstance(items, QuerySet):
            return _PagesInEachLanguage(items, self._languages())
        return super()._items()


class StaticPageSitemap(PublicPageSitemap):
    """The home page and the list pages."""

    changefreq = "daily"

    def items(self) -> list[str]:
        return [
            "home", "person-list", "statement-list", "source-list", "organization-list",
            "statistics",
        ]  # fmt: skip

    def location(self, item: str) -> str:
        return reverse(item)


class RecordSitemap(PublicPageSitemap):
    """The pages of one kind of record the public may see, newest change last
    modified; `url_name` is reversed with `lookup` (the record's field in the URL)."""

    model: type
    url_name: str
    lookup: str

    def queryset(self) -> QuerySet:
        return visible(self.model.objects.all(), READER)

    def items(self) -> QuerySet:
        return self.queryset().order_by("pk").only(self.lookup, "updated_at")

    def location(self, item) -> str:
        return reverse(self.url_name, kwargs={self.lookup: getattr(item, self.lookup)})

    def lastmod(self, item):
        return item.updated_at

    def get_latest_lastmod(self):
        return self.queryset().aggregate(latest=Max("updated_at"))["latest"]


class PersonSitemap(RecordSitemap):
    model, url_name, lookup = Person, "person-detail", "slug"


class OrganizationSitemap(RecordSitemap):
    model, url_name, lookup = Organization, "organization-detail", "slug"


class SourceSitemap(RecordSitemap):
    model, url_name, lookup = Source, "source-detail", "uuid"

    def queryset(self) -> QuerySet:
        # a confidential source's page says only that it exists: nothing to index
        return super().queryset().filter(is_confidential=False)


SITEMAPS = {
    "pages": StaticPageSitemap,
    "persons": PersonSitemap,
    "organizations": OrganizationSitemap,
    "sources": SourceSitemap,
}


@require_safe
def robots_txt(request: HttpRequest) -> HttpResponse:
    """Crawlers may read the public pages; the admin and the API are not for them."""
    lines = [
        "User-agent: *",
        "Disallow: /admin/",
        "Disallow: /api/",
        # the dossiers are the pages again, as PDFs drawn on request: crawl the pages
        "Disallow: /*/dossier.pdf",
        f"Sitemap: {request.build_absolute_uri(reverse('sitemap'))}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")
