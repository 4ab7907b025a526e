"""A synthetic data set for the benchmark, written fast with PostgreSQL COPY.

Only ever run against the benchmark database (bench.run checks the name): it
empties the case tables first. Rows are generated in Python from a fixed random
seed, so two seedings of the same size give the same data, and streamed into
the tables with psycopg's `cursor.copy`. Every row satisfies the model
constraints (the database checks them on COPY): partial dates are stored as the
first day of their period, releases and ends are never before the start at
their precision, one citation target, unique slugs (also in cases_issuedslug),
name keys computed with cases.search.name_key.
"""

from __future__ import annotations

import bisect
import datetime
import random
import time
from collections import Counter

from django.db import connection, transaction
from django.utils.text import slugify

from bench.facility_names import (
    LETTER_LANGUAGES,
    LETTER_RULES,
    NEW_OPERATORS,
    OPERATORS,
    PARCEL_RULES,
    facility_specs,
)
from bench.names import (
    AZERBAIJANI_FIRST_NAMES,
    AZERBAIJANI_SURNAMES,
    RUSSIAN_FIRST_NAMES,
    RUSSIAN_SURNAMES,
    feminine,
)
from cases.reads.facet_rows import FACET_TABLE
from cases.reads.search import WORDS_TABLE, rebuild_search_words
from cases.reads.status import STATUS_TABLE, rebuild_stored_status
from cases.search import name_key, readable_ascii

GENERATOR_VERSION = 4  # 4: facilities and custody periods; 3: nearly every fact cited publicly
RANDOM_SEED = 1900  # PACE Resolution 1900

TODAY = datetime.date(2025, 6, 30)
FIRST_ARREST = datetime.date(2005, 1, 1)
UTC = datetime.UTC

# The tables this module fills (and empties before filling).
TABLES = (
    "cases_organization", "cases_person", "cases_issuedslug", "cases_namevariant",
    "cases_person_occupations", "cases_affiliation", "cases_detention", "cases_charge",
    "cases_caseevent", "cases_paceassessment", "cases_allegation", "cases_statement",
    "cases_statement_persons", "sources_source", "sources_citation", "cases_withdrawal",
    "cases_seedrecord", "places_facility", "places_facilityname", "places_custodyperiod",
)  # fmt: skip
# Tables given explicit ids (their identity sequences are moved past them afterwards).
TABLES_WITH_IDS = (
    "cases_organization", "cases_person", "cases_affiliation", "cases_detention",
    "cases_caseevent", "cases_allegation", "cases_statement", "sources_source",
    "places_facility", "places_custodyperiod",
)  # fmt: skip
RELATED_TABLES = tuple(
    t for t in TABLES if t not in ("cases_person", "cases_withdrawal", "cases_seedrecord")
)

MARKER_TABLE = "bench_dataset"
# the tables whose inserts queue persons for the possible-duplicate pairs
DUPLICATE_TRIGGERED = ("cases_person", "cases_namevariant")
# the tables whose inserts write the words of the names (migration 0025)
WORDS_TRIGGERED = ("cases_person", "cases_namevariant")

ORGANIZATIONS = [
    # name, abbreviation, kind, country
    ("State Security Service", "DTX", "law_enforcement", "Azerbaijan"),
    ("Ministry of Internal Affairs", "MIA", "law_enforcement", "Azerbaijan"),
    ("Main Department for Combating Organised Crime", "MDCOC", "law_enforcement", "Azerbaijan"),
    ("Baku City Police Department", "", "law_enforcement", "Azerbaijan"),
    ("State Customs Committee", "", "law_enforcement", "Azerbaijan"),
    ("Baku Grave Crimes Court", "", "court", "Azerbaijan"),
    ("Baku Court of Appeal", "", "court", "Azerbaijan"),
    ("Abzas Media", "", "media", "Azerbaijan"),
    ("Meydan TV", "", "media", "Azerbaijan"),
    ("Toplum TV", "", "media", "Azerbaijan"),
    ("Kanal 13", "", "media", "Azerbaijan"),
    ("RFE/RL Azerbaijani Service", "Azadliq", "media", "Czech Republic"),
    ("Amnesty International", "AI", "ngo", "United Kingdom"),
    ("Human Rights Watch", "HRW", "ngo", "United States"),
    ("Committee to Protect Journalists", "CPJ", "ngo", "United States"),
    ("Reporters Without Borders", "RSF", "ngo", "France"),
    ("Institute for Reporting Freedom and Safety", "IRFS", "ngo", "Azerbaijan"),
    ("Union for Freedom of Political Prisoners of Azerbaijan", "", "ngo", "Azerbaijan"),
    ("Popular Front Party of Azerbaijan", "APFP", "party", "Azerbaijan"),
    ("Musavat Party", "", "party", "Azerbaijan"),
    ("Parliamentary Assembly of the Council of Europe", "PACE", "intergovernmental", "France"),
    ("UN Working Group on Arbitrary Detention", "WGAD", "intergovernmental", "Switzerland"),
    ("European Parliament", "EP", "intergovernmental", "Belgium"),
    ("US Department of State", "", "government", "United States"),
]

ARTICLES = [
    ("206.3.2", "smuggling by a group of persons by prior agreement", 10),
    ("221.3", "hooliganism with weapons or objects used as weapons", 8),
    ("233", "organizing actions that violate public order", 8),
    ("234.4.3", "illegal possession of narcotics in large quantities for sale", 8),
    ("228.2", "illegal possession of firearms by a group", 5),
    ("192.3.2", "illegal entrepreneurship yielding large income", 6),
    ("193-1.3.1", "legalization of property obtained by crime", 5),
    ("213.2.1", "tax evasion in large amounts", 5),
    ("274", "high treason", 3),
    ("283.1", "incitement of national, racial, social or religious hatred", 4),
    ("178.3.2", "fraud causing significant damage", 5),
    ("179.3.2", "embezzlement in large amounts", 4),
    ("320.2", "use of forged official documents", 3),
    ("206.4", "smuggling by an organized group", 3),
    ("168.1", "infringement of rights under the guise of religious rites", 2),
    ("214-1", "financing of terrorism", 2),
    ("308.1", "abuse of power", 2),
    ("147.1", "defamation", 3),
]
CITIES = ["Baku", "Ganja", "Sumgayit", "Lankaran", "Nakhchivan", "Shaki", "Mingachevir", "Guba"]
FACILITIES = [
    "Baku Pre-Trial Detention Centre No. 1",
    "State Security Service detention facility",
    "Penitentiary Institution No. 13",
    "Penitentiary Institution No. 17",
    "Penitentiary Institution No. 2",
    "Kurdakhani pre-trial detention centre",
    "Shuvalan prison",
    "",
]
PERPETRATORS = [
    "officers of the Main Department for Combating Organised Crime",
    "police officers at the district station",
    "investigators of the State Security Service",
    "prison guards",
    "",
]
OCCUPATION_WEIGHTS = {
    "journalist": 25, "human-rights-defender": 8, "activist": 20, "academic": 4,
    "economist": 3, "opposition-politician": 15, "religious-believer": 12, "lawyer": 3,
    "blogger": 6, "lgbtq-person": 1, "student": 5, "other": 3,
}  # fmt: skip
STAGES_HELD = {
    "pre-trial-detention": 30,
    "house-arrest": 8,
    "on-trial": 15,
    "convicted": 35,
    "on-appeal": 12,
}
STAGES_RELEASED = {"released": 50, "pardoned": 30, "acquitted": 7, "in-exile": 8, "deceased": 5}
EVENT_SEQUENCE = [
    "arrested", "pre-trial-detention-ordered", "charged", "pre-trial-detention-extended",
    "trial-opened", "sentenced", "appeal-rejected", "transferred",
]  # fmt: skip
ALLEGATION_WEIGHTS = {
    "torture": 15, "ill-treatment": 20, "hunger-strike": 10, "arbitrary-detention": 20,
    "incommunicado-detention": 8, "denial-of-medical-care": 10,
    "denial-of-access-to-a-lawyer": 10, "coerced-confession": 5, "threats-to-relatives": 2,
}  # fmt: skip


# --- helpers -------------------------------------------------------------------------


def _visibility(r: float) -> str:
    return "internal" if r < 0.05 else "partners" if r < 0.15 else "public"


def _start_of(day: datetime.date, precision: int) -> datetime.date:
    """The stored date of a partial date: the first day of its period."""
    if precision == 3:
        return day
    if precision == 2:
        return day.replace(day=1)
    return datetime.date(day.year, 1, 1)


class _Generator:
    def __init__(self, persons: int, seed: int = RANDOM_SEED):
        self.n = persons
        self.seed = seed
        self.rng = random.Random(seed)
        self.keys: dict[str, str] = {}
        self.stats: Counter = Counter()

    # small random helpers
    def uuid(self) -> str:
        n = self.rng.getrandbits(128)
        n = (n & ~(0xF000 << 64)) | (0x4000 << 64)  # version 4
        n = (n & ~(0xC000 << 48)) | (0x8000 << 48)  # RFC 4122 variant
        return f"{n:032x}"

    def vis(self) -> str:
        return _visibility(self.rng.random())

    def weighted(self, weights: dict):
        return self.rng.choices(list(weights), weights=list(weights.values()))[0]

    def precision(self, day: float, month: float) -> int:
        r = self.rng.random()
        return 3 if r < day else 2 if r < day + month else 1

    def moment(self) -> tuple[datetime.datetime, datetime.datetime]:
        created = datetime.datetime(2023, 1, 1, tzinfo=UTC) + datetime.timedelta(
            seconds=self.rng.randrange(0, 880 * 86400)
        )
        return created, created + datetime.timedelta(seconds=self.rng.randrange(0, 200 * 86400))

    def key(self, name: str) -> str:
        key = self.keys.get(name)
        if key is None:
            key = self.keys[name] = name_key(name)
        return key


# --- the seeding -------------------------------------------------------------------


def dataset_info() -> dict | None:
    """What the benchmark database holds: {persons, version, seconds, seeded_at} or None."""
    with connection.cursor() as cur:
        cur.execute("SELECT to_regclass(%s)", [MARKER_TABLE])
        if cur.fetchone()[0] is None:
            return None
        cur.execute(f"SELECT persons, version, seconds, seeded_at, rows FROM {MARKER_TABLE}")
        row = cur.fetchone()
        if row is None:
            return None
        cur.execute("SELECT count(*) FROM cases_person")
        if cur.fetchone()[0] != row[0]:
            return None
    return {
        "persons": row[0],
        "version": row[1],
        "seconds": row[2],
        "seeded_at": row[3],
        "rows": row[4],
    }


def ensure_dataset(persons: int, *, reseed: bool = False, log=print) -> dict:
    """Seed unless the database already holds this generator's data set of `persons`."""
    info = dataset_info()
    if not reseed and info and info["persons"] == persons and info["version"] == GENERATOR_VERSION:
        log(
            f"Reusing the data set of {persons:,} persons (seeded {info['seeded_at']:%Y-%m-%d %H:%M} "
            f"in {info['seconds']:.1f} s; BENCH_RESEED=1 to reseed)."
        )
        info["reused"] = True
        return info
    log(f"Seeding {persons:,} persons ...")
    started = time.perf_counter()
    rows = seed(persons, log=log)
    copied = time.perf_counter() - started
    log(f"  rows written in {copied:.1f} s; VACUUM ANALYZE ...")
    vacuum_analyze()
    seconds = time.perf_counter() - started
    with connection.cursor() as cur:
        cur.execute(f"UPDATE {MARKER_TABLE} SET seconds = %s", [seconds])
    log(f"Seeded {persons:,} persons and {rows:,} related rows in {seconds:.1f} s.")
    info = dataset_info()
    info["reused"] = False
    return info


def vacuum_analyze() -> None:
    """Statistics and visibility maps as a live database would have them, and the
    new pages written out now rather than by the checkpointer during the timing."""
    with connection.cursor() as cur:
        for table in (*TABLES, STATUS_TABLE, FACET_TABLE):
            cur.execute(f"VACUUM (ANALYZE) {table}")
        cur.execute(f"VACUUM (ANALYZE) {WORDS_TABLE}")  # the search reads its index alone
        cur.execute("CHECKPOINT")


def seed(persons: int, *, seed: int = RANDOM_SEED, log=print) -> int:
    """Empty the case tables and fill them; returns the number of related rows."""
    gen = _Generator(persons, seed)
    with transaction.atomic():
        cur = connection.cursor().cursor  # the psycopg cursor, in Django's transaction
        cur.execute(f"CREATE TABLE IF NOT EXISTS {MARKER_TABLE} (persons integer, version integer, "
                    "seconds double precision, seeded_at timestamptz, rows bigint)")  # fmt: skip
        cur.execute(f"TRUNCATE {MARKER_TABLE}, {', '.join(TABLES)} RESTART IDENTITY CASCADE")
        _empty_stale_history(cur)
        vocab = {}
        for table in ("occupation", "legalstage", "caseeventkind", "releasereason",
                      "allegationkind", "allegationstatus", "statementkind", "sourcekind"):  # fmt: skip
            cur.execute(f"SELECT code, id FROM cases_{table}")
            vocab[table] = dict(cur.fetchall())
        cur.execute("SELECT code, id FROM places_facilitykind")
        vocab["facilitykind"] = dict(cur.fetchall())
        writer = _Writer(cur, log)
        # The possible-duplicate pairs (derived data, not history) are kept by
        # statement triggers that, for a write this large, only queue its persons
        # for the next read (migration 0017). Seeding queues them all at once
        # instead, with the triggers off for its COPYs: the same result, the
        # first read rebuilds the pairs (make bench reports that time).
        for table in DUPLICATE_TRIGGERED:
            cur.execute(f"ALTER TABLE {table} DISABLE TRIGGER duplicates_insert")
        # The words of every name (cases.reads.search.WORDS_TABLE) are written
        # again by statement triggers for the persons a write touches: seeding
        # writes everyone's once, after the load.
        for table in WORDS_TRIGGERED:
            cur.execute(f"ALTER TABLE {table} DISABLE TRIGGER search_words_insert")
        # Each person's stored status and filter values (cases.reads.status,
        # cases.reads.facet_rows) are kept by statement triggers that note the
        # persons a write touches, computed at commit (all of them again past
        # 10,000): seeding computes everyone's once, after the load, with the
        # triggers off for its COPYs.
        status_watched = _tables_with_trigger(cur, TABLES, "status_insert")
        for table in status_watched:
            cur.execute(f"ALTER TABLE {table} DISABLE TRIGGER status_insert")
        # Every plain index of the tables filled and of their history (an event
        # table has an index per foreign key: sources_citationevent has 19) is
        # built once after the load rather than row by row during it, as for any
        # bulk load: the same definitions, read from the catalog. The primary keys
        # and unique constraints stay, so the load is checked as it goes.
        rebuilt = _plain_indexes(cur, (*TABLES, *_event_tables(TABLES)))
        for name, _definition in rebuilt:
            cur.execute(f"DROP INDEX {name}")
        _seed_rows(gen, writer, vocab)
        cur.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no ALTER TABLE with checks pending
        started = time.perf_counter()
        cur.execute("SET LOCAL maintenance_work_mem = '256MB'")  # each build sorts in memory
        for _name, definition in rebuilt:
            cur.execute(definition)
        log(
            f"  {len(rebuilt)} indexes built after the load{'':<8} {time.perf_counter() - started:6.1f} s"
        )
        for table in DUPLICATE_TRIGGERED:
            cur.execute(f"ALTER TABLE {table} ENABLE TRIGGER duplicates_insert")
        for table in status_watched:
            cur.execute(f"ALTER TABLE {table} ENABLE TRIGGER status_insert")
        for table in WORDS_TRIGGERED:
            cur.execute(f"ALTER TABLE {table} ENABLE TRIGGER search_words_insert")
        # Statistics before the derived rows are computed from the tables: without
        # them the planner takes the freshly loaded tables for empty, and its nested
        # loops made the stored status of 300 persons take 257 s instead of 0.1 s.
        started = time.perf_counter()
        cur.execute(f"ANALYZE {', '.join(TABLES)}")
        log(f"  {'statistics (ANALYZE)':<36} {time.perf_counter() - started:6.1f} s")
        started = time.perf_counter()
        rebuild_search_words()
        log(f"  {'words of the names':<36} {time.perf_counter() - started:6.1f} s")
        started = time.perf_counter()
        rebuild_stored_status()
        log(f"  {'stored status, filter values':<36} {time.perf_counter() - started:6.1f} s")
        cur.execute(
            "INSERT INTO cases_duplicate_pending (person_id, key) SELECT id, NULL FROM cases_person"
        )
        for table in TABLES_WITH_IDS:
            cur.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"coalesce((SELECT max(id) FROM {table}), 0) + 1, false)"
            )
        related = sum(count for table, count in writer.counts.items() if table in RELATED_TABLES)
        cur.execute(
            f"INSERT INTO {MARKER_TABLE} VALUES (%s, %s, 0, now(), %s)",
            [persons, GENERATOR_VERSION, related],
        )
    return related


def _tables_with_trigger(cur, tables: tuple[str, ...], trigger: str) -> list[str]:
    cur.execute(
        "SELECT tgrelid::regclass::text FROM pg_trigger "
        "WHERE tgname = %s AND tgrelid = ANY(%s::regclass[])",
        [trigger, list(tables)],
    )
    return [table for (table,) in cur.fetchall()]


def _event_tables(tables: tuple[str, ...]) -> list[str]:
    """The pghistory event tables of these tables."""
    from django.apps import apps

    return [
        model._meta.db_table
        for model in apps.get_models(include_auto_created=True)
        if getattr(model, "pgh_tracked_model", None) is not None
        and model.pgh_tracked_model._meta.db_table in tables
    ]


def _plain_indexes(cur, tables: tuple[str, ...]) -> list[tuple[str, str]]:
    """(name, definition) of the indexes of these tables that back no constraint
    (no primary key, unique or exclusion constraint)."""
    cur.execute(
        "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i "
        "WHERE i.indrelid = ANY(%s::regclass[]) AND NOT i.indisprimary AND NOT i.indisunique "
        "AND NOT EXISTS (SELECT FROM pg_constraint c WHERE c.conindid = i.indexrelid) "
        "ORDER BY i.indrelid, 1",
        [list(tables)],
    )
    return cur.fetchall()


def _empty_stale_history(cur) -> None:
    """The history of the rows just emptied (the pghistory event tables of every
    tracked table now empty, TRUNCATE's cascade included): TRUNCATE fires no row
    trigger, so without this each seeding would add its events to the last one's,
    under the same ids."""
    from django.apps import apps

    stale = []
    for model in apps.get_models(include_auto_created=True):
        tracked = getattr(model, "pgh_tracked_model", None)
        if tracked is None:
            continue
        cur.execute(f"SELECT EXISTS (SELECT 1 FROM {tracked._meta.db_table})")
        if not cur.fetchone()[0]:
            stale.append(model._meta.db_table)
    if stale:
        cur.execute(f"TRUNCATE {', '.join(stale)}")


class _Writer:
    """COPY rows into a table, FREEZE (the table was emptied in this transaction)."""

    def __init__(self, cur, log):
        self.cur = cur
        self.log = log
        self.counts: Counter = Counter()

    def copy(self, table: str, columns: tuple[str, ...], rows) -> None:
        started = time.perf_counter()
        count = 0
        statement = f"COPY {table} ({', '.join(columns)}) FROM STDIN (FREEZE)"
        with self.cur.copy(statement) as copy:
            write = copy.write_row
            for row in rows:
                write(row)
                count += 1
        self.counts[table] += count
        self.log(f"  {table:<26} {count:>9,} rows  {time.perf_counter() - started:6.1f} s")


RECORD = ("uuid", "visibility", "created_at", "updated_at")


CITED = 0.95  # the share of facts with a citation


def _seed_rows(gen: _Generator, out: _Writer, vocab: dict) -> None:
    rng = gen.rng
    rand, randrange, choice = rng.random, rng.randrange, rng.choice
    n = gen.n

    # Places of detention come from a generator of their own, so that every other
    # row is the same as before the places app existed (generator version 3).
    places = _Places(_Generator(n, gen.seed + 16), vocab)

    # organizations: a fixed list, all public; then the bodies that run facilities,
    # kept out of the kinds' lists (not arresting authorities, publishers or issuers)
    org_ids: dict[str, list[int]] = {}

    def organizations():
        for i, (name, abbreviation, kind, country) in enumerate(
            ORGANIZATIONS + NEW_OPERATORS, start=1
        ):
            places.org_by_name[name] = i
            own = i <= len(ORGANIZATIONS)
            if own:
                org_ids.setdefault(kind, []).append(i)
            created, updated = (gen if own else places.gen).moment()
            uuid = (gen if own else places.gen).uuid()
            yield (i, uuid, "public", created, updated, name, slugify(readable_ascii(name)),
                   abbreviation, kind, country, "", "", "")  # fmt: skip

    out.copy("cases_organization", ("id", *RECORD, "name", "slug", "abbreviation", "kind",
             "country", "url", "description", "internal_notes"), organizations())  # fmt: skip
    enforcers = org_ids["law_enforcement"]
    publishers = org_ids["media"] + org_ids["ngo"]
    issuers = org_ids["ngo"] + org_ids["intergovernmental"] + org_ids["government"]
    employers = org_ids["media"] + org_ids["ngo"] + org_ids["party"]

    # persons, with their names chosen once and kept for the variants
    people: list[tuple] = []  # (first, surname, gender, is_russian, display)
    slug_counts: Counter = Counter()
    slugs: list[str] = []
    occupation_codes = list(OCCUPATION_WEIGHTS)
    occupation_weights = list(OCCUPATION_WEIGHTS.values())

    def persons():
        for pid in range(1, n + 1):
            russian = rand() < 0.2
            if russian:
                first = choice(RUSSIAN_FIRST_NAMES)
                surname = choice(RUSSIAN_SURNAMES if rand() < 0.7 else AZERBAIJANI_SURNAMES)
            else:
                first = choice(AZERBAIJANI_FIRST_NAMES)
                surname = choice(AZERBAIJANI_SURNAMES if rand() < 0.97 else RUSSIAN_SURNAMES)
            gender = first[3]
            if gender == "female":
                surname = tuple(feminine(s) for s in surname)
            display = f"{first[0]} {surname[0]}"
            people.append((first, surname, gender, russian, display))
            base = slugify(readable_ascii(display))
            slug_counts[base] += 1
            slug = base if slug_counts[base] == 1 else f"{base}-{slug_counts[base]}"
            slugs.append(slug)
            if rand() < 0.75:
                born = datetime.date(1950, 1, 1) + datetime.timedelta(days=randrange(0, 19000))
                precision = gen.precision(0.6, 0.15)
                birth = (_start_of(born, precision), precision)
            else:
                birth = (None, None)
            occupation = rng.choices(occupation_codes, occupation_weights)[0]
            city = choice(CITIES)
            created, updated = gen.moment()
            summary = (
                f"{display}, a {occupation.replace('-', ' ')} from {city}, has been targeted "
                "by the authorities for their work. Synthetic benchmark record."
            )
            yield (pid, gen.uuid(), gen.vis(), created, updated, display, slug, gen.key(display),
                   gender, *birth, "Russia" if russian and rand() < 0.5 else "Azerbaijan",
                   summary, "", "", "internal", False)  # fmt: skip

    out.copy("cases_person", ("id", *RECORD, "display_name", "slug", "name_key", "gender",
             "birth_date", "birth_date_precision", "citizenship", "summary", "internal_notes",
             "photo", "photo_visibility", "is_unnamed"), persons())  # fmt: skip
    issued_at = datetime.datetime(2025, 6, 30, tzinfo=UTC)
    out.copy("cases_issuedslug", ("slug", "issued_at"), ((s, issued_at) for s in slugs))

    fathers = [f for f in AZERBAIJANI_FIRST_NAMES if f[3] == "male"]

    def variants():
        for pid, (first, surname, gender, russian, display) in enumerate(people, start=1):
            az = f"{first[1]} {surname[1]}"
            ru = f"{first[2]} {surname[2]}"
            names = [
                (az, "az", "transliteration" if russian else "native"),
                (ru, "ru", "native" if russian else "transliteration"),
            ]
            r = rand()
            if russian:
                if r < 0.6:
                    names.append((f"{surname[2]} {first[2]}", "ru", "legal"))
            elif r < 0.45:
                alternative = readable_ascii(ru).title()  # Bakhtiyar Gadzhiev
                if alternative not in (display, az):
                    names.append((alternative, "en", "transliteration"))
            elif r < 0.8:
                link = "oğlu" if gender == "male" else "qızı"
                names.append(
                    (f"{first[1]} {choice(fathers)[1]} {link} {surname[1]}", "az", "legal")
                )
            for name, language, kind in names:
                created, updated = gen.moment()
                yield (gen.uuid(), gen.vis(), created, updated, name, language, kind,
                       gen.key(name), pid)  # fmt: skip

    out.copy("cases_namevariant", (*RECORD, "name", "language", "kind", "name_key", "person_id"),
             variants())  # fmt: skip

    occupation_ids = [vocab["occupation"][code] for code in occupation_codes]

    def occupations():
        for pid in range(1, n + 1):
            r = rand()
            count = 0 if r < 0.05 else 1 if r < 0.85 else 2
            chosen = set()
            while len(chosen) < count:
                chosen.add(rng.choices(occupation_ids, occupation_weights)[0])
            for oid in chosen:
                yield (pid, oid)

    out.copy("cases_person_occupations", ("person_id", "occupation_id"), occupations())

    affiliations: list[int] = []

    def affiliation_rows():
        aid = 0
        for pid in range(1, n + 1):
            if rand() >= 0.25:
                continue
            aid += 1
            affiliations.append(aid)
            start = datetime.date(2000, 1, 1) + datetime.timedelta(days=randrange(0, 8000))
            sp = gen.precision(0.3, 0.3)
            if rand() < 0.4:
                ep = gen.precision(0.3, 0.3)
                end = (_start_of(start + datetime.timedelta(days=randrange(30, 3000)), ep), ep)
            else:
                end = (None, None)
            created, updated = gen.moment()
            yield (aid, gen.uuid(), gen.vis(), created, updated, choice(["journalist", "member",
                   "editor", "board member", ""]), _start_of(start, sp), sp, *end, choice(employers),
                   pid)  # fmt: skip

    out.copy("cases_affiliation", ("id", *RECORD, "role", "started_on", "started_on_precision",
             "ended_on", "ended_on_precision", "organization_id", "person_id"),
             affiliation_rows())  # fmt: skip

    # detentions: ~2 a person, in date order; earlier ones mostly ended
    detentions: list[tuple] = []  # (id, person_id, arrest day or None, release day or None, stage)
    stage_ids, reasons = vocab["legalstage"], vocab["releasereason"]
    span = (TODAY - FIRST_ARREST).days

    def detention_rows():
        did = 0
        for pid in range(1, n + 1):
            r = rand()
            count = 0 if r < 0.05 else 1 if r < 0.30 else 2 if r < 0.70 else 3 if r < 0.95 else 4
            arrests = sorted(
                FIRST_ARREST + datetime.timedelta(days=randrange(0, span)) for _ in range(count)
            )
            for index, arrest in enumerate(arrests):
                did += 1
                last = index == count - 1
                if rand() < 0.05:
                    arrest = None
                release = None
                if arrest and rand() < (0.45 if last else 0.9):
                    release = arrest + datetime.timedelta(days=randrange(20, 2500))
                    if release > TODAY:
                        release = None
                if rand() < 0.03:
                    stage = None
                elif release or (arrest is None and rand() < 0.5):
                    stage = gen.weighted(STAGES_RELEASED)
                else:
                    stage = gen.weighted(STAGES_HELD)
                detentions.append((did, pid, arrest, release, stage))
                ap = gen.precision(0.7, 0.2) if arrest else None
                rp = gen.precision(0.75, 0.2) if release else None
                if release:
                    reason = {"pardoned": "pardon", "acquitted": "acquitted"}.get(stage) or choice(
                        [
                            "sentence-served",
                            "released-on-bail",
                            "amnesty",
                            "released-to-house-arrest",
                            "other",
                        ]
                    )
                else:
                    reason = None
                sentence = (
                    randrange(6, 145) if stage in ("convicted", "on-appeal", "pardoned") else None
                )
                created, updated = gen.moment()
                yield (did, gen.uuid(), gen.vis(), created, updated,
                       _start_of(arrest, ap) if arrest else None, ap, choice(CITIES), choice(FACILITIES),
                       sentence, _start_of(release, rp) if release else None, rp,
                       "Synthetic detention." if rand() < 0.5 else "", "",
                       stage_ids[stage] if stage else None,
                       choice(enforcers) if rand() < 0.8 else None, pid,
                       reasons[reason] if reason else None)  # fmt: skip

    out.copy("cases_detention", ("id", *RECORD, "arrested_on", "arrested_on_precision",
             "arrest_place", "facility", "sentence_months", "released_on", "released_on_precision",
             "summary", "internal_notes", "legal_stage_id", "arresting_authority_id", "person_id",
             "release_reason_id"), detention_rows())  # fmt: skip

    places.write(out, detentions, people)

    article_weights = [a[2] for a in ARTICLES]

    def charges():
        for did, *_ in detentions:
            r = rand()
            count = 1 if r < 0.3 else 2 if r < 0.75 else 3
            chosen: set[int] = set()
            while len(chosen) < count:
                chosen.add(rng.choices(range(len(ARTICLES)), article_weights)[0])
            for index in chosen:
                created, updated = gen.moment()
                yield (gen.uuid(), gen.vis(), created, updated, ARTICLES[index][0],
                       ARTICLES[index][1], did)  # fmt: skip

    out.copy("cases_charge", (*RECORD, "article", "description", "detention_id"), charges())

    events: list[int] = []
    kinds = vocab["caseeventkind"]

    def event_rows():
        eid = 0
        for did, _pid, arrest, release, _stage in detentions:
            r = rand()
            count = 1 if r < 0.3 else 2 if r < 0.75 else 3
            day = arrest or (FIRST_ARREST + datetime.timedelta(days=randrange(0, span)))
            for index in range(count):
                eid += 1
                events.append(eid)
                if release and index == count - 1 and rand() < 0.5:
                    kind, day = "released", release
                else:
                    kind = EVENT_SEQUENCE[index * 2 + (rand() < 0.5)] if index else "arrested"
                    day = day + datetime.timedelta(days=randrange(0, 120) if index else 0)
                if arrest is None and rand() < 0.5:
                    occurred = (None, None)
                else:
                    p = gen.precision(0.85, 0.1)
                    occurred = (_start_of(min(day, TODAY), p), p)
                sentence = randrange(6, 145) if kind == "sentenced" else None
                created, updated = gen.moment()
                yield (eid, gen.uuid(), gen.vis(), created, updated, *occurred, sentence,
                       "Synthetic case event." if rand() < 0.3 else "", kinds[kind], did)  # fmt: skip

    out.copy("cases_caseevent", ("id", *RECORD, "occurred_on", "occurred_on_precision",
             "sentence_months", "description", "kind_id", "detention_id"), event_rows())  # fmt: skip

    def pace_rows():
        for did, *_ in detentions:
            if rand() >= 0.1:
                continue
            for criterion in rng.sample("abcde", 1 + (rand() < 0.4)):
                created, updated = gen.moment()
                yield (gen.uuid(), gen.vis(), created, updated, criterion,
                       "Detention for purely political reasons (synthetic).", did)  # fmt: skip

    out.copy("cases_paceassessment", (*RECORD, "criterion", "justification", "detention_id"),
             pace_rows())  # fmt: skip

    # allegations: ~1 a person, some tied to one of their detentions
    by_person: dict[int, list[tuple]] = {}
    for detention in detentions:
        by_person.setdefault(detention[1], []).append(detention)
    allegations: list[int] = []
    allegation_kinds, statuses = vocab["allegationkind"], list(vocab["allegationstatus"].values())

    def allegation_rows():
        aid = 0
        for pid in range(1, n + 1):
            r = rand()
            count = 0 if r < 0.25 else 1 if r < 0.85 else 2
            held = by_person.get(pid, [])
            for _ in range(count):
                aid += 1
                allegations.append(aid)
                detention = choice(held) if held and rand() < 0.6 else None
                start = (detention[2] if detention and detention[2] else None) or (
                    FIRST_ARREST + datetime.timedelta(days=randrange(0, span))
                )
                start += datetime.timedelta(days=randrange(0, 60))
                sp = gen.precision(0.6, 0.3)
                if rand() < 0.5:
                    ep = gen.precision(0.6, 0.3)
                    end = (_start_of(start + datetime.timedelta(days=randrange(0, 90)), ep), ep)
                else:
                    end = (None, None)
                created, updated = gen.moment()
                yield (aid, gen.uuid(), gen.vis(), created, updated, "",
                       _start_of(start, sp), sp, *end, randrange(1, 60) if rand() < 0.2 else None,
                       choice(PERPETRATORS), "Synthetic allegation.",
                       "", allegation_kinds[gen.weighted(ALLEGATION_WEIGHTS)],
                       choice(statuses) if rand() < 0.8 else None,
                       detention[0] if detention else None,
                       choice(enforcers) if rand() < 0.3 else None, pid, None, "",
                       places.allegation_facility(detention[0] if detention else None))  # fmt: skip
            if rand() < 0.01:  # unnamed fellow detainees this person reported
                aid += 1
                allegations.append(aid)
                created, updated = gen.moment()
                yield (aid, gen.uuid(), gen.vis(), created, updated,
                       "fellow detainees at the facility (unnamed)", None, None, None, None,
                       randrange(2, 60), choice(PERPETRATORS), "Synthetic allegation.", "",
                       allegation_kinds["torture"], None, None, None, None, pid,
                       "", None)  # fmt: skip

    out.copy("cases_allegation", ("id", *RECORD, "victim_description", "started_on",
             "started_on_precision", "ended_on", "ended_on_precision", "count", "perpetrator",
             "description", "internal_notes", "kind_id", "status_id", "detention_id",
             "perpetrator_organization_id", "person_id", "reported_by_id",
             "reported_by_description", "facility_id"),
             allegation_rows())  # fmt: skip

    # statements calling for the release of a few persons each
    statement_count = max(10, n // 20)
    statement_kinds = vocab["statementkind"]
    concerned: list[tuple[int, int]] = []

    def statements():
        for sid in range(1, statement_count + 1):
            persons = rng.sample(range(1, n + 1), min(n, 1 + randrange(5)))
            concerned.extend((sid, pid) for pid in persons)
            kind = "call-for-release" if rand() < 0.6 else choice(list(statement_kinds))
            day = datetime.date(2012, 1, 1) + datetime.timedelta(days=randrange(0, 4900))
            p = gen.precision(0.8, 0.15)
            created, updated = gen.moment()
            yield (sid, gen.uuid(), gen.vis(), created, updated, _start_of(day, p), p,
                   f"Azerbaijan: release {people[persons[0] - 1][4]} and others",
                   "", "They are held for their peaceful work.", "Synthetic statement.",
                   f"https://example.org/bench/statements/{sid}", choice(issuers), None,
                   statement_kinds[kind])  # fmt: skip

    out.copy("cases_statement", ("id", *RECORD, "issued_on", "issued_on_precision", "title",
             "speaker", "quote", "summary", "url", "issuer_organization_id", "issuer_person_id",
             "kind_id"), statements())  # fmt: skip
    out.copy("cases_statement_persons", ("statement_id", "person_id"), iter(concerned))

    source_count = max(20, n // 200)
    source_kinds = list(vocab["sourcekind"].values())

    public_sources: list[int] = []

    def sources():
        for sid in range(1, source_count + 1):
            day = datetime.date(2012, 1, 1) + datetime.timedelta(days=randrange(0, 4900))
            p = gen.precision(0.8, 0.15)
            created, updated = gen.moment()
            level = gen.vis()
            if level == "public":
                public_sources.append(sid)
            yield (sid, gen.uuid(), level, created, updated,
                   f"Report {sid} on political prisoners in Azerbaijan", "",
                   f"https://example.org/bench/sources/{sid}", _start_of(day, p), p,
                   day + datetime.timedelta(days=3), choice(["en", "az", "ru"]),
                   choice(["high", "medium", "low", "unknown"]), "", "", "", rand() < 0.02, "",
                   choice(source_kinds), choice(publishers))  # fmt: skip

    out.copy("sources_source", ("id", *RECORD, "title", "author", "url", "published_on",
             "published_on_precision", "accessed_on", "language", "reliability", "archive_url",
             "archive_file", "archive_text", "is_confidential", "internal_notes", "kind_id",
             "publisher_id"), sources())  # fmt: skip

    # citations: targets person, affiliation, detention, case_event, allegation, statement
    def citations():
        def row(target: int, fact_id: int, claim: str = ""):
            ids = [None] * 6
            ids[target] = fact_id
            created, updated = gen.moment()
            # a fact's citation is public, of a public source: as a researcher
            # publishes a fact (cases.evidence); a claim's or statement's varies
            fact = target in (1, 2, 3, 4)
            level = "public" if fact else gen.vis()
            source = choice(public_sources) if fact else randrange(1, source_count + 1)
            return (gen.uuid(), level, created, updated, claim,
                    f"para. {randrange(1, 40)}", "The source reports this fact (synthetic excerpt).",
                    choice(["low", "medium", "high"]), *ids, source)  # fmt: skip

        for pid in range(1, n + 1):
            if rand() < 0.05:
                yield row(0, pid, choice(["name", "occupation"]))
        # A fact reaches readers only with a citation (cases.visibility, rule 3), so
        # nearly every fact of a kept database has one; a few are left uncited.
        for aid in affiliations:
            if rand() < CITED:
                yield row(1, aid)
        for did, *_ in detentions:
            if rand() < CITED:
                yield row(2, did)
        for eid in events:
            if rand() < CITED:
                yield row(3, eid)
        for aid in allegations:
            if rand() < CITED:
                yield row(4, aid)
        for sid in range(1, statement_count + 1):
            yield row(5, sid)

    out.copy("sources_citation", (*RECORD, "claim", "locator", "excerpt", "confidence",
             "person_id", "affiliation_id", "detention_id", "case_event_id", "allegation_id",
             "statement_id", "source_id"), citations())  # fmt: skip
    places.write_citations(out, public_sources)


# the kinds of facility a custody period is at, by where it falls in the detention
FIRST_KINDS = {"police-station": 60, "pre-trial-detention-centre": 40}
PRE_TRIAL_KINDS = {
    "pre-trial-detention-centre": 88,
    "police-station": 10,
    "psychiatric-institution": 2,
}
SENTENCED_KINDS = {
    "colony-general": 30, "colony-strict": 35, "colony-special": 5, "colony-settlement": 5,
    "prison": 12, "pre-trial-detention-centre": 12, "psychiatric-institution": 1,
}  # fmt: skip
SENTENCED_STAGES = ("convicted", "on-appeal", "pardoned", "released", "deceased")
# How many custody periods a detention has, as cumulative shares: a held person's
# current detention none (place unknown) 8%, one 42%, two 32%, three 18%; an
# ended detention none 75%, one 17%, two 8%.
HELD_PERIODS = (0.08, 0.50, 0.82)
RELEASED_PERIODS = (0.75, 0.92)


class _Places:
    """Facilities (with their other names) and custody periods, streamed with COPY
    like the rest. Most facilities are public and cited, a few internal; most held
    persons have one to three custody periods on their current detention
    (consecutive: transfers), the last open; some released detentions have closed
    ones. Nearly every custody period and facility is cited by a public source."""

    def __init__(self, gen: _Generator, vocab: dict):
        self.gen = gen
        self.vocab = vocab
        self.org_by_name: dict[str, int] = {}
        self.specs = facility_specs(gen.rng)
        self.facility_ids: list[int] = []
        self.custody: list[int] = []  # custody period ids
        self.by_detention: dict[int, list[int]] = {}  # detention id: its facilities' ids
        self.by_kind: dict[str, list[tuple[int, float]]] = {}  # kind: (id, weight)

    def write(self, out: _Writer, detentions: list[tuple], people: list[tuple]) -> None:
        self._facilities(out)
        self._custody(out, detentions, people)

    def _facilities(self, out: _Writer) -> None:
        gen, rng = self.gen, self.gen.rng
        kinds = self.vocab["facilitykind"]
        weights: dict[str, list[tuple[int, float]]] = {}
        slug_counts: Counter = Counter()

        def rows():
            for fid, spec in enumerate(self.specs, start=1):
                self.facility_ids.append(fid)
                weights.setdefault(spec.kind, []).append((fid, spec.weight))
                base = slugify(readable_ascii(spec.name))[:110]
                slug_counts[base] += 1
                slug = base if slug_counts[base] == 1 else f"{base}-{slug_counts[base]}"
                r = rng.random()
                level = "internal" if r < 0.05 else "partners" if r < 0.08 else "public"
                confirmed = datetime.date(2019, 1, 1) + datetime.timedelta(days=rng.randrange(2300))
                p = gen.precision(0.3, 0.5)
                rules = rng.random() < 0.6
                created, updated = gen.moment()
                yield (fid, gen.uuid(), level, created, updated, spec.name, slug,
                       gen.key(spec.name), kinds[spec.kind], self.org_by_name[OPERATORS[spec.operator]],
                       "Azerbaijan", spec.region, spec.locality, spec.latitude, spec.longitude,
                       spec.postal_address, _start_of(confirmed, p), p,
                       rng.choice(LETTER_LANGUAGES) if rules else "",
                       rng.choice(LETTER_RULES) if rules else "",
                       rng.choice(PARCEL_RULES) if rules else "",
                       _start_of(confirmed, p) if rules else None, p if rules else None,
                       "Synthetic facility." if rng.random() < 0.5 else "", "")  # fmt: skip

        out.copy("places_facility", ("id", *RECORD, "name", "slug", "name_key", "kind_id",
                 "operator_id", "country", "region", "locality", "latitude", "longitude",
                 "postal_address", "address_confirmed_on", "address_confirmed_on_precision",
                 "letter_language", "letter_rules", "parcel_rules", "rules_confirmed_on",
                 "rules_confirmed_on_precision", "description", "internal_notes"), rows())  # fmt: skip
        self.by_kind = weights

        def names():
            for fid, spec in enumerate(self.specs, start=1):
                for name, language in spec.names:
                    created, updated = gen.moment()
                    level = "internal" if rng.random() < 0.03 else "public"
                    yield (gen.uuid(), level, created, updated, name, language, gen.key(name), fid)

        out.copy("places_facilityname", (*RECORD, "name", "language", "name_key", "facility_id"),
                 names())  # fmt: skip

    def _chooser(self, kinds: dict[str, int]):
        """A function drawing a facility: its kind by `kinds`, then the facility by
        its weight among those of its kind (one draw, bisected)."""
        ids, cumulative, total = [], [], 0.0
        for kind, kind_weight in kinds.items():
            pairs = self.by_kind.get(kind, [])
            kind_total = sum(weight for _fid, weight in pairs)
            for fid, weight in pairs:
                total += kind_weight * weight / kind_total
                ids.append(fid)
                cumulative.append(total)
        rand = self.gen.rng.random
        return lambda: ids[bisect.bisect(cumulative, rand() * total)]

    def _custody(self, out: _Writer, detentions: list[tuple], people: list[tuple]) -> None:
        gen, rng = self.gen, self.gen.rng
        rand, randrange = rng.random, rng.randrange
        held_stages = {k for k in STAGES_HELD if k != "house-arrest"}  # held at home
        first_place, pre_trial, sentenced_at = (
            self._chooser(kinds) for kinds in (FIRST_KINDS, PRE_TRIAL_KINDS, SENTENCED_KINDS)
        )

        def periods_of(shares: tuple[float, ...]) -> int:
            r, count = rand(), 0
            while count < len(shares) and r >= shares[count]:
                count += 1
            return count

        def rows():
            cid = 0
            for did, pid, arrest, release, stage in detentions:
                if arrest is None:
                    continue
                held = release is None and stage in held_stages
                if held:
                    count = periods_of(HELD_PERIODS)
                elif release is not None:
                    count = periods_of(RELEASED_PERIODS)
                else:
                    continue
                end = release or TODAY
                if count == 0 or end <= arrest:
                    continue
                sentenced = stage in SENTENCED_STAGES
                # the days a transfer happened on, after the arrest and before the end
                days, day = [arrest], arrest
                for index in range(1, count):
                    left = (end - day).days
                    if left < 4:
                        break
                    first_police = index == 1
                    day += datetime.timedelta(
                        days=randrange(1, min(left, 12)) if first_police and rand() < 0.6
                        else randrange(1, max(2, left // (count - index + 1)))
                    )  # fmt: skip
                    days.append(day)
                periods = len(days)
                starts: list[tuple] = []
                for start in days:
                    p = gen.precision(0.8, 0.15)
                    if starts and _start_of(start, p) <= starts[-1][0]:
                        p = 3  # a month or year would sort the transfer before the last
                    starts.append((_start_of(start, p), p))
                facilities = []
                for index in range(periods):
                    if index == periods - 1:
                        chosen = sentenced_at if sentenced else pre_trial
                    elif index == 0:
                        chosen = first_place
                    else:
                        chosen = sentenced_at if sentenced and rand() < 0.5 else pre_trial
                    facilities.append(chosen())
                self.by_detention[did] = facilities
                first, surname = people[pid - 1][0], people[pid - 1][1]
                for index in range(periods):
                    cid += 1
                    self.custody.append(cid)
                    last = index == periods - 1
                    if not last:
                        until = starts[index + 1]
                    elif release is not None:
                        p = gen.precision(0.75, 0.2)
                        until = (_start_of(release, p), p)
                    else:
                        until = (None, None)
                    open_now = until[0] is None
                    letter = open_now and rand() < 0.7
                    r = rand()
                    letter_level = "public" if r < 0.4 else "partners" if r < 0.55 else "internal"
                    confirmed = TODAY - datetime.timedelta(days=randrange(0, 700))
                    lp = gen.precision(0.5, 0.4)
                    created, updated = gen.moment()
                    yield (cid, gen.uuid(), gen.vis(), created, updated, did, facilities[index],
                           *starts[index], *until,
                           "Transferred (synthetic)." if index and rand() < 0.3 else "",
                           f"{surname[1]} {first[1]}" if letter else "",
                           "Write the unit number on the envelope." if letter and rand() < 0.3 else "",
                           _start_of(confirmed, lp) if letter else None, lp if letter else None,
                           letter_level, "")  # fmt: skip

        out.copy("places_custodyperiod", ("id", *RECORD, "detention_id", "facility_id",
                 "held_from", "held_from_precision", "held_until", "held_until_precision", "note",
                 "recipient_line", "letter_note", "letter_confirmed_on",
                 "letter_confirmed_on_precision", "letter_visibility", "internal_notes"),
                 rows())  # fmt: skip

    def allegation_facility(self, detention_id: int | None) -> int | None:
        """Half of the allegations tied to a detention with custody periods name
        one of its facilities."""
        facilities = self.by_detention.get(detention_id) if detention_id else None
        rng = self.gen.rng
        if not facilities or rng.random() < 0.5:
            return None
        return rng.choice(facilities)

    def write_citations(self, out: _Writer, public_sources: list[int]) -> None:
        """A public citation of a public source for nearly every facility and
        custody period (facts: cases.visibility, rule 3)."""
        gen, rng = self.gen, self.gen.rng

        def rows():
            for target, ids, share in (("facility", self.facility_ids, 0.97),
                                       ("custody", self.custody, CITED)):  # fmt: skip
                for fact_id in ids:
                    if rng.random() >= share:
                        continue
                    created, updated = gen.moment()
                    yield (gen.uuid(), "public", created, updated, "", f"para. {rng.randrange(1, 40)}",
                           "The source reports this fact (synthetic excerpt).",
                           rng.choice(("low", "medium", "high")),
                           fact_id if target == "facility" else None,
                           fact_id if target == "custody" else None,
                           rng.choice(public_sources))  # fmt: skip

        out.copy("sources_citation", (*RECORD, "claim", "locator", "excerpt", "confidence",
                 "facility_id", "custody_period_id", "source_id"), rows())  # fmt: skip
