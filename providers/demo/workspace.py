"""The demo buyer's workspace: a shortlist, a saved search and an inquiry the provider answered.

A newcomer who logs in as the demo buyer finds the workspace in use rather than
empty. Shortlists and saved searches are made through `buyers.services`, so they
are the rows the buyer's own clicks would make. The inquiry is written as the
rows `buyers.services.inquiry_send` and the provider's answer from the dashboard
inbox (`inquiry_reply`) leave behind, without their e-mails: nobody wrote them,
and a demo seeded on a laptop should not print three messages to the console.
It is dated a few days back, so the demo buyer's hourly inquiry limit is untouched.

Each part is made only while the buyer has none of its kind, so seeding again
adds nothing and never touches what someone changed in the demo.
"""

import datetime
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from buyers import services as buyer_services
from buyers.models import (
    AlertFrequency,
    Inquiry,
    InquiryMessage,
    SavedSearch,
    Shortlist,
    StandardQuestion,
)
from providers.disclosure import THRESHOLD
from providers.models import Provider, ProviderService

SHORTLIST_SIZE = 4
INQUIRY_SENT_AGO = datetime.timedelta(days=3, hours=5)
ANSWERED_AFTER = datetime.timedelta(hours=26)


@dataclass
class DemoWorkspace:
    """What `demo_workspace_ensure` made this time (None: there was one already, or no data)."""

    shortlist: Shortlist | None = None
    saved_search: SavedSearch | None = None
    inquiry: Inquiry | None = None

    def __bool__(self):
        return any((self.shortlist, self.saved_search, self.inquiry))


def _demo_published():
    return Provider.objects.published().filter(website__endswith=".example/")


def _centres_text(provider):
    cities = [centre.city for centre in provider.centres.order_by("-headcount", "pk")]
    if len(cities) <= 1:
        return "".join(cities)
    return ", ".join(cities[:-1]) + " and " + cities[-1]


def _note_for(provider, service_name):
    """A buyer's note on a shortlisted provider: where it works, what it holds (not expired)."""
    certifications = sorted(
        provider.certifications.valid().values_list("certification__name", flat=True).distinct()
    )
    held = f" Holds {', '.join(certifications)}." if certifications else ""
    return (
        f"{service_name} from {_centres_text(provider)}.{held} "
        "Ask for a two-week pilot before we commit."
    )


def _shortlist_make(buyer, anchor, service):
    """The anchor provider and up to three others offering the same service, with notes."""
    others = list(
        _demo_published()
        .filter(services__service=service.service)
        .exclude(pk=anchor.pk)
        .order_by("pk")[: SHORTLIST_SIZE - 1]
    )
    shortlist = buyer_services.shortlist_create(
        owner=buyer, name=f"{service.service.name} partners (demo)"
    )
    for provider in [anchor, *others]:
        buyer_services.shortlist_add(
            shortlist=shortlist,
            user=buyer,
            provider=provider,
            note=_note_for(provider, service.service.name),
        )
    return shortlist


def _saved_search_make(buyer, anchor, service):
    """A search for the anchor's service where its main centre is: it finds at least the anchor."""
    centre = anchor.centres.order_by("-headcount", "pk").first()
    params = {"service": service.service.slug}
    name = f"{service.service.name} providers"
    if centre is not None:
        params["country"] = centre.country.code
        name = f"{service.service.name} in {centre.country.name}"
    return buyer_services.saved_search_create(
        owner=buyer,
        name=name,
        query_string="&".join(f"{key}={value}" for key, value in params.items()),
        frequency=AlertFrequency.WEEKLY,
    )


def _answer_text(provider, service_name):
    """The provider's answer, in figures its own listing gives (no small counts of people)."""
    centre = provider.centres.order_by("-headcount", "pk").first()
    report = provider.reports.filter(is_latest=True).first()
    lines = ["Thank you for your message."]
    if centre is not None and centre.headcount >= 2 * THRESHOLD:
        team = max(THRESHOLD, centre.headcount // 4)
        lines.append(
            f"We could start a pilot of {service_name.lower()} with a team of {team} people "
            f"in {centre.city} within three weeks, and grow it after the pilot."
        )
    elif centre is not None:
        lines.append(
            f"We could start a pilot of {service_name.lower()} with a small team in {centre.city} "
            "within three weeks."
        )
    if report is not None:
        if report.impact_workers >= THRESHOLD:
            share = f"About {report.impact_share}%"
        else:  # as the profile, which withholds this share, and the description put it
            share = "Most" if 2 * report.impact_workers > report.total_employees else "Some"
        lines.append(
            f"{share} of our people are impact workers (our {report.period_end.year} "
            "impact report); we would staff your account alike."
        )
    lines.append("Shall we set up a call next week?")
    return "\n\n".join(lines)


def _inquiry_make(buyer, staff, provider, service_name, shortlist, now):
    """An inquiry from the buyer to `provider`, answered by `staff` a day later."""
    sent = now - INQUIRY_SENT_AGO
    answered = sent + ANSWERED_AFTER
    inquiry = Inquiry.objects.create(
        buyer=buyer,
        provider=provider,
        shortlist=shortlist,
        subject=f"{service_name} pilot: capacity and impact share",
        questions=[StandardQuestion.CAPACITY.value, StandardQuestion.IMPACT_SHARE.value],
        last_message_at=answered,
    )
    question = InquiryMessage.objects.create(
        inquiry=inquiry,
        author=buyer,
        body=(
            f"Hello, we are looking for a partner for {service_name.lower()}, starting with a "
            "pilot of about two months. Could you tell us what capacity you could put on it, "
            "and what share of the team would be impact workers?"
        ),
    )
    answer = InquiryMessage.objects.create(
        inquiry=inquiry,
        author=staff,
        from_provider=True,
        body=_answer_text(provider, service_name),
    )
    # `created_at` is set on insert (auto_now_add); date the thread back.
    Inquiry.objects.filter(pk=inquiry.pk).update(created_at=sent)
    InquiryMessage.objects.filter(pk=question.pk).update(created_at=sent)
    InquiryMessage.objects.filter(pk=answer.pk).update(created_at=answered)
    inquiry.refresh_from_db()
    return inquiry


@transaction.atomic
def demo_workspace_ensure(*, buyer, staff, now=None) -> DemoWorkspace:
    """Fill the demo `buyer`'s workspace, if empty, around a listing `staff` is a member of.

    The listing is `staff`'s first published one (the demo ISSP user's); the
    shortlist holds it and up to three published demo providers offering the same
    service, each with a note; the saved search (weekly alerts) finds it; the
    inquiry, sent from the shortlist, is answered by `staff`. A part is made only
    when the buyer has none of its kind; nothing is made when `staff` has no
    published listing.
    """
    made = DemoWorkspace()
    anchor = _demo_published().filter(memberships__user=staff).order_by("pk").first()
    if anchor is None:
        return made
    service = (
        ProviderService.objects.filter(provider=anchor).select_related("service").order_by("pk")
    ).first()
    if service is None:
        return made
    now = now or timezone.now()
    shortlist = Shortlist.objects.filter(owner=buyer).order_by("pk").first()
    if shortlist is None:
        shortlist = made.shortlist = _shortlist_make(buyer, anchor, service)
    if not SavedSearch.objects.filter(owner=buyer).exists():
        made.saved_search = _saved_search_make(buyer, anchor, service)
    if not Inquiry.objects.filter(buyer=buyer).exists():
        from_shortlist = shortlist if shortlist.entries.filter(provider=anchor).exists() else None
        made.inquiry = _inquiry_make(
            buyer, staff, anchor, service.service.name, from_shortlist, now
        )
    return made
