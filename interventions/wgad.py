"""The draft of a petition to the UN Working Group on Arbitrary Detention for one
person, as a DOCX following the Working Group's model questionnaire: I. identity,
II. arrest, III. detention, IV. reasons and legal basis, V. domestic remedies,
VI. the categories the facts support; each fact referenced to its sources ([1],
listed under "Sources" at the end), and what the record does not yet have.

Staff only: it reads the record as Reader.STAFF (internal records included, never
the trash) and every page's header says it is an internal draft. The draft is in
English, the Working Group's working language, whatever the staff member's
interface language."""

from __future__ import annotations

import io

from django.utils import translation
from docx import Document
from docx.shared import Pt

from cases.models import CaseEvent, Charge, Detention, NameVariant, PaceAssessment, Person
from cases.visibility import Reader, visible
from interventions.choices import InterventionKind
from interventions.models import Intervention
from places.models import CustodyPeriod
from sources.models import Citation

READER = Reader.STAFF
HEADER = "Internal draft — may contain records not published; check before sending"
SECTIONS = (
    "I. Identity",
    "II. Arrest",
    "III. Detention",
    "IV. Reasons and legal basis",
    "V. Domestic remedies",
    "VI. Categories of arbitrary detention the facts support",
)
SOURCES_HEADING = "Sources"
MISSING_HEADING = "What the record does not yet have"
# case events that are a domestic remedy or a court's decision on one
REMEDY_EVENT_CODES = ("appeal-rejected", "appeal-granted")
SENTENCE_EVENT_CODES = ("sentenced",)


class _References:
    """Numbers each (source, locator) once, in the order the draft first cites it."""

    def __init__(self) -> None:
        self.numbers: dict[tuple[int, str], int] = {}
        self.citations: list[Citation] = []

    def of(self, **target) -> str:
        """ " [1][2]" for the citations of one fact that staff may see, or ""."""
        rows = visible(Citation.objects.filter(**target), READER).select_related(
            "source__publisher"
        )
        marks = []
        for citation in rows.order_by("id"):
            key = (citation.source_id, citation.locator)
            if key not in self.numbers:
                self.numbers[key] = len(self.numbers) + 1
                self.citations.append(citation)
            mark = f"[{self.numbers[key]}]"
            if mark not in marks:
                marks.append(mark)
        return " " + "".join(marks) if marks else ""


def _source_line(citation: Citation) -> str:
    source = citation.source
    if source.is_confidential:
        parts = ["Confidential source on file (not to be named in the petition)"]
    else:
        parts = [source.display_title]
        if source.publisher_id:
            parts.append(source.publisher.name)
    if source.published_on_partial:
        parts.append(str(source.published_on_partial))
    if source.url and not source.is_confidential:
        parts.append(source.url)
    if citation.locator:
        parts.append(citation.locator)
    return ", ".join(parts)


def _fact(document, text: str) -> None:
    document.add_paragraph(text, style="List Bullet")


def _none(document, text: str) -> None:
    document.add_paragraph(text).runs[0].italic = True


def wgad_draft(person: Person, *, user=None) -> bytes:
    """The DOCX draft for `person` (read as staff). `user` is who asked, named in
    the document's properties."""
    with translation.override("en"):
        return _build(person, user=user)


def _build(person: Person, *, user) -> bytes:
    refs = _References()
    missing: list[str] = []
    document = Document()
    document.styles["Normal"].font.size = Pt(11)
    document.core_properties.title = f"WGAD draft: {person.display_name}"
    if user is not None:
        document.core_properties.author = user.get_username()
    document.add_heading("Draft submission to the UN Working Group on Arbitrary Detention", 0)
    document.add_paragraph(
        f"{person.display_name}. Model questionnaire, drafted from the Casebook record; "
        "each fact is referenced to its source ([1], listed at the end)."
    )

    detentions = list(
        visible(Detention.objects.filter(person=person), READER)
        .select_related("arresting_authority", "legal_stage", "release_reason")
        .order_by("arrested_on", "id")
    )
    detention_ids = [d.pk for d in detentions]

    # I. Identity
    document.add_heading(SECTIONS[0], 1)
    _fact(
        document, f"Name: {person.display_name}{refs.of(person=person, claim__startswith='name')}"
    )
    variants = visible(NameVariant.objects.filter(person=person), READER).order_by("language", "id")
    spellings = [f"{v.name} ({v.language})" if v.language else v.name for v in variants]
    if spellings:
        _fact(document, "Other spellings: " + "; ".join(spellings))
    if person.birth_date_partial:
        birth_ref = refs.of(person=person, claim__icontains="birth")
        _fact(document, f"Date of birth: {person.birth_date_partial}{birth_ref}")
    else:
        missing.append("Date of birth")
        if person.reported_age is not None:
            when = f" on {person.reported_age_on_partial}" if person.reported_age_on_partial else ""
            age_ref = refs.of(person=person, claim__icontains="age")
            _fact(document, f"Age as reported{when}: {person.reported_age}{age_ref}")
    if person.gender:
        _fact(document, f"Gender: {person.get_gender_display()}")
    else:
        missing.append("Gender")
    if person.citizenship:
        _fact(document, f"Nationality/citizenship: {person.citizenship}")
    else:
        missing.append("Nationality or citizenship")
    occupations = [str(o) for o in person.occupations.all()]
    if occupations:
        job_ref = refs.of(person=person, claim__icontains="occupation")
        _fact(document, "Occupation: " + ", ".join(occupations) + job_ref)
    else:
        missing.append("Occupation")

    # II. Arrest
    document.add_heading(SECTIONS[1], 1)
    if not detentions:
        _none(document, "No detention is recorded.")
        missing.append("Any detention (arrest date, place, authority)")
    for detention in detentions:
        ref = refs.of(detention=detention)
        when = detention.arrested_on_partial
        _fact(document, f"Date of arrest: {when}{ref}" if when else "Date of arrest: not recorded")
        if not when:
            missing.append(f"Date of arrest ({detention})")
        if detention.arrest_place:
            _fact(document, f"Place of arrest: {detention.arrest_place}{ref}")
        else:
            missing.append(f"Place of arrest ({detention})")
        if detention.arresting_authority_id:
            _fact(document, f"Arresting authority: {detention.arresting_authority.name}{ref}")
        else:
            missing.append(f"Arresting authority ({detention})")
        missing.append(f"Whether an arrest warrant or other decision was shown ({detention})")

    # III. Detention
    document.add_heading(SECTIONS[2], 1)
    periods = list(
        visible(CustodyPeriod.objects.filter(detention_id__in=detention_ids), READER)
        .select_related("facility")
        .order_by("held_from", "id")
    )
    for detention in detentions:
        ref = refs.of(detention=detention)
        if detention.legal_stage_id:
            _fact(document, f"Legal stage: {detention.legal_stage}{ref}")
        if detention.released_on_partial:
            _fact(document, f"Released on: {detention.released_on_partial}{ref}")
        if detention.facility and not any(p.detention_id == detention.pk for p in periods):
            _fact(document, f"Place of detention (as reported): {detention.facility}{ref}")
    for period in periods:
        held = f"from {period.held_from_partial or 'an unknown date'}"
        held += f" to {period.held_until_partial}" if period.held_until_partial else " (still held)"
        ref = refs.of(custody_period=period) + refs.of(facility=period.facility)
        _fact(document, f"Held at {period.facility.name} {held}{ref}")
    if not periods:
        missing.append("A custody period (where the person was held, from when to when)")
        if not any(d.facility for d in detentions):
            _none(document, "No place of detention is recorded.")

    # IV. Reasons and legal basis
    document.add_heading(SECTIONS[3], 1)
    charges = list(
        visible(Charge.objects.filter(detention_id__in=detention_ids), READER).order_by(
            "detention", "article"
        )
    )
    by_detention = {d.pk: d for d in detentions}
    for charge in charges:
        ref = refs.of(detention=by_detention[charge.detention_id])
        _fact(document, f"Charged under article {charge}{ref}")
    if not charges:
        _none(document, "No charges are recorded.")
        missing.append("Charges (the articles of the criminal code)")
    events = list(
        visible(CaseEvent.objects.filter(detention_id__in=detention_ids), READER)
        .select_related("kind", "organization")
        .order_by(*CaseEvent._meta.ordering)
    )
    for event in events:
        if event.kind.code in SENTENCE_EVENT_CODES:
            _fact(document, _event_line(event) + refs.of(case_event=event))
    for detention in detentions:
        if detention.sentence_months and not any(
            e.kind.code in SENTENCE_EVENT_CODES for e in events
        ):
            _fact(
                document,
                f"Sentence: {detention.sentence_months} months{refs.of(detention=detention)}",
            )

    # V. Domestic remedies
    document.add_heading(SECTIONS[4], 1)
    remedies = [
        e
        for e in events
        if e.kind.code in REMEDY_EVENT_CODES
        or (e.organization_id and e.kind.code not in SENTENCE_EVENT_CODES)
    ]
    for event in remedies:
        _fact(document, _event_line(event) + refs.of(case_event=event))
    if not remedies:
        _none(document, "No appeal or court decision is recorded.")
        missing.append("A domestic remedy (an appeal and the court's decision)")

    # VI. Categories
    document.add_heading(SECTIONS[5], 1)
    document.add_paragraph(
        "A starting point, to be argued from the facts above: the PACE Resolution 1900 "
        "(2012) criteria recorded for the detention, and the Working Group's categories "
        "already found for this person."
    )
    criteria = visible(PaceAssessment.objects.filter(detention_id__in=detention_ids), READER)
    criteria = list(criteria.order_by("detention", "criterion"))
    for criterion in criteria:
        ref = refs.of(detention=by_detention[criterion.detention_id])
        _fact(
            document,
            f"PACE criterion {criterion.get_criterion_display()}: {criterion.justification}{ref}",
        )
    interventions = list(
        visible(Intervention.objects.filter(persons=person), READER)
        .select_related("body")
        .order_by("decided_on", "submitted_on", "id")
    )
    found = False
    for intervention in interventions:
        if intervention.wgad_categories or intervention.kind == InterventionKind.WGAD:
            categories = ", ".join(intervention.wgad_categories) or "none recorded"
            number = (
                f" (opinion {intervention.opinion_number})" if intervention.opinion_number else ""
            )
            ref = refs.of(intervention=intervention)
            _fact(document, f"{intervention.title}{number}: categories found {categories}{ref}")
            found = True
    if not criteria and not found:
        _none(document, "No PACE criterion and no Working Group category is recorded.")
        missing.append("A PACE criterion or a Working Group category")

    # Sources and what is missing
    document.add_heading(SOURCES_HEADING, 1)
    for number, citation in enumerate(refs.citations, start=1):
        document.add_paragraph(f"[{number}] {_source_line(citation)}")
    if not refs.citations:
        _none(document, "No source is cited.")
    document.add_heading(MISSING_HEADING, 1)
    for item in missing:
        _fact(document, item)
    if not missing:
        _none(document, "Nothing the questionnaire asks for is missing.")

    for section in document.sections:  # one section today; every page of each has the header
        section.header.is_linked_to_previous = False
        section.header.paragraphs[0].text = HEADER
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _event_line(event: CaseEvent) -> str:
    parts = [str(event.kind)]
    if event.occurred_on_partial:
        parts.append(f"on {event.occurred_on_partial}")
    if event.organization_id:
        parts.append(f"by {event.organization.name}")
    text = " ".join(parts)
    if event.sentence_months:
        text += f": {event.sentence_months} months"
    if event.description:
        text += f". {event.description}"
    return text[0].upper() + text[1:]
