"""Inquiries: a buyer writes to a provider or a whole shortlist; both sides read and reply.

Buyers use /inquiries/… (here); a provider's members use /dashboard/inquiries/…
(`providers.dashboard.inquiries`). Both sides share the thread page, replying
and closing below. A thread is found only through the querysets of its two
sides, so anyone else gets a 404 and learns nothing about it.
"""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from impactdir.ids import parse_id
from providers.models import Provider

from .. import selectors, services
from ..forms import InquiryForm, ProviderReplyForm, ReplyForm
from ..inquiries.answers import answer_prefetch, batch_comparison
from ..models import Inquiry, InquiryStatus
from ..selectors import MAX_COMPARE, SLUG_RE
from ..shortlists.access import shortlist_for

STATUS_FILTERS = [("", gettext_lazy("All")), *InquiryStatus.choices]


def status_filter(request) -> str:
    """The status a list of threads is filtered by (`?status=`), or "" for all."""
    status = request.GET.get("status", "")
    return status if status in InquiryStatus.values else ""


def inquirer_required(view):
    """Buyers, and ISSP staff looking for partners, write inquiries; anyone else gets 403.

    Anonymous visitors go to the login page.
    """

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not (request.user.is_buyer or request.user.is_issp):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def thread_queryset():
    """Threads with their provider, sender (and their listing) and messages with answers."""
    return Inquiry.objects.select_related(
        "provider", "buyer", "buyer__industry", "sender_provider"
    ).prefetch_related(answer_prefetch())


def _buyer_thread(request, pk) -> Inquiry:
    return get_object_or_404(
        selectors.with_names_then(thread_queryset().filter(buyer=request.user)), pk=pk
    )


@require_safe
@inquirer_required
def inquiry_list(request):
    status = status_filter(request)
    return render(
        request,
        "buyers/inquiries/list.html",
        {
            "inquiries": selectors.inquiries_sent(user=request.user, status=status),
            "status": status,
            "status_filters": STATUS_FILTERS,
        },
    )


@require_http_methods(["GET", "HEAD", "POST"])
@inquirer_required
def inquiry_new(request):
    """Compose an inquiry to providers (?provider=slug, up to five) or a shortlist (?shortlist=).

    ISSP staff write for one of their listings, never to it: their own
    listings are left out and named. Listings nobody manages yet are marked,
    so the writer knows where the inquiry goes before sending it.
    """
    source = request.POST if request.method == "POST" else request.GET
    shortlist = None
    providers, skipped = [], []
    if source.get("shortlist"):
        pk = parse_id(source["shortlist"])
        if pk is None:
            raise Http404
        # Its owner or a member with edit rights; one who may only view gets 403.
        shortlist = shortlist_for(user=request.user, pk=pk, level="edit").shortlist
        entries = selectors.shortlist_entries(shortlist=shortlist)
        providers = [e.provider for e in entries if e.provider.is_published]
        # Named as they were when added: an offline listing's name is not vetted.
        skipped = [selectors.listing_name(e) for e in entries if not e.provider.is_published]
    elif source.get("provider"):
        # One provider (a profile), or up to five at once (the compare page).
        slugs = list(dict.fromkeys(source.getlist("provider")))
        if len(slugs) > MAX_COMPARE or not all(SLUG_RE.fullmatch(slug) for slug in slugs):
            raise Http404
        found = {p.slug: p for p in Provider.objects.published().filter(slug__in=slugs)}
        if len(found) != len(slugs):
            raise Http404
        providers = [found[slug] for slug in slugs]
    else:
        messages.error(request, _("Choose a provider or a shortlist to write to."))
        return redirect("buyers:shortlists")
    sender_listings = services.sender_listings(request.user)
    own_ids = {p.pk for p in sender_listings}
    own = [p for p in providers if p.pk in own_ids]
    providers = services.mark_unclaimed([p for p in providers if p.pk not in own_ids])
    form = InquiryForm(request.POST or None, sender_listings=sender_listings)
    if request.user.is_issp and not sender_listings:
        messages.error(
            request,
            _(
                "To write to other providers, first create or claim your organisation's "
                "listing: the providers you write to see it as your organisation."
            ),
        )
        return redirect("dashboard:index")
    if request.method == "POST" and providers and form.is_valid():
        try:
            sent = services.inquiry_send(
                buyer=request.user,
                providers=providers,
                subject=form.cleaned_data["subject"],
                body=form.cleaned_data["body"],
                questions=form.cleaned_data["questions"],
                shortlist=shortlist,
                sender_provider=form.sender_provider(),
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                ngettext(
                    "Your inquiry was sent to %(count)d provider.",
                    "Your inquiry was sent to %(count)d providers.",
                    len(sent),
                )
                % {"count": len(sent)},
            )
            if len(sent) == 1:
                return redirect(sent[0].get_buyer_url())
            return redirect(sent[0].batch.get_absolute_url())
    return render(
        request,
        "buyers/inquiries/new.html",
        {
            "form": form,
            "shortlist": shortlist,
            "providers": providers,
            "skipped": skipped,
            "own": own,
            "unclaimed": [p for p in providers if p.is_unclaimed],
        },
        status=400 if form.errors or (own and not providers) else 200,
    )


def thread_page(request, inquiry, side, reply_form=None):
    """The thread as one side (`"buyer"` or `"provider"`) sees it, with the reply form
    (the one posted, with its errors and text, when a reply could not be sent: 400)."""
    form = reply_form
    if form is None:
        form = ProviderReplyForm(inquiry=inquiry) if side == "provider" else ReplyForm()
    return render(
        request,
        "buyers/inquiries/thread.html",
        {"inquiry": inquiry, "side": side, "reply_form": form},
        status=400 if reply_form is not None and reply_form.errors else 200,
    )


def thread_reply(request, inquiry, side, redirect_to):
    """Post the reply in the request to the thread and go to `redirect_to`; a reply in
    error shows the thread again with the text as typed and an error summary.

    The provider's side may carry structured answers to the standard questions.
    """
    if side == "provider":
        form = ProviderReplyForm(request.POST, inquiry=inquiry)
    else:
        form = ReplyForm(request.POST)
    if form.is_valid():
        answers = form.answers() if side == "provider" else None
        try:
            services.inquiry_reply(
                inquiry=inquiry,
                user=request.user,
                body=form.cleaned_data["body"],
                **({"answers": answers} if answers is not None else {}),
            )
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                for name, errors in error.error_dict.items():
                    for message in errors:
                        form.add_error(name if name in form.fields else None, message)
            else:
                form.add_error(None, error)
        else:
            messages.success(request, _("Reply sent."))
            return redirect(redirect_to)
    return thread_page(request, inquiry, side, reply_form=form)


def thread_close(request, inquiry, redirect_to):
    """Close the thread for both sides and go to `redirect_to`."""
    services.inquiry_close(inquiry=inquiry, user=request.user)
    messages.success(request, _("Inquiry closed."))
    return redirect(redirect_to)


@require_safe
@inquirer_required
def inquiry_detail(request, pk):
    return thread_page(request, _buyer_thread(request, pk), "buyer")


@require_POST
@inquirer_required
def inquiry_reply(request, pk):
    inquiry = _buyer_thread(request, pk)
    return thread_reply(request, inquiry, "buyer", inquiry.get_buyer_url())


@require_POST
@inquirer_required
def inquiry_close(request, pk):
    inquiry = _buyer_thread(request, pk)
    return thread_close(request, inquiry, inquiry.get_buyer_url())


@require_safe
@inquirer_required
def inquiry_answers(request, pk):
    """The answers of the providers one inquiry went to, side by side (its sender only)."""
    return render(
        request,
        "buyers/inquiries/answers.html",
        {"comparison": batch_comparison(user=request.user, pk=pk)},
    )
