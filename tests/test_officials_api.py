"""The partner API's officials (`/api/v1/officials/` and one official by slug or
UUID): what each reader sees (internal and uncited involvements never beyond
staff; an alleged perpetrator public only on two publishers' sources, partners
on one), never a photo, its provenance or internal notes; the declared shape,
the filters, bad input (400/404, never 500), and query counts pinned whatever
the page size."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from rest_framework import serializers

from access.services import token_issue
from cases.choices import Visibility
from officials.api.serializers import OfficialSerializer
from officials.choices import InvolvementRole
from tests import accountability_records as acc
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_throttles():
    cache.clear()  # the throttle counters live in the cache


@pytest.fixture
def partner_token():
    _token, raw = token_issue(name="Partner NGO")
    return raw


def get(client, url, token=None, **params):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    return client.get(url, params, **headers)


def detail(client, official, token=None) -> dict:
    response = get(client, f"/api/v1/officials/{official.slug}/", token)
    assert response.status_code == 200, response.content
    return response.json()


def persons(row: dict) -> set:
    return {i["fact"]["person"] for i in row["involvements"]}


@pytest.fixture
def prosecutor():
    """Prosecutor Rəşad Quliyev (also Рашад Гулиев): in Rauf's case (public), in
    a partners-only case, an internal one and an uncited one; with internal notes."""
    official = acc.official(
        "Rəşad Quliyev", names=[("Рашад Гулиев", "ru")], internal_notes="Lives on Nizami street."
    )
    acc.position(official, factories.organization("Baku Prosecutor's Office"), "Prosecutor")
    for name, fields in (
        ("rauf", {}),
        ("partner-case", {"visibility": Visibility.PARTNERS}),
        ("internal-case", {"visibility": Visibility.INTERNAL}),
        ("uncited-case", {"cited": False}),
    ):
        detention = factories.detention(factories.person(name, slug=name), arrested="2024-01")
        acc.involvement(official, InvolvementRole.PROSECUTOR, detention=detention, **fields)
    return official


def test_each_reader_sees_the_involvements_at_their_level(client, partner_token, prosecutor):
    assert persons(detail(client, prosecutor)) == {"rauf"}
    assert persons(detail(client, prosecutor, partner_token)) == {"rauf", "partner-case"}
    by_uuid = detail(client, prosecutor, partner_token)
    assert get(client, f"/api/v1/officials/{by_uuid['uuid']}/").json()["slug"] == prosecutor.slug


def test_staff_only_fields_never_leave(client, partner_token, prosecutor):
    # not even a public photo: the API carries none
    prosecutor.photo.name = "photos/prosecutor.jpg"
    prosecutor.photo_source = acc.published_source("Report.az")
    prosecutor.photo_provenance = "Checked against the office's own site."
    prosecutor.photo_visibility = Visibility.PUBLIC
    prosecutor.save()
    for token in (None, partner_token):
        body = get(client, "/api/v1/officials/", token).content.decode()
        assert "Nizami" not in body and "internal_notes" not in body
        assert "photo" not in body and "office's own site" not in body


def test_an_alleged_perpetrator_needs_two_publishers_for_the_public(
    client, partner_token, prosecutor
):
    victim = factories.person("Tortured Tural", slug="tortured-tural")
    involvement = acc.involvement(
        prosecutor,
        InvolvementRole.ALLEGED_PERPETRATOR,
        allegation=factories.allegation(victim, "torture"),
        source=acc.published_source("Turan"),
    )
    assert "tortured-tural" in persons(detail(client, prosecutor, partner_token))
    assert "tortured-tural" not in persons(detail(client, prosecutor))
    public = get(client, "/api/v1/officials/", role="alleged-perpetrator").json()["results"]
    assert public == []
    factories.cite(involvement, source_obj=acc.published_source("OMCT"))
    (row,) = get(client, "/api/v1/officials/", role="alleged-perpetrator").json()["results"]
    (shown,) = [i for i in row["involvements"] if i["role"] == "alleged-perpetrator"]
    assert shown["fact"]["kind"] == "allegation" and len(shown["citations"]) == 2


def test_involvements_carry_their_fact_role_citations_and_reply(client, prosecutor):
    denial = acc.published_source("APA", "The office denies it")
    trial = acc.trial("The Abzas Media case")
    acc.involvement(
        prosecutor,
        InvolvementRole.PROSECUTOR,
        trial=trial,
        reply="The office denies it.",
        reply_on="2024-07",
        reply_source=denial,
    )
    row = detail(client, prosecutor)
    (in_trial,) = [i for i in row["involvements"] if i["fact"]["kind"] == "trial"]
    assert in_trial["fact"]["uuid"] == str(trial.uuid)
    assert in_trial["fact"]["trial"] == trial.slug and in_trial["fact"]["person"] is None
    assert in_trial["reply"] == {
        "text": "The office denies it.",
        "on": "2024-07",
        "source": str(denial.uuid),
    }
    assert in_trial["citations"] and row["citations"] and row["positions"][0]["citations"]
    assert row["names"] == [{"name": "Рашад Гулиев", "language": "ru"}]
    # a reply's source the reader may not see is not named
    denial.visibility = Visibility.INTERNAL
    denial.save()
    (in_trial,) = [i for i in detail(client, prosecutor)["involvements"] if i["fact"]["trial"]]
    assert in_trial["reply"]["source"] is None


def test_rows_have_exactly_the_declared_shape(client, partner_token, prosecutor):
    acc.involvement(prosecutor, trial=acc.trial(), reply="No comment.")

    def keys(shape) -> dict:
        result = {}
        for name, field in shape.fields.items():
            field = field.child if isinstance(field, serializers.ListSerializer) else field
            result[name] = keys(field) if isinstance(field, serializers.Serializer) else None
        return result

    declared = keys(OfficialSerializer())
    rows = get(client, "/api/v1/officials/", partner_token).json()["results"]
    rows.append(detail(client, prosecutor))
    for row in rows:
        assert set(row) == set(declared)
        for position in row["positions"]:
            assert set(position) == set(declared["positions"])
        for involvement in row["involvements"]:
            assert set(involvement) == set(declared["involvements"])
            assert set(involvement["fact"]) == set(declared["involvements"]["fact"])
            if involvement["reply"]:
                assert set(involvement["reply"]) == set(declared["involvements"]["reply"])


def test_filters(client, partner_token, prosecutor):
    other = acc.official("Vüqar Vəliyev")
    acc.involvement(other, InvolvementRole.ARRESTING_OFFICER)
    office = prosecutor.positions.get().organization

    def found(token=None, **params):
        return sorted(
            r["name"] for r in get(client, "/api/v1/officials/", token, **params).json()["results"]
        )

    assert found(q="Rashad Guliyev") == ["Rəşad Quliyev"]
    assert found(q="Гулиев") == ["Rəşad Quliyev"]
    assert found(organization=office.slug) == ["Rəşad Quliyev"]
    assert found(role="arresting-officer") == ["Vüqar Vəliyev"]
    assert found(person="rauf") == ["Rəşad Quliyev"]
    assert found(partner_token, person="partner-case") == ["Rəşad Quliyev"]
    # the person is public, the involvement in their case is not
    assert found(person="partner-case") == found(partner_token, person="internal-case") == []
    hidden = factories.person("Hidden Person", visibility=Visibility.INTERNAL)
    assert get(client, "/api/v1/officials/", person=hidden.slug).status_code == 404


@pytest.mark.parametrize(
    "params, status",
    [
        ({"role": "executioner"}, 400),
        ({"organization": "no-such-organization"}, 404),
        ({"person": "no-such-person"}, 404),
        ({"q": "\x00"}, 400),
        ({"colour": "red"}, 400),
    ],
)
def test_bad_input_is_refused_never_a_500(client, prosecutor, params, status):
    assert get(client, "/api/v1/officials/", **params).status_code == status


def test_unknown_or_hidden_officials_are_404(client):
    hidden = acc.official("Hidden Official", visibility=Visibility.PARTNERS)
    for identifier in (hidden.slug, "no-such-official", "00000000-0000-0000-0000-000000000000"):
        assert get(client, f"/api/v1/officials/{identifier}/").status_code == 404


def test_the_list_query_count_does_not_grow_with_the_page_size(client, django_assert_num_queries):
    for number in range(12):
        official = acc.official(f"Official {number}", names=[f"Официал {number}"])
        acc.position(official)
        acc.involvement(official)
        acc.involvement(official, trial=acc.trial())
    # the page, names, positions, involvements, trial defendants, citations; the
    # throttle's read and write in the shared cache
    for size in (2, 12):
        with django_assert_num_queries(8):
            page = client.get("/api/v1/officials/", {"page_size": size}).json()["results"]
        assert len(page) == size
        assert {len(row["involvements"]) for row in page} == {2}
    with django_assert_num_queries(8):
        client.get(f"/api/v1/officials/{official.slug}/")


def test_a_nul_in_any_filter_is_a_400_naming_it(client):
    from officials.filtersets import OfficialFilterSet

    for name in OfficialFilterSet.base_filters:
        response = get(client, "/api/v1/officials/", **{name: "a\x00b"})
        assert response.status_code == 400 and name in response.content.decode(), name
        page = client.get("/officials/", {name: "a\x00b"})
        assert page.status_code == 400 and name in page.content.decode(), name
