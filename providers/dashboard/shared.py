"""What the dashboard's views share: finding the user's listing, running a service.

Every view that names a listing finds it through the user's own membership
(`membership_or_404`), so a listing the user is not a member of is a 404,
whatever the URL says. `run_service` calls a service and puts its refusal on
the form; after a stale save (`StaleEditError`) the form shows the current
version and who saved it.
"""

from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_http_methods

from impactdir.ids import parse_id
from providers.dashboard import selectors
from providers.models import Membership, MembershipRole, Provider
from providers.services.access import StaleEditError

EDIT = require_http_methods(["GET", "HEAD", "POST"])


def require_dashboard_user(user) -> None:
    """The dashboard is for ISSP staff and for anyone who is a member of a listing."""
    if not (user.is_issp or user.memberships.exists()):
        raise Http404


def issp_or_404(user) -> None:
    """Creating and claiming listings is for ISSP staff accounts; anyone else gets a 404."""
    if not user.is_issp:
        raise Http404


def membership_or_404(request, pk: int) -> Membership:
    # The URL's <int:pk> takes any number of digits; one past a 64-bit id is no listing.
    if parse_id(str(pk)) is None:
        raise Http404
    return get_object_or_404(
        Membership.objects.select_related("provider"), provider_id=pk, user=request.user
    )


def base_url(request) -> str:
    """The site's address as this request reached it, for links in e-mails."""
    return request.build_absolute_uri("/").rstrip("/")


def add_errors(form, exc: ValidationError) -> None:
    """Put a service's refusal on the form: on its field when the form has one."""
    if hasattr(exc, "error_dict"):
        for name, errors in exc.error_dict.items():
            target = name if name in form.fields else None
            for error in errors:
                form.add_error(target, error)
    else:
        form.add_error(None, exc.messages)


def _show_current_version(form, provider: Provider) -> None:
    """After a stale save, let the next save go ahead at the version now shown."""
    form.data = form.data.copy()
    field_name = form.add_prefix("version")
    form.data[field_name] = str(provider.version)


def _stale_context(provider: Provider) -> dict:
    provider.refresh_from_db()
    last_change = provider.history.select_related("history_user").first()
    return {"stale": True, "last_change": last_change}


def listing_context(membership: Membership, **extra) -> dict:
    """What every page of one listing shows: the listing, the user's role, open proposals."""
    provider = membership.provider
    return {
        "provider": provider,
        "membership": membership,
        "is_owner": membership.role == MembershipRole.OWNER,
        "pending_changes": list(selectors.pending_changes_for(provider)),
        **extra,
    }


def run_service(form, call, provider: Provider) -> tuple[bool, dict]:
    """Call a service; on refusal put its message on the form. Returns (ok, extra context)."""
    try:
        call()
    except StaleEditError as exc:
        extra = _stale_context(provider)
        add_errors(form, exc)
        _show_current_version(form, provider)
        return False, extra
    except ValidationError as exc:
        add_errors(form, exc)
        return False, {}
    return True, {}
