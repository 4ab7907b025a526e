"""The shapes of API v1, declared once. The OpenAPI schema is generated from
these classes; the rows themselves are built by cases.reads.rows from flat
queries (faster than serializer objects), and a test holds the two together."""

from rest_framework import serializers

from cases.partial_dates import PartialDate


class PartialDateField(serializers.CharField):
    """A date at its precision: "2023", "2023-11" or "2023-11-21". The rows carry
    PartialDate values (cases.partial_dates); the renderers write each with
    `to_representation`, and the schema describes the string it gives."""

    def __init__(self, **kwargs):
        kwargs.setdefault("allow_null", True)
        kwargs.setdefault("help_text", "ISO 8601 at its precision: 2023, 2023-11 or 2023-11-21.")
        super().__init__(**kwargs)

    def to_representation(self, value: PartialDate) -> str:
        return value.isoformat()


class VocabularyCode(serializers.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("allow_null", True)
        kwargs.setdefault("help_text", "A vocabulary code (stable; labels may be reworded).")
        super().__init__(**kwargs)


class PersonRefSerializer(serializers.Serializer):
    uuid = serializers.UUIDField()
    slug = serializers.CharField()
    display_name = serializers.CharField()


class OrganizationRefSerializer(serializers.Serializer):
    uuid = serializers.UUIDField()
    slug = serializers.CharField()
    name = serializers.CharField()


class NameVariantSerializer(serializers.Serializer):
    name = serializers.CharField()
    language = serializers.CharField()
    kind = serializers.CharField()


class ChargeSerializer(serializers.Serializer):
    article = serializers.CharField()
    description = serializers.CharField()


class CitationSerializer(serializers.Serializer):
    source = serializers.UUIDField(help_text="The UUID of a source listed in `sources`.")
    claim = serializers.CharField(help_text="For a person: the biographical claim it supports.")
    locator = serializers.CharField()
    excerpt = serializers.CharField()
    confidence = serializers.ChoiceField(choices=["low", "medium", "high"])


class CustodyPeriodSummarySerializer(serializers.Serializer):
    uuid = serializers.UUIDField()
    facility = serializers.CharField(
        help_text="The slug of the facility (`/api/v1/facilities/<slug>/`)."
    )
    facility_name = serializers.CharField()
    held_from = PartialDateField()
    held_until = PartialDateField(help_text="Null while the person is held there.")
    note = serializers.CharField()


class CustodyPeriodSerializer(CustodyPeriodSummarySerializer):
    citations = CitationSerializer(many=True)


class CurrentFacilitySerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    region = serializers.CharField()
    held_from = PartialDateField()
    last_reported = PartialDateField(
        help_text="The publication date of the newest cited source of this custody period, at "
        "its precision; null when no source of it is dated."
    )


_CUSTODY_PERIODS_HELP = (
    "The places where the person was held during this detention, in order (held_from, then "
    "entry): consecutive periods are transfers. Only those you may see."
)


class DetentionSummarySerializer(serializers.Serializer):
    uuid = serializers.UUIDField()
    arrested_on = PartialDateField()
    released_on = PartialDateField()
    legal_stage = VocabularyCode()
    facility = serializers.CharField(
        help_text="The place of detention in free text; `custody_periods` names the facilities."
    )
    charges = ChargeSerializer(many=True)
    custody_periods = CustodyPeriodSummarySerializer(many=True, help_text=_CUSTODY_PERIODS_HELP)


class PersonSerializer(serializers.Serializer):
    uuid = serializers.UUIDField()
    slug = serializers.CharField()
    display_name = serializers.CharField()
    name_variants = NameVariantSerializer(many=True)
    gender = serializers.CharField(allow_null=True)
    birth_date = PartialDateField()
    citizenship = serializers.CharField()
    occupations = serializers.ListField(child=serializers.CharField())
    summary = serializers.CharField()
    in_detention = serializers.BooleanField(help_text="`status` is `held`.")
    current_legal_stage = VocabularyCode(help_text="The legal stage of the latest detention.")
    detentions = DetentionSummarySerializer(many=True)
    current_facility = CurrentFacilitySerializer(
        allow_null=True,
        help_text="Where the person is held now: the open custody period (no `held_until`) "
        "with the newest source; null when none you may see is open. Read with `status`: a "
        "person released since may still have an open period nobody closed.",
    )
    updated_at = serializers.DateTimeField()
    status = serializers.ChoiceField(
        choices=["held", "released", "unknown"],
        allow_null=True,
        help_text="Where the person stands as last reported: `held` (a detention with no release "
        "date at a stage that deprives of liberty, or a call for release that no newer release "
        "contradicts), `released`, or `unknown` (a detention no source gives a stage or release "
        "for); null when nothing gives a status. See `status_as_of` for how current it is.",
    )
    status_as_of = PartialDateField(
        help_text="The publication date of the newest cited source that supports `status` (for "
        "a call for release, its own date when recorded), at its precision: 2024, 2024-12 or "
        "2024-12-09; null when no supporting source is dated."
    )
    reported_age = serializers.IntegerField(
        allow_null=True,
        help_text="The age a source gave for the person (34), when no birth date is known or "
        "besides it; null when none. Read with `reported_age_on`: the person was born in that "
        "date's year less the age, or the year before.",
    )
    reported_age_on = PartialDateField(
        help_text="When the age was reported, at its precision: 2024, 2024-03 or 2024-03-15; "
        "null exactly when `reported_age` is."
    )


class CaseEventSerializer(serializers.Serializer):
    uuid = serializers.UUIDField()
    kind = VocabularyCode()
    occurred_on = PartialDateField()
    sentence_months = serializers.IntegerField(
        allow_null=True,
        help_text="The length the decision ordered, in months: 4 for four months of pre-trial "
        "detention, 90 for a sentence of 7 years 6 months.",
    )
    description = serializers.CharField()
    organization = OrganizationRefSerializer(
        allow_null=True,
        help_text="The court or other body that took the decision; null when none is recorded "
        "or you may not see it.",
    )


class DetentionSerializer(serializers.Serializer):
    uuid = serializers.UUIDField()
    person = PersonRefSerializer()
    arrested_on = PartialDateField()
    arrest_place = serializers.CharField()
    arresting_authority = OrganizationRefSerializer(allow_null=True)
    legal_stage = VocabularyCode()
    facility = serializers.CharField(
        help_text="The place of detention in free text; `custody_periods` names the facilities."
    )
    sentence_months = serializers.IntegerField(allow_null=True)
    released_on = PartialDateField()
    release_reason = VocabularyCode()
    summary = serializers.CharField()
    charges = ChargeSerializer(many=True)
    events = CaseEventSerializer(many=True)
    custody_periods = CustodyPeriodSerializer(many=True, help_text=_CUSTODY_PERIODS_HELP)
    updated_at = serializers.DateTimeField()
    citations = CitationSerializer(many=True)


class AllegationSerializer(serializers.Serializer):
    uuid = serializers.UUIDField()
    person = PersonRefSerializer(allow_null=True)
    victim_description = serializers.CharField()
    reported_by = PersonRefSerializer(allow_null=True)
    detention = serializers.UUIDField(allow_null=True)
    kind = VocabularyCode()
    started_on = PartialDateField()
    ended_on = PartialDateField()
    count = serializers.IntegerField(allow_null=True)
    perpetrator = serializers.CharField()
    perpetrator_organization = OrganizationRefSerializer(allow_null=True)
    status = VocabularyCode()
    description = serializers.CharField()
    facility = serializers.CharField(
        allow_null=True,
        help_text="The slug of the facility where it is reported to have happened; null when "
        "none is recorded or you may not see it.",
    )
    updated_at = serializers.DateTimeField()
    citations = CitationSerializer(many=True)
    reported_by_description = serializers.CharField(
        help_text='Who reported it when not a recorded person, as the source says ("her lawyer").'
    )


class StatementSerializer(serializers.Serializer):
    uuid = serializers.UUIDField()
    kind = VocabularyCode()
    title = serializers.CharField()
    issued_on = PartialDateField()
    issuer_organization = OrganizationRefSerializer(allow_null=True)
    issuer_person = PersonRefSerializer(allow_null=True)
    speaker = serializers.CharField()
    quote = serializers.CharField()
    summary = serializers.CharField()
    url = serializers.CharField()
    persons = PersonRefSerializer(many=True)
    updated_at = serializers.DateTimeField()
    citations = CitationSerializer(many=True)


class SourceSerializer(serializers.Serializer):
    uuid = serializers.UUIDField()
    confidential = serializers.BooleanField(
        help_text="A confidential source: every other field is empty and the title reads "
        '"Confidential source on file".'
    )
    title = serializers.CharField()
    publisher = OrganizationRefSerializer(allow_null=True)
    author = serializers.CharField()
    url = serializers.CharField()
    published_on = PartialDateField()
    accessed_on = serializers.DateField(allow_null=True)
    language = serializers.CharField()
    kind = VocabularyCode()
    reliability = serializers.CharField()
    archive_url = serializers.CharField()
    updated_at = serializers.DateTimeField(allow_null=True)


class OrganizationSerializer(serializers.Serializer):
    uuid = serializers.UUIDField()
    slug = serializers.CharField()
    name = serializers.CharField()
    abbreviation = serializers.CharField()
    kind = serializers.CharField()
    country = serializers.CharField()
    url = serializers.CharField()
    description = serializers.CharField()
    updated_at = serializers.DateTimeField()


# --- the history of one person: every fact with its citations --------------------


class AffiliationHistorySerializer(serializers.Serializer):
    uuid = serializers.UUIDField()
    organization = OrganizationRefSerializer()
    role = serializers.CharField()
    started_on = PartialDateField()
    ended_on = PartialDateField()
    citations = CitationSerializer(many=True)


class CaseEventHistorySerializer(CaseEventSerializer):
    citations = CitationSerializer(many=True)


class PaceAssessmentSerializer(serializers.Serializer):
    criterion = serializers.CharField(help_text="PACE Resolution 1900 (2012) criterion, a to e.")
    justification = serializers.CharField()


class DetentionHistorySerializer(DetentionSerializer):
    events = CaseEventHistorySerializer(many=True)
    pace_criteria = PaceAssessmentSerializer(many=True)
    citations = CitationSerializer(many=True)


class AllegationHistorySerializer(AllegationSerializer):
    citations = CitationSerializer(many=True)


class StatementHistorySerializer(StatementSerializer):
    citations = CitationSerializer(many=True)


class InterventionHistorySerializer(serializers.Serializer):
    uuid = serializers.UUIDField()
    kind = serializers.CharField(
        help_text="wgad, special-procedures, ecthr, treaty-body, treaty-body-review, "
        "parliamentary-resolution, trial-observation or other."
    )
    title = serializers.CharField()
    body = OrganizationRefSerializer(
        allow_null=True, help_text="The body it was brought before; null when none is recorded."
    )
    reference = serializers.CharField(help_text="The body's number for it.")
    submitted_on = PartialDateField()
    communicated_on = PartialDateField(help_text="Communicated to the government on.")
    government_replied_on = PartialDateField()
    decided_on = PartialDateField()
    status = serializers.CharField(
        help_text="in-preparation, submitted, communicated, government-replied, decided or closed."
    )
    outcome = serializers.CharField(
        allow_null=True,
        help_text="arbitrary, not-arbitrary, violation, no-violation, inadmissible, struck-out, "
        "adopted, concern-expressed, other; null when none is recorded.",
    )
    opinion_number = serializers.CharField(help_text="The Working Group's opinion number.")
    wgad_categories = serializers.ListField(
        child=serializers.CharField(),
        help_text="The categories of arbitrary detention the Working Group found, I to V.",
    )
    articles_violated = serializers.CharField(help_text="For the ECtHR: the articles violated.")
    just_satisfaction = serializers.CharField()
    outcome_summary = serializers.CharField()
    released_after = serializers.BooleanField(
        allow_null=True, help_text="Released after the decision; null when not known."
    )
    follow_up = serializers.CharField()
    updated_at = serializers.DateTimeField()
    citations = CitationSerializer(many=True)


class OfficialRefSerializer(serializers.Serializer):
    uuid = serializers.UUIDField()
    slug = serializers.CharField(help_text="`/api/v1/officials/<slug>/`.")
    name = serializers.CharField()


class InvolvementFactSerializer(serializers.Serializer):
    kind = serializers.CharField(
        help_text="detention, case_event, allegation or trial: where in this history it is."
    )
    uuid = serializers.UUIDField(
        help_text="The UUID of the detention, case event (in a detention's `events`), "
        "allegation or trial of this history."
    )


class InvolvementHistorySerializer(serializers.Serializer):
    uuid = serializers.UUIDField()
    official = OfficialRefSerializer()
    role = serializers.CharField(
        help_text="arresting-officer, investigator, prosecutor, trial-judge, appeal-judge, "
        "head-of-facility or alleged-perpetrator."
    )
    fact = InvolvementFactSerializer(help_text="The one fact of the case the official is in.")
    description = serializers.CharField(help_text="What the official did, as the sources say.")
    reply = serializers.CharField(help_text="The official's reply or denial; empty when none.")
    reply_on = PartialDateField()
    reply_source = serializers.UUIDField(
        allow_null=True,
        help_text="The source of the reply (in `sources`); null when none or not visible to you.",
    )
    updated_at = serializers.DateTimeField()
    citations = CitationSerializer(many=True)


class HearingHistorySerializer(serializers.Serializer):
    uuid = serializers.UUIDField()
    held_on = PartialDateField()
    starts_at = serializers.TimeField(
        allow_null=True, help_text="The court's local time (the trial's `time_zone`)."
    )
    court_room = serializers.CharField()
    status = serializers.CharField(help_text="scheduled, held, postponed or cancelled.")
    what_happened = serializers.CharField()
    updated_at = serializers.DateTimeField()
    citations = CitationSerializer(many=True)


class TrialHistorySerializer(serializers.Serializer):
    uuid = serializers.UUIDField()
    slug = serializers.CharField(help_text="`/api/v1/trials/<slug>/`.")
    title = serializers.CharField()
    number = serializers.CharField(help_text="The court's case number.")
    court = OrganizationRefSerializer(allow_null=True)
    instance = serializers.CharField(help_text="first-instance, appeal, cassation or other.")
    opened_on = PartialDateField()
    closed_on = PartialDateField(help_text="The verdict or closing.")
    time_zone = serializers.CharField(help_text="The court's, for the hearings' times.")
    summary = serializers.CharField()
    charges = serializers.CharField(help_text="The person's charges, as the court case lists them.")
    detention = serializers.UUIDField(
        allow_null=True, help_text="The detention (in `detentions`) the trial belongs to."
    )
    co_defendants = PersonRefSerializer(many=True, help_text="The other defendants you may see.")
    hearings = HearingHistorySerializer(many=True, help_text="In date order.")
    next_hearing = HearingHistorySerializer(
        allow_null=True,
        help_text="The first hearing still to come in the court's time zone (one known to its "
        "month or year until that period ends), not cancelled; null when none.",
    )
    updated_at = serializers.DateTimeField(
        help_text="The latest change of the trial or of one of its hearings you may see."
    )
    citations = CitationSerializer(many=True)


class TransferSerializer(serializers.Serializer):
    detention = serializers.UUIDField()
    transferred_on = PartialDateField(help_text="The `held_from` of the later custody period.")
    from_facility = serializers.CharField(help_text="The slug of the facility left.")
    from_facility_name = serializers.CharField()
    to_facility = serializers.CharField(help_text="The slug of the facility arrived at.")
    to_facility_name = serializers.CharField()
    custody_period = serializers.UUIDField(
        help_text="The later custody period (in the detention's `custody_periods`, with its "
        "citations)."
    )


class PersonHistorySerializer(serializers.Serializer):
    person = PersonSerializer()
    citations = CitationSerializer(many=True, help_text="Citations of biographical claims.")
    affiliations = AffiliationHistorySerializer(many=True)
    detentions = DetentionHistorySerializer(many=True)
    allegations = AllegationHistorySerializer(
        many=True, help_text="Done to the person, or reported by them (then `person` may differ)."
    )
    statements = StatementHistorySerializer(many=True)
    interventions = InterventionHistorySerializer(
        many=True,
        help_text="Proceedings on the person's behalf (a Working Group opinion, an urgent "
        "appeal, a judgment, a resolution) you may see, by the date of their decision, else "
        "of their submission.",
    )
    involvements = InvolvementHistorySerializer(
        many=True,
        help_text="Officials in a role in a fact of this history (a detention, a case event, "
        "an allegation, a trial) you may see, by the official's name. An alleged perpetrator "
        "is public only on sources of two different publishers.",
    )
    trials = TrialHistorySerializer(
        many=True, help_text="The trials the person is a defendant in, by their opening."
    )
    transfers = TransferSerializer(
        many=True,
        help_text="Two consecutive custody periods of one detention (by `held_from`, then "
        "entry) are a transfer from the first's facility to the second's, on the second's "
        "`held_from`; in the order of the detentions and their periods.",
    )
    sources = SourceSerializer(many=True, help_text="Every source cited above, once.")


# --- statistics and sync -----------------------------------------------------------


class CountSerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()
    persons = serializers.IntegerField()


class MonthCountSerializer(serializers.Serializer):
    month = serializers.CharField(help_text="YYYY-MM")
    in_detention = serializers.IntegerField(help_text="Persons held at the end of the month.")


class StatsSerializer(serializers.Serializer):
    persons = serializers.IntegerField()
    in_detention_now = serializers.IntegerField(
        help_text='The site\'s "in detention now": persons whose `status` is `held` with '
        "`status_as_of` in or after `held_reported_since` (the same as "
        "`held_reported_recently`)."
    )
    held_any_date = serializers.IntegerField(
        help_text="Persons whose `status` is `held`, however old the report (the sum of the "
        "three `held_*` counts; what `in_detention_now` counted before statuses were dated)."
    )
    held_reported_since = serializers.CharField(
        help_text="YYYY-MM: the first month whose reports count as current (STATUS_STALE_MONTHS, "
        "12 by default, before this one)."
    )
    held_reported_recently = serializers.IntegerField(
        help_text="Held, with `status_as_of` in or after `held_reported_since`: the site's "
        '"in detention now".'
    )
    held_reported_earlier = serializers.IntegerField(
        help_text="Held when last reported, before `held_reported_since`."
    )
    held_undated = serializers.IntegerField(help_text="Held, with no dated source.")
    status_reported_latest = PartialDateField(
        help_text="The newest `status_as_of` of any person: how current these numbers can be."
    )
    by_legal_stage = CountSerializer(
        many=True, help_text="Persons by the stage of their latest detention."
    )
    by_occupation = CountSerializer(many=True)
    by_allegation_kind = CountSerializer(
        many=True, help_text="Persons with at least one allegation of the kind."
    )
    in_detention_by_month = MonthCountSerializer(many=True)


# the kinds of record whose withdrawal triggers write cases.Withdrawal rows
WITHDRAWAL_KINDS = (
    "person", "organization", "detention", "allegation", "statement", "source", "reported_count",
)  # fmt: skip


class WithdrawalSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=list(WITHDRAWAL_KINDS))
    uuid = serializers.UUIDField()
    withdrawn_at = serializers.DateTimeField()
