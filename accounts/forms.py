from allauth.account.forms import LoginForm as AllauthLoginForm
from allauth.account.forms import SignupForm as AllauthSignupForm
from django import forms
from django.utils.translation import gettext_lazy as _
from django_countries import countries
from django_countries.fields import LazyTypedChoiceField

from impactdir.languages import languages_in_own_names
from providers.collation import ByLabelChoiceIterator
from providers.models import Industry

from .models import AccountType, User

SIGNUP_PATHS = [
    (AccountType.BUYER, _("I buy outsourcing services")),
    (AccountType.ISSP, _("I work at an impact sourcing provider")),
]


def _clean_shown_text(value: str, *, message: str) -> str:
    """A name or organisation as providers will read it: one line, and not an e-mail address."""
    value = " ".join((value or "").split())
    if "@" in value:
        raise forms.ValidationError(message, code="looks_like_email")
    return value


class ByLabelModelChoiceField(forms.ModelChoiceField):
    """Choices in the alphabetical order of their names in the active language."""

    iterator = ByLabelChoiceIterator


class SenderFieldsMixin(forms.Form):
    """Who a buyer is, as providers they write to see it: name, organisation (industry, country).

    Every field may stay empty; the e-mail address is never among them.
    """

    name = forms.CharField(
        label=_("Your name"),
        max_length=150,
        required=False,
        help_text=_("Shown to the providers you write to."),
        error_messages={"max_length": _("Keep your name under 150 characters.")},
    )
    organisation = forms.CharField(
        label=_("Organisation"),
        max_length=200,
        required=False,
        help_text=_("The organisation you buy for. Shown to the providers you write to."),
        error_messages={"max_length": _("Keep the organisation's name under 200 characters.")},
    )
    industry = ByLabelModelChoiceField(
        label=_("Industry"),
        queryset=Industry.objects.all(),
        required=False,
        empty_label=_("Choose an industry"),
        error_messages={"invalid_choice": _("Choose an industry from the list.")},
    )
    country = LazyTypedChoiceField(
        label=_("Country"),
        # Read when a form is made: the names, and their order, of the request's language.
        choices=lambda: [("", _("Choose a country")), *countries],
        required=False,
        error_messages={"invalid_choice": _("Choose a country from the list.")},
    )

    def clean_name(self):
        return _clean_shown_text(
            self.cleaned_data.get("name"),
            message=_(
                "Write your name, not an e-mail address: providers never see your e-mail address."
            ),
        )

    def clean_organisation(self):
        return _clean_shown_text(
            self.cleaned_data.get("organisation"),
            message=_(
                "Write the organisation's name, not an e-mail address: providers never see your "
                "e-mail address."
            ),
        )


SENDER_FIELDS = ["name", "organisation", "industry", "country"]


class SignupForm(SenderFieldsMixin, AllauthSignupForm):
    """allauth's sign-up form plus the buyer-or-provider question and who the buyer is.

    The answers are stored by ``AccountAdapter.save_user``; nothing else about
    the account can be chosen here (no staff flag).
    """

    account_type = forms.ChoiceField(
        label=_("How will you use ImpactDir?"),
        choices=SIGNUP_PATHS,
        widget=forms.RadioSelect,
        error_messages={"required": _("Tell us whether you buy services or work at a provider.")},
    )

    field_order = ["account_type", "email", "password1", "password2", *SENDER_FIELDS]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].help_text = _(
            "If you buy services: the organisation you buy for. Provider staff write as their "
            "listing, so they can leave this empty."
        )


class LanguageSelect(forms.Select):
    """Each language named in its own language, and marked as such (`lang`) for screen readers."""

    def create_option(self, name, value, *args, **kwargs):
        option = super().create_option(name, value, *args, **kwargs)
        if value:
            option["attrs"]["lang"] = value
        return option


class AccountProfileForm(SenderFieldsMixin, forms.ModelForm):
    """The account page: the name and organisation providers see when the user writes to them,
    and the user's language (the site's and their e-mails')."""

    language = forms.ChoiceField(
        label=_("Language"),
        required=False,
        widget=LanguageSelect,
        help_text=_("The language of the site and of the e-mails we send you."),
        error_messages={"invalid_choice": _("Choose a language from the list.")},
    )

    class Meta:
        model = User
        fields = [*SENDER_FIELDS, "language"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["language"].choices = [
            ("", _("Not chosen: the language of your browser")),
            *languages_in_own_names(),
        ]


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
