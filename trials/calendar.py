"""The iCalendar feed of the hearings still to come (all trials, or one), so that
trial monitors can subscribe to it in a calendar application. One VEVENT a
hearing, its UID the hearing's UUID at the site's host (stable: an edited hearing
replaces the same event); a hearing with a time starts at the court's local time
with its time zone (a VTIMEZONE for each), one known only to its day is an
all-day event, and one known only to its month or year is left out (a calendar
cannot hold it; the trial's page lists it). What is shown is what
trials.reads.upcoming_hearings lets the reader see."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _
from icalendar import Calendar, Event

from cases.partial_dates import Precision
from cases.visibility import Reader
from trials.choices import HearingStatus
from trials.models import Trial
from trials.reads import defendants_of, upcoming_hearings

# the calendar applications' refresh hint (RFC 7986 and the older Microsoft name)
REFRESH_INTERVAL = "PT6H"


def hearing_calendar(
    *,
    reader: Reader,
    host: str,
    trial_url,
    trial: Trial | None = None,
    now: datetime.datetime | None = None,
) -> bytes:
    """The feed as bytes: the hearings still to come of every visible trial, or
    of `trial`. `host` names the site in the UIDs; `trial_url(slug)` is the
    absolute address of a trial's page (in the request's language). 2 queries."""
    hearings = [
        h for h in upcoming_hearings(reader, trial, now=now) if h.held_on_precision == Precision.DAY
    ]
    defendants = defendants_of(sorted({h.trial_id for h in hearings}), reader=reader)
    calendar = Calendar()
    calendar.add("prodid", "-//Casebook//Hearings//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    name = _("Hearings: %(trial)s") % {"trial": trial.title} if trial else _("Upcoming hearings")
    calendar.add("name", name)
    calendar.add("x-wr-calname", name)
    calendar.add("refresh-interval", datetime.timedelta(hours=6), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", REFRESH_INTERVAL)
    stamp = (now or datetime.datetime.now(datetime.UTC)).astimezone(datetime.UTC)
    for hearing in hearings:
        calendar.add_component(
            _event(hearing, defendants.get(hearing.trial_id, []), host, trial_url, stamp)
        )
    calendar.add_missing_timezones()
    return calendar.to_ical()


def _event(hearing, defendants: list[dict], host: str, trial_url, stamp) -> Event:
    trial = hearing.trial
    event = Event()
    event.add("uid", f"{hearing.uuid}@{host}")
    event.add("dtstamp", stamp)
    if hearing.starts_at is not None:
        start = datetime.datetime.combine(
            hearing.held_on, hearing.starts_at, tzinfo=ZoneInfo(trial.time_zone)
        )
        event.add("dtstart", start)
    else:
        event.add("dtstart", hearing.held_on)  # a DATE: all day
        event.add("dtend", hearing.held_on + datetime.timedelta(days=1))
    summary = _("Hearing: %(trial)s") % {"trial": trial.title}
    if hearing.status == HearingStatus.POSTPONED:
        summary = _("Postponed hearing: %(trial)s") % {"trial": trial.title}
    event.add("summary", summary)
    place = [trial.court.name] if trial.court_id else []
    if hearing.court_room:
        place.append(_("court room %(room)s") % {"room": hearing.court_room})
    if place:
        event.add("location", ", ".join(place))
    url = trial_url(trial.slug)
    event.add("url", url)
    lines = []
    if trial.number:
        lines.append(_("Case number: %(number)s") % {"number": trial.number})
    if defendants:
        lines.append(_("Defendants:"))
        for defendant in defendants:
            line = f"- {defendant['person']['display_name']}"
            if defendant["charges"]:
                line += " (" + _("charges: %(charges)s") % {"charges": defendant["charges"]} + ")"
            lines.append(line)
    if hearing.starts_at is not None:
        lines.append(
            _("The time is the court's local time (%(zone)s).") % {"zone": trial.time_zone}
        )
    lines.append(url)
    event.add("description", "\n".join(lines))
    event.add("status", "TENTATIVE" if hearing.status == HearingStatus.POSTPONED else "CONFIRMED")
    return event
