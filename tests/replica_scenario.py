"""Run by tests/test_replicas.py in a process of its own (`python -m
tests.replica_scenario`), with DATABASE_URL naming a primary and
DATABASE_REPLICA_URLS its streaming standby: requests through the test client,
each one's queries counted per database, replay on the standby paused while the
primary changes a name, so that which server answered shows in the page too.
Prints what it saw as one JSON object on its last line; the test asserts."""

from __future__ import annotations

import json
import os
import time

REPLICA = "replica_1"
WAIT_SECONDS = 60  # for the standby to replay; a failure, not a measurement, when exceeded


def main() -> dict:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "casebook.settings")
    django.setup()
    from django.conf import settings
    from django.test.utils import override_settings, setup_test_environment

    setup_test_environment()
    middleware = "casebook.scaling.ReplicaReadsMiddleware"
    stack = list(settings.MIDDLEWARE)
    if middleware not in stack:  # until settings.py lists it
        stack.insert(stack.index("django.middleware.security.SecurityMiddleware") + 1, middleware)
    with override_settings(MIDDLEWARE=stack):
        return scenario()


def scenario() -> dict:
    from django.db import connections
    from django.http import JsonResponse
    from django.test import Client, RequestFactory

    from access.services import token_issue
    from casebook.scaling import PIN_COOKIE, ReplicaReadsMiddleware
    from cases.models import Person
    from tests.factories import person, staff_sign_in

    seen: dict = {"aliases": sorted(connections.settings)}
    primary, replica = connections["default"], connections[REPLICA]
    seen["in_recovery"] = {
        alias: one(connections[alias], "SELECT pg_is_in_recovery()")
        for alias in ("default", REPLICA)
    }
    seen["replication_state"] = one(primary, "SELECT state FROM pg_stat_replication")

    sevinj = person("Sevinj Original")
    _token, partner_key = token_issue(name="Scenario partner")
    wait_for(lambda: Person.objects.using(REPLICA).filter(pk=sevinj.pk).exists())
    page, api = f"/persons/{sevinj.slug}/", f"/api/v1/persons/{sevinj.slug}/"

    # replay paused: the primary's change stays off the replica until resumed
    one(replica, "SELECT pg_wal_replay_pause()")
    wait_for(lambda: one(replica, "SELECT pg_get_wal_replay_pause_state()") == "paused")
    Person.objects.filter(pk=sevinj.pk).update(display_name="Sevinj Renamed")
    seen["names_while_paused"] = {
        alias: Person.objects.using(alias).get(pk=sevinj.pk).display_name
        for alias in ("default", REPLICA)
    }

    seen["anonymous_page"] = request(Client(), page)
    seen["anonymous_api"] = request(Client(), api)
    seen["partner_api"] = request(Client(), api, HTTP_AUTHORIZATION=f"Bearer {partner_key}")

    staff = staff_sign_in(Client(), make_staff())
    seen["staff_page"] = request(staff, page)
    seen["staff_admin"] = request(staff, f"/admin/cases/person/{sevinj.pk}/change/")

    # within one request: reads from the replica until the request writes, then from the primary
    def rename(_request):
        before = Person.objects.get(pk=sevinj.pk).display_name
        Person.objects.filter(pk=sevinj.pk).update(display_name="Sevinj Written")
        after = Person.objects.get(pk=sevinj.pk).display_name
        return JsonResponse({"before": before, "after": after})

    with counted() as queries:
        response = ReplicaReadsMiddleware(rename)(RequestFactory().get("/rename/"))
    seen["write_request"] = {
        **json.loads(response.content),
        "pin_cookie": PIN_COOKIE in response.cookies,
        "pin_max_age": response.cookies[PIN_COOKIE]["max-age"]
        if PIN_COOKIE in response.cookies
        else None,
        "write_on_replica": any("UPDATE" in sql for sql in queries[REPLICA]),
        "write_on_primary": any(sql.startswith("UPDATE") for sql in queries["default"]),
    }
    # the same client's next request: pinned to the primary by the cookie
    pinned = Client()
    pinned.cookies[PIN_COOKIE] = "1"
    seen["pinned_page"] = request(pinned, page)
    seen["unpinned_page"] = request(Client(), page)

    one(replica, "SELECT pg_wal_replay_resume()")
    wait_for(
        lambda: Person.objects.using(REPLICA).get(pk=sevinj.pk).display_name == "Sevinj Written"
    )
    seen["anonymous_page_after_replay"] = request(Client(), page)
    return seen


def make_staff():
    from django.contrib.auth import get_user_model

    return get_user_model().objects.create_superuser("scenario", "s@example.org", "pw-unused-1")


def request(client, path: str, **headers) -> dict:
    """GET `path`; the names of the person it shows, and its queries on case
    tables per database."""
    with counted() as queries:
        response = client.get(path, **headers)
    body = response.content.decode()
    return {
        "status": response.status_code,
        "shows": sorted(
            name for name in ("Sevinj Original", "Sevinj Renamed", "Sevinj Written") if name in body
        ),
        "case_queries": {
            alias: sum('"cases_' in sql for sql in captured) for alias, captured in queries.items()
        },
        "queries": {alias: len(captured) for alias, captured in queries.items()},
    }


class counted:
    """The SQL each database ran inside the block: {alias: [sql, ...]}."""

    def __enter__(self):
        from django.db import connections
        from django.test.utils import CaptureQueriesContext

        self.contexts = {
            alias: CaptureQueriesContext(connections[alias]) for alias in ("default", REPLICA)
        }
        for context in self.contexts.values():
            context.__enter__()
        self.queries: dict[str, list[str]] = {}
        return self.queries

    def __exit__(self, *exc):
        for alias, context in self.contexts.items():
            context.__exit__(*exc)
            self.queries[alias] = [query["sql"] for query in context.captured_queries]


def one(connection, sql: str):
    with connection.cursor() as cursor:
        cursor.execute(sql)
        row = cursor.fetchone()
    return row[0] if row else None


def wait_for(condition) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("the standby did not replay the primary's change")
        time.sleep(0.05)


if __name__ == "__main__":
    print(json.dumps(main()))
