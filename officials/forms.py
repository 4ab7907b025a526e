"""The officials' forms shared by the admins that edit involvements (the
official's, the involvement's own, the trial's)."""

from cases.admin_workflow import VersionedModelForm


class InvolvementForm(VersionedModelForm):
    """An involvement: the evidence rule (cases.evidence) reads its role as this
    form leaves it, since an alleged perpetrator made public needs sources from
    two different publishers. VersionedModelForm checks the rule in `clean`,
    before the form's values are applied to the record, so the role is applied
    first."""

    def clean(self):
        role = self.cleaned_data.get("role")
        if role:
            self.instance.role = role
        return super().clean()
