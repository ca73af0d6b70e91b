"""The inquiry inbox: buyers' inquiries to the user's listings, read and answered by its members.

A thread is found only among those of listings the user is a member of, so any
other thread is a 404. The thread page, replying and closing are shared with
the buyer's side (`buyers.views.inquiries`); the writes are `buyers.services`.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from buyers import selectors
from buyers.inquiries import claim_links
from buyers.models import Inquiry
from buyers.views.inquiries import (
    STATUS_FILTERS,
    status_filter,
    thread_close,
    thread_page,
    thread_queryset,
    thread_reply,
)
from providers.forms import ClaimForm
from providers.models import Provider

from .shared import EDIT, add_errors, base_url


def _thread(request, pk) -> Inquiry:
    return get_object_or_404(
        thread_queryset().filter(
            provider__in=Provider.objects.filter(memberships__user=request.user).values("pk")
        ),
        pk=pk,
    )


@require_safe
@login_required
def inbox(request):
    status = status_filter(request)
    return render(
        request,
        "providers/dashboard/inbox.html",
        {
            "inquiries": selectors.inquiries_received(user=request.user, status=status),
            "status": status,
            "status_filters": STATUS_FILTERS,
        },
    )


@require_safe
@login_required
def inbox_detail(request, pk):
    return thread_page(request, _thread(request, pk), "provider")


@require_POST
@login_required
def inbox_reply(request, pk):
    inquiry = _thread(request, pk)
    return thread_reply(request, inquiry, "provider", inquiry.get_provider_url())


@require_POST
@login_required
def inbox_close(request, pk):
    inquiry = _thread(request, pk)
    return thread_close(request, inquiry, inquiry.get_provider_url())


@EDIT
def claim_link(request, token: str):
    """The one-time link an unclaimed listing's contact address got with an inquiry.

    Anyone may open it to learn what it is for; ISSP staff signed in claim
    the listing through it (the claim waits for an operator, as every claim
    does). A used, expired or unknown link, or one whose listing is now
    managed, says so and changes nothing; signed in with another kind of
    account, the visitor is refused.
    """
    state = claim_links.claim_link_state(token=token)
    context = {"state": state, "provider": state.provider, "token": token}
    if (
        state.link is not None
        and request.user.is_authenticated
        and state.provider.memberships.filter(user=request.user).exists()
    ):
        # Their claim was approved (or they joined the team): the inquiry is theirs to read.
        return redirect(state.link.inquiry.get_provider_url())
    if state.problem:
        context["problem"] = claim_links.PROBLEMS[state.problem]
        return render(
            request,
            "providers/dashboard/claim_link.html",
            context,
            status=404 if state.problem == claim_links.INVALID else 410,
        )
    user = request.user
    if not user.is_authenticated:
        return render(request, "providers/dashboard/claim_link.html", context)
    if not user.is_issp:
        context["refused"] = True
        return render(request, "providers/dashboard/claim_link.html", context, status=403)
    form = ClaimForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            claim_links.claim_link_redeem(
                token=token,
                user=user,
                message=form.cleaned_data["message"],
                base_url=base_url(request),
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(
                request,
                _(
                    "Your claim of “%(name)s” is waiting for review. Once it is approved, "
                    "the inquiry is in your inbox. We will e-mail you."
                )
                % {"name": state.provider.name},
            )
            return redirect("dashboard:index")
    context["form"] = form
    return render(
        request,
        "providers/dashboard/claim_link.html",
        context,
        status=400 if form.errors else 200,
    )
