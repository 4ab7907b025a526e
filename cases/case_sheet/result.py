"""What a preview or an import reports: the counts, each row's plan and the errors."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop, ngettext, ngettext_lazy

from cases.partial_dates import PartialDate


@dataclass(frozen=True)
class RowError:
    """One problem in one cell: the row as a spreadsheet numbers it (the header
    is row 1), the column, the value found and what was expected."""

    row: int
    column: str
    value: str
    message: str

    def __str__(self) -> str:
        return _("Row %(row)s, %(column)s %(value)s: %(message)s") % {
            "row": self.row,
            "column": self.column,
            "value": repr(self.value) if self.value else _("(blank)"),
            "message": self.message,
        }


@dataclass
class RowPlan:
    """What the import does with one row."""

    row: int
    person: str
    person_action: str = ""  # new | matched | "" (error)
    same_as_row: int | None = None  # an earlier row of the file names the same person
    matched_person: str = ""  # the stored display name
    matched_person_id: int | None = None
    matched_via: str = ""  # the stored spelling whose key matched
    person_changes: list[str] = field(default_factory=list)
    detention_action: str = ""  # new | updated | unchanged | "" (no detention)
    arrested_on: PartialDate | None = None
    detention_changes: list[str] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)


# The summary's table heads each count with a label...
COUNT_LABELS = {
    "new_persons": gettext_lazy("new persons"),
    "matched_persons": gettext_lazy("existing persons matched"),
    "updated_persons": gettext_lazy("existing persons updated"),
    "new_detentions": gettext_lazy("new detentions"),
    "updated_detentions": gettext_lazy("detentions updated"),
    "unchanged_detentions": gettext_lazy("detentions unchanged"),
    "new_name_variants": gettext_lazy("new name variants"),
    "new_organizations": gettext_lazy("new organizations"),
    "new_affiliations": gettext_lazy("new affiliations"),
    "new_case_groups": gettext_lazy("new case groups"),
    "new_case_group_members": gettext_lazy("new members of case groups"),
    "new_charges": gettext_lazy("new charges"),
    "new_allegations": gettext_lazy("new allegations"),
    "new_sources": gettext_lazy("new sources"),
    "new_citations": gettext_lazy("new citations"),
    "new_facilities": gettext_lazy("new facilities"),
    "new_custody_periods": gettext_lazy("new custody periods"),
    "ended_custody_periods": gettext_lazy("custody periods ended by a move"),
}
# ...and its sentence says each count with its noun, in the plural form the number
# needs ("1 новое лицо", "2 новых лица", "5 новых лиц").
COUNT_PHRASES = {
    "new_persons": ngettext_lazy("%(n)s new person", "%(n)s new persons", "n"),
    "matched_persons": ngettext_lazy(
        "%(n)s existing person matched", "%(n)s existing persons matched", "n"
    ),
    "updated_persons": ngettext_lazy(
        "%(n)s existing person updated", "%(n)s existing persons updated", "n"
    ),
    "new_detentions": ngettext_lazy("%(n)s new detention", "%(n)s new detentions", "n"),
    "updated_detentions": ngettext_lazy("%(n)s detention updated", "%(n)s detentions updated", "n"),
    "unchanged_detentions": ngettext_lazy(
        "%(n)s detention unchanged", "%(n)s detentions unchanged", "n"
    ),
    "new_name_variants": ngettext_lazy("%(n)s new name variant", "%(n)s new name variants", "n"),
    "new_organizations": ngettext_lazy("%(n)s new organization", "%(n)s new organizations", "n"),
    "new_affiliations": ngettext_lazy("%(n)s new affiliation", "%(n)s new affiliations", "n"),
    "new_case_groups": ngettext_lazy("%(n)s new case group", "%(n)s new case groups", "n"),
    "new_case_group_members": ngettext_lazy(
        "%(n)s new member of a case group", "%(n)s new members of case groups", "n"
    ),
    "new_charges": ngettext_lazy("%(n)s new charge", "%(n)s new charges", "n"),
    "new_allegations": ngettext_lazy("%(n)s new allegation", "%(n)s new allegations", "n"),
    "new_sources": ngettext_lazy("%(n)s new source", "%(n)s new sources", "n"),
    "new_citations": ngettext_lazy("%(n)s new citation", "%(n)s new citations", "n"),
    "new_facilities": ngettext_lazy("%(n)s new facility", "%(n)s new facilities", "n"),
    "new_custody_periods": ngettext_lazy(
        "%(n)s new custody period", "%(n)s new custody periods", "n"
    ),
    "ended_custody_periods": ngettext_lazy(
        "%(n)s custody period ended by a move", "%(n)s custody periods ended by a move", "n"
    ),
}


@dataclass
class CaseSheetResult:
    """A preview's or an import's outcome: rows, counts, errors, the first rows' plans."""

    file_name: str
    file_format: str
    rows: int = 0
    written: bool = False
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COUNT_LABELS, 0))
    errors: list[RowError] = field(default_factory=list)  # the first `error_limit`
    error_count: int = 0
    row_plans: list[RowPlan] = field(default_factory=list)  # the first `row_limit` rows
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.error_count == 0

    @property
    def changes_anything(self) -> bool:
        return any(
            n
            for key, n in self.counts.items()
            if key not in ("matched_persons", "unchanged_detentions")
        )

    def summary(self) -> str:
        counted = ", ".join(COUNT_PHRASES[key] % {"n": n} for key, n in self.counts.items() if n)
        text = ngettext("%(n)s row", "%(n)s rows", self.rows) % {"n": self.rows}
        if counted:
            text += f": {counted}"
        if self.error_count:
            text += ". " + ngettext(
                "%(n)s error; nothing was written.", "%(n)s errors; nothing was written.",
                self.error_count,
            ) % {"n": self.error_count}  # fmt: skip
        elif not self.changes_anything:
            text += ". " + _("Nothing to change: the database already holds every row.")
        return text


# progress(stage, done, total, unit): stage "read" (unit "bytes" or "rows"), "check", "write" (steps)
Progress = Callable[[str, int, int | None, str], None]


# --- what changes, in words -------------------------------------------------------------

DETENTION_FIELD_LABELS = (
    gettext_noop("arrest place"), gettext_noop("legal stage"), gettext_noop("sentence"),
    gettext_noop("facility"), gettext_noop("released on"), gettext_noop("release reason"),
)  # fmt: skip


def person_changes(
    variants, occupations, affiliations, gender, birth, notes, case_groups=0
) -> list[str]:
    """What a person gains, in words: "+2 name variants", "gender"..."""
    changes = []
    if variants:
        changes.append(ngettext("+%(n)s name variant", "+%(n)s name variants", variants)
                       % {"n": variants})  # fmt: skip
    if occupations:
        changes.append(ngettext("+%(n)s occupation", "+%(n)s occupations", occupations)
                       % {"n": occupations})  # fmt: skip
    if affiliations:
        changes.append(ngettext("+%(n)s affiliation", "+%(n)s affiliations", affiliations)
                       % {"n": affiliations})  # fmt: skip
    if case_groups:
        changes.append(ngettext("+%(n)s case group", "+%(n)s case groups", case_groups)
                       % {"n": case_groups})  # fmt: skip
    if gender:
        changes.append(_("gender"))
    if birth:
        changes.append(_("birth year"))
    if notes:
        changes.append(_("internal notes"))
    return changes


def child_changes(
    new_charges, changed_charges, allegations, citations, custody=0, custody_ended=0
) -> list[str]:
    """What a detention gains, in words: "+1 charge", "+2 sources", "+1 custody period"..."""
    changes = []
    if new_charges:
        changes.append(ngettext("+%(n)s charge", "+%(n)s charges", new_charges)
                       % {"n": new_charges})  # fmt: skip
    if changed_charges:
        changes.append(ngettext("%(n)s charge description", "%(n)s charge descriptions",
                                changed_charges) % {"n": changed_charges})  # fmt: skip
    if allegations:
        changes.append(ngettext("+%(n)s allegation", "+%(n)s allegations", allegations)
                       % {"n": allegations})  # fmt: skip
    if citations:
        changes.append(ngettext("+%(n)s source", "+%(n)s sources", citations)
                       % {"n": citations})  # fmt: skip
    if custody:
        changes.append(ngettext("+%(n)s custody period", "+%(n)s custody periods", custody)
                       % {"n": custody})  # fmt: skip
    if custody_ended:
        changes.append(ngettext("%(n)s custody period ended", "%(n)s custody periods ended",
                                custody_ended) % {"n": custody_ended})  # fmt: skip
    return changes


def detention_field_changes(flags) -> list[str]:
    """The names of the stored detention's fields the row changes, translated."""
    return [_(label) for flag, label in zip(flags, DETENTION_FIELD_LABELS, strict=True) if flag]
