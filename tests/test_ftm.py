"""The FollowTheMoney export (dossiers.ftm, /api/v1/export/ftm/, manage.py
export_ftm): every entity of the seed and of officials, positions, trials,
defendants, involvements and affiliations validates with the `followthemoney`
library, every entity it references is in the export, and only what the reader
may see goes in."""

from __future__ import annotations

import io

import orjson
import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from followthemoney import model
from followthemoney.types import registry

from access.services import token_issue
from cases.choices import NameVariantKind, OrganizationKind, Visibility
from cases.models import NameVariant
from cases.partial_dates import PartialDate
from cases.seed import load_seed
from cases.visibility import Reader
from dossiers.ftm import entity_id, ftm_entities, ftm_lines
from officials.choices import InvolvementRole
from tests import accountability_records as records
from tests import factories

BASE = "http://testserver/"
SECRET = "STAFF-ONLY-NOTE"


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """The seed, loaded once for the module (each test rolls back its own records)."""
    with django_db_blocker.unblock():
        load_seed()
    yield
    with django_db_blocker.unblock():
        factories.delete_case_data()


@pytest.fixture
def accountability(seeded, db):
    """Officials, their posts, a trial with its court, defendant, judge and
    prosecutor, involvements in a detention and an allegation, and records that
    partners may see or that no one outside the staff may."""
    court = factories.organization("Baku Grave Crimes Court", kind=OrganizationKind.COURT)
    police = factories.organization(
        "Main Police Office", kind=OrganizationKind.LAW_ENFORCEMENT, country="Azerbaijan"
    )
    defendant = factories.person("Defendant Person", citizenship="Azerbaijan")
    defendant.birth_date = PartialDate.parse("1980-05")
    defendant.save()
    NameVariant.objects.create(
        person=defendant, name="Old Name", kind=NameVariantKind.FORMER, visibility="public"
    )
    detention = factories.detention(defendant, arrested="2024-03-02")
    factories.affiliation(defendant, police, role="former officer")
    judge = records.official(
        "Judge Official", names=[("Судья", "ru")], birth="1970", internal_notes=SECRET
    )
    records.position(judge, court, "Judge", started="2015-01")
    trial = records.trial(
        "The test case", court=court, number="1(101)-1/2024", opened="2024-06",
        summary="Tried.", internal_notes=SECRET,
    )  # fmt: skip
    records.defendant(trial, defendant, detention=detention, charges="206.3.2")
    records.involvement(judge, InvolvementRole.TRIAL_JUDGE, trial=trial)
    prosecutor = records.official("Prosecutor Official")
    records.involvement(prosecutor, InvolvementRole.PROSECUTOR, trial=trial, reply="We deny it.")
    investigator = records.official("Investigator Official", nationality="Azerbaijan")
    records.position(investigator, police, "Investigator", started="2020", ended="2023-02")
    records.involvement(investigator, InvolvementRole.INVESTIGATOR, detention=detention)
    torture = factories.allegation(defendant, detention=detention)
    two = [records.published_source("Publisher A"), records.published_source("Publisher B")]
    records.involvement(
        investigator, InvolvementRole.ALLEGED_PERPETRATOR, allegation=torture, sources=two
    )
    # partners see these, the public does not
    partner_official = records.official("Partner Official", visibility=Visibility.PARTNERS)
    one_publisher = records.involvement(
        prosecutor,
        InvolvementRole.ALLEGED_PERPETRATOR,
        allegation=torture,
        source=records.published_source("Publisher A"),
    )
    # no one outside the staff sees these
    internal_person = factories.person("Internal Person", visibility=Visibility.INTERNAL)
    records.defendant(trial, internal_person)
    factories.affiliation(internal_person, police)
    uncited = records.official("Uncited Official", cited=False)
    internal = records.official("Internal Official", visibility=Visibility.INTERNAL)
    records.involvement(internal, InvolvementRole.TRIAL_JUDGE, trial=trial)
    records.position(judge, police, "Secret post", visibility=Visibility.INTERNAL)
    trashed = factories.person("Trashed Person", deleted_at=timezone.now())
    factories.affiliation(trashed, police)
    return {
        "judge": judge,
        "investigator": investigator,
        "defendant": defendant,
        "trial": trial,
        "court": court,
        "partner_official": partner_official,
        "one_publisher": one_publisher,
        "internal_person": internal_person,
        "uncited": uncited,
        "internal": internal,
        "trashed": trashed,
    }


def export(reader: Reader, **options) -> list[dict]:
    return list(ftm_entities(reader, base_url=BASE, **options))


def assert_valid(entities: list[dict]) -> None:
    """Each entity validates with the followthemoney library: a known, concrete
    schema, its required properties, every value valid and already clean for
    its property's type; every entity it references is in the export."""
    by_id = {entity["id"]: entity for entity in entities}
    assert len(by_id) == len(entities), "an id is emitted twice"
    for data in entities:
        schema = model.get(data["schema"])
        assert schema is not None and not schema.abstract, data
        proxy = model.get_proxy(data, cleaned=False)
        assert proxy.id == data["id"] and data["id"].startswith("casebook-")
        assert proxy.to_dict()["properties"] == data["properties"], data
        schema.validate(data)
        assert set(schema.required) <= set(data["properties"]), data
        for name, values in data["properties"].items():
            prop = schema.get(name)
            assert prop is not None, f"{data['schema']} has no property {name}"
            for value in values:
                assert prop.type.validate(value), (name, value)
                assert prop.type.clean(value) == value, (name, value)
                if prop.type == registry.entity:
                    assert value in by_id, f"{data['id']}: {name} names {value}, not exported"
                    assert model.get(by_id[value]["schema"]).is_a(prop.range), (name, value)


def ids(entities: list[dict]) -> set[str]:
    return {entity["id"] for entity in entities}


def test_the_seed_and_accountability_records_validate_entity_by_entity(accountability):
    for reader in (Reader.PUBLIC, Reader.PARTNER):
        entities = export(reader)
        assert_valid(entities)
        schemata = {entity["schema"] for entity in entities}
        assert {"Person", "PublicBody", "Organization", "Position", "Occupancy", "Membership",
                "CourtCase", "CourtCaseParty", "UnknownLink"} <= schemata  # fmt: skip


def test_the_mapping_of_a_trial_its_parties_and_an_official(accountability):
    by_id = {entity["id"]: entity for entity in export(Reader.PUBLIC)}
    trial = by_id[entity_id("trial", accountability["trial"].uuid)]["properties"]
    assert trial["caseNumber"] == ["1(101)-1/2024"] and trial["fileDate"] == ["2024-06"]
    assert trial["court"] == ["Baku Grave Crimes Court"]
    assert trial["sourceUrl"] == [f"http://testserver/trials/{accountability['trial'].slug}/"]
    court = by_id[entity_id("organization", accountability["court"].uuid)]
    assert court["schema"] == "PublicBody" and court["properties"]["topics"] == ["gov.judicial"]
    parties = {
        (p["properties"]["party"][0], p["properties"]["role"][0])
        for p in by_id.values()
        if p["schema"] == "CourtCaseParty"
        and p["properties"]["case"] == [entity_id("trial", accountability["trial"].uuid)]
    }
    judge_id = entity_id("official", accountability["judge"].uuid)
    assert (entity_id("person", accountability["defendant"].uuid), "defendant") in parties
    assert (judge_id, "trial judge") in parties
    links = {e["properties"]["role"][0] for e in by_id.values() if e["schema"] == "UnknownLink"}
    assert links == {"investigator", "alleged perpetrator: torture"}
    judge = by_id[judge_id]["properties"]
    assert judge["alias"] == ["Судья"] and judge["birthDate"] == ["1970"]
    assert judge["topics"] == ["role.judge"] and judge["position"] == ["Judge"]
    person = by_id[entity_id("person", accountability["defendant"].uuid)]["properties"]
    assert person["birthDate"] == ["1980-05"] and person["citizenship"] == ["az"]
    assert person["previousName"] == ["Old Name"]
    occupancies = [e for e in by_id.values() if e["schema"] == "Occupancy"]
    assert {tuple(e["properties"].get("endDate", [])) for e in occupancies} >= {("2023-02",)}


def test_hidden_records_and_their_links_are_never_exported(accountability):
    hidden = {
        entity_id("person", accountability["internal_person"].uuid),
        entity_id("official", accountability["uncited"].uuid),
        entity_id("official", accountability["internal"].uuid),
        entity_id("person", accountability["trashed"].uuid),
    }
    for reader in (Reader.PUBLIC, Reader.PARTNER):
        entities = export(reader)
        text = orjson.dumps(entities).decode()
        assert not hidden & ids(entities)
        for name in ("Internal Person", "Uncited Official", "Internal Official", "Secret post",
                     "Trashed Person"):  # fmt: skip
            assert name not in text
        assert SECRET not in text
    public, partner = ids(export(Reader.PUBLIC)), ids(export(Reader.PARTNER))
    shared = entity_id("official", accountability["partner_official"].uuid)
    one_publisher = entity_id("involvement", accountability["one_publisher"].uuid)
    assert shared in partner and shared not in public
    # an alleged perpetrator on one publisher's word: partners only
    assert one_publisher in partner and one_publisher not in public
    assert public < partner


def test_the_api_streams_json_lines_at_each_readers_level(client, accountability):
    cache.clear()  # throttle counters live in the cache
    response = client.get("/api/v1/export/ftm/")
    assert response.status_code == 200 and response.streaming
    assert response["Content-Type"] == "application/x-ndjson"
    body = b"".join(response.streaming_content)
    assert body == b"".join(ftm_lines(Reader.PUBLIC, base_url=BASE))
    public = [orjson.loads(line) for line in body.splitlines()]
    assert ids(public) == ids(export(Reader.PUBLIC))
    _token, raw = token_issue(name="Partner NGO")
    response = client.get("/api/v1/export/ftm/", HTTP_AUTHORIZATION=f"Bearer {raw}")
    partner = [orjson.loads(line) for line in b"".join(response.streaming_content).splitlines()]
    assert ids(partner) == ids(export(Reader.PARTNER)) and ids(public) < ids(partner)
    ndjson = client.get("/api/v1/export/ftm/", HTTP_ACCEPT="application/x-ndjson")
    assert ndjson.status_code == 200 and ndjson.streaming
    refused = client.get("/api/v1/export/ftm/?page=2", HTTP_ACCEPT="application/x-ndjson")
    assert refused.status_code == 400  # an unknown parameter, said in one JSON line
    assert "page" in orjson.loads(refused.content)["error"]["message"]


def test_whole_exports_are_counted_per_reader_an_hour(db, client, monkeypatch):
    """An export is seconds of database work: API_EXPORT_RATE bounds how many a
    token or an address starts an hour, beside the per-request rates."""
    from cases.api.throttles import ExportRateThrottle

    monkeypatch.setattr(ExportRateThrottle, "THROTTLE_RATES", {"export": "2/hour"})
    cache.clear()
    assert [client.get("/api/v1/export/ftm/").status_code for _ in range(3)] == [200, 200, 429]
    assert client.get("/api/v1/persons/").status_code == 200  # the other endpoints are not
    _token, raw = token_issue(name="Partner NGO")  # a partner's count is its own
    assert client.get("/api/v1/export/ftm/", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 200


def test_the_export_reads_a_fixed_number_of_queries_per_chunk(accountability):
    def queries(**options) -> int:
        with CaptureQueriesContext(connection) as captured:
            export(Reader.PUBLIC, **options)
        return len(captured)

    before = queries()
    for _ in range(30):
        records.defendant(accountability["trial"], factories.person(variants=["Other Name"]))
    assert queries() == before  # whatever the number of rows, within a chunk
    # chunked: a smaller chunk reads more often, never everything at once
    assert queries(chunk_size=5) > before


def test_the_command_writes_the_same_lines(accountability, tmp_path):
    path = tmp_path / "partner.ndjson"
    call_command(
        "export_ftm", "--reader", "partner", "--output", str(path), "--base-url", BASE,
        stderr=io.StringIO(),
    )  # fmt: skip
    assert path.read_bytes() == b"".join(ftm_lines(Reader.PARTNER, base_url=BASE))
    out = io.StringIO()
    call_command("export_ftm", "--base-url", BASE, stdout=out)
    assert out.getvalue().encode() == b"".join(ftm_lines(Reader.PUBLIC, base_url=BASE))
