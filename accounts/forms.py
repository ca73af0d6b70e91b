from allauth.account.forms import LoginForm as AllauthLoginForm
from allauth.account.forms import SignupForm as AllauthSignupForm
from django import forms
from django.utils.translation import gettext_lazy as _

from .models import AccountType

SIGNUP_PATHS = [
    (AccountType.BUYER, _("I buy outsourcing services")),
    (AccountType.ISSP, _("I work at an impact sourcing provider")),
]


class SignupForm(AllauthSignupForm):
    """allauth's sign-up form plus the buyer-or-provider question.

    The answer is stored by ``AccountAdapter.save_user``; nothing else about
    the account can be chosen here (no staff flag, no organisation).
    """

    account_type = forms.ChoiceField(
        label=_("How will you use ImpactDir?"),
        choices=SIGNUP_PATHS,
        widget=forms.RadioSelect,
        error_messages={"required": _("Tell us whether you buy services or work at a provider.")},
    )

    field_order = ["account_type", "email", "password1", "password2"]


class LoginForm(AllauthLoginForm):
    """allauth's log-in form without the reset link inside the password's help text.

    Help text is drawn before its input, so a link there would take the Tab
    key away from the password field; the log-in page links to the reset
    page after the form instead.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["password"].help_text = ""


class DeleteAccountForm(forms.Form):
    """Deleting an account asks for its password, whoever holds the session."""

    password = forms.CharField(
        label=_("Your password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        error_messages={"required": _("Enter your password to delete your account.")},
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self):
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(
                _("That is not your password; your account was not deleted."), code="wrong"
            )
        return password
