"""The inquiry inbox: buyers' inquiries to the user's listings, read and answered by its members.

A thread is found only among those of listings the user is a member of, so any
other thread is a 404. The thread page, replying and closing are shared with
the buyer's side (`buyers.views.inquiries`); the writes are `buyers.services`.
"""

from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_POST, require_safe

from buyers import selectors
from buyers.models import Inquiry
from buyers.views.inquiries import (
    STATUS_FILTERS,
    status_filter,
    thread_close,
    thread_page,
    thread_queryset,
    thread_reply,
)
from providers.models import Provider


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
