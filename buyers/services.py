"""Writes of the buyer workspace: shortlists, saved searches and their alerts, inquiries.

Every function takes keyword arguments, runs in a transaction and raises
`ValidationError` with a message meant for the person who asked; the views turn
it into a message on the page. Ownership is checked here too, so a caller can
never change someone else's shortlist, search or thread by passing its object.
"""

import datetime
import logging
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Max, Q, prefetch_related_objects
from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import User
from buyers.search.filters import PARAMETERS
from impactdir.languages import codes
from impactdir.mail import reader_languages, send_templated_mail
from providers.models import Membership, Provider
from providers.services.recipients import members_emails

from .inquiries.answers import answer_clean, answer_record
from .inquiries.claim_links import LINK_DAYS, claim_link_create
from .models import (
    NAME_MAX_LENGTH,
    NOTE_MAX_LENGTH,
    QUERY_MAX_LENGTH,
    AlertFrequency,
    EntryNote,
    Inquiry,
    InquiryBatch,
    InquiryMessage,
    InquiryStatus,
    SavedSearch,
    SavedSearchAlertSent,
    Shortlist,
    ShortlistEntry,
    StandardQuestion,
)
from .shortlists import access as shortlist_access

#: Parameters of the search URL a saved search keeps: the search FilterSet's
#: (`buyers.search.filters`, made from the facet declarations), in order, but `page`.
SEARCH_PARAMETERS = tuple(name for name in PARAMETERS if name != "page")

logger = logging.getLogger(__name__)

DEFAULT_SHORTLIST_NAME = "My shortlist"
MAX_SHORTLISTS = 50
MAX_SHORTLIST_ENTRIES = 200
MAX_SAVED_SEARCHES = 50


def inquiries_per_hour() -> int:
    """New inquiry threads a buyer may open per hour (each provider of a shortlist counts)."""
    return int(getattr(settings, "BUYERS_INQUIRIES_PER_HOUR", 10))


def messages_per_hour() -> int:
    """Replies a user may post per hour across all threads."""
    return int(getattr(settings, "BUYERS_MESSAGES_PER_HOUR", 30))


def absolute_url(path: str) -> str:
    base = settings.SITE_URL
    return f"{base}{path}"


def _require_buyer(user: User) -> None:
    if not (user.is_authenticated and user.is_buyer and user.is_active):
        raise PermissionDenied(_("Only buyer accounts have a workspace."))


def _clean_name(name: str) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError(_("Give it a name."), code="name_required")
    if len(name) > NAME_MAX_LENGTH:
        raise ValidationError(
            _("Keep the name under %(max)d characters.") % {"max": NAME_MAX_LENGTH},
            code="name_too_long",
        )
    return name


def _check_owner(obj, user: User) -> None:
    if obj.owner_id != user.pk:
        raise PermissionDenied


def _check_can_edit(shortlist: Shortlist, user: User) -> None:
    """The owner, or a member with edit rights now (read from the database, not the caller)."""
    shortlist_access.require(shortlist, user, "edit")


def _require_shortlister(user: User) -> None:
    """Buyers keep shortlists; so do ISSP staff, to find partners among other providers."""
    if not (user.is_authenticated and user.is_active and (user.is_buyer or user.is_issp)):
        raise PermissionDenied(_("Log in to keep shortlists."))


# --------------------------------------------------------------------------
# Shortlists
# --------------------------------------------------------------------------


@transaction.atomic
def shortlist_create(*, owner: User, name: str) -> Shortlist:
    """Create a named shortlist for a buyer or ISSP staff; names are unique per owner, ignoring
    case."""
    _require_shortlister(owner)
    name = _clean_name(name)
    if Shortlist.objects.filter(owner=owner).count() >= MAX_SHORTLISTS:
        raise ValidationError(
            _("You already have %(max)d shortlists; delete one first.") % {"max": MAX_SHORTLISTS}
        )
    if Shortlist.objects.filter(owner=owner, name__iexact=name).exists():
        raise ValidationError(_("You already have a shortlist called “%(name)s”.") % {"name": name})
    return Shortlist.objects.create(owner=owner, name=name)


@transaction.atomic
def shortlist_rename(*, shortlist: Shortlist, user: User, name: str) -> Shortlist:
    """Rename one of the user's shortlists."""
    _check_owner(shortlist, user)
    name = _clean_name(name)
    clash = Shortlist.objects.filter(owner=user, name__iexact=name).exclude(pk=shortlist.pk)
    if clash.exists():
        raise ValidationError(_("You already have a shortlist called “%(name)s”.") % {"name": name})
    shortlist.name = name
    shortlist.save(update_fields=["name", "updated_at"])
    return shortlist


@transaction.atomic
def shortlist_delete(*, shortlist: Shortlist, user: User) -> None:
    """Delete one of the user's shortlists with its entries and notes."""
    _check_owner(shortlist, user)
    shortlist.delete()


@transaction.atomic
def shortlist_add(
    *, shortlist: Shortlist, user: User, provider: Provider, note: str = ""
) -> ShortlistEntry:
    """Add a published provider at the end of a shortlist the user may edit (already there:
    unchanged); `note` becomes the user's private note on it."""
    _check_can_edit(shortlist, user)
    if not provider.is_published:
        raise ValidationError(_("Only published providers can be shortlisted."))
    existing = ShortlistEntry.objects.filter(shortlist=shortlist, provider=provider).first()
    if existing:
        return existing
    # Lock the shortlist row so concurrent adds get distinct positions.
    Shortlist.objects.select_for_update().filter(pk=shortlist.pk).first()
    if shortlist.entries.count() >= MAX_SHORTLIST_ENTRIES:
        raise ValidationError(
            _("A shortlist holds at most %(max)d providers.") % {"max": MAX_SHORTLIST_ENTRIES}
        )
    last = shortlist.entries.aggregate(last=Max("position"))["last"]
    try:
        with transaction.atomic():
            entry = ShortlistEntry.objects.create(
                shortlist=shortlist,
                provider=provider,
                position=0 if last is None else last + 1,
            )
    except IntegrityError:
        return ShortlistEntry.objects.get(shortlist=shortlist, provider=provider)
    note = _clean_note(note)
    if note:
        EntryNote.objects.create(entry=entry, author=user, text=note)
    Shortlist.objects.filter(pk=shortlist.pk).update(updated_at=timezone.now())
    return entry


@transaction.atomic
def shortlist_remove(*, shortlist: Shortlist, user: User, provider: Provider) -> bool:
    """Remove a provider from a shortlist the user may edit; returns whether it was there."""
    _check_can_edit(shortlist, user)
    deleted, _rows = ShortlistEntry.objects.filter(shortlist=shortlist, provider=provider).delete()
    if deleted:
        Shortlist.objects.filter(pk=shortlist.pk).update(updated_at=timezone.now())
    return bool(deleted)


def _clean_note(note: str) -> str:
    note = (note or "").strip()
    if len(note) > NOTE_MAX_LENGTH:
        raise ValidationError(
            _("Keep the note under %(max)d characters.") % {"max": NOTE_MAX_LENGTH}
        )
    return note


@transaction.atomic
def shortlist_entry_note(
    *, entry: ShortlistEntry, user: User, note: str, shared: bool = False
) -> EntryNote | None:
    """Set the user's own note on one provider of a shortlist they may edit.

    `shared` shows it to the shortlist's group; otherwise only its author sees
    it. An empty note is deleted (None is returned).
    """
    _check_can_edit(entry.shortlist, user)
    text = _clean_note(note)
    if not text:
        EntryNote.objects.filter(entry=entry, author=user).delete()
        return None
    note_row, _created = EntryNote.objects.update_or_create(
        entry=entry, author=user, defaults={"text": text, "shared": bool(shared)}
    )
    return note_row


def _renumber(shortlist: Shortlist, entry_ids: list[int]) -> None:
    entries = {e.pk: e for e in shortlist.entries.all()}
    ordered = [entries[pk] for pk in entry_ids if pk in entries]
    ordered += [e for pk, e in entries.items() if pk not in set(entry_ids)]
    for position, entry in enumerate(ordered):
        entry.position = position
    ShortlistEntry.objects.bulk_update(ordered, ["position"])


@transaction.atomic
def shortlist_move(*, entry: ShortlistEntry, user: User, direction: str) -> None:
    """Move a provider one place up or down in a shortlist the user may edit."""
    shortlist = entry.shortlist
    _check_can_edit(shortlist, user)
    if direction not in {"up", "down"}:
        raise ValidationError(_("Choose to move up or down."))
    Shortlist.objects.select_for_update().filter(pk=shortlist.pk).first()
    ids = list(shortlist.entries.order_by("position", "id").values_list("pk", flat=True))
    index = ids.index(entry.pk)
    other = index - 1 if direction == "up" else index + 1
    if 0 <= other < len(ids):
        ids[index], ids[other] = ids[other], ids[index]
    _renumber(shortlist, ids)


@transaction.atomic
def shortlist_sort(*, shortlist: Shortlist, user: User, by: str) -> None:
    """Reorder a shortlist the user may edit once by name, impact share, workforce or date
    added."""
    _check_can_edit(shortlist, user)
    orderings = {
        "name": ["provider__name", "id"],
        "impact": [F("provider__impact_share").desc(nulls_last=True), "provider__name"],
        "size": [F("provider__workforce").desc(nulls_last=True), "provider__name"],
        "added": ["added_at", "id"],
    }
    if by not in orderings:
        raise ValidationError(_("Choose how to sort the shortlist."))
    ids = list(shortlist.entries.order_by(*orderings[by]).values_list("pk", flat=True))
    _renumber(shortlist, ids)


# --------------------------------------------------------------------------
# Saved searches
# --------------------------------------------------------------------------


def normalise_query_string(query_string: str) -> str:
    """Keep only search parameters with values, in contract order, without `page`."""
    params = QueryDict(query_string or "")
    kept = QueryDict(mutable=True)
    for key in SEARCH_PARAMETERS:
        # NUL cannot be stored in PostgreSQL text and is never part of a real search.
        values = [v.replace("\x00", "").strip() for v in params.getlist(key)]
        values = [v for v in values if v]
        if values:
            kept.setlist(key, values)
    encoded = kept.urlencode()
    if len(encoded) > QUERY_MAX_LENGTH:
        raise ValidationError(_("This search is too long to save."))
    return encoded


def _clean_frequency(frequency: str) -> str:
    if frequency not in AlertFrequency.values:
        raise ValidationError(_("Choose no alert, daily or weekly."))
    return frequency


@transaction.atomic
def saved_search_create(
    *, owner: User, name: str, query_string: str, frequency: str = AlertFrequency.NONE
) -> SavedSearch:
    """Save a search of /providers/ under a name, with an optional e-mail alert."""
    _require_buyer(owner)
    name = _clean_name(name)
    frequency = _clean_frequency(frequency)
    query_string = normalise_query_string(query_string)
    if SavedSearch.objects.filter(owner=owner).count() >= MAX_SAVED_SEARCHES:
        raise ValidationError(
            _("You already have %(max)d saved searches; delete one first.")
            % {"max": MAX_SAVED_SEARCHES}
        )
    if SavedSearch.objects.filter(owner=owner, name__iexact=name).exists():
        raise ValidationError(
            _("You already have a saved search called “%(name)s”.") % {"name": name}
        )
    return SavedSearch.objects.create(
        owner=owner,
        name=name,
        query_string=query_string,
        frequency=frequency,
        alerts_since=timezone.now(),
    )


@transaction.atomic
def saved_search_update(
    *, saved_search: SavedSearch, user: User, name: str, frequency: str
) -> SavedSearch:
    """Rename a saved search and/or change its alert; switching alerts on starts from now."""
    _check_owner(saved_search, user)
    name = _clean_name(name)
    frequency = _clean_frequency(frequency)
    clash = SavedSearch.objects.filter(owner=user, name__iexact=name).exclude(pk=saved_search.pk)
    if clash.exists():
        raise ValidationError(
            _("You already have a saved search called “%(name)s”.") % {"name": name}
        )
    if saved_search.frequency == AlertFrequency.NONE and frequency != AlertFrequency.NONE:
        # Providers that appeared while alerts were off are not news any more.
        saved_search.alerts_since = timezone.now()
    saved_search.name = name
    saved_search.frequency = frequency
    saved_search.save(update_fields=["name", "frequency", "alerts_since"])
    return saved_search


@transaction.atomic
def saved_search_delete(*, saved_search: SavedSearch, user: User) -> None:
    _check_owner(saved_search, user)
    saved_search.delete()


def saved_search_new_providers(*, saved_search: SavedSearch) -> list[Provider]:
    """Published providers matching the search now that were published or changed since alerts
    were switched on and have never been sent for it (at most 500; the rest go next time).

    "Changed" is the listing's `updated_at`: a listing that already matched when
    alerts were switched on and is edited later is reported once too, as we keep
    no record of what matched in the past.
    """
    from buyers.search.parameters import parse_search_params
    from buyers.search.selector import search_queryset

    params = parse_search_params(QueryDict(saved_search.query_string))
    since = saved_search.alerts_since
    return list(
        search_queryset(params)
        .filter(Q(published_at__gt=since) | Q(updated_at__gt=since))
        .exclude(
            pk__in=SavedSearchAlertSent.objects.filter(saved_search=saved_search).values(
                "provider_id"
            )
        )
        .only("pk", "name", "slug", "tagline")[:500]
    )


@dataclass(frozen=True)
class AlertRun:
    """What one run of the alerts did: e-mails sent, and the saved searches that failed."""

    sent: int
    failed: tuple[int, ...] = ()


def _send_owner_alert(owner, owner_searches, frequency, now, failed: list) -> int:
    """Send one buyer's digest, recording what it holds in the same transaction.

    Returns 1 when an e-mail was sent, 0 when nothing was new. A search that
    cannot be evaluated is logged and added to `failed`; an e-mail that cannot
    be sent raises, and the transaction records nothing.
    """
    with transaction.atomic():
        sections = []
        for saved_search in owner_searches:
            try:
                with transaction.atomic():
                    section = _alert_section(saved_search, now)
            except Exception:
                logger.exception(
                    "Saved search %s (%s alerts) failed; its alert was not sent",
                    saved_search.pk,
                    frequency,
                )
                failed.append(saved_search.pk)
                continue
            if section is not None:
                sections.append(section)
        if not sections:
            return 0
        # Sent now, inside the transaction that records what it holds: a failure
        # to send records nothing, and the next run retries.
        send_templated_mail(
            template="buyers/search_alert",
            to=[owner.email],
            context={
                "user": owner,
                "sections": sections,
                "count": sum(len(s["providers"]) for s in sections),
                "frequency": AlertFrequency(frequency).label,
                "searches_url": absolute_url(reverse("buyers:searches")),
            },
            after_commit=False,
        )
        return 1


def _alert_section(saved_search: SavedSearch, now: datetime.datetime) -> dict | None:
    """Record and describe the providers new to one search; None when nothing is new."""
    locked = SavedSearch.objects.select_for_update().filter(pk=saved_search.pk).first()
    if locked is None:  # deleted by its owner since the run started
        return None
    providers = saved_search_new_providers(saved_search=locked)
    if not providers:
        return None
    SavedSearchAlertSent.objects.bulk_create(
        [SavedSearchAlertSent(saved_search=locked, provider=p) for p in providers],
        ignore_conflicts=True,
    )
    locked.last_alerted_at = now
    locked.save(update_fields=["last_alerted_at"])
    return {
        "search": locked,
        "search_url": absolute_url(locked.get_search_url()),
        "providers": [
            {"provider": p, "url": absolute_url(p.get_absolute_url())} for p in providers
        ],
    }


def saved_search_send_alerts(*, frequency: str, now: datetime.datetime | None = None) -> AlertRun:
    """E-mail every buyer one digest of the providers new to their searches of this frequency.

    Each provider is recorded as sent for its search in the same transaction
    as the e-mail, so a run never repeats a provider and a failed send is
    retried by the next run. A search that cannot be evaluated is logged with
    its id and left out (nothing recorded for it, so the next run retries it);
    the buyer's other searches and every other buyer still get their alerts.
    An e-mail that cannot be sent is logged and its buyer's searches are
    counted as failed (nothing recorded, so the next run retries them); the
    buyers after it still get theirs.
    """
    if frequency not in {AlertFrequency.DAILY, AlertFrequency.WEEKLY}:
        raise ValueError(f"unknown alert frequency {frequency!r}")
    now = now or timezone.now()
    searches = (
        SavedSearch.objects.alerting(frequency)
        .filter(owner__is_active=True, owner__account_type="buyer")
        .select_related("owner")
        .order_by("owner_id", "name", "id")
    )
    by_owner = defaultdict(list)
    for saved_search in searches:
        by_owner[saved_search.owner].append(saved_search)
    sent = 0
    failed = []
    for owner, owner_searches in by_owner.items():
        try:
            sent += _send_owner_alert(owner, owner_searches, frequency, now, failed)
        except Exception:
            # The e-mail could not be sent (a refused address, the mail server down):
            # its transaction recorded nothing, so the next run retries, and the
            # buyers after this one still get theirs.
            logger.exception(
                "Alert e-mail to buyer %s (%s alerts) could not be sent; saved searches %s "
                "will be retried",
                owner.pk,
                frequency,
                ", ".join(str(s.pk) for s in owner_searches),
            )
            failed.extend(s.pk for s in owner_searches if s.pk not in failed)
    return AlertRun(sent=sent, failed=tuple(failed))


# --------------------------------------------------------------------------
# Inquiries
# --------------------------------------------------------------------------


def _provider_recipients(provider: Provider) -> list[str]:
    """The provider's staff; an unclaimed listing's public contact address otherwise."""
    emails = list(
        provider.memberships.filter(user__is_active=True)
        .order_by("user__email")
        .values_list("user__email", flat=True)
    )
    return emails or [provider.contact_email]


def _check_rate(*, user: User, new_threads: int = 0, new_messages: int = 0) -> None:
    # Lock the user's row: two requests at once cannot both pass the count.
    User.objects.select_for_update().filter(pk=user.pk).first()
    hour_ago = timezone.now() - datetime.timedelta(hours=1)
    if new_threads:
        recent = Inquiry.objects.filter(buyer=user, created_at__gte=hour_ago).count()
        limit = inquiries_per_hour()
        if recent + new_threads > limit:
            raise ValidationError(
                ngettext(
                    "You can send at most %(limit)d inquiry an hour. Please try again later.",
                    "You can send at most %(limit)d inquiries an hour. Please try again later.",
                    limit,
                )
                % {"limit": limit},
                code="rate_limited",
            )
    if new_messages:
        recent = InquiryMessage.objects.filter(author=user, created_at__gte=hour_ago).count()
        limit = messages_per_hour()
        if recent + new_messages > limit:
            raise ValidationError(
                _("You have sent %(limit)d messages in the last hour. Please try again later.")
                % {"limit": limit},
                code="rate_limited",
            )


def _clean_inquiry(subject: str, body: str, questions: list[str]) -> tuple[str, str, list[str]]:
    subject = " ".join((subject or "").split())
    body = (body or "").strip()
    errors = []
    if not subject:
        errors.append(_("Write a subject."))
    elif len(subject) > 200:
        errors.append(_("Keep the subject under 200 characters."))
    if not body:
        errors.append(_("Write a message."))
    elif len(body) > 5000:
        errors.append(_("Keep the message under 5,000 characters."))
    unknown = [q for q in questions if q not in StandardQuestion.values]
    if unknown:
        errors.append(_("Choose questions from the list."))
    if errors:
        raise ValidationError(errors)
    # Keep the template's order and drop repeats.
    chosen = [q for q in StandardQuestion.values if q in questions]
    return subject, body, chosen


def _require_inquirer(user: User, sender_provider: Provider | None) -> None:
    """Buyers write as themselves; ISSP staff write as one of their own listings."""
    if not (user.is_authenticated and user.is_active):
        raise PermissionDenied
    if user.is_buyer:
        if sender_provider is not None:
            raise PermissionDenied
        return
    if not user.is_issp:
        raise PermissionDenied(_("Only buyer and provider accounts can send inquiries."))
    if sender_provider is None:
        raise ValidationError(
            _("Choose which of your listings you write for."), code="sender_required"
        )
    if not sender_provider.memberships.filter(user=user).exists():
        raise PermissionDenied


def sender_listings(user: User) -> list[Provider]:
    """The listings an ISSP user may write for (any status: a draft may look for partners too)."""
    if not (user.is_authenticated and user.is_issp):
        return []
    return list(Provider.objects.filter(memberships__user=user).order_by("name", "id"))


def _claimed_ids(providers) -> set[int]:
    return set(
        Membership.objects.filter(
            provider__in=[p.pk for p in providers], user__is_active=True
        ).values_list("provider_id", flat=True)
    )


def mark_unclaimed(providers: list[Provider]) -> list[Provider]:
    """Set `is_unclaimed` on each provider (no staff: inquiries reach its contact address)."""
    claimed = _claimed_ids(providers)
    for provider in providers:
        provider.is_unclaimed = provider.pk not in claimed
    return providers


@transaction.atomic
def inquiry_send(
    *,
    buyer: User,
    providers: list[Provider],
    subject: str,
    body: str,
    questions: list[str] | tuple = (),
    shortlist: Shortlist | None = None,
    sender_provider: Provider | None = None,
) -> list[Inquiry]:
    """Open one thread per published provider with the buyer's message and e-mail its staff.

    `buyer` is a buyer, or ISSP staff writing for `sender_provider` (one of
    their listings) to other providers; nobody writes to a listing of their
    own. A listing without staff is written to at its public contact address,
    with a one-time link to claim the listing (`buyers.inquiries.claim_links`).
    Sent to several providers at once, the threads share an `InquiryBatch`
    whose answers the buyer compares. Raises ValidationError when the input is
    bad, no provider is published or the hourly limit would be passed; then
    nothing is stored or sent.
    """
    _require_inquirer(buyer, sender_provider)
    if shortlist is not None:
        # Its owner, or a member with edit rights: the threads are the sender's own.
        _check_can_edit(shortlist, buyer)
    subject, body, questions = _clean_inquiry(subject, body, list(questions))
    targets = []
    seen = set()
    for provider in providers:
        if provider.is_published and provider.pk not in seen:
            targets.append(provider)
            seen.add(provider.pk)
    if not targets:
        raise ValidationError(_("None of these providers is published; nothing was sent."))
    own = Membership.objects.filter(provider__in=targets, user=buyer).select_related("provider")
    if own:
        raise ValidationError(
            _("You cannot send an inquiry to your own listing (%(names)s).")
            % {"names": ", ".join(sorted(m.provider.name for m in own))},
            code="own_listing",
        )
    _check_rate(user=buyer, new_threads=len(targets))
    staff = members_emails(targets)
    # An unclaimed listing is written to in its language: all their languages in one query.
    prefetch_related_objects([p for p in targets if p.pk not in staff], "listing_languages")
    now = timezone.now()
    batch = None
    if len(targets) > 1:
        batch = InquiryBatch.objects.create(
            buyer=buyer, shortlist=shortlist, subject=subject, questions=questions
        )
    inquiries = []
    for provider in targets:
        inquiry = Inquiry.objects.create(
            buyer=buyer,
            provider=provider,
            shortlist=shortlist,
            batch=batch,
            sender_provider=sender_provider,
            sent_unclaimed=provider.pk not in staff,
            subject=subject,
            questions=questions,
            last_message_at=now,
        )
        InquiryMessage.objects.create(inquiry=inquiry, author=buyer, body=body)
        inquiries.append(inquiry)
    recipients = {
        inquiry.pk: [inquiry.provider.contact_email]
        if inquiry.sent_unclaimed
        else staff[inquiry.provider_id]
        for inquiry in inquiries
    }
    # Every reader's language in one query, not one per e-mail.
    readers = reader_languages(address for to in recipients.values() for address in to if address)
    for inquiry in inquiries:
        context = {
            "inquiry": inquiry,
            "buyer": buyer,
            "body": body,
            "questions": inquiry.question_labels(),
            "url": absolute_url(inquiry.get_provider_url()),
        }
        if inquiry.sent_unclaimed:
            context["claim_url"] = absolute_url(claim_link_create(inquiry=inquiry))
            context["days"] = LINK_DAYS
            send_templated_mail(
                template="buyers/inquiry_unclaimed",
                to=recipients[inquiry.pk],
                context=context,
                language=listing_language(inquiry.provider),
                readers=readers,
            )
        else:
            send_templated_mail(
                template="buyers/inquiry_new",
                to=recipients[inquiry.pk],
                context=context,
                readers=readers,
            )
    return inquiries


def listing_language(provider: Provider) -> str | None:
    """A language of the site the listing says it is written in, to write to its contact in.

    Uses the listing's languages when they were prefetched (`inquiry_send` does).
    """
    spoken = codes()
    return next(
        (term.code for term in provider.listing_languages.all() if term.code in spoken), None
    )


def inquiry_side(*, inquiry: Inquiry, user: User) -> str:
    """'buyer' or 'provider' for the two sides of the thread; PermissionDenied for anyone else."""
    if not user.is_authenticated:
        raise PermissionDenied
    if inquiry.buyer_id == user.pk:
        return "buyer"
    if inquiry.provider.memberships.filter(user=user).exists():
        return "provider"
    raise PermissionDenied


@transaction.atomic
def inquiry_reply(
    *, inquiry: Inquiry, user: User, body: str, answers: dict | None = None
) -> InquiryMessage:
    """Add a reply from either side of an open thread and e-mail the other side.

    The provider's side may send structured `answers` to the standard
    questions asked (`buyers.inquiries.answers.answer_clean`), with or without
    a message. Its first reply marks the inquiry answered; the buyer's e-mail
    says so when the listing was unclaimed when they wrote.
    """
    side = inquiry_side(inquiry=inquiry, user=user)
    inquiry = Inquiry.objects.select_for_update().select_related("provider").get(pk=inquiry.pk)
    if not inquiry.is_open:
        raise ValidationError(_("This inquiry is closed; replies are no longer possible."))
    body = (body or "").strip()
    answers = answer_clean(inquiry=inquiry, answers=answers) if side == "provider" else {}
    if not body and not answers:
        raise ValidationError(_("Write a message."))
    if len(body) > 5000:
        raise ValidationError(_("Keep the message under 5,000 characters."))
    _check_rate(user=user, new_messages=1)
    message = InquiryMessage.objects.create(
        inquiry=inquiry, author=user, body=body, from_provider=side == "provider"
    )
    answer = answer_record(message=message, answers=answers)
    first_answer = side == "provider" and inquiry.answered_at is None
    inquiry.last_message_at = message.created_at
    fields = ["last_message_at"]
    if first_answer:
        inquiry.answered_at = message.created_at
        fields.append("answered_at")
    inquiry.save(update_fields=fields)
    if side == "provider":
        to = [inquiry.buyer.email]
        url = absolute_url(inquiry.get_buyer_url())
    else:
        to = _provider_recipients(inquiry.provider)
        url = absolute_url(inquiry.get_provider_url())
    context = {
        "inquiry": inquiry,
        "message": message,
        "answer": answer,
        "side": side,
        "url": url,
        "first_answer_unclaimed": first_answer and inquiry.sent_unclaimed,
    }
    send_templated_mail(template="buyers/inquiry_reply", to=to, context=context)
    return message


@transaction.atomic
def inquiry_close(*, inquiry: Inquiry, user: User) -> Inquiry:
    """Close a thread (either side); the other side is told by e-mail. Closing twice is a no-op."""
    side = inquiry_side(inquiry=inquiry, user=user)
    inquiry = Inquiry.objects.select_for_update().get(pk=inquiry.pk)
    if not inquiry.is_open:
        return inquiry
    inquiry.status = InquiryStatus.CLOSED
    inquiry.closed_at = timezone.now()
    inquiry.save(update_fields=["status", "closed_at"])
    if side == "provider":
        to = [inquiry.buyer.email]
        url = absolute_url(inquiry.get_buyer_url())
    else:
        to = _provider_recipients(inquiry.provider)
        url = absolute_url(inquiry.get_provider_url())
    context = {"inquiry": inquiry, "side": side, "url": url, "user": user}
    send_templated_mail(template="buyers/inquiry_closed", to=to, context=context)
    return inquiry
