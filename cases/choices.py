"""Fixed choices (visibility, gender, confidence, PACE criteria) and the starting
terms of the vocabularies researchers can extend in the admin."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop, pgettext_lazy


class Visibility(models.TextChoices):
    INTERNAL = "internal", _("internal (staff only)")
    PARTNERS = "partners", _("partners (staff and partner API tokens)")
    PUBLIC = "public", _("public")


class Gender(models.TextChoices):
    FEMALE = "female", _("female")
    MALE = "male", _("male")
    OTHER = "other", _("other")


class PersonStatus(models.TextChoices):
    """Where a person stands now, from their visible detentions (cases.reads.status)."""

    HELD = "held", _("in detention now")
    RELEASED = "released", pgettext_lazy("persons", "released")
    UNKNOWN = "unknown", _("current status not recorded")


class NameVariantKind(models.TextChoices):
    LEGAL = "legal", _("legal name")
    NATIVE = "native", _("native spelling")
    TRANSLITERATION = "transliteration", _("transliteration")
    ALIAS = "alias", _("alias or pen name")
    FORMER = "former", _("former name")


class OrganizationKind(models.TextChoices):
    MEDIA = "media", _("media outlet")
    NGO = "ngo", _("non-governmental organization")
    PARTY = "party", _("political party")
    GOVERNMENT = "government", _("government body")
    INTERGOVERNMENTAL = "intergovernmental", _("intergovernmental or UN body")
    COURT = "court", _("court")
    LAW_ENFORCEMENT = "law_enforcement", _("law enforcement or security service")
    OTHER = "other", _("other")


class Confidence(models.TextChoices):
    LOW = "low", _("low")
    MEDIUM = "medium", _("medium")
    HIGH = "high", _("high")


class Reliability(models.TextChoices):
    HIGH = "high", _("high: established outlet or official record")
    MEDIUM = "medium", _("medium")
    LOW = "low", _("low: unverified")
    UNKNOWN = "unknown", _("not assessed")


class PaceCriterion(models.TextChoices):
    """The criteria of PACE Resolution 1900 (2012), paragraph 3."""

    A = "a", _("(a) detention in violation of a fundamental guarantee of the ECHR")
    B = "b", _("(b) detention for purely political reasons, without connection to an offence")
    C = "c", _("(c) length or conditions clearly out of proportion, for political motives")
    D = "d", _("(d) detention in a discriminatory manner, for political motives")
    E = "e", _("(e) clearly unfair proceedings connected with political motives")


# The starting terms of each vocabulary, code -> English label. Loaded by a data
# migration; researchers add terms in the admin. Labels are marked for
# translation so the interface can show them in Azerbaijani and Russian.
VOCABULARIES: dict[str, list[tuple[str, str]]] = {
    "Occupation": [
        ("journalist", gettext_noop("journalist")),
        ("human-rights-defender", gettext_noop("human rights defender")),
        ("activist", gettext_noop("activist")),
        ("academic", gettext_noop("academic")),
        ("economist", gettext_noop("economist")),
        ("opposition-politician", gettext_noop("opposition politician")),
        ("religious-believer", gettext_noop("religious believer")),
        ("lawyer", gettext_noop("lawyer")),
        ("blogger", gettext_noop("blogger")),
        ("lgbtq-person", gettext_noop("LGBTQ+ person")),
        ("student", gettext_noop("student")),
        ("other", gettext_noop("other")),
    ],
    "LegalStage": [
        ("pre-trial-detention", gettext_noop("pre-trial detention")),
        ("house-arrest", gettext_noop("house arrest")),
        ("on-trial", gettext_noop("on trial")),
        ("convicted", gettext_noop("convicted")),
        ("on-appeal", gettext_noop("on appeal")),
        ("released", gettext_noop("released")),
        ("pardoned", gettext_noop("pardoned")),
        ("acquitted", gettext_noop("acquitted")),
        ("in-exile", gettext_noop("in exile")),
        ("deceased", gettext_noop("deceased")),
    ],
    "CaseEventKind": [
        ("arrested", gettext_noop("arrested")),
        ("pre-trial-detention-ordered", gettext_noop("pre-trial detention ordered")),
        ("pre-trial-detention-extended", gettext_noop("pre-trial detention extended")),
        ("house-arrest-ordered", gettext_noop("house arrest ordered")),
        ("charged", gettext_noop("charged")),
        ("trial-opened", gettext_noop("trial opened")),
        ("sentenced", gettext_noop("sentenced")),
        ("appeal-rejected", gettext_noop("appeal rejected")),
        ("appeal-granted", gettext_noop("appeal granted")),
        ("transferred", gettext_noop("transferred")),
        ("released", gettext_noop("released")),
        ("pardoned", gettext_noop("pardoned")),
        ("award-received", gettext_noop("award received")),
    ],
    "ReleaseReason": [
        ("pardon", gettext_noop("pardon")),
        ("sentence-served", gettext_noop("sentence served")),
        ("acquitted", gettext_noop("acquitted")),
        ("released-to-house-arrest", gettext_noop("released to house arrest")),
        ("released-on-bail", gettext_noop("released on bail")),
        ("amnesty", gettext_noop("amnesty")),
        ("other", gettext_noop("other")),
    ],
    "AllegationKind": [
        ("torture", gettext_noop("torture")),
        ("ill-treatment", gettext_noop("ill-treatment")),
        # a source that does not tell them apart ("torture and inhumane treatment")
        ("torture-or-ill-treatment", gettext_noop("torture or ill-treatment")),
        ("hunger-strike", gettext_noop("hunger strike")),
        ("arbitrary-detention", gettext_noop("arbitrary detention")),
        ("incommunicado-detention", gettext_noop("incommunicado detention")),
        ("denial-of-medical-care", gettext_noop("denial of medical care")),
        ("denial-of-access-to-a-lawyer", gettext_noop("denial of access to a lawyer")),
        ("coerced-confession", gettext_noop("coerced confession")),
        ("threats-to-relatives", gettext_noop("threats to relatives")),
        ("disbarment", gettext_noop("disbarment of a lawyer")),
        ("other", gettext_noop("other")),
    ],
    "AllegationStatus": [
        ("reported", gettext_noop("reported")),
        ("corroborated", gettext_noop("corroborated")),
        ("denied-by-the-authorities", gettext_noop("denied by the authorities")),
        ("under-investigation", gettext_noop("under investigation")),
        ("prosecuted", gettext_noop("prosecuted")),
    ],
    "StatementKind": [
        ("call-for-release", gettext_noop("call for release")),
        ("call-for-measures", gettext_noop("call for sanctions or other measures")),
        ("report", gettext_noop("report")),
        ("concluding-observations", gettext_noop("concluding observations")),
        ("resolution", gettext_noop("resolution")),
        ("court-decision", gettext_noop("court decision")),
        ("award", gettext_noop("award")),
        ("government-reply", gettext_noop("government reply")),
        ("other", gettext_noop("other")),
    ],
    "SourceKind": [
        ("news-article", gettext_noop("news article")),
        ("ngo-report", gettext_noop("NGO report")),
        ("un-document", gettext_noop("UN document")),
        ("government-statement", gettext_noop("government statement")),
        ("court-document", gettext_noop("court document")),
        ("testimony", gettext_noop("testimony")),
        ("other", gettext_noop("other")),
    ],
}
