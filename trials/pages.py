"""What the public pages of trials show, assembled from trials.reads: the
`/trials/` list (the hearings still to come, then the trials with their
defendants and next hearing) and one trial's page, footnoted as the person page
is (cases.pages.Footnotes). Visibility is decided by the reads."""

from __future__ import annotations

from django.db.models import QuerySet

from cases.models import Organization
from cases.pages import Footnotes
from cases.visibility import Reader, visible
from trials.choices import HearingStatus, TrialInstance
from trials.models import Trial
from trials.reads import defendants_of, trial_page, upcoming_hearings


def hearing_row(hearing, defendants: list[dict]) -> dict:
    """One hearing still to come as the list shows it (a Hearing with its trial)."""
    trial = hearing.trial
    return {
        "uuid": hearing.uuid,
        "held_on": hearing.held_on_partial,
        "starts_at": hearing.starts_at,
        "time_zone": trial.time_zone,
        "court_room": hearing.court_room,
        "status": hearing.status,
        "status_label": HearingStatus(hearing.status).label,
        "trial": {"slug": trial.slug, "title": trial.title, "number": trial.number},
        "court": trial.court.name if trial.court_id else "",
        "defendants": defendants,
    }


def trial_list(trials: QuerySet, *, reader: Reader) -> dict:
    """The `/trials/` page's two lists over `trials` (visible, filtered): the
    hearings still to come of those trials, by date and time, and the trials by
    date opened (newest first), each with its defendants and next hearing. 3
    queries."""
    rows = list(trials.select_related("court").order_by("-opened_on", "title", "pk"))
    ids = [t.pk for t in rows]
    hearings = list(upcoming_hearings(reader, trials=ids)) if ids else []
    defendants = defendants_of(ids, reader=reader) if ids else {}
    upcoming = [hearing_row(h, defendants.get(h.trial_id, [])) for h in hearings]
    next_of: dict[int, dict] = {}
    for hearing, row in zip(hearings, upcoming, strict=True):
        next_of.setdefault(hearing.trial_id, row)
    return {
        "upcoming": upcoming,
        "trials": [
            {
                "slug": t.slug,
                "title": t.title,
                "number": t.number,
                "court": t.court.name if t.court_id else "",
                "instance": TrialInstance(t.instance).label,
                "opened_on": t.opened_on_partial,
                "closed_on": t.closed_on_partial,
                "defendants": defendants.get(t.pk, []),
                "next_hearing": next_of.get(t.pk),
            }
            for t in rows
        ],
    }


def court_choices(*, reader: Reader) -> list[tuple[str, str]]:
    """The courts of visible trials, as the list's filter offers them: (slug, name)."""
    courts = visible(Organization.objects.all(), reader).filter(
        pk__in=visible(Trial.objects.filter(court__isnull=False), reader).values("court")
    )
    return list(courts.order_by("name").values_list("slug", "name"))


def instance_choices() -> list[tuple[str, str]]:
    return [(value, label) for value, label in TrialInstance.choices]


def trial_page_context(trial: Trial, *, reader: Reader) -> dict:
    """Everything one trial's page shows (trials.reads.trial_page), footnoted in
    reading order: the trial, the judges and prosecutors, the hearings to come,
    the hearings past."""
    page = trial_page(trial, reader)
    notes = Footnotes(page.sources)
    trial_notes = notes.cite(page.citations)
    for involvement in page.involvements:
        involvement["notes"] = notes.cite(involvement["citations"])
    for hearing in page.upcoming + page.past:
        hearing["notes"] = notes.cite(hearing["citations"])
    return {
        "trial": trial,
        "page": page,
        "notes": trial_notes,
        "footnotes": notes.notes,
    }
