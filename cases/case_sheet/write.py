"""Carrying out a plan: the set-based write, a fixed number of statements whatever the size."""

from __future__ import annotations

from django.db import DatabaseError, connection, models
from django.utils.text import slugify

from cases.case_sheet.cells import slug_base
from cases.case_sheet.custody import CustodyWriting
from cases.case_sheet.result import Progress
from cases.case_sheet.tables import T, TempTables
from cases.choices import NameVariantKind
from cases.models import (
    Affiliation,
    Allegation,
    Charge,
    Detention,
    IssuedSlug,
    NameVariant,
    Organization,
    Person,
    SourceKind,
)
from cases.partial_dates import Precision
from cases.search import readable_ascii
from lists.models import CaseGroup, CaseGroupMember
from sources.models import Citation, Source

SOURCE_KIND = "other"  # a URL alone does not say what kind of source it is


class PlanWriter(CustodyWriting, TempTables):
    """The second half of an import: writes what SheetPlanner planned, from its
    temporary tables, on its cursor. Every write is an INSERT ... SELECT or an
    UPDATE over the whole file; history triggers record each change."""

    def __init__(
        self, cursor, *, progress: Progress, case_groups: bool = False, facilities: bool = False
    ):
        super().__init__(cursor)
        self.progress = progress
        self.case_groups = case_groups  # the plan has case groups (SheetPlanner.names_case_groups)
        self.facilities = facilities  # the plan has facilities (SheetPlanner.names_facilities)

    def write(self) -> None:
        """Carry out the plan: a fixed number of statements whatever the size."""
        steps = [
            self.write_organizations,
            self.write_persons,
            self.write_person_details,
            self.write_detentions,
            self.write_detention_details,
        ]
        if self.case_groups:
            steps.insert(3, self.write_case_groups)
        if self.facilities:
            steps += [self.write_facilities, self.write_custody]
        for number, step in enumerate(steps, start=1):
            step()
            self.progress("write", number, len(steps), "steps")

    def sequence(self, model) -> str:
        """The name of the model's id sequence, for nextval() in a set-based insert."""
        return self.value("SELECT pg_get_serial_sequence(%s, 'id')", [model._meta.db_table])

    def write_organizations(self) -> None:
        """The organizations the sheet names that Casebook lacks, each with a free slug."""
        new = self.rows(
            f"SELECT key, name FROM {T}organization WHERE organization_id IS NULL ORDER BY first_row"
        )
        if not new:
            return
        taken: set[str] = set()
        for key, name in new:
            base = slugify(readable_ascii(name))[:110] or "organization"
            slug, number = base, 1
            while slug in taken or Organization.objects.filter(slug=slug).exists():
                number += 1
                slug = f"{base}-{number}"
            taken.add(slug)
            self.sql(f"UPDATE {T}organization SET slug = %s WHERE key = %s", [slug, key])
        self.sql(f"UPDATE {T}organization SET organization_id = nextval(%s::regclass) "
                 "WHERE organization_id IS NULL", [self.sequence(Organization)])  # fmt: skip
        self.insert(
            Organization,
            {"id": "o.organization_id", "name": "o.name", "slug": "o.slug"},
            f"{T}organization o WHERE o.slug IS NOT NULL",
        )

    def write_case_groups(self) -> None:
        """The case groups the sheet names that Casebook lacks (internal, each with a
        free slug), and the memberships planned (internal)."""
        new = self.rows(
            f"SELECT key, name FROM {T}case_group WHERE group_id IS NULL ORDER BY first_row"
        )
        taken: set[str] = set()
        for key, name in new:
            base = slugify(readable_ascii(name))[:110] or "group"
            slug, number = base, 1
            while slug in taken or CaseGroup.objects.filter(slug=slug).exists():
                number += 1
                slug = f"{base}-{number}"
            taken.add(slug)
            self.sql(f"UPDATE {T}case_group SET slug = %s WHERE key = %s", [slug, key])
        if new:
            self.sql(f"UPDATE {T}case_group SET group_id = nextval(%s::regclass) "
                     "WHERE group_id IS NULL", [self.sequence(CaseGroup)])  # fmt: skip
            self.insert(
                CaseGroup,
                {"id": "g.group_id", "name": "g.name", "slug": "g.slug"},
                f"{T}case_group g WHERE g.slug IS NOT NULL",
            )
        self.insert(
            CaseGroupMember,
            {"group_id": "g.group_id", "person_id": "p.id"},
            f"{T}member m JOIN {T}person_id p USING (cluster) JOIN {T}case_group g USING (key)",
            conflict="ON CONFLICT (group_id, person_id) DO NOTHING",
        )

    # -- persons ---------------------------------------------------------------------

    def write_persons(self) -> None:
        """New persons with slugs never issued before, and the updates of matched ones."""
        sp = f"{T}person"
        self.issue_slugs()
        self.insert(
            Person,
            {
                "id": "n.id",
                "display_name": "s.display_name",
                "slug": "n.slug",
                "name_key": "s.person_key",
                "gender": "s.gender",
                "birth_date": "make_date(s.birth_year, 1, 1)",
                "birth_date_precision": f"CASE WHEN s.birth_year IS NOT NULL THEN {int(Precision.YEAR)} END",
                "internal_notes": "s.notes",
            },
            f"{T}new_person n JOIN {sp} s USING (cluster)",
        )
        self.sql(f"""
            UPDATE cases_person x SET
                gender = CASE WHEN s.gender_changed THEN s.gender ELSE x.gender END,
                birth_date = CASE WHEN s.birth_changed THEN make_date(s.birth_year, 1, 1)
                             ELSE x.birth_date END,
                birth_date_precision = CASE WHEN s.birth_changed THEN {int(Precision.YEAR)}
                                       ELSE x.birth_date_precision END,
                internal_notes = CASE WHEN s.notes = '' THEN x.internal_notes
                                      WHEN x.internal_notes = '' THEN s.notes
                                      ELSE x.internal_notes || %s || s.notes END,
                updated_at = now()
            FROM {sp} s
            WHERE x.id = s.person_id AND (s.gender_changed OR s.birth_changed OR s.notes <> '')
            """, ["\n\n"])  # fmt: skip
        # every person of the file, stored or new, by its group of rows
        self.table("person_id", f"""
            SELECT cluster, person_id AS id FROM {sp} WHERE person_id IS NOT NULL
            UNION ALL SELECT cluster, id FROM {T}new_person""", key="cluster")  # fmt: skip

    def issue_slugs(self) -> None:
        """Each new person's id and slug (T + "new_person"), the slugs recorded as issued."""
        sp = f"{T}person"
        # (worked out here, not while the rows are checked: a preview needs none, and
        # a person of several rows needs one)
        new = self.rows(f"SELECT cluster, display_name FROM {sp} WHERE new")
        self.sql(f"""
            UPDATE {sp} s SET slug_base = u.base
            FROM unnest(%s::integer[], %s::text[]) AS u(cluster, base) WHERE s.cluster = u.cluster""",
                 [[cluster for cluster, _name in new], [slug_base(name) for _cluster, name in new]])  # fmt: skip
        # a slug is the name, then -2, -3...: after the highest number issued for that name
        self.table("slug", f"SELECT DISTINCT slug_base AS base, 0 AS n FROM {sp} WHERE new",
                   key="base")  # fmt: skip
        self.sql(f"""
            UPDATE {T}slug s SET n = x.n
            FROM (SELECT base, max(n) AS n FROM (
                      SELECT substring(slug FROM '^(.*)-[0-9]{{1,9}}$') AS base,
                             substring(slug FROM '-([0-9]{{1,9}})$')::integer AS n
                      FROM cases_issuedslug  -- through the index of NUMBERED_SLUG_BASE
                      WHERE substring(slug FROM '^(.*)-[0-9]{{1,9}}$') IN (SELECT base FROM {T}slug)
                      UNION ALL
                      SELECT slug, 1 FROM cases_issuedslug
                      WHERE slug IN (SELECT base FROM {T}slug)) numbered
                  GROUP BY base) x
            WHERE x.base = s.base""")  # fmt: skip
        self.table("new_person", f"""
            SELECT r.cluster, nextval(%s::regclass) AS id,
                   CASE WHEN top.n = 0 AND r.k = 1 THEN r.slug_base
                        WHEN top.n = 0 THEN r.slug_base || '-' || r.k
                        ELSE r.slug_base || '-' || (top.n + r.k) END AS slug
            FROM (SELECT cluster, slug_base,
                         row_number() OVER (PARTITION BY slug_base ORDER BY cluster) AS k
                  FROM {sp} WHERE new) r
            JOIN {T}slug top ON top.base = r.slug_base""", key="cluster",
                   params=[self.sequence(Person)])  # fmt: skip
        self.resolve_slug_clashes()
        self.sql(f"INSERT INTO cases_issuedslug (slug, issued_at) "
                 f"SELECT slug, now() FROM {T}new_person")  # fmt: skip

    def resolve_slug_clashes(self) -> None:
        """Rare clashes (a name that itself ends in -N): issue those one by one."""
        clashes = self.rows(f"""
            SELECT n.cluster, s.slug_base FROM {T}new_person n JOIN {T}person s USING (cluster)
            WHERE EXISTS (SELECT 1 FROM cases_issuedslug i WHERE i.slug = n.slug)
               OR n.slug IN (SELECT slug FROM {T}new_person GROUP BY slug HAVING count(*) > 1)
            ORDER BY n.cluster""")  # fmt: skip
        for cluster, base in clashes:
            number = 1
            while True:
                number += 1
                slug = f"{base}-{number}"
                if not IssuedSlug.objects.filter(slug=slug).exists() and not self.value(
                    f"SELECT count(*) FROM {T}new_person WHERE slug = %s", [slug]
                ):
                    break
            self.sql(f"UPDATE {T}new_person SET slug = %s WHERE cluster = %s", [slug, cluster])

    def write_person_details(self) -> None:
        """The persons' new name variants, occupations and affiliations."""
        self.insert(
            NameVariant,
            {
                "person_id": "p.id",
                "name": "v.name",
                "name_key": "v.key",
                "language": "v.language",
                "kind": (
                    f"CASE WHEN v.language = 'az' THEN '{NameVariantKind.NATIVE}' "
                    f"ELSE '{NameVariantKind.TRANSLITERATION}' END"
                ),
            },
            f"{T}variant v JOIN {T}person_id p USING (cluster)",
            conflict="ON CONFLICT (person_id, name) DO NOTHING",
        )
        occupations = Person.occupations.through._meta.db_table
        self.sql(f"""
            INSERT INTO {occupations} (person_id, occupation_id)
            SELECT p.id, o.occupation_id FROM {T}occupation o JOIN {T}person_id p USING (cluster)
            ON CONFLICT DO NOTHING""")  # fmt: skip
        self.insert(
            Affiliation,
            {"person_id": "p.id", "organization_id": "o.organization_id"},
            f"{T}affiliation a JOIN {T}person_id p USING (cluster) "
            f"JOIN {T}organization o USING (key)",
        )

    # -- detentions ------------------------------------------------------------------

    def write_detentions(self) -> None:
        """New detentions, and the fields of stored ones that the sheet changes."""
        self.table("detention_id", f"""
            SELECT row_no, detention_id AS id, false AS new FROM {T}plan
            WHERE detention_ok AND detention_id IS NOT NULL
            UNION ALL
            SELECT row_no, nextval(%s::regclass), true FROM {T}plan
            WHERE detention_ok AND detention_id IS NULL""", key="row_no",
                   params=[self.sequence(Detention)])  # fmt: skip
        self.insert(
            Detention,
            {
                "id": "d.id",
                "person_id": "p.id",
                "arrested_on": "r.arrested_on",
                "arrested_on_precision": "r.arrested_precision",
                "arrest_place": "r.arrest_place",
                "legal_stage_id": "r.legal_stage_id",
                "facility": "r.facility",
                "sentence_months": "r.sentence_months",
                "released_on": "r.released_on",
                "released_on_precision": "r.released_precision",
                "release_reason_id": "r.release_reason_id",
            },
            f"{T}detention_id d JOIN {T}row r USING (row_no) JOIN {T}plan q USING (row_no) "
            f"JOIN {T}person_id p ON p.cluster = q.cluster WHERE d.new",
        )
        self.sql(f"""
            UPDATE cases_detention d SET
                arrest_place = CASE WHEN q.d_place THEN r.arrest_place ELSE d.arrest_place END,
                legal_stage_id = CASE WHEN q.d_stage THEN r.legal_stage_id ELSE d.legal_stage_id END,
                sentence_months = CASE WHEN q.d_sentence THEN r.sentence_months
                                  ELSE d.sentence_months END,
                facility = CASE WHEN q.d_facility THEN r.facility ELSE d.facility END,
                released_on = CASE WHEN q.d_released THEN r.released_on ELSE d.released_on END,
                released_on_precision = CASE WHEN q.d_released THEN r.released_precision
                                        ELSE d.released_on_precision END,
                release_reason_id = CASE WHEN q.d_reason THEN r.release_reason_id
                                    ELSE d.release_reason_id END,
                updated_at = now()
            FROM {T}plan q JOIN {T}row r USING (row_no)
            WHERE d.id = q.detention_id AND q.detention_ok
              AND (q.d_place OR q.d_stage OR q.d_sentence OR q.d_facility OR q.d_released
                   OR q.d_reason)""")  # fmt: skip

    def write_detention_details(self) -> None:
        """New charges and changed descriptions, allegations, sources and citations."""
        self.insert(
            Charge,
            {"detention_id": "d.id", "article": "c.article", "description": "c.description"},
            f"{T}charge c JOIN {T}detention_id d USING (row_no) WHERE c.charge_id IS NULL",
            conflict="ON CONFLICT (detention_id, article) DO NOTHING",
        )
        self.sql(f"""
            UPDATE cases_charge x SET description = c.description, updated_at = now()
            FROM {T}charge c WHERE x.id = c.charge_id AND c.changed""")
        self.insert(
            Allegation,
            {"person_id": "p.id", "detention_id": "d.id", "kind_id": "a.kind_id"},
            f"{T}allegation a JOIN {T}detention_id d USING (row_no) JOIN {T}plan q USING (row_no) "
            f"JOIN {T}person_id p ON p.cluster = q.cluster",
        )
        kind = SourceKind.objects.filter(code=SOURCE_KIND).values_list("id", flat=True).first()
        if kind is None:
            kind = SourceKind.objects.create(code=SOURCE_KIND, label=SOURCE_KIND).pk
        self.table("source_id", f"""
            SELECT url, source_id AS id, false AS new FROM {T}source WHERE source_id IS NOT NULL
            UNION ALL
            SELECT url, nextval(%s::regclass), true FROM {T}source WHERE source_id IS NULL""",
                   key="url", params=[self.sequence(Source)])  # fmt: skip
        self.insert(
            Source,
            {"id": "s.id", "title": "left(s.url, 400)", "url": "s.url", "kind_id": str(int(kind))},
            f"{T}source_id s WHERE s.new",
        )
        self.insert(
            Citation,
            {"source_id": "s.id", "detention_id": "d.id"},
            f"{T}citation c JOIN {T}detention_id d USING (row_no) JOIN {T}source_id s USING (url)",
        )

    def insert(self, model, values: dict[str, str], source: str, conflict: str = "") -> int:
        """INSERT INTO the model's table SELECT `values` (column -> SQL expression)
        FROM `source`. Every other column gets the field's default, so a column
        added to the model later is filled as Django would fill it."""
        columns, expressions, params = [], [], []
        for model_field in model._meta.concrete_fields:
            column = model_field.column
            if column in values:
                expression = values[column]
            elif model_field.primary_key:
                continue
            elif column == "uuid":
                expression = "gen_random_uuid()"
            elif getattr(model_field, "auto_now", False) or getattr(
                model_field, "auto_now_add", False
            ):
                expression = "now()"
            elif model_field.has_default() and not callable(model_field.default):
                expression = "%s"
                params.append(model_field.get_db_prep_save(model_field.get_default(), connection))
            elif model_field.null:
                expression = "NULL"
            elif isinstance(model_field, (models.CharField, models.TextField, models.FileField)):
                expression = "''"
            else:
                raise DatabaseError(
                    f"case sheet import: no value for {model.__name__}.{model_field.name}"
                )
            columns.append(connection.ops.quote_name(column))
            expressions.append(expression)
        return self.sql(
            f"INSERT INTO {model._meta.db_table} ({', '.join(columns)}) "
            f"SELECT {', '.join(expressions)} FROM {source} {conflict}",
            params,
        )
