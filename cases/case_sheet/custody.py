"""The facility columns of a case sheet: each facility matched by any spelling of
its names or created (internal, one per facility key of the file:
places.services), a custody period opened at it from the arrest, and a move
(`transferred_to`, `transferred_on`) that ends the open custody period and opens
one at the new facility. Set-based, as the rest of the plan: a fixed number of
statements whatever the size of the file.

For each row with a detention:
- `facility` F: a custody period at F from the arrest (to the move, if any), unless
  the detention has one at F already (in the trash too: an editor removed it).
  A stored detention whose custody Casebook records elsewhere, and not at the
  facility moved to, is an error: the sheet and Casebook disagree. For a stored
  detention the cell counts only when it says something new (another text than
  the detention's stored `facility`, or a move beside it): so an exported sheet
  still imports back unchanged, whatever custody an editor recorded since.
- `transferred_to` G on `transferred_on` T: the detention's open custody periods
  elsewhere that began by T end on T, and one at G begins on T, unless the
  detention has one at G already. So importing the sheet again changes nothing,
  and a later sheet with a further move carries the person on."""

from __future__ import annotations

from django.db.models.expressions import RawSQL
from django.utils.translation import gettext as _

from cases import evidence
from cases.case_sheet.tables import T, TempTables
from cases.partial_dates import PartialDate, Precision
from cases.search import name_key
from places.models import CustodyPeriod, Facility
from places.services import ambiguous_facility_message, facility_match, facility_slugs

CUSTODY = CustodyPeriod._meta.db_table
# the facilities of T + "facility" to create: unknown, and where a custody period begins
NEW_FACILITIES = f"facility_id IS NULL AND NOT ambiguous AND key IN (SELECT key FROM {T}custody)"


def _not_after(date: str, precision: str, start: str) -> str:
    """SQL: the partial date (`date`, `precision`) does not end before `start` begins
    (cases.partial_dates.period_not_before), or `start` is unknown."""
    return (
        f"({start} IS NULL OR {date} >= CASE {precision} "
        f"WHEN {int(Precision.YEAR)} THEN date_trunc('year', {start})::date "
        f"WHEN {int(Precision.MONTH)} THEN date_trunc('month', {start})::date "
        f"ELSE {start} END)"
    )


class CustodyPlanning(TempTables):
    """SheetPlanner's facility steps. `facility_names`: facility key -> the first
    spelling of the file and its row, filled while the rows are staged."""

    facility_names: dict[str, tuple[str, int]]

    @property
    def names_facilities(self) -> bool:
        """Whether any row names a facility: a sheet without one plans and writes none."""
        return bool(self.facility_names)

    def note_facility(self, row: int, name: str, key: str) -> None:
        if key and key not in self.facility_names:
            self.facility_names[key] = (name, row)

    def plan_facilities(self) -> None:
        """The facilities the sheet names (T + "facility"): the stored one each key
        finds, a new one, or several (an error on each row naming it)."""
        if not self.names_facilities:
            return
        found = facility_match(name for name, _row in self.facility_names.values())
        keys = list(self.facility_names)
        names = [self.facility_names[key][0] for key in keys]
        self.table("facility", """
            SELECT f.key, f.name, f.name_key, f.first_row, f.facility_id,
                   f.candidates > 1 AS ambiguous, NULL::text AS slug
            FROM unnest(%s::text[], %s::text[], %s::text[], %s::int[], %s::bigint[], %s::int[])
                 AS f(key, name, name_key, first_row, facility_id, candidates)""",
                   key="key", params=[
                       keys, names, [name_key(name) for name in names],
                       [self.facility_names[key][1] for key in keys],
                       [found[key][0].id if len(found[key]) == 1 else None for key in keys],
                       [len(found[key]) for key in keys],
                   ])  # fmt: skip
        ambiguous = [key for key in keys if len(found[key]) > 1]
        if not ambiguous:
            return
        for row, column, value, key in self.rows(f"""
                SELECT row_no, 'facility', facility, facility_key FROM {T}row
                WHERE facility_key = ANY(%s)
                UNION ALL
                SELECT row_no, 'transferred_to', transferred_to, transfer_key FROM {T}row
                WHERE transfer_key = ANY(%s)""", [ambiguous, ambiguous]):  # fmt: skip
            self.error(row, column, value, ambiguous_facility_message(found[key]))

    def plan_custody(self) -> None:
        """The custody periods each detention gains (T + "custody") and the open
        ones a move ends (T + "closing"); errors where the sheet and Casebook's
        custody disagree."""
        if not self.names_facilities:
            return
        self.table("custody_row", f"""
            SELECT c.*, false AS problem,
                   c.f_id IS NOT NULL AND EXISTS (
                       SELECT 1 FROM {CUSTODY} x
                       WHERE x.detention_id = c.detention_id AND x.facility_id = c.f_id) AS has_f,
                   c.g_id IS NOT NULL AND EXISTS (
                       SELECT 1 FROM {CUSTODY} x
                       WHERE x.detention_id = c.detention_id AND x.facility_id = c.g_id) AS has_g,
                   EXISTS (SELECT 1 FROM {CUSTODY} x WHERE x.detention_id = c.detention_id
                           AND x.deleted_at IS NULL
                           AND x.facility_id IS DISTINCT FROM c.g_id) AS held_elsewhere,
                   EXISTS (SELECT 1 FROM {CUSTODY} x WHERE x.detention_id = c.detention_id
                           AND x.deleted_at IS NULL AND x.facility_id = c.g_id) AS held_at_g
            FROM (SELECT q.row_no, q.detention_id, r.arrested_on, r.arrested_precision,
                         -- the facility cell says something new (below: says_f)
                         CASE WHEN q.detention_id IS NULL OR q.d_facility OR r.transfer_key <> ''
                              THEN r.facility_key ELSE '' END AS f_key, f.facility_id AS f_id,
                         r.transfer_key AS g_key, g.facility_id AS g_id,
                         r.transferred_on, r.transferred_precision
                  FROM {T}plan q JOIN {T}row r USING (row_no)
                  LEFT JOIN {T}facility f ON f.key = r.facility_key
                  LEFT JOIN {T}facility g ON g.key = r.transfer_key
                  WHERE q.detention_ok AND (r.facility_key <> '' OR r.transfer_key <> '')
                    AND f.ambiguous IS NOT TRUE AND g.ambiguous IS NOT TRUE) c""",
                   key="row_no")  # fmt: skip
        self.report_custody_disagreements()
        # (small tables, read once: no key, no statistics)
        self.sql(f"""
            CREATE TEMP TABLE {T}custody AS
            SELECT row_no, f_key AS key, arrested_on AS held_from,
                   arrested_precision AS held_from_precision,
                   transferred_on AS held_until, transferred_precision AS held_until_precision
            FROM {T}custody_row WHERE f_key <> '' AND NOT has_f AND NOT problem
            UNION ALL
            SELECT row_no, g_key, transferred_on, transferred_precision, NULL, NULL
            FROM {T}custody_row WHERE g_key <> '' AND NOT has_g AND NOT problem""")  # fmt: skip
        ending = _not_after("c.transferred_on", "c.transferred_precision", "x.held_from")
        closing = self.sql(f"""
            CREATE TEMP TABLE {T}closing AS
            SELECT DISTINCT ON (x.id) x.id AS custody_id, c.row_no,
                   c.transferred_on AS held_until, c.transferred_precision AS held_until_precision
            FROM {T}custody_row c JOIN {CUSTODY} x ON x.detention_id = c.detention_id
            WHERE c.g_key <> '' AND c.transferred_on IS NOT NULL AND NOT c.problem
              AND x.held_until IS NULL AND x.deleted_at IS NULL
              AND x.facility_id IS DISTINCT FROM c.g_id AND {ending}
            ORDER BY x.id, c.row_no""")  # fmt: skip
        if closing:
            self.refuse_uncited_endings()
        self.sql(f"""
            UPDATE {T}plan q SET n_custody = coalesce(n.n, 0), n_custody_ended = coalesce(e.n, 0)
            FROM {T}plan q2
            LEFT JOIN (SELECT row_no, count(*) AS n FROM {T}custody GROUP BY row_no) n
                   ON n.row_no = q2.row_no
            LEFT JOIN (SELECT row_no, count(*) AS n FROM {T}closing GROUP BY row_no) e
                   ON e.row_no = q2.row_no
            WHERE q.row_no = q2.row_no AND (n.row_no IS NOT NULL OR e.row_no IS NOT NULL)""")  # fmt: skip

    def report_custody_disagreements(self) -> None:
        """Errors where a row's facilities cannot be placed in the stored custody (the
        row's custody is then left out of the plan): the facility and the one moved
        to are one stored facility under two names; or the detention's custody is
        recorded elsewhere, and not at the facility moved to."""
        same = "c.f_id = c.g_id"
        table = Facility._meta.db_table
        disagreeing = "c.f_key <> '' AND NOT c.has_f AND c.held_elsewhere AND NOT c.held_at_g"
        for row, is_same, value, facilities in self.rows(f"""
                UPDATE {T}custody_row c SET problem = true FROM {T}row r
                WHERE r.row_no = c.row_no AND ({same} OR ({disagreeing}))
                RETURNING c.row_no, {same},
                    CASE WHEN {same} THEN r.transferred_to ELSE r.facility END,
                    CASE WHEN {same} THEN ARRAY(SELECT f.name FROM {table} f
                                                WHERE f.id = c.f_id)
                    ELSE (SELECT array_agg(DISTINCT f.name ORDER BY f.name)
                          FROM {CUSTODY} x JOIN {table} f ON f.id = x.facility_id
                          WHERE x.detention_id = c.detention_id AND x.deleted_at IS NULL) END"""):  # fmt: skip
            if is_same:
                message = _(
                    "this is another name of the facility the row names in facility "
                    "(%(facility)s); expected the facility the person was moved to, or blank"
                ) % {"facility": ", ".join(facilities or [])}
            else:
                message = _(
                    "Casebook records this detention's custody at %(facilities)s, not at this "
                    "facility; expected that facility here (with transferred_to and "
                    "transferred_on for a move), or change the custody periods in the admin first"
                ) % {"facilities": ", ".join(facilities or [])}
            self.error(row, "transferred_to" if is_same else "facility", value, message)

    def refuse_uncited_endings(self) -> None:
        """The evidence rule (cases.evidence): ending a shared or public custody period
        changes a fact its readers see, so it needs a citation they may see. An error
        on the row's transferred_on for each one without."""
        refusals = evidence.publication_refusals(
            CustodyPeriod.objects.filter(pk__in=RawSQL(f"SELECT custody_id FROM {T}closing", []))
        )
        if not refusals:
            return
        by_id = {refusal.fact.pk: refusal for refusal in refusals}
        for row, custody_id, moved_on, precision in self.rows(f"""
                SELECT row_no, custody_id, held_until, held_until_precision FROM {T}closing
                WHERE custody_id = ANY(%s) ORDER BY row_no""", [list(by_id)]):  # fmt: skip
            refusal = by_id[custody_id]
            self.error(row, "transferred_on", PartialDate(moved_on, precision).isoformat(), _(
                "this row ends a custody period that is %(level)s in Casebook without evidence "
                "for it: %(problem)s Expected: cite it in the admin or make it internal before "
                "importing; an import adds its sources as internal citations, so it cannot "
                "publish one"
            ) % {"level": refusal.fact.get_visibility_display(),
                 "problem": refusal.message})  # fmt: skip


class CustodyWriting(TempTables):
    """PlanWriter's facility steps: the new facilities, then the custody periods."""

    def write_facilities(self) -> None:
        """The facilities the sheet names that Casebook lacks and the plan holds
        someone at (internal, each with a free slug)."""
        new = self.rows(f"SELECT key, name FROM {T}facility WHERE {NEW_FACILITIES} "
                        "ORDER BY first_row")  # fmt: skip
        if not new:
            return
        keys = [key for key, _name in new]
        slugs = facility_slugs([name for _key, name in new])
        self.sql(f"""
            UPDATE {T}facility f SET slug = u.slug, facility_id = nextval(%s::regclass)
            FROM unnest(%s::text[], %s::text[]) AS u(key, slug) WHERE f.key = u.key""",
                 [self.sequence(Facility), keys, slugs])  # fmt: skip
        self.insert(
            Facility,
            {"id": "f.facility_id", "name": "f.name", "slug": "f.slug", "name_key": "f.name_key"},
            f"{T}facility f WHERE f.slug IS NOT NULL",
        )

    def write_custody(self) -> None:
        """The new custody periods (internal), and the ends of those a move closes."""
        self.insert(
            CustodyPeriod,
            {
                "detention_id": "d.id",
                "facility_id": "f.facility_id",
                "held_from": "c.held_from",
                "held_from_precision": "c.held_from_precision",
                "held_until": "c.held_until",
                "held_until_precision": "c.held_until_precision",
            },
            f"{T}custody c JOIN {T}detention_id d USING (row_no) JOIN {T}facility f USING (key)",
        )
        self.sql(f"""
            UPDATE {CUSTODY} x SET held_until = c.held_until,
                   held_until_precision = c.held_until_precision, updated_at = now()
            FROM {T}closing c WHERE x.id = c.custody_id""")  # fmt: skip
