"""Atom feeds of the public site, in the reader's language: the latest updated
case pages (the home page's "latest updates") and the latest statements. Items
carry public fields only and come from the reads (cases.reads), read as the public."""

from __future__ import annotations

from django.contrib.syndication.views import Feed
from django.db.models import F
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from cases.models import Statement
from cases.reads.rows import STATEMENT_FIELDS, latest_persons, statement_rows
from cases.visibility import Reader, visible

READER = Reader.PUBLIC  # a feed is read by anyone
FEED_ITEMS = 20


class CasebookFeed(Feed):
    feed_type = Atom1Feed

    def __call__(self, request, *args, **kwargs):
        response = super().__call__(request, *args, **kwargs)
        # Django sends the newest item's time as Last-Modified; a withdrawn item
        # changes the feed without a newer time, so a client asking only
        # If-Modified-Since would be told 304. The ETag (ConditionalGetMiddleware,
        # from the body) is the validator.
        del response.headers["Last-Modified"]
        return response

    def item_updateddate(self, item: dict):
        return item["updated_at"]


class LatestUpdatesFeed(CasebookFeed):
    """The persons whose case pages changed last."""

    title = _("Casebook: latest case updates")
    subtitle = _("Political prisoners' cases whose pages changed most recently.")

    def link(self) -> str:
        return reverse("person-list") + "?" + urlencode({"sort": "updated"})

    def feed_url(self) -> str:
        return reverse("feed-updates")

    def items(self) -> list[dict]:
        return latest_persons(reader=READER, limit=FEED_ITEMS)

    def item_title(self, item: dict) -> str:
        return item["display_name"]

    def item_description(self, item: dict) -> str | None:
        return item["summary"] or None

    def item_link(self, item: dict) -> str:
        return reverse("person-detail", kwargs={"slug": item["slug"]})


class LatestStatementsFeed(CasebookFeed):
    """The statements recorded or changed last."""

    title = _("Casebook: latest statements")
    subtitle = _(
        "Calls for release, reports, resolutions, court decisions and replies "
        "about the persons on record, newest first."
    )

    def link(self) -> str:
        return reverse("statement-list")

    def feed_url(self) -> str:
        return reverse("feed-statements")

    def items(self) -> list[dict]:
        rows = (
            visible(Statement.objects.all(), READER)
            .order_by(F("updated_at").desc(), "-pk")
            .values(*STATEMENT_FIELDS)[:FEED_ITEMS]
        )
        return statement_rows(list(rows), reader=READER, cite=False)

    def item_title(self, item: dict) -> str:
        return item["title"]

    def item_description(self, item: dict) -> str | None:
        return item["summary"] or item["quote"] or None

    def item_author_name(self, item: dict) -> str | None:
        issuer = item["issuer_organization"] or item["issuer_person"]
        if issuer is None:
            return None
        return issuer.get("name") or issuer.get("display_name")

    def item_link(self, item: dict) -> str:
        # Statements have no page of their own: the page of a person it
        # concerns tells it in the timeline, with its sources.
        if item["persons"]:
            return reverse("person-detail", kwargs={"slug": item["persons"][0]["slug"]})
        if item["issuer_organization"]:
            query = urlencode({"issuer": item["issuer_organization"]["slug"]})
            return reverse("statement-list") + "?" + query
        return reverse("statement-list")

    def item_guid(self, item: dict) -> str:
        # several statements can share a link: the id is the statement's own
        return f"urn:uuid:{item['uuid']}"

    item_guid_is_permalink = False
