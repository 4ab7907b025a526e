"""Loading the seed cases (fixtures/seed.yaml, format in fixtures/SEED_FORMAT.md).

Each record's UUID is derived from its place in the file, so loading is
idempotent and never overwrites what a researcher changed since, unless asked.
The whole file is checked first and written in one transaction."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction

from cases.choices import Confidence, Visibility
from cases.models import (
    Affiliation,
    Allegation,
    AllegationKind,
    AllegationStatus,
    CaseEvent,
    CaseEventKind,
    Charge,
    Detention,
    IssuedSlug,
    LegalStage,
    NameVariant,
    Occupation,
    Organization,
    Person,
    ReleaseReason,
    SeedRecord,
    SourceKind,
    Statement,
    StatementKind,
)
from cases.partial_dates import PartialDate, PartialDateError
from cases.services import records_trash
from interventions.choices import (
    InterventionKind,
    InterventionOutcome,
    InterventionStatus,
    WgadCategory,
)
from interventions.models import Intervention
from sources.models import Citation, ReportedCount, Source

# Quotation marks, dashes and spaces that typesetting varies: an excerpt is
# verbatim when it matches its article with these made plain (excerpt_is_quoted).
_TYPOGRAPHY = str.maketrans(
    {
        **dict.fromkeys("‘’‚‛′`", "'"),
        **dict.fromkeys("“”„‟″«»", '"'),
        **dict.fromkeys("‐‑‒–—―−", "-"),
    }
)
SEED_NAMESPACE = uuid.UUID("6f0b7c1e-3f7a-4c55-9d7e-0c2a8f5e4b11")
FIXTURES_DIR = Path(__file__).resolve().parent.parent / "fixtures"
DEFAULT_SEED_FILE = FIXTURES_DIR / "seed.yaml"


def plain_quotation(text: str) -> str:
    """`text` with curly quotes straight, every dash a hyphen and all runs of
    whitespace (non-breaking spaces too) one space: how an excerpt is compared."""
    return " ".join(text.translate(_TYPOGRAPHY).split())


def excerpt_is_quoted(excerpt: str, article: str) -> bool:
    """Whether `excerpt` is found word for word in `article`, typography aside."""
    return bool(excerpt.strip()) and plain_quotation(excerpt) in plain_quotation(article)


class SeedError(Exception):
    """The seed file is wrong; the message lists every problem with its place."""


@dataclass
class SeedReport:
    created: dict[str, int] = field(default_factory=dict)
    unchanged: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    deleted: dict[str, int] = field(default_factory=dict)
    retired: dict[str, int] = field(default_factory=dict)
    kept_edited: dict[str, int] = field(default_factory=dict)

    def count(self, bucket: str, model: type[models.Model]) -> None:
        counts = self._bucket(bucket)
        name = model._meta.verbose_name_plural
        counts[str(name)] = counts.get(str(name), 0) + 1

    def _bucket(self, bucket: str) -> dict[str, int]:
        named = {"kept deleted": self.deleted, "kept, edited here": self.kept_edited}
        return named[bucket] if bucket in named else getattr(self, bucket)

    def summary(self) -> str:
        parts = []
        buckets = ("created", "updated", "unchanged", "kept deleted", "retired",
                   "kept, edited here")  # fmt: skip
        for bucket in buckets:
            counts = self._bucket(bucket)
            if counts:
                listed = ", ".join(f"{n} {name}" for name, n in sorted(counts.items()))
                label = {
                    "retired": "no longer in the file, moved to the trash",
                    "kept, edited here": "no longer in the file but edited here, kept",
                }.get(bucket, bucket)
                parts.append(f"{label}: {listed}")
        return "; ".join(parts) or "nothing to load"


def load_seed(
    path: Path = DEFAULT_SEED_FILE, *, update: bool = False, dry_run: bool = False
) -> SeedReport:
    """Create (or with `update`, refresh) every record of the seed file.

    Raises SeedError listing every problem; nothing is written then. With
    `dry_run` everything is checked against the database and rolled back."""
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as error:
        raise SeedError(f"{path} is not valid YAML: {error}") from error
    if not isinstance(data, dict):
        raise SeedError(
            f"{path}: expected sections organizations, sources, persons, allegations, "
            "statements, reported_counts, interventions"
        )
    loader = _Loader(update=update, articles_dir=Path(path).parent / "articles")
    with transaction.atomic():
        loader.load(data)
        if not loader.errors and Path(path).resolve() == DEFAULT_SEED_FILE.resolve():
            # only the project's own file speaks for every seed record; another
            # file (--file) adds to them
            loader.retire()
        if loader.errors:
            transaction.set_rollback(True)
            raise SeedError("\n".join(loader.errors))
        if dry_run:
            transaction.set_rollback(True)
    return loader.report


INFERENCE_PREFIX = "inferred: "


def citation_locator(locator: str, inference: str) -> str:
    """The stored locator: where in the source, then what was inferred from it,
    so that every footnote showing the citation says so."""
    parts = [str(locator or "").strip(), f"{INFERENCE_PREFIX}{inference}" if inference else ""]
    return "; ".join(part for part in parts if part)


# What the loader writes, parents first (SeedRecord holds the UUIDs of them all).
SEEDED_MODELS = (
    Organization, Source, Person, NameVariant, Affiliation, Detention, Charge, CaseEvent,
    Allegation, Statement, ReportedCount, Intervention, Citation,
)  # fmt: skip


def _edited_outside_the_seed(obj: models.Model) -> bool:
    """Whether anyone but the seed loader wrote this record: its history holds a
    change made in a context other than `load_seed` (a migration's has none)."""
    events = type(obj).pgh_event_models["insert"].objects.filter(pgh_obj_id=obj.pk)
    contexts = events.exclude(pgh_context=None).values_list("pgh_context__metadata", flat=True)
    return any((metadata or {}).get("command") != "load_seed" for metadata in contexts)


class _Loader:
    def __init__(self, *, update: bool, articles_dir: Path):
        self.update = update
        self.articles_dir = articles_dir
        self.errors: list[str] = []
        self.report = SeedReport()
        self.organizations: dict[str, Organization] = {}
        self.sources: dict[str, Source] = {}
        self.persons: dict[str, Person] = {}
        self.detentions: dict[tuple[str, str], Detention] = {}
        # keys of records an editor deleted since they were loaded: references
        # to them are dropped quietly (table id -> keys)
        self.kept_deleted: set[str] = set()
        self.removed: dict[int, set] = {}
        self.seen: set[uuid.UUID] = set()  # the records the file holds now

    # -- entry points ------------------------------------------------------

    def retire(self) -> None:
        """Records loaded from an earlier seed file that the file no longer holds
        (corrected since: the 2015 committee's 14 "denied" allegations became one
        finding) go to the trash, where an editor can restore them; one that a
        researcher edited since it was loaded is kept and counted, to review."""
        gone = set(SeedRecord.objects.values_list("uuid", flat=True)) - self.seen
        if not gone:
            return
        for model in SEEDED_MODELS:
            trash = []
            for obj in model.objects.filter(uuid__in=gone, deleted_at__isnull=True):
                if _edited_outside_the_seed(obj):
                    self.report.count("kept, edited here", model)
                else:
                    trash.append(obj.pk)
                    self.report.count("retired", model)
            if trash:
                records_trash(queryset=model.objects.filter(pk__in=trash))

    def load(self, data: dict[str, Any]) -> None:
        for entry in data.get("organizations") or []:
            self._organization(entry)
        for entry in data.get("sources") or []:
            self._source(entry)
        for entry in data.get("persons") or []:
            self._person(entry)
        for entry in data.get("persons") or []:
            for index, allegation in enumerate(entry.get("allegations") or [], start=1):
                self._person_allegation(allegation, entry.get("key"), index)
        for entry in data.get("allegations") or []:
            self._unnamed_victims_allegation(entry)
        for entry in data.get("statements") or []:
            self._statement(entry)
        for entry in data.get("reported_counts") or []:
            self._reported_count(entry)
        for entry in data.get("interventions") or []:
            self._intervention(entry)

    # -- records -------------------------------------------------------------

    def _organization(self, entry: dict) -> None:
        key = self._key(entry, "organization")
        if key is None:
            return
        org = self._save(
            Organization,
            f"organization:{key}",
            f"organization {key}",
            slug=key,
            name=entry.get("name", ""),
            abbreviation=entry.get("abbreviation", ""),
            kind=entry.get("kind", "other"),
            country=entry.get("country", ""),
            url=entry.get("url", ""),
            description=entry.get("description", ""),
        )
        self._remember(self.organizations, key, org, f"organization:{key}")

    def _source(self, entry: dict) -> None:
        key = self._key(entry, "source")
        if key is None:
            return
        where = f"source {key}"
        archive_text = ""
        if entry.get("archive"):
            archive_path = self.articles_dir / entry["archive"]
            if not archive_path.is_file():
                self.errors.append(f"{where}: archive: no file {archive_path}")
            else:
                archive_text = archive_path.read_text(encoding="utf-8")
        source = self._save(
            Source,
            f"source:{key}",
            where,
            title=entry.get("title", ""),
            publisher=self._ref(self.organizations, entry.get("publisher"), where, "publisher"),
            author=entry.get("author", ""),
            url=entry.get("url", ""),
            published_on=self._date(entry.get("published_on"), where, "published_on"),
            language=entry.get("language", ""),
            kind=self._term(SourceKind, entry.get("kind"), where, "kind"),
            reliability=entry.get("reliability", "unknown"),
            archive_text=archive_text,
            internal_notes=entry.get("notes", ""),
        )
        self._remember(self.sources, key, source, f"source:{key}")

    def _person(self, entry: dict) -> None:
        key = self._key(entry, "person")
        if key is None:
            return
        where = f"person {key}"
        path = f"person:{key}"
        person = self._save(
            Person,
            path,
            where,
            slug=key,
            display_name=entry.get("name", ""),
            is_unnamed=bool(entry.get("unnamed", False)),
            gender=entry.get("gender", ""),
            birth_date=self._date(entry.get("birth_date"), where, "birth_date"),
            citizenship=entry.get("citizenship", ""),
            summary=entry.get("summary", ""),
        )
        self._remember(self.persons, key, person, path)
        if person is None:
            return
        occupations = [
            self._term(Occupation, code, where, "occupations")
            for code in entry.get("occupations") or []
        ]
        if self._fresh(person):
            person.occupations.set([o for o in occupations if o])
        self._citations(entry.get("cite"), f"{path}", where, person=person)
        if entry.get("unnamed") and entry.get("variants"):
            # a description is not a name: it has no other spellings to search for
            self.errors.append(
                f"{where}: variants: a person the sources do not name has no name variants"
            )
        for variant in entry.get("variants") or []:
            name = variant.get("name", "")
            self._save(
                NameVariant,
                f"{path}/variant:{name}",
                f"{where}, variant {name!r}",
                person=person,
                name=name,
                language=variant.get("language", ""),
                kind=variant.get("kind", "transliteration"),
            )
        for affiliation_entry in entry.get("affiliations") or []:
            org_key = affiliation_entry.get("organization")
            a_where = f"{where}, affiliation {org_key}"
            affiliation = self._save(
                Affiliation,
                f"{path}/affiliation:{org_key}",
                a_where,
                person=person,
                organization=self._ref(self.organizations, org_key, a_where, "organization"),
                role=affiliation_entry.get("role", ""),
                started_on=self._date(affiliation_entry.get("started_on"), a_where, "started_on"),
                ended_on=self._date(affiliation_entry.get("ended_on"), a_where, "ended_on"),
            )
            self._citations(
                affiliation_entry.get("cite"),
                f"{path}/affiliation:{org_key}",
                a_where,
                affiliation=affiliation,
                required=True,
            )
        for index, detention_entry in enumerate(entry.get("detentions") or [], start=1):
            self._detention(detention_entry, person, key, index)

    def _detention(self, entry: dict, person: Person, person_key: str, index: int) -> None:
        detention_key = str(entry.get("key") or index)
        where = f"person {person_key}, detention {detention_key}"
        path = f"person:{person_key}/detention:{detention_key}"
        detention = self._save(
            Detention,
            path,
            where,
            person=person,
            arrested_on=self._date(entry.get("arrested_on"), where, "arrested_on"),
            arrest_place=entry.get("arrest_place", ""),
            legal_stage=self._term(LegalStage, entry.get("legal_stage"), where, "legal_stage"),
            facility=entry.get("facility", ""),
            sentence_months=entry.get("sentence_months"),
            released_on=self._date(entry.get("released_on"), where, "released_on"),
            release_reason=self._term(
                ReleaseReason, entry.get("release_reason"), where, "release_reason"
            ),
            summary=entry.get("summary", ""),
        )
        self._remember(self.detentions, (person_key, detention_key), detention, path)
        if detention is None:
            return
        self._citations(entry.get("cite"), path, where, detention=detention, required=True)
        for charge in entry.get("charges") or []:
            article = str(charge.get("article", ""))
            self._save(
                Charge,
                f"{path}/charge:{article}",
                f"{where}, charge {article}",
                detention=detention,
                article=article,
                description=charge.get("description", ""),
            )
        for event_index, event_entry in enumerate(entry.get("events") or [], start=1):
            e_where = f"{where}, event {event_index}"
            e_path = f"{path}/event:{event_index}"
            event = self._save(
                CaseEvent,
                e_path,
                e_where,
                detention=detention,
                kind=self._term(CaseEventKind, event_entry.get("kind"), e_where, "kind"),
                occurred_on=self._date(event_entry.get("occurred_on"), e_where, "occurred_on"),
                sentence_months=event_entry.get("sentence_months"),
                description=event_entry.get("description", ""),
            )
            self._citations(
                event_entry.get("cite"), e_path, e_where, case_event=event, required=True
            )

    def _person_allegation(self, entry: dict, person_key: str, index: int) -> None:
        where = f"person {person_key}, allegation {index}"
        if person_key not in self.persons:
            return
        detention = None
        if entry.get("detention") is not None:
            detention_ref = (person_key, str(entry["detention"]))
            detention = self.detentions.get(detention_ref)
            if detention is None and detention_ref not in self.removed.get(id(self.detentions), ()):
                self.errors.append(
                    f"{where}: detention: {person_key} has no detention {entry['detention']!r}"
                )
        self._allegation(
            entry,
            f"person:{person_key}/allegation:{index}",
            where,
            person=self.persons[person_key],
            detention=detention,
        )

    def _unnamed_victims_allegation(self, entry: dict) -> None:
        key = self._key(entry, "allegation")
        if key is None:
            return
        where = f"allegation {key}"
        if entry.get("detention") is not None:
            self.errors.append(
                f"{where}: detention: only an allegation listed under a person can name a detention"
            )
        self._allegation(entry, f"allegation:{key}", where, person=None, detention=None)

    def _allegation(self, entry: dict, path: str, where: str, *, person, detention) -> None:
        allegation = self._save(
            Allegation,
            path,
            where,
            person=person,
            victim_description=entry.get("victim_description", ""),
            reported_by=self._ref(self.persons, entry.get("reported_by"), where, "reported_by"),
            detention=detention,
            kind=self._term(AllegationKind, entry.get("kind"), where, "kind"),
            started_on=self._date(entry.get("started_on"), where, "started_on"),
            ended_on=self._date(entry.get("ended_on"), where, "ended_on"),
            count=entry.get("count"),
            perpetrator=entry.get("perpetrator", ""),
            status=self._term(AllegationStatus, entry.get("status"), where, "status"),
            description=entry.get("description", ""),
        )
        self._citations(entry.get("cite"), path, where, allegation=allegation, required=True)

    def _statement(self, entry: dict) -> None:
        key = self._key(entry, "statement")
        if key is None:
            return
        where = f"statement {key}"
        path = f"statement:{key}"
        statement = self._save(
            Statement,
            path,
            where,
            kind=self._term(StatementKind, entry.get("kind"), where, "kind"),
            title=entry.get("title", ""),
            issued_on=self._date(entry.get("issued_on"), where, "issued_on"),
            issuer_organization=self._ref(
                self.organizations, entry.get("issuer_organization"), where, "issuer_organization"
            ),
            issuer_person=self._ref(
                self.persons, entry.get("issuer_person"), where, "issuer_person"
            ),
            speaker=entry.get("speaker", ""),
            quote=entry.get("quote", ""),
            summary=entry.get("summary", ""),
            url=entry.get("url", ""),
        )
        if statement is None:
            return
        persons = [self._ref(self.persons, k, where, "persons") for k in entry.get("persons") or []]
        if self._fresh(statement):
            statement.persons.set([p for p in persons if p])
        self._citations(entry.get("cite"), path, where, statement=statement, required=True)

    def _reported_count(self, entry: dict) -> None:
        """A count an organization published, cited like every other fact."""
        key = self._key(entry, "reported count")
        if key is None:
            return
        where = f"reported count {key}"
        path = f"reported_count:{key}"
        reported_count = self._save(
            ReportedCount,
            path,
            where,
            publisher=self._ref(self.organizations, entry.get("publisher"), where, "publisher"),
            as_of=self._date(entry.get("as_of"), where, "as_of"),
            number=entry.get("number"),
            approximate=entry.get("approximate", False),
            counted=entry.get("counted", ""),
            notes=entry.get("notes", ""),
        )
        self._citations(
            entry.get("cite"), path, where, reported_count=reported_count, required=True
        )

    def _intervention(self, entry: dict) -> None:
        """A proceeding before a body (a treaty body's review, a Working Group
        opinion, a judgment): cited like every other fact."""
        key = self._key(entry, "intervention")
        if key is None:
            return
        where = f"intervention {key}"
        path = f"intervention:{key}"
        categories = [
            self._choice(WgadCategory, code, where, "wgad_categories")
            for code in entry.get("wgad_categories") or []
        ]
        intervention = self._save(
            Intervention,
            path,
            where,
            kind=self._choice(InterventionKind, entry.get("kind"), where, "kind"),
            body=self._ref(self.organizations, entry.get("body"), where, "body"),
            title=entry.get("title", ""),
            reference=entry.get("reference", ""),
            submitted_on=self._date(entry.get("submitted_on"), where, "submitted_on"),
            communicated_on=self._date(entry.get("communicated_on"), where, "communicated_on"),
            government_replied_on=self._date(
                entry.get("government_replied_on"), where, "government_replied_on"
            ),
            decided_on=self._date(entry.get("decided_on"), where, "decided_on"),
            status=self._choice(InterventionStatus, entry.get("status"), where, "status")
            or InterventionStatus.SUBMITTED,
            outcome=self._choice(InterventionOutcome, entry.get("outcome"), where, "outcome") or "",
            opinion_number=entry.get("opinion_number", ""),
            wgad_categories=[c for c in categories if c],
            articles_violated=entry.get("articles_violated", ""),
            just_satisfaction=entry.get("just_satisfaction", ""),
            outcome_summary=entry.get("outcome_summary", ""),
            released_after=entry.get("released_after"),
            follow_up=entry.get("follow_up", ""),
        )
        if intervention is None:
            return
        persons = [self._ref(self.persons, k, where, "persons") for k in entry.get("persons") or []]
        if self._fresh(intervention):
            intervention.persons.set([p for p in persons if p])
        self._citations(entry.get("cite"), path, where, intervention=intervention, required=True)

    def _citations(self, entries, path: str, where: str, *, required: bool = False, **target):
        ((target_name, owner),) = target.items()
        if owner is None:
            return
        if not entries:
            if required or target_name == "person":
                self.errors.append(f"{where}: cite: every fact needs at least one citation")
            return
        for index, entry in enumerate(entries, start=1):
            c_where = f"{where}, citation {index}"
            confidence = entry.get("confidence", Confidence.MEDIUM)
            source = self._ref(self.sources, entry.get("source"), c_where, "source")
            excerpt = " ".join(str(entry.get("excerpt", "")).split())
            self._check_excerpt(excerpt, source, c_where)
            inference = " ".join(str(entry.get("inference", "")).split())
            if inference and confidence == Confidence.HIGH:
                self.errors.append(
                    f"{c_where}: confidence: a citation that states an inference cannot have "
                    "high confidence; write medium or low"
                )
            self._save(
                Citation,
                f"{path}/cite:{index}",
                c_where,
                source=source,
                claim=entry.get("claim", ""),
                locator=citation_locator(entry.get("locator", ""), inference),
                excerpt=excerpt,
                confidence=confidence,
                **{target_name: owner},
            )

    def _check_excerpt(self, excerpt: str, source: Source | None, where: str) -> None:
        """An excerpt is quoted from its source's archived text, word for word."""
        if source is None or not source.archive_text:
            return  # no archived copy to check against
        if not excerpt_is_quoted(excerpt, source.archive_text):
            self.errors.append(
                f"{where}: excerpt: not found word for word in the archived text of "
                f"{source.title!r}: {excerpt[:80]!r}; copy it from the article"
            )

    # -- helpers -------------------------------------------------------------

    def _key(self, entry: dict, kind: str) -> str | None:
        key = entry.get("key") if isinstance(entry, dict) else None
        if not key:
            self.errors.append(f"a {kind} entry has no key: {entry!r:.80}")
            return None
        return str(key)

    def _fresh(self, obj) -> bool:
        return getattr(obj, "_seed_written", False)

    def _remember(self, table: dict, key, obj, path: str) -> None:
        if obj is not None:
            table[key] = obj
        elif path in self.kept_deleted:
            self.removed.setdefault(id(table), set()).add(key)

    def _ref(self, table: dict, key, where: str, field_name: str):
        if key in (None, "") or key in self.removed.get(id(table), ()):
            return None
        if key not in table:
            self.errors.append(f"{where}: {field_name}: no entry with key {key!r}")
            return None
        return table[key]

    def _term(self, model, text, where: str, field_name: str):
        if text in (None, ""):
            return None
        term = model.lookup(str(text))
        if term is None:
            allowed = ", ".join(model.objects.values_list("code", flat=True))
            self.errors.append(
                f"{where}: {field_name}: unknown term {text!r}; expected one of {allowed}"
            )
        return term

    def _choice(self, choices, text, where: str, field_name: str) -> str | None:
        """A fixed choice (not a vocabulary term) by its code."""
        if text in (None, ""):
            return None
        if str(text) not in choices.values:
            allowed = ", ".join(choices.values)
            self.errors.append(
                f"{where}: {field_name}: unknown value {text!r}; expected one of {allowed}"
            )
            return None
        return str(text)

    def _date(self, text, where: str, field_name: str) -> PartialDate | None:
        if text in (None, ""):
            return None
        try:
            return PartialDate.parse(str(text))
        except PartialDateError as error:
            self.errors.append(f"{where}: {field_name}: {error}")
            return None

    def _save(self, model, path: str, where: str, **values):
        """Create the record at `path` unless it exists; refresh it with `update`.

        A record loaded once and deleted since stays deleted. Everything valid is
        written even after an error, so the whole file is checked; the caller
        rolls the transaction back when there was any error."""
        record_uuid = uuid.uuid5(SEED_NAMESPACE, path)
        self.seen.add(record_uuid)
        existing = model.objects.filter(uuid=record_uuid).first()
        if existing is not None and not self.update:
            self.report.count("unchanged", model)
            return existing
        if existing is None and SeedRecord.objects.filter(uuid=record_uuid).exists():
            self.report.count("kept deleted", model)
            self.kept_deleted.add(path)
            return None
        obj = existing or model(uuid=record_uuid)
        slug = values.pop("slug", None)
        if slug and existing is None:
            # a slug once issued to someone else is never reused: let save() issue another
            taken = model is Person and IssuedSlug.objects.filter(slug=slug).exists()
            obj.slug = "" if taken else slug
        for name, value in values.items():
            setattr(obj, name, value)
        if existing is None and hasattr(obj, "visibility"):
            obj.visibility = (
                Visibility.PUBLIC
            )  # seed facts are public; an editor's later choice stays
        try:
            # field checks and clean() here; constraints are the database's job below
            obj.full_clean(
                exclude=["slug"] if model is Person else None,
                validate_unique=False,
                validate_constraints=False,
            )
        except ValidationError as error:
            for field_name, messages in error.message_dict.items():
                for message in messages:
                    self.errors.append(f"{where}: {field_name}: {message}")
            return None
        try:
            with transaction.atomic():
                if model is Person and existing is None and obj.slug:
                    IssuedSlug.objects.create(slug=obj.slug)
                obj.save()
        except IntegrityError as error:
            self.errors.append(f"{where}: refused by the database: {str(error).splitlines()[0]}")
            return None
        if existing is None:
            SeedRecord.objects.create(uuid=record_uuid)
        obj._seed_written = True
        self.report.count("updated" if existing else "created", model)
        return obj
