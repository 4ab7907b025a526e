"""The public pages of trials: `/trials/` (the hearings still to come, then the
trials, filtered by words of the title, number or a defendant's name, court and
instance, with TrialFilterSet as the API), one trial's page, and the iCalendar
feeds of the hearings still to come (all trials, or one). Every page reads as the
public reader (cases.listing.READER)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_safe

from cases.listing import READER, page_filterset
from cases.visibility import visible
from trials.calendar import hearing_calendar
from trials.filtersets import TrialFilterSet
from trials.models import Trial
from trials.pages import court_choices, instance_choices, trial_list, trial_page_context

CALENDAR_CONTENT_TYPE = "text/calendar; charset=utf-8"


def _subscribe_links(request: HttpRequest, path: str) -> dict:
    """The feed's address, and the same as `webcal:` (calendar applications
    subscribe to that rather than download the file once)."""
    address = request.build_absolute_uri(path)
    return {"calendar_url": address, "webcal_url": "webcal:" + address.split(":", 1)[1]}


@require_safe
def trial_list_view(request: HttpRequest) -> HttpResponse:
    data, filterset, errors = page_filterset(request, TrialFilterSet)
    context = {
        "data": data,
        "courts": court_choices(reader=READER),
        "instances": instance_choices(),
        **_subscribe_links(request, reverse("trial-calendar")),
    }
    if errors:
        return render(request, "trials/trial_list.html", {**context, "errors": errors}, status=400)
    context.update(trial_list(filterset.qs, reader=READER))
    return render(request, "trials/trial_list.html", context)


@require_safe
def trial_detail(request: HttpRequest, slug: str) -> HttpResponse:
    trial = get_object_or_404(visible(Trial.objects.select_related("court"), READER), slug=slug)
    context = trial_page_context(trial, reader=READER)
    context.update(_subscribe_links(request, reverse("trial-detail-calendar", args=[trial.slug])))
    return render(request, "trials/trial_detail.html", context)


def _calendar_response(request: HttpRequest, trial: Trial | None) -> HttpResponse:
    body = hearing_calendar(
        reader=READER,
        host=request.get_host().split(":")[0],
        trial_url=lambda slug: request.build_absolute_uri(reverse("trial-detail", args=[slug])),
        trial=trial,
    )
    response = HttpResponse(body, content_type=CALENDAR_CONTENT_TYPE)
    name = f"hearings-{trial.slug}.ics" if trial else "hearings.ics"
    response["Content-Disposition"] = f'inline; filename="{name}"'
    return response


@require_safe
def calendar(request: HttpRequest) -> HttpResponse:
    return _calendar_response(request, None)


@require_safe
def trial_calendar(request: HttpRequest, slug: str) -> HttpResponse:
    trial = get_object_or_404(visible(Trial.objects.all(), READER), slug=slug)
    return _calendar_response(request, trial)
