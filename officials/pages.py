"""What the officials' public pages show, assembled from officials.reads: the
list's rows, and one official's page (`official_page`): identity, positions and
every case involvement the reader may see, each footnoted as the person page is
(cases.pages.Footnotes), with what it rests on (how many sources, which
publishers) and the official's reply where one was published. The official's
dossier (dossiers.official) renders the same `OfficialPage`, so the page and the
dossier carry the same facts. Visibility is decided by the reads."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Q
from django.utils.translation import gettext

from cases.models import AllegationKind, CaseEventKind, Organization
from cases.pages import Footnotes, Mark
from cases.partial_dates import PartialDate
from cases.partial_dates import from_columns as _partial
from cases.reads.rows import SOURCE_FIELDS, source_rows
from cases.visibility import Reader, photo_is_visible, visible
from officials.choices import InvolvementRole
from officials.models import Official, Position
from officials.reads import OFFICIAL_FIELDS, official_list_rows, official_records
from sources.models import Source


@dataclass
class Photo:
    """The official's photo, shown only where its own level allows and its
    source is visible: its address, how it was checked to show this official
    (`provenance`), its source (a source row) and the footnote marking it."""

    url: str
    provenance: str
    source: dict
    notes: list[Mark]


@dataclass
class Reply:
    """The official's reply or denial: its text, date, its source (a source row,
    None when the reader may not see it) and its footnote."""

    text: str
    on: PartialDate | None
    source: dict | None
    notes: list[Mark]


@dataclass
class InvolvementEntry:
    """One involvement: the official's `role` (code) and `role_label`, the fact
    of a case it is in (`fact`: kind ("detention", "case_event", "allegation",
    "trial"), `kind_label` (translated: "detention", the case event's kind such as
    "sentenced", the allegation's kind such as "torture", "trial"), uuid, date
    (a PartialDate or None), person ({"uuid", "slug", "name"} or None),
    victim_description, trial ({"uuid", "slug", "title", "number"} or None) and
    defendants (persons)), what the official did (`description`), its citations
    (dicts of cases.reads.citations) and their footnote marks (`notes`), what it
    rests on (`sources_count`; `publishers`: the distinct publishers' names the
    reader may see), and the reply (or None)."""

    uuid: object
    role: str
    role_label: str
    fact: dict
    description: str
    citations: list[dict]
    notes: list[Mark]
    sources_count: int
    publishers: list[str]
    reply: Reply | None


@dataclass
class CaseInvolvements:
    """The involvements in one case: a person's (`person`: {"uuid", "slug",
    "name"}), a trial's (`trial`, with `defendants`), or an allegation whose
    victims are not named (`victim_description`); newest first."""

    person: dict | None
    trial: dict | None
    defendants: list[dict]
    victim_description: str
    involvements: list[InvolvementEntry] = field(default_factory=list)


@dataclass
class OfficialPage:
    """Everything an official's page shows to `reader`, footnoted in reading
    order: identity (photo, name and the official's own citations), positions,
    then each case and each involvement in it.

    - `official`: the Official (read its name, slug, uuid; never internal_notes).
    - `name`, `names` (other names visible: {"name", "language"}), `birth_date`
      (PartialDate or None), `nationality`, `identifiers`, `description`, and
      `notes`: the marks of the official's own citations.
    - `photo`: a Photo or None.
    - `positions`: {"uuid", "title", "organization" ({"uuid", "slug", "name"}),
      "started_on", "ended_on" (PartialDate or None), "citations", "notes"},
      the latest first.
    - `cases`: CaseInvolvements, the case with the newest fact first.
    - `footnotes`: the numbered sources list, as cases.pages.Footnotes.notes:
      {"number", "source" (a source row, confidential ones masked), "claim",
      "locator", "excerpt", "confidence", "refs"}; a mark's number is its place.
    """

    official: Official
    name: str
    names: list[dict]
    birth_date: PartialDate | None
    nationality: str
    identifiers: str
    description: str
    notes: list[Mark]
    photo: Photo | None
    positions: list[dict]
    cases: list[CaseInvolvements]
    footnotes: list[dict]

    @property
    def involvements(self) -> list[InvolvementEntry]:
        """Every involvement on the page, in the page's order."""
        return [entry for case in self.cases for entry in case.involvements]


def role_label(role: str) -> str:
    return str(InvolvementRole(role).label) if role in InvolvementRole.values else role


def fact_kind_label(fact: dict) -> str:
    """What the fact is, in the reader's language."""
    if fact["kind"] == "case_event":
        return CaseEventKind.translate(fact["label"])
    if fact["kind"] == "allegation":
        return AllegationKind.translate(fact["label"])
    if fact["kind"] == "trial":
        return gettext("trial")
    return gettext("detention")


def official_rows(officials, *, reader: Reader) -> list[dict]:
    """The rows of one page of the official list (officials.reads.official_list_rows)."""
    return official_list_rows(list(officials), reader=reader)


def organization_choices(reader: Reader) -> list[tuple[str, str]]:
    """The organizations in which the reader may see a post, as the list's
    filter offers them: (slug, name), by name. One query."""
    return list(
        visible(Organization.objects.all(), reader)
        .filter(pk__in=visible(Position.objects.all(), reader).values("organization_id"))
        .order_by("name", "pk")
        .values_list("slug", "name")
    )


def _sources(uuids: set, ids: list[int], reader: Reader) -> tuple[dict, dict]:
    """Source rows by uuid, of the cited sources (`uuids`, visible with their
    citations) and of the reply and photo sources (`ids`) the reader may see, and
    the uuid of each of those by id: one query."""
    condition = Q(uuid__in=uuids) | Q(id__in=ids)
    rows = list(visible(Source.objects.filter(condition), reader).values(*SOURCE_FIELDS))
    uuid_of = {row["id"]: row["uuid"] for row in rows}
    return {row["uuid"]: row for row in source_rows(rows, reader=reader)}, uuid_of


def _own_citation(source: dict, claim: str) -> dict:
    """A footnote for a source given outside the citations (a reply's, a photo's)."""
    return {
        "source": source["uuid"],
        "claim": claim,
        "locator": "",
        "excerpt": "",
        "confidence": "",
    }


def _case_key(fact: dict):
    if fact["person"]:
        return ("person", fact["person"]["uuid"])
    if fact["trial"]:
        return ("trial", fact["trial"]["uuid"])
    return ("fact", fact["uuid"])


def official_page(official: Official, reader: Reader) -> OfficialPage:
    """The page of `official` (already visible to `reader`) as `reader` may see
    it: 6 queries whatever the number of names, positions and involvements (5
    without an involvement in a trial)."""
    row = {name: getattr(official, name) for name in OFFICIAL_FIELDS}
    row["birth_date_precision"] = official.birth_date_precision
    records = official_records([row], reader=reader)
    citations = records["citations"]
    photo_shown = photo_is_visible(official, reader) and official.photo_source_id is not None
    involvements = records["involvements"].get(official.pk, [])
    extra_sources = [i["reply_source_id"] for i in involvements if i["reply_source_id"]]
    if photo_shown:
        extra_sources.append(official.photo_source_id)
    sources, uuid_of = _sources(citations["source_uuids"], extra_sources, reader)
    notes = Footnotes(sources)

    photo = None
    if photo_shown:
        photo_source = sources.get(uuid_of.get(official.photo_source_id))
        if photo_source is not None:
            photo = Photo(
                url=official.photo.url,
                provenance=official.photo_provenance,
                source=photo_source,
                notes=notes.cite([_own_citation(photo_source, "photo")]),
            )
    identity_notes = notes.cite(citations["official"].get(official.pk, []))

    positions = []
    for position in records["positions"].get(official.pk, []):
        cited = citations["position"].get(position["id"], [])
        positions.append({**position, "citations": cited, "notes": notes.cite(cited)})

    cases: dict = {}
    for involvement in involvements:
        fact = {**involvement["fact"]}
        fact["kind_label"] = fact_kind_label(fact)
        key = _case_key(fact)
        if key not in cases:
            cases[key] = CaseInvolvements(
                person=fact["person"],
                trial=fact["trial"] if not fact["person"] else None,
                defendants=fact["defendants"] if not fact["person"] else [],
                victim_description=fact["victim_description"] if key[0] == "fact" else "",
            )
        cited = citations["involvement"].get(involvement["id"], [])
        cited_sources = [sources[c["source"]] for c in cited if c["source"] in sources]
        publishers = {
            s["publisher"]["uuid"]: s["publisher"]["name"] for s in cited_sources if s["publisher"]
        }
        reply = None
        if involvement["reply"]:
            reply_source = sources.get(uuid_of.get(involvement["reply_source_id"]))
            reply = Reply(
                text=involvement["reply"]["text"],
                on=involvement["reply"]["on"],
                source=reply_source,
                notes=[],
            )
        cases[key].involvements.append(
            InvolvementEntry(
                uuid=involvement["uuid"],
                role=involvement["role"],
                role_label=role_label(involvement["role"]),
                fact=fact,
                description=involvement["description"],
                citations=cited,
                notes=[],
                sources_count=len({c["source"] for c in cited}),
                publishers=sorted(publishers.values()),
                reply=reply,
            )
        )
    # footnotes in reading order: the cases as shown, each involvement then its reply
    for case in cases.values():
        for entry in case.involvements:
            entry.notes = notes.cite(entry.citations)
            if entry.reply and entry.reply.source:
                entry.reply.notes = notes.cite([_own_citation(entry.reply.source, "reply")])
    return OfficialPage(
        official=official,
        name=official.name,
        names=records["names"].get(official.pk, []),
        birth_date=_partial(official.birth_date, official.birth_date_precision),
        nationality=official.nationality,
        identifiers=official.identifiers,
        description=official.description,
        notes=identity_notes,
        photo=photo,
        positions=positions,
        cases=list(cases.values()),
        footnotes=notes.notes,
    )
