"""The fixed choices of an official's involvement in a case."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class InvolvementRole(models.TextChoices):
    ARRESTING_OFFICER = "arresting-officer", _("arresting officer")
    INVESTIGATOR = "investigator", _("investigator")
    PROSECUTOR = "prosecutor", _("prosecutor")
    TRIAL_JUDGE = "trial-judge", _("trial judge")
    APPEAL_JUDGE = "appeal-judge", _("appeal judge")
    HEAD_OF_FACILITY = "head-of-facility", _("head of facility")
    ALLEGED_PERPETRATOR = "alleged-perpetrator", _("alleged perpetrator")


# An involvement in one of these roles names a person as a perpetrator of abuse:
# public only on sources from two different publishers (cases.visibility, rule 3;
# cases.evidence for writes). Partners see it on one citation, as any fact.
TWO_PUBLISHER_ROLES = frozenset({InvolvementRole.ALLEGED_PERPETRATOR.value})
TWO_PUBLISHERS = 2
