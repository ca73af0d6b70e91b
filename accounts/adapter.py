from allauth.account.adapter import DefaultAccountAdapter
from django.urls import reverse

from .models import AccountType


class AccountAdapter(DefaultAccountAdapter):
    """Store the sign-up path and send each kind of user to where their work is."""

    def save_user(self, request, user, form, commit=True):
        user = super().save_user(request, user, form, commit=False)
        account_type = form.cleaned_data.get("account_type")
        if account_type in AccountType.values:
            user.account_type = account_type
        if commit:
            user.save()
        return user

    def get_login_redirect_url(self, request):
        # Only reached when the request carries no safe ?next= of its own.
        if request.user.is_authenticated and request.user.is_issp:
            return reverse("dashboard:index")
        return reverse("providers:search")
