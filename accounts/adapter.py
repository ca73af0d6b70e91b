from allauth.account.adapter import DefaultAccountAdapter
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils import translation

from impactdir import languages, mail

from . import throttling
from .models import AccountType


class AccountAdapter(DefaultAccountAdapter):
    """Store the sign-up path, send each kind of user to where their work is, throttle log-ins."""

    def save_user(self, request, user, form, commit=True):
        user = super().save_user(request, user, form, commit=False)
        account_type = form.cleaned_data.get("account_type")
        if account_type in AccountType.values:
            user.account_type = account_type
        # The language the form was filled in is the one to write to them in.
        user.language = mail.supported_language(translation.get_language())
        for name in ("name", "organisation", "industry", "country"):
            if name in form.cleaned_data:
                setattr(user, name, form.cleaned_data[name] or ("" if name != "industry" else None))
        if commit:
            user.save()
        return user

    def send_mail(self, template_prefix, email, context):
        """allauth's messages (confirmations, password resets) in their reader's language."""
        language = mail.reader_language(email)
        with translation.override(language):
            super().send_mail(template_prefix, email, mail.links_in(context, language))

    def get_login_redirect_url(self, request):
        # Only reached when the request carries no safe ?next= of its own.
        if request.user.is_authenticated and request.user.is_issp:
            return reverse("dashboard:index")
        return reverse("search")

    # Log-in throttling (accounts.throttling). allauth's own limit counts in the
    # default cache, which is per process without CACHE_URL: each gunicorn worker
    # let a burst through on its own. This one counts in the database instead.

    def pre_authenticate(self, request, **credentials):
        if throttling.login_burst_exceeded(
            request, throttling.login_username(request, credentials)
        ):
            # Refused before the password is checked: no guess is tried, none counted.
            raise self.validation_error("too_many_login_attempts")

    def authentication_failed(self, request, **credentials):
        throttling.login_failure_record(request)

    def post_login(self, request, user, **kwargs):
        # A user who chose a language lands in it, whatever page they logged in from.
        language = user.language if user.language in languages.codes() else None
        with translation.override(language or translation.get_language()):
            response = super().post_login(request, user, **kwargs)
        if language is not None:
            if isinstance(response, HttpResponseRedirect):
                response["Location"] = languages.localized_url(response["Location"], language)
            languages.language_cookie_set(response, language)
        throttling.remember_device(request, response, user.email)
        return response
