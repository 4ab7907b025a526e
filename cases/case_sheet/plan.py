"""Planning an import: stage the checked rows, match persons and detentions, work out what changes."""

from __future__ import annotations

import time
from typing import Any

from django.db.models.expressions import RawSQL
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from cases import evidence
from cases.case_sheet.columns import COLUMN_INDEX
from cases.case_sheet.custody import NEW_FACILITIES, CustodyPlanning
from cases.case_sheet.files import CaseSheetFormatError, CaseSheetReader
from cases.case_sheet.result import (
    CaseSheetResult,
    Progress,
    RowError,
    RowPlan,
    child_changes,
    detention_field_changes,
    person_changes,
)
from cases.case_sheet.rows import ROW_COLUMNS, ROW_TYPES, RowChecker
from cases.case_sheet.tables import T, TempTables
from cases.models import Detention
from cases.partial_dates import PartialDate
from lists.models import CaseGroup, CaseGroupMember
from sources.models import Citation

CHUNK_ROWS = 2000
# where the facility names and their keys are in a staged row (rows.ROW_COLUMNS)
_STAGED = [column.strip() for column in ROW_COLUMNS.split(",")]
FACILITY_PLACES = tuple(
    (_STAGED.index(name), _STAGED.index(key))
    for name, key in (("facility", "facility_key"), ("transferred_to", "transfer_key"))
)
WORK_MEM = "64MB"


class SheetPlanner(CustodyPlanning, TempTables):
    """One preview, or the first half of one import: reads and checks the sheet and
    works out, in set-based SQL, what writing it would change. The staged rows
    (T + "row") stay as copied; what the plan works out per row lives in a narrow
    table (T + "plan"), per person in T + "person", so the many small updates never
    rewrite the wide rows. PlanWriter carries the plan out."""

    def __init__(
        self,
        file: Any,
        *,
        file_name: str,
        file_format: str | None,
        row_limit: int | None,
        error_limit: int | None,
        progress: Progress | None,
    ):
        self.reader = CaseSheetReader(file, file_name=file_name, file_format=file_format)
        self.result = CaseSheetResult(
            file_name=self.reader.file_name, file_format=self.reader.file_format
        )
        self.row_limit = row_limit
        self.error_limit = error_limit
        self.progress = progress or (lambda stage, done, total, unit: None)
        self.errors: list[RowError] = []
        self.unstaged: dict[int, str] = {}  # rows shown in the plan that had no person
        # whether any row names a case group: a sheet without one plans and writes
        # none (no queries for the column it does not use)
        self.names_case_groups = False
        # facility key -> its first spelling and row (CustodyPlanning)
        self.facility_names: dict[str, tuple[str, int]] = {}
        super().__init__()

    def error(self, row: int, column: str, value: str, message: str) -> None:
        self.errors.append(RowError(row, column, value or "", message))

    def plan(self) -> CaseSheetResult:
        """Read, check and stage the sheet, then run each step of the plan; the result."""
        started = time.perf_counter()
        # the plan sorts and hashes whole temporary tables: in memory, for this transaction only
        self.sql("SELECT set_config('work_mem', %s, true)", [WORK_MEM])
        self.drop_tables()
        self.create_tables()
        self.stage()
        self.result.seconds["read"] = time.perf_counter() - started
        steps = [
            self.plan_facilities,
            self.cluster_rows,
            self.match_persons,
            self.consolidate_persons,
            self.plan_person_changes,
            self.plan_detentions,
            self.plan_custody,
            self.plan_children,
        ]
        checked = time.perf_counter()
        for number, step in enumerate(steps, start=1):
            step()
            self.progress("check", number, len(steps), "steps")
        self.collect()
        self.result.seconds["check"] = time.perf_counter() - checked
        return self.result

    # -- stage -----------------------------------------------------------------------

    def create_tables(self) -> None:
        """The row table: the checked rows as RowChecker stages them (rows.ROW_COLUMNS)."""
        self.sql(f"""
            CREATE TEMP TABLE {T}row (
                row_no integer PRIMARY KEY, person text NOT NULL, person_key text NOT NULL,
                person_language text NOT NULL, variants text[] NOT NULL,
                variant_keys text[] NOT NULL, variant_languages text[] NOT NULL,
                gender text NOT NULL, birth_year integer, occupation_ids bigint[] NOT NULL,
                affiliations text[] NOT NULL, has_detention boolean NOT NULL,
                identity_ok boolean NOT NULL, arrested_on date, arrested_precision smallint,
                arrest_place text NOT NULL, charge_articles text[] NOT NULL,
                charge_descriptions text[] NOT NULL, legal_stage_id bigint,
                sentence_months integer, facility text NOT NULL, released_on date,
                released_precision smallint, release_reason_id bigint,
                allegation_kind_ids bigint[] NOT NULL, source_urls text[] NOT NULL,
                notes text NOT NULL, case_groups text[] NOT NULL, facility_key text NOT NULL,
                transferred_to text NOT NULL, transfer_key text NOT NULL, transferred_on date,
                transferred_precision smallint
            )""")  # fmt: skip

    def stage(self) -> None:
        """Check every row and COPY the checked rows into the row table, a chunk at a time."""
        checker = RowChecker()
        reader = self.reader
        case_group = COLUMN_INDEX["case_group"]
        raw = self.cursor.cursor  # psycopg's cursor, for COPY, in the same transaction
        chunk: list[tuple] = []

        def flush():
            if chunk:
                # binary: the text format spends twice the time writing the arrays out
                with raw.copy(f"COPY {T}row ({ROW_COLUMNS}) FROM STDIN (FORMAT BINARY)") as copy:
                    copy.set_types(ROW_TYPES)
                    for staged in chunk:
                        copy.write_row(staged)
                chunk.clear()
            self.progress("read", reader.done, reader.total, reader.unit)

        for row, cells in reader:
            self.result.rows += 1
            self.names_case_groups = self.names_case_groups or bool(cells[case_group])
            staged, errors = checker.check(row, cells)
            self.errors.extend(errors)
            if staged is None:
                if self.row_limit is None or len(self.unstaged) < self.row_limit:
                    self.unstaged[row] = cells[0]
            else:
                chunk.append(staged)
                for name, key in FACILITY_PLACES:
                    self.note_facility(row, staged[name], staged[key])
                if len(chunk) >= CHUNK_ROWS:
                    flush()
        flush()
        if self.result.rows == 0:
            raise CaseSheetFormatError(
                _("The file has a header but no rows: expected one row per detention.")
            )
        # its size and row_no, which the plan joins by: the statistics of every column
        # (arrays among them) took 2-3 s at 100,000 rows
        self.sql(f"ANALYZE {T}row (row_no)")
        self.create_plan_table()

    def create_plan_table(self) -> None:
        """One narrow line per staged row, filled in by the steps of the plan."""
        self.table("plan", f"""
            SELECT row_no, row_no AS cluster, NULL::bigint AS person_id, false AS ambiguous,
                   NULL::text AS via, has_detention AND identity_ok AS detention_ok,
                   NULL::bigint AS detention_id,
                   false AS d_place, false AS d_stage, false AS d_sentence, false AS d_facility,
                   false AS d_released, false AS d_reason, 0 AS n_charges,
                   0 AS n_charge_descriptions, 0 AS n_allegations, 0 AS n_citations,
                   0 AS n_custody, 0 AS n_custody_ended
            FROM {T}row""", key="row_no")  # fmt: skip

    # -- persons ---------------------------------------------------------------------

    def cluster_rows(self) -> None:
        """Rows name the same person when one row's person (by name key) is another
        row's person or one of its name variants: label propagation over a star of
        edges per key, until every row carries the smallest row number of its group."""
        self.table(
            "name",
            f"""
            SELECT row_no, person_key AS key, true AS is_person FROM {T}row
            UNION ALL
            SELECT r.row_no, k.key, false FROM {T}row r
            CROSS JOIN LATERAL unnest(r.variant_keys) AS k(key) WHERE k.key <> ''""",
        )
        self.sql(f"""
            CREATE TEMP TABLE {T}edge AS
            WITH head AS (SELECT key, min(row_no) AS head FROM {T}name WHERE is_person GROUP BY key)
            SELECT DISTINCT n.row_no AS a, h.head AS b FROM {T}name n JOIN head h USING (key)
            WHERE n.row_no <> h.head""")  # fmt: skip
        self.sql(f"INSERT INTO {T}edge SELECT b, a FROM {T}edge")
        self.sql(f"ANALYZE {T}edge")
        while self.sql(f"""
            UPDATE {T}plan q SET cluster = m.cluster
            FROM (SELECT e.a AS row_no, min(o.cluster) AS cluster
                  FROM {T}edge e JOIN {T}plan o ON o.row_no = e.b GROUP BY e.a) m
            WHERE q.row_no = m.row_no AND m.cluster < q.cluster"""):
            pass

    def match_persons(self) -> None:
        """Each group of rows against the stored persons, by name key: first the
        rows' person names against display names, then against name variants,
        then the rows' name variants against both. One person at the first level
        that finds any is a match; several are ambiguous (an error)."""
        self.table("candidate", f"""
            WITH names AS (
                SELECT DISTINCT q.cluster, n.key, n.is_person
                FROM {T}name n JOIN {T}plan q USING (row_no))
            SELECT n.cluster, p.id AS person_id, CASE WHEN n.is_person THEN 1 ELSE 3 END AS level,
                   p.display_name AS via
            FROM names n JOIN cases_person p ON p.name_key = n.key
            WHERE p.deleted_at IS NULL
            UNION ALL
            SELECT n.cluster, v.person_id, CASE WHEN n.is_person THEN 2 ELSE 3 END, v.name
            FROM names n JOIN cases_namevariant v ON v.name_key = n.key
            JOIN cases_person p ON p.id = v.person_id
            WHERE v.deleted_at IS NULL AND p.deleted_at IS NULL""")  # fmt: skip
        self.table("match", f"""
            WITH best AS (SELECT cluster, min(level) AS level FROM {T}candidate GROUP BY cluster)
            SELECT c.cluster, count(DISTINCT c.person_id) AS persons,
                   min(c.person_id) AS person_id, min(c.via) AS via
            FROM {T}candidate c JOIN best b ON b.cluster = c.cluster AND b.level = c.level
            GROUP BY c.cluster""", key="cluster")  # fmt: skip
        self.sql(f"""
            UPDATE {T}plan q SET person_id = CASE WHEN m.persons = 1 THEN m.person_id END,
                   ambiguous = m.persons > 1, via = m.via
            FROM {T}match m WHERE m.cluster = q.cluster""")
        self.report_ambiguous_matches()
        # groups of rows that matched the same stored person are one person
        self.sql(f"""
            UPDATE {T}plan q SET cluster = f.first
            FROM (SELECT person_id, min(cluster) AS first FROM {T}plan
                  WHERE person_id IS NOT NULL GROUP BY person_id) f
            WHERE q.person_id = f.person_id AND q.cluster <> f.first""")

    def report_ambiguous_matches(self) -> None:
        """An error on each row whose name matches several stored persons, naming them."""
        ambiguous = self.rows(f"""
            WITH c AS (SELECT DISTINCT m.cluster, p.id, p.display_name, p.slug
                       FROM {T}match m
                       JOIN {T}candidate c ON c.cluster = m.cluster
                       JOIN (SELECT cluster, min(level) AS level FROM {T}candidate GROUP BY cluster) b
                            ON b.cluster = c.cluster AND b.level = c.level
                       JOIN cases_person p ON p.id = c.person_id
                       WHERE m.persons > 1)
            SELECT r.row_no, r.person,
                   (SELECT array_agg(c.display_name || ' (' || c.slug || ')' ORDER BY c.id)
                    FROM c WHERE c.cluster = q.cluster)
            FROM {T}plan q JOIN {T}row r USING (row_no) WHERE q.ambiguous ORDER BY r.row_no""")  # fmt: skip
        for row, person, candidates in ambiguous:
            shown = ", ".join(candidates[:5]) + (" …" if len(candidates) > 5 else "")
            self.error(row, "person", person, ngettext(
                "the name matches %(n)s person in Casebook (%(persons)s) and the import cannot "
                "tell which one is meant; expected a name that matches one person: add this "
                "detention in the admin, or tell the namesakes apart there first",
                "the name matches %(n)s persons in Casebook (%(persons)s) and the import cannot "
                "tell which one is meant; expected a name that matches one person: add this "
                "detention in the admin, or tell the namesakes apart there first",
                len(candidates),
            ) % {"n": len(candidates), "persons": shown})  # fmt: skip

    def consolidate_persons(self) -> None:
        """One line per person of the file: the first row's spelling is the display
        name of a new person; gender and birth year must agree across its rows."""
        self.table("person", f"""
            SELECT q.cluster, min(r.row_no) AS first_row, max(q.person_id) AS person_id,
                   bool_or(q.ambiguous) AS ambiguous,
                   max(q.person_id) IS NULL AND NOT bool_or(q.ambiguous) AS new,
                   (array_agg(r.person ORDER BY r.row_no))[1] AS display_name,
                   (array_agg(r.person_key ORDER BY r.row_no))[1] AS person_key,
                   NULL::text AS slug_base,  -- a new person's, when it is written
                   coalesce((array_agg(r.gender ORDER BY r.row_no)
                             FILTER (WHERE r.gender <> ''))[1], '') AS gender,
                   (array_agg(r.birth_year ORDER BY r.row_no)
                    FILTER (WHERE r.birth_year IS NOT NULL))[1] AS birth_year,
                   false AS gender_changed, false AS birth_changed, ''::text AS notes,
                   0 AS n_variants, 0 AS n_occupations, 0 AS n_affiliations,
                   0 AS n_case_groups
            FROM {T}row r JOIN {T}plan q USING (row_no) GROUP BY q.cluster""", key="cluster")  # fmt: skip
        for column, label in (("gender", _("gender")), ("birth_year", _("birth year"))):
            blank = "''" if column == "gender" else "NULL"
            conflicts = self.rows(f"""
                SELECT r.row_no, r.{column}::text, p.{column}::text, p.display_name,
                       (SELECT min(o.row_no) FROM {T}row o JOIN {T}plan oq USING (row_no)
                        WHERE oq.cluster = q.cluster AND o.{column} = p.{column})
                FROM {T}row r JOIN {T}plan q USING (row_no) JOIN {T}person p USING (cluster)
                WHERE r.{column} IS DISTINCT FROM {blank} AND r.{column} <> p.{column}
                ORDER BY r.row_no""")  # fmt: skip
            for row, value, first_value, person, first_row in conflicts:
                self.error(row, column, value, _(
                    "row %(first_row)s gives %(first_value)s as the %(label)s of the same person "
                    "(%(person)s); expected the same %(label)s in every row of a person"
                ) % {"first_row": first_row, "first_value": first_value, "label": label,
                     "person": person})  # fmt: skip

    def plan_person_changes(self) -> None:
        """What each person gains: spellings, occupations, affiliations, gender,
        birth year, notes. Existing persons change only where the sheet says more."""
        self.plan_person_fields()
        self.plan_variants_and_occupations()
        self.plan_affiliations()
        counted = [
            ("variant", "n_variants"),
            ("occupation", "n_occupations"),
            ("affiliation", "n_affiliations"),
        ]
        if self.names_case_groups:
            self.plan_case_groups()
            counted.append(("member", "n_case_groups"))
        # one pass over the person table for every count (each UPDATE rewrites its rows)
        sets = ", ".join(
            f"{column} = coalesce(c{i}.n, 0)" for i, (_t, column) in enumerate(counted)
        )
        joins = " ".join(
            f"LEFT JOIN (SELECT cluster, count(*) AS n FROM {T}{table} GROUP BY cluster) c{i}"
            f" ON c{i}.cluster = sp2.cluster"
            for i, (table, _c) in enumerate(counted)
        )
        found = " OR ".join(f"c{i}.cluster IS NOT NULL" for i in range(len(counted)))
        self.sql(f"UPDATE {T}person sp SET {sets} FROM {T}person sp2 {joins} "
                 f"WHERE sp.cluster = sp2.cluster AND ({found})")  # fmt: skip

    def plan_person_fields(self) -> None:
        """Gender and birth year where the sheet gives another; the notes to add."""
        p = f"{T}person"
        self.sql(f"""
            UPDATE {p} sp SET
                gender_changed = sp.gender <> '' AND sp.gender <> x.gender,
                birth_changed = sp.birth_year IS NOT NULL AND (x.birth_date IS NULL
                                OR extract(year FROM x.birth_date) <> sp.birth_year)
            FROM cases_person x WHERE x.id = sp.person_id""")  # fmt: skip
        # notes: each distinct note once, in row order, unless the person's notes hold it
        self.sql(f"""
            UPDATE {p} sp SET notes = n.notes
            FROM (SELECT d.cluster, string_agg(d.notes, %s ORDER BY d.first_row) AS notes
                  FROM (SELECT q.cluster, r.notes, min(r.row_no) AS first_row
                        FROM {T}row r JOIN {T}plan q USING (row_no)
                        WHERE r.notes <> '' GROUP BY q.cluster, r.notes) d
                  JOIN {p} s ON s.cluster = d.cluster
                  LEFT JOIN cases_person x ON x.id = s.person_id
                  WHERE x.id IS NULL OR strpos(x.internal_notes, d.notes) = 0
                  GROUP BY d.cluster) n
            WHERE n.cluster = sp.cluster""", ["\n\n"])  # fmt: skip

    def plan_variants_and_occupations(self) -> None:
        """The spellings and occupations each person does not have yet."""
        p = f"{T}person"
        rows = f"{T}row r JOIN {T}plan q USING (row_no)"
        self.table("variant", f"""
            SELECT DISTINCT ON (n.cluster, lower(n.name)) n.cluster, n.name, n.key, n.language
            FROM (SELECT q.cluster, r.row_no, 0 AS place, r.person AS name, r.person_key AS key,
                         r.person_language AS language FROM {rows}
                  UNION ALL
                  SELECT q.cluster, r.row_no, v.place, v.name, v.key, v.language FROM {rows}
                  CROSS JOIN LATERAL unnest(r.variants, r.variant_keys, r.variant_languages)
                      WITH ORDINALITY AS v(name, key, language, place)) n
            JOIN {p} sp ON sp.cluster = n.cluster
            LEFT JOIN cases_person x ON x.id = sp.person_id
            WHERE lower(n.name) <> lower(coalesce(x.display_name, sp.display_name))
              AND NOT EXISTS (SELECT 1 FROM cases_namevariant v
                              WHERE v.person_id = sp.person_id AND lower(v.name) = lower(n.name))
            ORDER BY n.cluster, lower(n.name), n.row_no, n.place""")  # fmt: skip
        self.table(
            "occupation",
            f"""
            SELECT DISTINCT q.cluster, o.id AS occupation_id
            FROM {rows} CROSS JOIN LATERAL unnest(r.occupation_ids) AS o(id)
            JOIN {p} sp ON sp.cluster = q.cluster
            WHERE NOT EXISTS (SELECT 1 FROM cases_person_occupations x
                              WHERE x.person_id = sp.person_id AND x.occupation_id = o.id)""",
        )

    def plan_affiliations(self) -> None:
        """The organizations the sheet names (stored or new) and the affiliations each
        person does not have yet."""
        # organizations by name, any case; one in the trash is an error, not a duplicate
        self.table("organization", f"""
            SELECT a.key, (array_agg(a.name ORDER BY a.row_no))[1] AS name,
                   min(a.row_no) AS first_row, NULL::bigint AS organization_id,
                   false AS trashed, NULL::text AS slug
            FROM (SELECT r.row_no, n.name, lower(n.name) AS key FROM {T}row r
                  CROSS JOIN LATERAL unnest(r.affiliations) AS n(name)) a
            GROUP BY a.key""", key="key")  # fmt: skip
        self.sql(f"""
            UPDATE {T}organization o SET organization_id = x.id, trashed = x.deleted_at IS NOT NULL
            FROM (SELECT DISTINCT ON (lower(name)) lower(name) AS key, id, deleted_at
                  FROM cases_organization WHERE lower(name) IN (SELECT key FROM {T}organization)
                  ORDER BY lower(name), deleted_at NULLS FIRST, id) x
            WHERE x.key = o.key""")  # fmt: skip
        for row, name in self.rows(f"""
                SELECT r.row_no, n.name FROM {T}row r
                CROSS JOIN LATERAL unnest(r.affiliations) AS n(name)
                JOIN {T}organization o ON o.key = lower(n.name) WHERE o.trashed
                ORDER BY r.row_no"""):
            self.error(row, "affiliations", name, _(
                "this organization is in the trash in Casebook; expected an organization in use: "
                "restore it in the admin, or remove it from the row"))  # fmt: skip
        self.table(
            "affiliation",
            f"""
            SELECT DISTINCT q.cluster, lower(n.name) AS key
            FROM {T}row r JOIN {T}plan q USING (row_no)
            CROSS JOIN LATERAL unnest(r.affiliations) AS n(name)
            JOIN {T}person sp ON sp.cluster = q.cluster
            JOIN {T}organization o ON o.key = lower(n.name)
            WHERE NOT EXISTS (SELECT 1 FROM cases_affiliation x
                              WHERE x.person_id = sp.person_id
                                AND x.organization_id = o.organization_id
                                AND x.deleted_at IS NULL)""",
        )

    def plan_case_groups(self) -> None:
        """The case groups the sheet names (stored or new, internal) and the
        memberships each person does not have yet. A group or a membership in the
        trash is an error: restoring it is an editor's choice, and the trashed
        membership still holds its place (one per group and person)."""
        groups, members = CaseGroup._meta.db_table, CaseGroupMember._meta.db_table
        self.table("case_group", f"""
            SELECT g.key, (array_agg(g.name ORDER BY g.row_no))[1] AS name,
                   min(g.row_no) AS first_row, NULL::bigint AS group_id,
                   false AS trashed, NULL::text AS slug
            FROM (SELECT r.row_no, n.name, lower(n.name) AS key FROM {T}row r
                  CROSS JOIN LATERAL unnest(r.case_groups) AS n(name)) g
            GROUP BY g.key""", key="key")  # fmt: skip
        self.sql(f"""
            UPDATE {T}case_group g SET group_id = x.id, trashed = x.deleted_at IS NOT NULL
            FROM (SELECT DISTINCT ON (lower(name)) lower(name) AS key, id, deleted_at
                  FROM {groups} WHERE lower(name) IN (SELECT key FROM {T}case_group)
                  ORDER BY lower(name), deleted_at NULLS FIRST, id) x
            WHERE x.key = g.key""")  # fmt: skip
        named = f"""
            {T}row r JOIN {T}plan q USING (row_no)
            CROSS JOIN LATERAL unnest(r.case_groups) AS n(name)
            JOIN {T}person sp ON sp.cluster = q.cluster
            JOIN {T}case_group g ON g.key = lower(n.name)"""
        for row, name, group_trashed in self.rows(f"""
                SELECT r.row_no, n.name, g.trashed FROM {named}
                WHERE g.trashed OR EXISTS (
                    SELECT 1 FROM {members} x WHERE x.person_id = sp.person_id
                      AND x.group_id = g.group_id AND x.deleted_at IS NOT NULL)
                ORDER BY r.row_no"""):  # fmt: skip
            self.error(row, "case_group", name, _(
                "this case group is in the trash in Casebook; expected a case group in use: "
                "restore it in the admin, or remove it from the row"
            ) if group_trashed else _(
                "this person's membership of the case group is in the trash in Casebook; "
                "expected: restore it in the admin, or remove the group from the row"
            ))  # fmt: skip
        self.table(
            "member",
            f"""
            SELECT DISTINCT q.cluster, g.key FROM {named}
            WHERE NOT EXISTS (SELECT 1 FROM {members} x
                              WHERE x.person_id = sp.person_id AND x.group_id = g.group_id)""",
        )

    # -- detentions ------------------------------------------------------------------

    def plan_detentions(self) -> None:
        """A detention is its person and its arrest date at its precision: one row
        per detention in the file, at most one stored detention it can be."""
        self.sql(f"UPDATE {T}plan q SET detention_ok = false FROM {T}person sp "
                 "WHERE sp.cluster = q.cluster AND sp.ambiguous AND q.detention_ok")  # fmt: skip
        unclear = self.report_repeated_detentions() + self.match_stored_detentions()
        if unclear:
            self.sql(f"UPDATE {T}plan SET detention_ok = false WHERE row_no = ANY(%s)", [unclear])
        self.sql(f"""
            UPDATE {T}plan q SET
                d_place = r.arrest_place <> '' AND r.arrest_place <> d.arrest_place,
                d_stage = r.legal_stage_id IS NOT NULL
                          AND r.legal_stage_id IS DISTINCT FROM d.legal_stage_id,
                d_sentence = r.sentence_months IS NOT NULL
                             AND r.sentence_months IS DISTINCT FROM d.sentence_months,
                d_facility = r.facility <> '' AND r.facility <> d.facility,
                d_released = r.released_on IS NOT NULL
                             AND (r.released_on IS DISTINCT FROM d.released_on
                                  OR r.released_precision IS DISTINCT FROM d.released_on_precision),
                d_reason = r.release_reason_id IS NOT NULL
                           AND r.release_reason_id IS DISTINCT FROM d.release_reason_id
            FROM {T}row r, cases_detention d
            WHERE r.row_no = q.row_no AND d.id = q.detention_id AND q.detention_ok""")  # fmt: skip
        self.refuse_uncited_changes()

    def refuse_uncited_changes(self) -> None:
        """The evidence rule (cases.evidence) for what an import writes. Every record
        it creates is internal, and so are the citations it adds (an editor
        publishes them); so the one way a row could write a shared or public fact
        is by changing a stored detention at that level. An error on each row that
        would change one without a citation its readers may see."""
        changing = (
            f"SELECT detention_id FROM {T}plan WHERE detention_ok AND detention_id IS NOT NULL "
            "AND (d_place OR d_stage OR d_sentence OR d_facility OR d_released OR d_reason)"
        )
        refusals = {
            refusal.fact.pk: refusal
            for refusal in evidence.publication_refusals(
                Detention.objects.filter(pk__in=RawSQL(changing, []))
            )
        }
        self.refuse_unreported_releases(refused=set(refusals))
        if not refusals:
            return
        for row, detention_id, arrested_on, precision in self.rows(f"""
                SELECT q.row_no, q.detention_id, r.arrested_on, r.arrested_precision
                FROM {T}plan q JOIN {T}row r USING (row_no)
                WHERE q.detention_id = ANY(%s) AND q.detention_id IN ({changing})
                ORDER BY q.row_no""", [list(refusals)]):  # fmt: skip
            arrested = PartialDate(arrested_on, precision).isoformat() if arrested_on else ""
            self.error(row, "arrested_on", arrested, _(
                "this row changes a detention that is %(level)s in Casebook without evidence "
                "for it: %(problem)s Expected: cite it in the admin (Needs sources) or make it "
                "internal before importing; an import adds its sources as internal citations, "
                "so it cannot publish one"
            ) % {
                "level": refusals[detention_id].fact.get_visibility_display(),
                "problem": refusals[detention_id].message,
            })  # fmt: skip

    def refuse_unreported_releases(self, *, refused: set[int]) -> None:
        """A release is a fact of its own (cases.evidence.release_problems): a row
        that gives a shared or public detention a new release date needs a citation
        its readers may see from a source as new as the release. The row's own
        source does not count: the import adds it as an internal citation. A query
        per such row (rows that release a published detention are few)."""
        releasing = self.rows(f"""
            SELECT q.row_no, q.detention_id, r.released_on, r.released_precision
            FROM {T}plan q JOIN {T}row r USING (row_no)
            WHERE q.detention_ok AND q.d_released AND q.detention_id IS NOT NULL
            ORDER BY q.row_no""")  # fmt: skip
        for row, detention_id, released_on, precision in releasing:
            detention = Detention.objects.filter(pk=detention_id).first()
            if detention_id in refused or detention is None:
                continue
            level = detention.visibility
            if not evidence.is_guarded(level, level):
                continue  # internal: the release waits for an editor's publication
            detention.released_on = PartialDate(released_on, precision)
            cited = list(Citation.objects.filter(detention=detention))
            for problem in evidence.release_problems(detention, level, cited):
                self.error(row, "released_on", detention.released_on_partial.isoformat(), _(
                    "this row releases a detention that is %(level)s in Casebook: %(problem)s "
                    "Expected: record the release in the admin with its citation, or make the "
                    "detention internal before importing; an import adds its sources as "
                    "internal citations, so it cannot publish one"
                ) % {"level": detention.get_visibility_display(), "problem": problem})  # fmt: skip

    def report_repeated_detentions(self) -> list[int]:
        """An error on each later row that describes the same detention as an earlier
        row of the file; gives those rows."""
        repeats = self.rows(f"""
            WITH d AS (SELECT q.row_no, q.cluster, r.arrested_on, r.arrested_precision
                       FROM {T}plan q JOIN {T}row r USING (row_no) WHERE q.detention_ok),
            f AS (SELECT cluster, arrested_on, arrested_precision, min(row_no) AS first_row
                  FROM d GROUP BY cluster, arrested_on, arrested_precision HAVING count(*) > 1)
            SELECT d.row_no, f.first_row, d.arrested_on, d.arrested_precision
            FROM d JOIN f ON f.cluster = d.cluster
             AND f.arrested_on IS NOT DISTINCT FROM d.arrested_on
             AND f.arrested_precision IS NOT DISTINCT FROM d.arrested_precision
            WHERE d.row_no <> f.first_row ORDER BY d.row_no""")  # fmt: skip
        for row, first_row, arrested_on, precision in repeats:
            arrested = PartialDate(arrested_on, precision).isoformat() if arrested_on else ""
            self.error(row, "arrested_on", arrested, _(
                "row %(first_row)s already describes the detention of the same person arrested "
                "%(when)s; expected one row per detention: merge the two rows"
            ) % {"first_row": first_row, "when": arrested or _("on an unknown date")})  # fmt: skip
        return [row for row, *_rest in repeats]

    def match_stored_detentions(self) -> list[int]:
        """Each row's stored detention (same person, same arrest date and precision);
        an error on each row that several stored detentions could be, and gives those rows."""
        found = self.rows(f"""
            WITH found AS (
                SELECT q.row_no, count(d.id) AS n, min(d.id) AS id
                FROM {T}plan q JOIN {T}row r USING (row_no)
                JOIN cases_detention d ON d.person_id = q.person_id AND d.deleted_at IS NULL
                 AND d.arrested_on IS NOT DISTINCT FROM r.arrested_on
                 AND d.arrested_on_precision IS NOT DISTINCT FROM r.arrested_precision
                WHERE q.detention_ok AND q.person_id IS NOT NULL GROUP BY q.row_no),
            matched AS (
                UPDATE {T}plan q SET detention_id = found.id FROM found
                WHERE found.row_no = q.row_no AND found.n = 1 RETURNING q.row_no)
            SELECT f.row_no, f.n, r.arrested_on, r.arrested_precision, r.person
            FROM found f JOIN {T}row r USING (row_no) WHERE f.n > 1 ORDER BY f.row_no""")  # fmt: skip
        for row, count, arrested_on, precision, person in found:
            arrested = PartialDate(arrested_on, precision).isoformat() if arrested_on else ""
            self.error(row, "arrested_on", arrested, ngettext(
                "%(person)s has %(n)s detention in Casebook arrested %(when)s and the import "
                "cannot tell which one this row is; expected one: edit this detention in the admin",
                "%(person)s has %(n)s detentions in Casebook arrested %(when)s and the import "
                "cannot tell which one this row is; expected one: edit this detention in the admin",
                count,
            ) % {"person": person, "n": count, "when": arrested or _("on an unknown date")})  # fmt: skip
        return [row for row, *_rest in found]

    def plan_children(self) -> None:
        """Charges, allegations and cited sources of each detention: new ones, and
        charges whose description the sheet changes."""
        rows = f"{T}row r JOIN {T}plan q USING (row_no)"
        self.table("charge", f"""
            SELECT q.row_no, c.article, c.description, x.id AS charge_id,
                   coalesce(x.deleted_at IS NULL AND c.description <> ''
                            AND c.description <> x.description, false) AS changed
            FROM {rows} CROSS JOIN LATERAL unnest(r.charge_articles, r.charge_descriptions)
                 AS c(article, description)
            LEFT JOIN cases_charge x ON x.detention_id = q.detention_id AND x.article = c.article
            WHERE q.detention_ok""")  # fmt: skip
        # (a charge in the trash is not added again: one article per detention)
        self.table(
            "allegation",
            f"""
            SELECT DISTINCT q.row_no, k.id AS kind_id
            FROM {rows} CROSS JOIN LATERAL unnest(r.allegation_kind_ids) AS k(id)
            WHERE q.detention_ok AND NOT EXISTS (
                SELECT 1 FROM cases_allegation a
                WHERE a.person_id = q.person_id AND a.detention_id = q.detention_id
                  AND a.kind_id = k.id AND a.deleted_at IS NULL)""",
        )
        self.plan_sources()
        self.count_children()

    def plan_sources(self) -> None:
        """The web addresses the sheet cites (a stored source or a new one) and the
        citations each detention does not have yet."""
        rows = f"{T}row r JOIN {T}plan q USING (row_no)"
        self.table("source", f"""
            SELECT s.url, s.first_row, x.id AS source_id
            FROM (SELECT u.url, min(q.row_no) AS first_row
                  FROM {rows} CROSS JOIN LATERAL unnest(r.source_urls) AS u(url)
                  WHERE q.detention_ok GROUP BY u.url) s
            LEFT JOIN LATERAL (SELECT min(x.id) AS id FROM sources_source x
                               WHERE x.url = s.url AND x.deleted_at IS NULL) x ON true
            """, key="url")  # fmt: skip
        self.table(
            "citation",
            f"""
            SELECT DISTINCT q.row_no, u.url
            FROM {rows} CROSS JOIN LATERAL unnest(r.source_urls) AS u(url)
            JOIN {T}source s ON s.url = u.url
            WHERE q.detention_ok AND NOT EXISTS (
                SELECT 1 FROM sources_citation c
                WHERE c.source_id = s.source_id AND c.detention_id = q.detention_id
                  AND c.deleted_at IS NULL)""",
        )

    def count_children(self) -> None:
        """Each row's numbers of new charges, changed descriptions, allegations and citations."""
        self.sql(f"""
            UPDATE {T}plan q SET n_charges = c.new, n_charge_descriptions = c.changed,
                   n_allegations = coalesce(a.n, 0), n_citations = coalesce(s.n, 0)
            FROM {T}plan q2
            LEFT JOIN (SELECT row_no, count(*) FILTER (WHERE charge_id IS NULL) AS new,
                              count(*) FILTER (WHERE changed) AS changed
                       FROM {T}charge GROUP BY row_no) c ON c.row_no = q2.row_no
            LEFT JOIN (SELECT row_no, count(*) AS n FROM {T}allegation GROUP BY row_no) a
                   ON a.row_no = q2.row_no
            LEFT JOIN (SELECT row_no, count(*) AS n FROM {T}citation GROUP BY row_no) s
                   ON s.row_no = q2.row_no
            WHERE q.row_no = q2.row_no
              AND (c.row_no IS NOT NULL OR a.row_no IS NOT NULL OR s.row_no IS NOT NULL)""")  # fmt: skip

    # -- results ---------------------------------------------------------------------

    def collect(self) -> None:
        """Counts, the first rows' plans and the errors, into the result."""
        result = self.result
        self.count(result.counts)
        self.errors.sort(key=lambda e: (e.row, COLUMN_INDEX.get(e.column, 99)))
        result.error_count = len(self.errors)
        result.errors = self.errors if self.error_limit is None else self.errors[: self.error_limit]
        result.row_plans = self.row_plans()

    def count(self, counts: dict[str, int]) -> None:
        """The result's counts (result.COUNT_LABELS), from the plan's tables."""
        (
            counts["new_persons"], counts["matched_persons"], counts["updated_persons"],
        ) = self.rows(f"""
            SELECT count(*) FILTER (WHERE new),
                   count(*) FILTER (WHERE person_id IS NOT NULL),
                   count(*) FILTER (WHERE person_id IS NOT NULL AND (gender_changed
                       OR birth_changed OR notes <> '' OR n_variants + n_occupations
                       + n_affiliations + n_case_groups > 0))
            FROM {T}person""")[0]  # fmt: skip
        (
            counts["new_detentions"], counts["updated_detentions"], counts["unchanged_detentions"],
        ) = self.rows(f"""
            WITH d AS (
                SELECT detention_id, d_place OR d_stage OR d_sentence OR d_facility OR d_released
                    OR d_reason OR n_charges + n_charge_descriptions + n_allegations
                    + n_citations + n_custody + n_custody_ended > 0 AS changed
                FROM {T}plan WHERE detention_ok)
            SELECT count(*) FILTER (WHERE detention_id IS NULL),
                   count(*) FILTER (WHERE detention_id IS NOT NULL AND changed),
                   count(*) FILTER (WHERE detention_id IS NOT NULL AND NOT changed)
            FROM d""")[0]  # fmt: skip
        counts["new_name_variants"] = self.value(f"SELECT count(*) FROM {T}variant")
        counts["new_organizations"] = self.value(
            f"SELECT count(*) FROM {T}organization WHERE organization_id IS NULL"
        )
        counts["new_affiliations"] = self.value(f"SELECT count(*) FROM {T}affiliation")
        counts["new_charges"] = self.value(
            f"SELECT count(*) FROM {T}charge WHERE charge_id IS NULL"
        )
        counts["new_allegations"] = self.value(f"SELECT count(*) FROM {T}allegation")
        counts["new_sources"] = self.value(
            f"SELECT count(*) FROM {T}source WHERE source_id IS NULL"
        )
        counts["new_citations"] = self.value(f"SELECT count(*) FROM {T}citation")
        if self.names_facilities:
            (
                counts["new_facilities"], counts["new_custody_periods"],
                counts["ended_custody_periods"],
            ) = self.rows(f"""
                SELECT (SELECT count(*) FROM {T}facility WHERE {NEW_FACILITIES}),
                       (SELECT count(*) FROM {T}custody), (SELECT count(*) FROM {T}closing)""")[0]  # fmt: skip
        if self.names_case_groups:
            counts["new_case_groups"], counts["new_case_group_members"] = self.rows(f"""
                SELECT (SELECT count(*) FROM {T}case_group WHERE group_id IS NULL),
                       (SELECT count(*) FROM {T}member)""")[0]  # fmt: skip

    def row_plans(self) -> list[RowPlan]:
        """What happens to each of the first `row_limit` rows, with its errors."""
        limit = self.row_limit
        if limit == 0:
            return []
        errors_by_row: dict[int, list[RowError]] = {}
        for error in self.errors:
            errors_by_row.setdefault(error.row, []).append(error)
        rows = self.rows(f"""
            SELECT r.row_no, r.person, sp.first_row, sp.person_id, x.display_name, q.via,
                   sp.ambiguous, r.has_detention, q.detention_ok, q.detention_id,
                   r.arrested_on, r.arrested_precision,
                   ARRAY[q.d_place, q.d_stage, q.d_sentence, q.d_facility, q.d_released,
                         q.d_reason],
                   q.n_charges, q.n_charge_descriptions, q.n_allegations, q.n_citations,
                   q.n_custody, q.n_custody_ended,
                   sp.gender_changed, sp.birth_changed, sp.notes <> '', sp.n_variants,
                   sp.n_occupations, sp.n_affiliations, sp.n_case_groups
            FROM {T}row r JOIN {T}plan q USING (row_no) JOIN {T}person sp USING (cluster)
            LEFT JOIN cases_person x ON x.id = sp.person_id
            ORDER BY r.row_no LIMIT %s""", [limit])  # fmt: skip
        plans = [_row_plan(record, errors_by_row.get(record[0], [])) for record in rows]
        for row, person in self.unstaged.items():
            plans.append(RowPlan(row=row, person=person, errors=errors_by_row.get(row, [])))
        plans.sort(key=lambda plan: plan.row)
        return plans if limit is None else plans[:limit]


def _row_plan(record: tuple, errors: list[RowError]) -> RowPlan:
    """One staged row's plan, from a line of SheetPlanner.row_plans' query."""
    (
        row, person, first_row, person_id, stored_name, via, ambiguous, has_detention,
        detention_ok, detention_id, arrested_on, precision, flags, new_charges,
        changed_charges, allegations, citations, custody, custody_ended, gender_changed, birth_changed, notes,
        variants, occupations, affiliations, case_groups,
    ) = record  # fmt: skip
    plan = RowPlan(row=row, person=person, errors=errors)
    if not ambiguous:
        plan.person_action = "matched" if person_id else "new"
        if person_id:
            plan.matched_person, plan.matched_person_id = stored_name, person_id
            plan.matched_via = via or ""
        elif first_row != row:
            plan.same_as_row = first_row
        if first_row == row:
            plan.person_changes = person_changes(
                variants, occupations, affiliations, gender_changed, birth_changed, notes,
                case_groups,
            )  # fmt: skip
    if arrested_on is not None:
        plan.arrested_on = PartialDate(arrested_on, precision)
    if has_detention and detention_ok:
        children = child_changes(
            new_charges, changed_charges, allegations, citations, custody, custody_ended
        )
        if detention_id is None:
            plan.detention_action = "new"
            plan.detention_changes = children
        else:
            plan.detention_changes = detention_field_changes(flags) + children
            plan.detention_action = "updated" if plan.detention_changes else "unchanged"
    return plan
