"""Forms of staff sign-in: a second-factor code, and the password asked again
before sensitive actions."""

from django import forms
from django.contrib.auth import authenticate
from django.utils.translation import gettext_lazy as _


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=20,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autofocus": True, "inputmode": "text"}
        ),
    )


def current_password_field() -> forms.CharField:
    return forms.CharField(
        label=_("Your password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text=_("Enter your own password again to confirm this change."),
    )


def current_password_check(request, password: str) -> None:
    """Raise a form error unless this is the signed-in user's password. Goes through
    authenticate(), so failed attempts count towards the lockout like sign-ins."""
    user = request.user
    if (
        not password
        or authenticate(request, username=user.get_username(), password=password) != user
    ):
        raise forms.ValidationError(
            _("That is not your password. Enter the password you sign in with."),
            code="wrong_password",
        )


class PasswordConfirmationForm(forms.Form):
    """The second step of a bulk action: the action and the selection travel as
    hidden fields, the password is typed."""

    current_password = current_password_field()

    def __init__(self, *args, request, **kwargs):
        self.request = request
        super().__init__(*args, **kwargs)

    def clean_current_password(self):
        password = self.cleaned_data["current_password"]
        current_password_check(self.request, password)
        return password
