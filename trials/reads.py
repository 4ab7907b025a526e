"""The trials' reads: the hearings still to come (`upcoming_hearings`, the
`/trials/` page's first list and the iCalendar feed), a trial's next hearing,
the API's rows (`trial_rows`, the shape of trials.api.serializers.TrialSerializer)
and everything one trial's page shows (`trial_page`). Everything is read through
cases.visibility: a trial, a hearing and an involvement are cited facts, a
defendant is shown with its trial and person.

"Upcoming" is decided in the court's time zone (`Trial.time_zone`): a hearing on
or after the court's today; a hearing known only to its month or year is upcoming
while that month or year has not ended. A cancelled hearing is never upcoming."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.db.models import DateField, F, Func, Q, QuerySet
from django.db.models.functions import TruncMonth, TruncYear
from django.utils import timezone

from cases.partial_dates import PartialDate, Precision
from cases.partial_dates import from_columns as _partial
from cases.reads.citations import citations_of
from cases.reads.rows import SOURCE_FIELDS, _grouped, _ref, source_rows
from cases.visibility import Reader, visible, visible_levels
from officials.choices import InvolvementRole
from officials.models import Involvement
from sources.models import Source
from trials.choices import HearingStatus, TrialInstance
from trials.models import Hearing, Trial, TrialDefendant

# --- what is still to come -----------------------------------------------------------


class _LocalDay(Func):
    """The day it is at `moment` in the time zone named by the expression (a
    column: each trial's court has its own)."""

    output_field = DateField()

    def __init__(self, zone, moment: datetime.datetime):
        super().__init__(zone)
        self.moment = moment

    def as_sql(self, compiler, connection, **extra):
        sql, params = compiler.compile(self.source_expressions[0])
        return f"(%s::timestamptz AT TIME ZONE {sql})::date", [self.moment, *params]


def upcoming_q(now: datetime.datetime | None = None, prefix: str = "") -> Q:
    """Hearings (reached through `prefix`) whose date has not passed in their
    court's time zone at `now` (default: now): on or after the court's today, or
    in its current month or year when known only to the month or year."""
    today = _LocalDay(F(f"{prefix}trial__time_zone"), now or timezone.now())
    held_on, precision = f"{prefix}held_on", f"{prefix}held_on_precision"
    return (
        Q(**{precision: Precision.DAY, f"{held_on}__gte": today})
        | Q(
            **{
                precision: Precision.MONTH,
                f"{held_on}__gte": TruncMonth(today, output_field=DateField()),
            }
        )
        | Q(
            **{
                precision: Precision.YEAR,
                f"{held_on}__gte": TruncYear(today, output_field=DateField()),
            }
        )
    )


def court_today(trial: Trial, now: datetime.datetime | None = None) -> datetime.date:
    """The day it is in the court's time zone."""
    return (now or timezone.now()).astimezone(ZoneInfo(trial.time_zone)).date()


def is_upcoming(held_on: PartialDate, today: datetime.date) -> bool:
    """The Python twin of `upcoming_q` for one hearing (its period not yet ended)."""
    return held_on.end >= today


def upcoming_hearings(
    reader: Reader,
    trial: Trial | None = None,
    *,
    trials: QuerySet | Iterable[int] | None = None,
    now: datetime.datetime | None = None,
) -> QuerySet[Hearing]:
    """The hearings still to come that `reader` may see, of visible trials (all,
    `trial`, or those of `trials`), not cancelled, by date and time (then trial):
    with their trial and court (`select_related`), one query when evaluated."""
    hearings = Hearing.objects.filter(upcoming_q(now)).exclude(status=HearingStatus.CANCELLED)
    if trial is not None:
        hearings = hearings.filter(trial=trial)
    if trials is not None:
        hearings = hearings.filter(trial__in=trials)
    return (
        visible(hearings, reader)
        .select_related("trial", "trial__court")
        .order_by("held_on", "starts_at", "trial__title", "trial_id", "pk")
    )


def next_hearing(trial: Trial, reader: Reader, *, now=None) -> Hearing | None:
    """The trial's first hearing still to come (not cancelled), if the reader may
    see one: one query."""
    return upcoming_hearings(reader, trial, now=now).first()


# --- the parts of a trial ------------------------------------------------------------


def defendants_of(trial_ids: list[int], *, reader: Reader) -> dict[int, list[dict]]:
    """The visible defendants of the trials, by name, grouped by trial id: one query."""
    rows = (
        visible(TrialDefendant.objects.filter(trial_id__in=trial_ids), reader)
        .order_by("trial_id", "person__display_name", "person_id")
        .values(
            "trial_id", "charges", person_uuid=F("person__uuid"), person_slug=F("person__slug"),
            person_name=F("person__display_name"),
        )
    )  # fmt: skip
    return _grouped(
        [
            {
                "trial_id": row["trial_id"],
                "person": {
                    "uuid": row["person_uuid"],
                    "slug": row["person_slug"],
                    "display_name": row["person_name"],
                },
                "charges": row["charges"],
            }
            for row in rows
        ],
        "trial_id",
    )


def involvements_of(trial_ids: list[int], *, reader: Reader) -> dict[int, list[dict]]:
    """The visible involvements of officials in the trials (judges, prosecutors),
    in the order of the roles, then by name; grouped by trial id: one query. Each
    keeps its `_id` for its citations."""
    order = {role: number for number, role in enumerate(InvolvementRole.values)}
    rows = sorted(
        visible(Involvement.objects.filter(trial_id__in=trial_ids), reader).values(
            "id", "trial_id", "role", "description", official_uuid=F("official__uuid"),
            official_slug=F("official__slug"), official_name=F("official__name"),
        ),
        key=lambda row: (row["trial_id"], order.get(row["role"], 99), row["official_name"], row["id"]),
    )  # fmt: skip
    return _grouped(
        [
            {
                "trial_id": row["trial_id"],
                "official": {
                    "uuid": row["official_uuid"],
                    "slug": row["official_slug"],
                    "name": row["official_name"],
                },
                "role": row["role"],
                "description": row["description"],
                "_id": row["id"],
            }
            for row in rows
        ],
        "trial_id",
    )


def hearings_of(trial_ids: list[int], *, reader: Reader) -> dict[int, list[dict]]:
    """The visible hearings of the trials (cancelled ones too), by date and time,
    grouped by trial id: one query. Each keeps its `_id` for its citations; the
    internal notes never leave here."""
    rows = (
        visible(Hearing.objects.filter(trial_id__in=trial_ids), reader)
        .order_by("trial_id", "held_on", "starts_at", "id")
        .values(
            "id", "uuid", "trial_id", "held_on", "held_on_precision", "starts_at", "court_room",
            "status", "what_happened",
        )
    )  # fmt: skip
    return _grouped(
        [
            {
                "trial_id": row["trial_id"],
                "uuid": row["uuid"],
                "held_on": _partial(row["held_on"], row["held_on_precision"]),
                "starts_at": row["starts_at"],
                "court_room": row["court_room"],
                "status": row["status"],
                "what_happened": row["what_happened"],
                "_id": row["id"],
            }
            for row in rows
        ],
        "trial_id",
    )


# --- the API's rows ------------------------------------------------------------------

TRIAL_FIELDS = (
    "id", "uuid", "slug", "title", "number", "court__uuid", "court__slug", "court__name",
    "court__visibility", "court__deleted_at", "instance", "opened_on", "opened_on_precision",
    "closed_on", "closed_on_precision", "time_zone", "summary", "updated_at",
)  # fmt: skip


def trial_rows(rows: list[dict], *, reader: Reader) -> list[dict]:
    """Trials (TrialSerializer) from `.values(*TRIAL_FIELDS)` rows of visible
    trials, with their visible defendants, involvements and hearings, and the
    citations of the trial, its hearings and its involvements: 4 queries
    whatever the number of rows. The internal notes never leave here."""
    ids = [row["id"] for row in rows]
    if not ids:
        return []
    defendants = defendants_of(ids, reader=reader)
    involvements = involvements_of(ids, reader=reader)
    hearings = hearings_of(ids, reader=reader)
    citations = citations_of(
        reader,
        trial=ids,
        hearing=[h["_id"] for group in hearings.values() for h in group],
        involvement=[i["_id"] for group in involvements.values() for i in group],
    )
    levels = visible_levels(reader)
    result = []
    for row in rows:
        trial_hearings = hearings.get(row["id"], [])
        for hearing in trial_hearings:
            hearing["citations"] = citations["hearing"].get(hearing["_id"], [])
            if hearing["starts_at"] is not None:  # as HearingSerializer declares it
                hearing["starts_at"] = hearing["starts_at"].strftime("%H:%M")
        trial_involvements = involvements.get(row["id"], [])
        for involvement in trial_involvements:
            involvement["citations"] = citations["involvement"].get(involvement["_id"], [])
        result.append(
            {
                "uuid": row["uuid"],
                "slug": row["slug"],
                "title": row["title"],
                "number": row["number"],
                "court": _ref(row, "court", "slug", "name", levels=levels),
                "instance": row["instance"],
                "opened_on": _partial(row["opened_on"], row["opened_on_precision"]),
                "closed_on": _partial(row["closed_on"], row["closed_on_precision"]),
                "time_zone": row["time_zone"],
                "summary": row["summary"],
                "defendants": defendants.get(row["id"], []),
                "involvements": trial_involvements,
                "hearings": trial_hearings,
                "updated_at": row["updated_at"],
                "citations": citations["trial"].get(row["id"], []),
                "_id": row["id"],
            }
        )
    return result


# --- one trial's page ----------------------------------------------------------------


@dataclass
class TrialPage:
    """What one trial's page shows (and what a dossier may reuse): each fact with
    its visible citations (`citations`, the raw rows of cases.reads.citations);
    `sources` are the rows of the sources they cite, by UUID, for the footnotes
    (cases.pages.Footnotes numbers them in the page's order)."""

    trial: Trial
    court: dict | None
    instance: str  # the label, in the active language
    opened_on: PartialDate | None
    closed_on: PartialDate | None
    defendants: list[dict]
    involvements: list[dict]  # each with `role_label`
    upcoming: list[dict]  # hearings not yet over (a cancelled one marked so)
    past: list[dict]
    next_hearing: dict | None  # the first upcoming hearing not cancelled
    citations: list[dict]  # the trial's own
    sources: dict = field(default_factory=dict)


def trial_page(trial: Trial, reader: Reader, *, now: datetime.datetime | None = None) -> TrialPage:
    """Everything a visible trial's page shows to `reader`: the court, number,
    instance and dates; the visible defendants with their charges; the judges and
    prosecutors (the visible involvements in this trial, with role and
    official); the hearings, those still to come and those past, with what
    happened; each fact's citations and the sources they cite. 5 queries (the
    trial and its court are the caller's: `select_related("court")`)."""
    defendants = defendants_of([trial.pk], reader=reader).get(trial.pk, [])
    involvements = involvements_of([trial.pk], reader=reader).get(trial.pk, [])
    hearings = hearings_of([trial.pk], reader=reader).get(trial.pk, [])
    citations = citations_of(
        reader,
        trial=[trial.pk],
        hearing=[h["_id"] for h in hearings],
        involvement=[i["_id"] for i in involvements],
    )
    sources = {}
    if citations["source_uuids"]:
        rows = Source.objects.filter(uuid__in=citations["source_uuids"]).values(*SOURCE_FIELDS)
        sources = {row["uuid"]: row for row in source_rows(list(rows), reader=reader)}
    for involvement in involvements:
        involvement["role_label"] = InvolvementRole(involvement["role"]).label
        involvement["citations"] = citations["involvement"].get(involvement["_id"], [])
    today = court_today(trial, now)
    upcoming, past = [], []
    for hearing in hearings:
        hearing["status_label"] = HearingStatus(hearing["status"]).label
        hearing["citations"] = citations["hearing"].get(hearing["_id"], [])
        (upcoming if is_upcoming(hearing["held_on"], today) else past).append(hearing)
    court = None
    if trial.court_id:  # a court the reader may not see hides the trial (cases.visibility)
        court = {"uuid": trial.court.uuid, "slug": trial.court.slug, "name": trial.court.name}
    return TrialPage(
        trial=trial,
        court=court,
        instance=TrialInstance(trial.instance).label,
        opened_on=trial.opened_on_partial,
        closed_on=trial.closed_on_partial,
        defendants=defendants,
        involvements=involvements,
        upcoming=upcoming,
        past=past,
        next_hearing=next((h for h in upcoming if h["status"] != HearingStatus.CANCELLED), None),
        citations=citations["trial"].get(trial.pk, []),
        sources=sources,
    )
