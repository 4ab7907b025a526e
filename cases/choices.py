"""Fixed choices (visibility, gender, confidence, PACE criteria), the starting
terms of the vocabularies researchers can extend in the admin, and the
translation contexts (msgctxt) of what one English word says in different jobs."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


def pgettext_noop(context: str, message: str) -> str:
    """Marks `message` for translation under `context` and returns it unchanged:
    for words kept in English (vocabulary labels in the database) and translated
    where they are shown. Django has `gettext_noop` but no `pgettext_noop`; the
    project's `makemessages` (cases/management/commands) reads this one."""
    return message


class Visibility(models.TextChoices):
    INTERNAL = "internal", _("internal (staff only)")
    PARTNERS = "partners", _("partners (staff and partner API tokens)")
    PUBLIC = "public", _("public")


class Gender(models.TextChoices):
    FEMALE = "female", _("female")
    MALE = "male", _("male")
    OTHER = "other", pgettext_lazy("gender", "other")


class PersonStatus(models.TextChoices):
    """Where a person stands now, from their visible detentions (cases.reads.status)."""

    # "persons": a status of many, as a filter offers it ("освобождены")
    HELD = "held", pgettext_lazy("persons", "in detention now")
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
    OTHER = "other", pgettext_lazy("organization kind", "other")


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
# translation in their vocabulary's context (VOCABULARY_CONTEXTS, below) so the
# interface can show them in Azerbaijani and Russian.
VOCABULARIES: dict[str, list[tuple[str, str]]] = {
    "Occupation": [
        ("journalist", pgettext_noop("occupation", "journalist")),
        ("human-rights-defender", pgettext_noop("occupation", "human rights defender")),
        ("activist", pgettext_noop("occupation", "activist")),
        ("academic", pgettext_noop("occupation", "academic")),
        ("economist", pgettext_noop("occupation", "economist")),
        ("opposition-politician", pgettext_noop("occupation", "opposition politician")),
        ("religious-believer", pgettext_noop("occupation", "religious believer")),
        ("lawyer", pgettext_noop("occupation", "lawyer")),
        ("blogger", pgettext_noop("occupation", "blogger")),
        ("lgbtq-person", pgettext_noop("occupation", "LGBTQ+ person")),
        ("student", pgettext_noop("occupation", "student")),
        ("other", pgettext_noop("occupation", "other")),
    ],
    "LegalStage": [
        ("pre-trial-detention", pgettext_noop("legal stage", "pre-trial detention")),
        ("house-arrest", pgettext_noop("legal stage", "house arrest")),
        ("on-trial", pgettext_noop("legal stage", "on trial")),
        ("convicted", pgettext_noop("legal stage", "convicted")),
        ("on-appeal", pgettext_noop("legal stage", "on appeal")),
        ("released", pgettext_noop("legal stage", "released")),
        ("pardoned", pgettext_noop("legal stage", "pardoned")),
        ("acquitted", pgettext_noop("legal stage", "acquitted")),
        ("in-exile", pgettext_noop("legal stage", "in exile")),
        ("deceased", pgettext_noop("legal stage", "deceased")),
    ],
    "CaseEventKind": [
        ("arrested", pgettext_noop("case event", "arrested")),
        ("pre-trial-detention-ordered", pgettext_noop("case event", "pre-trial detention ordered")),
        (
            "pre-trial-detention-extended",
            pgettext_noop("case event", "pre-trial detention extended"),
        ),
        ("house-arrest-ordered", pgettext_noop("case event", "house arrest ordered")),
        ("charged", pgettext_noop("case event", "charged")),
        ("trial-opened", pgettext_noop("case event", "trial opened")),
        ("sentenced", pgettext_noop("case event", "sentenced")),
        ("appeal-rejected", pgettext_noop("case event", "appeal rejected")),
        ("appeal-granted", pgettext_noop("case event", "appeal granted")),
        ("transferred", pgettext_noop("case event", "transferred")),
        ("released", pgettext_noop("case event", "released")),
        ("pardoned", pgettext_noop("case event", "pardoned")),
        ("award-received", pgettext_noop("case event", "award received")),
    ],
    "ReleaseReason": [
        ("pardon", pgettext_noop("release reason", "pardon")),
        ("sentence-served", pgettext_noop("release reason", "sentence served")),
        ("acquitted", pgettext_noop("release reason", "acquitted")),
        ("released-to-house-arrest", pgettext_noop("release reason", "released to house arrest")),
        ("released-on-bail", pgettext_noop("release reason", "released on bail")),
        ("amnesty", pgettext_noop("release reason", "amnesty")),
        ("other", pgettext_noop("release reason", "other")),
    ],
    "AllegationKind": [
        ("torture", pgettext_noop("allegation kind", "torture")),
        ("ill-treatment", pgettext_noop("allegation kind", "ill-treatment")),
        # a source that does not tell them apart ("torture and inhumane treatment")
        ("torture-or-ill-treatment", pgettext_noop("allegation kind", "torture or ill-treatment")),
        ("hunger-strike", pgettext_noop("allegation kind", "hunger strike")),
        ("arbitrary-detention", pgettext_noop("allegation kind", "arbitrary detention")),
        ("incommunicado-detention", pgettext_noop("allegation kind", "incommunicado detention")),
        ("denial-of-medical-care", pgettext_noop("allegation kind", "denial of medical care")),
        (
            "denial-of-access-to-a-lawyer",
            pgettext_noop("allegation kind", "denial of access to a lawyer"),
        ),
        ("coerced-confession", pgettext_noop("allegation kind", "coerced confession")),
        ("threats-to-relatives", pgettext_noop("allegation kind", "threats to relatives")),
        ("disbarment", pgettext_noop("allegation kind", "disbarment of a lawyer")),
        ("other", pgettext_noop("allegation kind", "other")),
    ],
    "AllegationStatus": [
        ("reported", pgettext_noop("allegation status", "reported")),
        ("corroborated", pgettext_noop("allegation status", "corroborated")),
        (
            "denied-by-the-authorities",
            pgettext_noop("allegation status", "denied by the authorities"),
        ),
        ("under-investigation", pgettext_noop("allegation status", "under investigation")),
        ("prosecuted", pgettext_noop("allegation status", "prosecuted")),
    ],
    "StatementKind": [
        ("call-for-release", pgettext_noop("statement kind", "call for release")),
        (
            "call-for-measures",
            pgettext_noop("statement kind", "call for sanctions or other measures"),
        ),
        ("report", pgettext_noop("statement kind", "report")),
        ("concluding-observations", pgettext_noop("statement kind", "concluding observations")),
        ("resolution", pgettext_noop("statement kind", "resolution")),
        ("court-decision", pgettext_noop("statement kind", "court decision")),
        ("award", pgettext_noop("statement kind", "award")),
        ("government-reply", pgettext_noop("statement kind", "government reply")),
        ("other", pgettext_noop("statement kind", "other")),
    ],
    "SourceKind": [
        ("news-article", pgettext_noop("source kind", "news article")),
        ("ngo-report", pgettext_noop("source kind", "NGO report")),
        ("un-document", pgettext_noop("source kind", "UN document")),
        ("government-statement", pgettext_noop("source kind", "government statement")),
        ("court-document", pgettext_noop("source kind", "court document")),
        ("testimony", pgettext_noop("source kind", "testimony")),
        ("other", pgettext_noop("source kind", "other")),
    ],
}

# The msgctxt of each vocabulary's labels (cases.vocabularies.Vocabulary): one English
# label may be a stage, an event and a reason for release ("released", "pardoned",
# "acquitted"), each translated for its job (ru: "освобождён(а)", "освобождение",
# "оправдательный приговор"). The calls above use the same words: xgettext reads
# literal contexts only (tests/test_grammar_forms.py holds the two together).
VOCABULARY_CONTEXTS = {
    "Occupation": "occupation",
    "LegalStage": "legal stage",
    "CaseEventKind": "case event",
    "ReleaseReason": "release reason",
    "AllegationKind": "allegation kind",
    "AllegationStatus": "allegation status",
    "StatementKind": "statement kind",
    "SourceKind": "source kind",
}

# What is said of one person takes in Russian the form of their recorded gender
# ("осуждена", "осуждён"), and a neutral form ("осуждён(а)") when none is recorded or
# it is "other"; Azerbaijani has one form for all. The msgctxt of each form, by Gender
# value ("" for the neutral one). Counts and filters, which speak of many, use the
# vocabulary's own context or a plural instead.
STATUS_CONTEXTS = {
    Gender.FEMALE.value: "status of a woman",
    Gender.MALE.value: "status of a man",
    "": "status of a person, neutral form",
}
# an occupation said of a woman (журналистка); of anyone else, the vocabulary's form
OCCUPATION_CONTEXTS = {Gender.FEMALE.value: "occupation of a woman"}

# The words said of one person in those contexts, for makemessages: the status line
# ("In detention: convicted") and the legal stages and occupations whose Russian
# agrees with the person. A term without an entry in a person's context is shown in
# its vocabulary's context (cases.vocabularies.person_form).
PERSON_FORMS = (
    pgettext_noop("status of a woman", "In detention"),
    pgettext_noop("status of a man", "In detention"),
    pgettext_noop("status of a person, neutral form", "In detention"),
    pgettext_noop("status of a woman", "Released"),
    pgettext_noop("status of a man", "Released"),
    pgettext_noop("status of a person, neutral form", "Released"),
    pgettext_noop("status of a woman", "convicted"),
    pgettext_noop("status of a man", "convicted"),
    pgettext_noop("status of a person, neutral form", "convicted"),
    pgettext_noop("status of a woman", "released"),
    pgettext_noop("status of a man", "released"),
    pgettext_noop("status of a person, neutral form", "released"),
    pgettext_noop("status of a woman", "pardoned"),
    pgettext_noop("status of a man", "pardoned"),
    pgettext_noop("status of a person, neutral form", "pardoned"),
    pgettext_noop("status of a woman", "acquitted"),
    pgettext_noop("status of a man", "acquitted"),
    pgettext_noop("status of a person, neutral form", "acquitted"),
    pgettext_noop("status of a woman", "deceased"),
    pgettext_noop("status of a man", "deceased"),
    pgettext_noop("status of a person, neutral form", "deceased"),
    pgettext_noop("occupation of a woman", "journalist"),
    pgettext_noop("occupation of a woman", "human rights defender"),
    pgettext_noop("occupation of a woman", "activist"),
    pgettext_noop("occupation of a woman", "religious believer"),
    pgettext_noop("occupation of a woman", "student"),
)
