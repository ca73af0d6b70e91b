"""Who may edit a listing and how changes reach it.

Memberships (owners and editors), claims of an existing listing, owners'
invitations to colleagues, and `PendingChange`: an edit to a vetted fact of a
published listing, held until an operator approves it.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .provider import Provider


class MembershipRole(models.TextChoices):
    OWNER = "owner", _("Owner")
    EDITOR = "editor", _("Editor")


class Membership(models.Model):
    """Which users may edit which provider, and as what."""

    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(
        _("role"), max_length=10, choices=MembershipRole, default=MembershipRole.EDITOR
    )
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["provider", "user"], name="membership_unique"),
        ]

    def __str__(self):
        return f"{self.user} ({self.get_role_display()}) at {self.provider}"


class ClaimStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for review")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class Claim(models.Model):
    """A user's request to manage an existing listing; decided by an admin."""

    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="claims")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="claims"
    )
    message = models.TextField(
        _("how you are connected to this organisation"),
        help_text=_("Your role, and how we can check it (for example, your work e-mail domain)."),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=ClaimStatus, default=ClaimStatus.PENDING
    )
    reason = models.TextField(_("reason"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("claim")
        verbose_name_plural = _("claims")
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "user"],
                condition=Q(status="pending"),
                name="claim_one_pending_per_user",
            ),
            models.CheckConstraint(
                condition=~Q(status="rejected") | ~Q(reason=""),
                name="claim_rejection_has_reason",
            ),
        ]

    def __str__(self):
        return f"{self.user} claims {self.provider}"


class PendingChangeKind(models.TextChoices):
    PROFILE = "profile", _("Name, organisation identifier or type of provider")
    CERTIFICATION = "certification", _("Certification")
    REPORT = "report", _("Impact report")


class PendingChangeAction(models.TextChoices):
    CREATE = "create", _("Add")
    UPDATE = "update", _("Change")
    DELETE = "delete", _("Remove")


class PendingChangeStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for approval")
    APPLIED = "applied", _("Approved and applied")
    DISCARDED = "discarded", _("Not approved")


class PendingChangeQuerySet(models.QuerySet):
    def open(self):
        return self.filter(status=PendingChangeStatus.PENDING)

    def submitted(self):
        """Open changes the provider has sent for review: the admin queue."""
        return self.open().filter(submitted_at__isnull=False)

    def of_item(self, provider, kind, target_id=None):
        """Changes to one vetted thing of a listing: its own facts (no target) or one row."""
        return self.filter(provider=provider, kind=kind, target_id=target_id)


class PendingChange(models.Model):
    """A proposed edit to a vetted fact of a published listing, held until an admin approves.

    The live rows stay untouched, so the public profile and search keep showing the
    published values; `providers.services.pending_changes.pending_changes_apply`
    writes `data` into the live rows once an operator approves.
    """

    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="pending_changes")
    kind = models.CharField(_("what"), max_length=20, choices=PendingChangeKind)
    action = models.CharField(_("action"), max_length=10, choices=PendingChangeAction)
    #: The certification holding or impact report changed (None when adding one).
    target_id = models.PositiveBigIntegerField(null=True, blank=True)
    data = models.JSONField(_("proposed values"), default=dict, blank=True)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=PendingChangeStatus,
        default=PendingChangeStatus.PENDING,
        db_index=True,
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField(_("sent for review"), null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.TextField(_("reason"), blank=True)

    history = HistoricalRecords()

    objects = PendingChangeQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("pending change")
        verbose_name_plural = _("pending changes")
        constraints = [
            models.CheckConstraint(
                condition=Q(action=PendingChangeAction.CREATE)
                | Q(kind=PendingChangeKind.PROFILE)
                | Q(target_id__isnull=False),
                name="pending_change_names_target",
            ),
        ]

    def __str__(self):
        return f"{self.provider}: {self.get_action_display()} {self.get_kind_display()}"


class InvitationQuerySet(models.QuerySet):
    def usable(self, now=None):
        now = now or timezone.now()
        return self.filter(accepted_at__isnull=True, expires_at__gt=now)


class Invitation(models.Model):
    """An owner's invitation of a colleague, by e-mail address, to join a listing's team.

    Every invitee gets one, whether or not the address has an account; the
    invitee joins only by accepting it, signed in with the invited, confirmed
    address (after signing up if need be).
    """

    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField(_("e-mail address"))
    role = models.CharField(
        _("role"), max_length=10, choices=MembershipRole, default=MembershipRole.EDITOR
    )
    token = models.CharField(max_length=64, unique=True, editable=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    history = HistoricalRecords(excluded_fields=["token"])

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")

    def __str__(self):
        return f"{self.email} to {self.provider}"
