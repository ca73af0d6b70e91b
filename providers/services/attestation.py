"""Keeping listings current: a provider confirms its listing, reminders before it gets old.

`provider_confirm` is the one-click confirmation from the dashboard: it sets
`Provider.assured_date` (shown as "last confirmed") to today. It changes no
fact of the listing, so it needs no vetting and no new version; it records a
history row with a change reason.

`attestation_reminders_send` (run daily from cron by
`manage.py send_attestation_reminders`) e-mails a published listing's members
when its confirmation, or its latest impact report's period end, is about to
turn 12 or 24 months old: `REMINDER_LEAD_DAYS` before, or at the first run after
if the listing is already older. At 24 months the listing is marked "not
confirmed in over 2 years" (confirmation), or its figures shown as stale
(report). Each reminder sent is recorded (`AttestationReminder`), so running
again sends nothing new; a listing gets at most one e-mail per run however many
reminders are due.
"""

import datetime
import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import OuterRef, Prefetch, Subquery
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from buyers.search.changes import log_changes
from impactdir.mail import reader_languages, send_templated_mail
from providers.models import (
    UNCONFIRMED_AFTER_MONTHS,
    AttestationReminder,
    ImpactReport,
    ListingStatus,
    Provider,
    ReminderKind,
)
from providers.models.dates import months_after, months_before
from providers.services.access import StaleEditError, require_member
from providers.services.recipients import members_emails

logger = logging.getLogger(__name__)

#: Ages (in months) at which the members are reminded; the last is when the mark appears.
REMINDER_MONTHS = (12, UNCONFIRMED_AFTER_MONTHS)
#: Reminders go out this many days before the listing or report turns that old.
REMINDER_LEAD_DAYS = 30

CONFIRM_REASON = "Confirmed by the provider as still true"


@transaction.atomic
def provider_confirm(*, provider: Provider, user, version: int) -> bool:
    """A member confirms that the published listing, as they last saw it, is still true.

    Sets `assured_date` to today with a history row. Refused for a listing that
    is not published, and with `StaleEditError` when the listing changed since
    the member loaded it at `version` (they would confirm what they have not
    seen). Returns False when it was already confirmed today (nothing written).
    The version is not bumped: a confirmation changes no fact, so nobody's edit
    in progress is refused because of it.
    """
    require_member(provider, user)
    live = Provider.objects.select_for_update().get(pk=provider.pk)
    if live.status != ListingStatus.PUBLISHED:
        raise ValidationError(
            _(
                "Only a published listing can be confirmed. Submitting the listing for review "
                "confirms it until it is published."
            ),
            code="not_published",
        )
    if live.version != version:
        raise StaleEditError(
            _("This listing changed since you opened the page. Check it again, then confirm."),
            code="stale",
        )
    today = timezone.localdate()
    provider.assured_date = live.assured_date
    if live.assured_date == today:
        return False
    was_marked = live.is_unconfirmed(on=today)
    live.assured_date = today
    # django-simple-history reads these two attributes when it writes the historical row.
    live._history_user = user
    live._change_reason = CONFIRM_REASON
    # `updated_at` is left alone: the "recently updated" order is about changed facts.
    live.save(update_fields=["assured_date"])
    provider.assured_date = today
    if was_marked:
        # Result cards show the mark and are kept per listing change, which the
        # triggers do not see in a change of `assured_date` alone.
        log_changes([live.pk])
    return True


# --------------------------------------------------------------------------
# Reminders
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Reminder:
    kind: str
    threshold_months: int
    counted_from: datetime.date
    #: the day the listing or report turns `threshold_months` old
    turns_old_on: datetime.date

    @property
    def is_marked(self) -> bool:
        """At this threshold the public pages mark the listing as not confirmed
        (confirmation) or its figures as stale (report, `STALE_AFTER_MONTHS`)."""
        return self.threshold_months >= UNCONFIRMED_AFTER_MONTHS


def reminders_due(
    *, confirmed_on: datetime.date, report_end: datetime.date | None, today: datetime.date
) -> list[Reminder]:
    """The reminders due on `today`: for each of confirmation and report, the highest
    threshold whose day is at most `REMINDER_LEAD_DAYS` away (or past)."""
    horizon = today + datetime.timedelta(days=REMINDER_LEAD_DAYS)
    due = []
    for kind, counted_from in (
        (ReminderKind.CONFIRMATION, confirmed_on),
        (ReminderKind.REPORT, report_end),
    ):
        if counted_from is None:
            continue
        reached = [
            (months, months_after(counted_from, months))
            for months in REMINDER_MONTHS
            if months_after(counted_from, months) <= horizon
        ]
        if reached:
            months, on = reached[-1]
            due.append(Reminder(str(kind), months, counted_from, on))
    return due


@dataclass(frozen=True)
class ReminderRun:
    sent: int
    #: ids of the listings whose e-mail failed (nothing recorded; the next run retries)
    failed: tuple


def _candidates(today: datetime.date):
    """Published listings old enough that a reminder may be due (a superset, checked in Python)."""
    # A few days' slack: month-end clamping makes "12 months after" up to 3 days
    # shorter or longer than the inverse computation suggests.
    cutoff = months_before(
        today + datetime.timedelta(days=REMINDER_LEAD_DAYS + 4), min(REMINDER_MONTHS)
    )
    report_end = Subquery(
        ImpactReport.objects.filter(provider=OuterRef("pk"), is_latest=True).values("period_end")[
            :1
        ]
    )
    old = Provider.objects.published().annotate(report_end=report_end)
    by_confirmation = old.confirmed_before(cutoff)
    by_report = old.filter(report_end__lt=cutoff)
    return (
        (by_confirmation | by_report)
        .only("id", "name", "slug", "assured_date", "published_at", "created_at", "status")
        .prefetch_related(
            Prefetch(
                "attestation_reminders",
                queryset=AttestationReminder.objects.only(
                    "provider_id", "kind", "threshold_months", "counted_from"
                ),
                to_attr="sent_reminders",
            )
        )
        .order_by("pk")
    )


def _site_url(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def _send_one(
    provider: Provider,
    reminders: list[Reminder],
    today: datetime.date,
    *,
    recipients: list[str],
    readers: dict[str, str],
) -> bool:
    """Record and e-mail the listing's reminders in one transaction; False without members."""
    if not recipients:
        return False
    with transaction.atomic():
        AttestationReminder.objects.bulk_create(
            [
                AttestationReminder(
                    provider=provider,
                    kind=r.kind,
                    threshold_months=r.threshold_months,
                    counted_from=r.counted_from,
                )
                for r in reminders
            ]
        )
        listing_path = reverse("dashboard:listing", kwargs={"pk": provider.pk})
        # Sent inside the transaction that records it: a failed send records nothing
        # and the next run tries again.
        send_templated_mail(
            template="listings/attestation_reminder",
            to=recipients,
            context={
                "provider": provider,
                "confirmation": next(
                    (r for r in reminders if r.kind == ReminderKind.CONFIRMATION), None
                ),
                "report": next((r for r in reminders if r.kind == ReminderKind.REPORT), None),
                "today": today,
                "lead_days": REMINDER_LEAD_DAYS,
                "confirm_url": _site_url(f"{listing_path}#confirm"),
                "reports_url": _site_url(reverse("dashboard:reports", kwargs={"pk": provider.pk})),
                "profile_url": _site_url(provider.get_absolute_url()),
            },
            after_commit=False,
            readers=readers,
        )
    return True


def attestation_reminders_send(*, today: datetime.date | None = None) -> ReminderRun:
    """E-mail the members of every published listing with a reminder due and not yet sent.

    Idempotent: what is sent is recorded per (listing, kind, threshold, date counted
    from), in the same transaction as the e-mail. One e-mail per listing per run. A
    listing whose e-mail fails is logged and left for the next run; the others are sent.
    Listings without members (unclaimed) are skipped and nothing is recorded for them.
    """
    today = today or timezone.localdate()
    due = []
    # Materialised: each listing's e-mail commits (or rolls back) its own transaction.
    for provider in list(_candidates(today)):
        already = {(r.kind, r.threshold_months, r.counted_from) for r in provider.sent_reminders}
        reminders = [
            r
            for r in reminders_due(
                confirmed_on=provider.confirmed_on,
                report_end=provider.report_end,
                today=today,
            )
            if (r.kind, r.threshold_months, r.counted_from) not in already
        ]
        if reminders:
            due.append((provider, reminders))
    # Everyone's addresses and languages in two queries, not two per listing.
    recipients = members_emails(provider for provider, _reminders in due)
    readers = reader_languages(address for emails in recipients.values() for address in emails)
    sent = 0
    failed = []
    for provider, reminders in due:
        try:
            if _send_one(
                provider,
                reminders,
                today,
                recipients=recipients.get(provider.pk, []),
                readers=readers,
            ):
                sent += 1
        except Exception:
            logger.exception("Attestation reminder for provider %s failed", provider.pk)
            failed.append(provider.pk)
    return ReminderRun(sent=sent, failed=tuple(failed))
