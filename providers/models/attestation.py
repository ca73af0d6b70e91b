"""Reminders that a listing's confirmation or latest impact report is getting old.

One row per reminder sent: which listing, what has aged (the confirmation or
the latest report), the threshold crossed (12 or 24 months) and the date the
age was counted from. The unique constraint makes sending idempotent; the date
in it lets the next cycle's reminders go out once the provider confirms again
or publishes a newer report.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from .provider import Provider


class ReminderKind(models.TextChoices):
    CONFIRMATION = "confirmation", _("Listing confirmation")
    REPORT = "report", _("Latest impact report")


class AttestationReminder(models.Model):
    provider = models.ForeignKey(
        Provider, on_delete=models.CASCADE, related_name="attestation_reminders"
    )
    kind = models.CharField(_("what has aged"), max_length=20, choices=ReminderKind)
    threshold_months = models.PositiveSmallIntegerField(_("months"))
    counted_from = models.DateField(_("counted from"))
    sent_at = models.DateTimeField(_("sent at"), auto_now_add=True)

    class Meta:
        ordering = ["-sent_at"]
        verbose_name = _("attestation reminder")
        verbose_name_plural = _("attestation reminders")
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "kind", "threshold_months", "counted_from"],
                name="attestation_reminder_once",
            ),
        ]

    def __str__(self):
        return f"{self.provider} {self.kind} {self.threshold_months} months"
