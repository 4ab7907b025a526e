"""A small world of trials for the trials pages, API and calendar tests (built
with tests/accountability_records.py): a public trial before a court with
defendants (one of them internal), a judge and a prosecutor (and an internal
official), hearings past and to come (with a time, a day only, a month only,
cancelled, internal, uncited), and trials the public may not see (internal,
uncited) with hearings to come. Dates are relative to the court's today."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

from django.utils import timezone

from cases.choices import Visibility
from officials.choices import InvolvementRole
from tests import accountability_records as records
from tests import factories
from trials.choices import HearingStatus

INTERNAL, PARTNERS = Visibility.INTERNAL, Visibility.PARTNERS


def baku_today() -> datetime.date:
    return timezone.now().astimezone(ZoneInfo("Asia/Baku")).date()


def build() -> dict:
    today = baku_today()
    soon, later, before = (
        today + datetime.timedelta(days=20),
        today + datetime.timedelta(days=50),
        today - datetime.timedelta(days=40),
    )
    court = factories.organization("Baku Grave Crimes Court")
    trial = records.trial(
        "The Abzas Media case", court=court, number="1(101)-123/2024", opened="2024-06"
    )
    ali = factories.person("Ali Aliyev")
    sevinj = factories.person("Sevinj Vagifgizi")
    hidden = factories.person("Hidden Defendant", visibility=INTERNAL)
    records.defendant(trial, ali, charges="206.3.2")
    records.defendant(trial, sevinj, charges="206.3.2, 193-1.3.1")
    records.defendant(trial, hidden)
    judge = records.official("Judge Rasim Mammadov")
    prosecutor = records.official("Prosecutor Aygun Hasanova")
    secret = records.official("Secret Official", visibility=INTERNAL)
    records.involvement(judge, InvolvementRole.TRIAL_JUDGE, trial=trial)
    records.involvement(prosecutor, InvolvementRole.PROSECUTOR, trial=trial)
    records.involvement(secret, InvolvementRole.TRIAL_JUDGE, trial=trial, visibility=INTERNAL)
    hearings = {
        "past": records.hearing(
            trial, before, status=HearingStatus.HELD, what_happened="The charges were read out."
        ),
        "timed": records.hearing(trial, soon, starts_at=datetime.time(11, 30), court_room="Room 5"),
        "day": records.hearing(trial, later),
        "month": records.hearing(trial, today.strftime("%Y-%m")),
        "cancelled": records.hearing(trial, later, status=HearingStatus.CANCELLED),
        "internal": records.hearing(trial, later, visibility=INTERNAL),
        "uncited": records.hearing(trial, later, cited=False),
    }
    internal_trial = records.trial("The internal trial", court=court, visibility=INTERNAL)
    records.defendant(internal_trial, ali)
    uncited_trial = records.trial("The uncited trial", court=court, cited=False)
    records.defendant(uncited_trial, ali)
    partners_trial = records.trial("The partners trial", visibility=PARTNERS)
    hidden_hearings = {
        "internal trial": records.hearing(internal_trial, soon, visibility=INTERNAL),
        "uncited trial": records.hearing(uncited_trial, soon),
        "partners trial": records.hearing(partners_trial, soon, visibility=PARTNERS),
    }
    return {
        "today": today,
        "court": court,
        "trial": trial,
        "ali": ali,
        "sevinj": sevinj,
        "hidden": hidden,
        "judge": judge,
        "prosecutor": prosecutor,
        "hearings": hearings,
        "internal_trial": internal_trial,
        "uncited_trial": uncited_trial,
        "partners_trial": partners_trial,
        "hidden_hearings": hidden_hearings,
    }
