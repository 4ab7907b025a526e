"""The fixed choices of an intervention: its kind, its status, its outcome and the
categories of arbitrary detention of the UN Working Group on Arbitrary Detention."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class InterventionKind(models.TextChoices):
    WGAD = "wgad", _("UN Working Group on Arbitrary Detention: petition and opinion")
    SPECIAL_PROCEDURES = (
        "special-procedures",
        _("UN special procedures: urgent appeal or allegation letter"),
    )
    ECTHR = "ecthr", _("European Court of Human Rights: application and judgment")
    TREATY_BODY = "treaty-body", _("UN treaty body: individual communication")
    TREATY_BODY_REVIEW = "treaty-body-review", _("UN treaty body: periodic review of a state")
    PARLIAMENTARY_RESOLUTION = "parliamentary-resolution", _("parliamentary resolution")
    TRIAL_OBSERVATION = "trial-observation", _("diplomatic trial observation")
    OTHER = "other", _("other")


class InterventionStatus(models.TextChoices):
    IN_PREPARATION = "in-preparation", _("in preparation")
    SUBMITTED = "submitted", _("submitted")
    COMMUNICATED = "communicated", _("communicated to the government")
    GOVERNMENT_REPLIED = "government-replied", _("the government replied")
    DECIDED = "decided", _("decided")
    CLOSED = "closed", _("closed without a decision")


class InterventionOutcome(models.TextChoices):
    ARBITRARY = "arbitrary", _("detention found arbitrary")
    NOT_ARBITRARY = "not-arbitrary", _("detention not found arbitrary")
    VIOLATION = "violation", _("violation found")
    NO_VIOLATION = "no-violation", _("no violation found")
    INADMISSIBLE = "inadmissible", _("inadmissible")
    STRUCK_OUT = "struck-out", _("struck out or friendly settlement")
    ADOPTED = "adopted", _("adopted")
    CONCERN_EXPRESSED = "concern-expressed", _("concern expressed, release called for")
    OTHER = "other", _("other")


class WgadCategory(models.TextChoices):
    """The categories of the Working Group's methods of work (A/HRC/36/38)."""

    I = "I", _("I: no legal basis for the detention")  # noqa: E741
    II = "II", _("II: detention for exercising rights and freedoms")
    III = "III", _("III: grave violation of the right to a fair trial")
    IV = "IV", _("IV: prolonged administrative custody of asylum seekers or migrants")
    V = "V", _("V: discrimination")
