"""The buyer workspace: shortlists, saved searches with alerts, and inquiries.

Everything here belongs to one buyer (`owner` / `buyer`); an inquiry is also
readable by the members of the provider it is addressed to. Writes go through
`buyers.services`.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from providers.models import Certification, Claim, PricingModel, Provider

NAME_MAX_LENGTH = 120
NOTE_MAX_LENGTH = 2000
QUERY_MAX_LENGTH = 2000


class ShortlistRole(models.TextChoices):
    """What a person the owner shared a shortlist with may do (the owner may do everything)."""

    READ = "read", _("Can view")
    EDIT = "edit", _("Can edit")


class ShortlistQuerySet(models.QuerySet):
    def owned_by(self, user):
        return self.filter(owner=user) if user.is_authenticated else self.none()

    def with_role_of(self, user):
        """Annotate `member_role`: the user's role as a member ("read"/"edit"), or None."""
        if not user.is_authenticated:
            return self.annotate(member_role=models.Value(None, models.CharField()))
        return self.annotate(
            member_role=models.Subquery(
                ShortlistMember.objects.filter(shortlist=models.OuterRef("pk"), user=user).values(
                    "role"
                )[:1]
            )
        )

    def visible_to(self, user):
        """The user's own shortlists and those shared with them (any role), with `member_role`."""
        if not user.is_authenticated:
            return self.none()
        return self.with_role_of(user).filter(Q(owner=user) | Q(member_role__isnull=False))

    def editable_by(self, user):
        """The user's own shortlists and those shared with them with edit rights."""
        if not user.is_authenticated:
            return self.none()
        return self.with_role_of(user).filter(Q(owner=user) | Q(member_role=ShortlistRole.EDIT))

    def shared_with(self, user):
        """Shortlists other people shared with the user (not the user's own)."""
        if not user.is_authenticated:
            return self.none()
        return self.with_role_of(user).filter(member_role__isnull=False)

    def with_entry_count(self):
        return self.annotate(entry_count=models.Count("entries"))


class Shortlist(models.Model):
    """A named list of providers in order, each with notes, which its owner may share.

    Buyers and ISSP staff (looking for partners) keep shortlists. The owner
    may share one with anyone by e-mail (`ShortlistMember`, `ShortlistInvite`).
    """

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="shortlists"
    )
    name = models.CharField(_("name"), max_length=NAME_MAX_LENGTH)
    providers = models.ManyToManyField(Provider, through="ShortlistEntry", related_name="+")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = ShortlistQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("shortlist")
        verbose_name_plural = _("shortlists")
        constraints = [
            models.UniqueConstraint("owner", Lower("name"), name="shortlist_name_unique_per_owner"),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("buyers:shortlist_detail", kwargs={"pk": self.pk})


class ShortlistEntry(models.Model):
    shortlist = models.ForeignKey(Shortlist, on_delete=models.CASCADE, related_name="entries")
    provider = models.ForeignKey(
        Provider, on_delete=models.CASCADE, related_name="shortlist_entries"
    )
    position = models.PositiveIntegerField(_("position"), default=0)
    added_at = models.DateTimeField(_("added"), auto_now_add=True)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("shortlist entry")
        verbose_name_plural = _("shortlist entries")
        constraints = [
            models.UniqueConstraint(
                fields=["shortlist", "provider"], name="shortlist_entry_unique"
            ),
        ]

    def __str__(self):
        return f"{self.shortlist}: {self.provider}"


class EntryNote(models.Model):
    """One person's note on one provider of a shortlist: private, or shared with the group.

    Shared notes are shown to the people the shortlist is shared with at the
    moment (its owner and members); a removed member's notes are kept but shown
    to nobody but their author, should they be invited again.
    """

    entry = models.ForeignKey(ShortlistEntry, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="shortlist_notes"
    )
    text = models.TextField(_("note"), max_length=NOTE_MAX_LENGTH)
    shared = models.BooleanField(_("visible to the group"), default=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["updated_at", "id"]
        verbose_name = _("note on a shortlisted provider")
        verbose_name_plural = _("notes on shortlisted providers")
        constraints = [
            models.UniqueConstraint(fields=["entry", "author"], name="entry_note_one_per_author"),
        ]

    def __str__(self):
        return f"{self.entry}: {self.author_id}"


class ShortlistMember(models.Model):
    """Someone the owner shared a shortlist with, who accepted the invitation."""

    shortlist = models.ForeignKey(Shortlist, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="shortlist_memberships"
    )
    role = models.CharField(
        _("rights"), max_length=10, choices=ShortlistRole, default=ShortlistRole.READ
    )
    #: The address the owner invited (and knows): what the owner's sharing page shows.
    invited_email = models.EmailField(_("invited address"))
    joined_at = models.DateTimeField(_("joined"), auto_now_add=True)

    class Meta:
        ordering = ["joined_at", "id"]
        verbose_name = _("shortlist member")
        verbose_name_plural = _("shortlist members")
        constraints = [
            models.UniqueConstraint(fields=["shortlist", "user"], name="shortlist_member_once"),
        ]

    def __str__(self):
        return f"{self.shortlist}: {self.user_id} ({self.role})"


class ShortlistInviteQuerySet(models.QuerySet):
    def open(self, now=None):
        """Neither accepted nor expired (a withdrawn invitation is deleted)."""
        return self.filter(accepted_at__isnull=True, expires_at__gt=now or timezone.now())


class ShortlistInvite(models.Model):
    """The owner's invitation, by e-mail address, to join a shortlist's group.

    The e-mailed link carries the invitation's id and `key`, signed and dated
    (`buyers.shortlists.sharing`): it works once, until `expires_at`, and not
    at all once the owner withdraws the invitation (the row is deleted).
    """

    shortlist = models.ForeignKey(Shortlist, on_delete=models.CASCADE, related_name="invites")
    email = models.EmailField(_("e-mail address"))
    role = models.CharField(
        _("rights"), max_length=10, choices=ShortlistRole, default=ShortlistRole.READ
    )
    key = models.CharField(max_length=64, unique=True, editable=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(_("sent"), auto_now_add=True, db_index=True)
    expires_at = models.DateTimeField(_("expires"))
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = ShortlistInviteQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("shortlist invitation")
        verbose_name_plural = _("shortlist invitations")

    def __str__(self):
        return f"{self.email} to {self.shortlist}"


class AlertFrequency(models.TextChoices):
    NONE = "none", _("No alert")
    DAILY = "daily", _("Daily")
    WEEKLY = "weekly", _("Weekly")


class SavedSearchQuerySet(models.QuerySet):
    def owned_by(self, user):
        return self.filter(owner=user) if user.is_authenticated else self.none()

    def alerting(self, frequency):
        return self.filter(frequency=frequency).exclude(frequency=AlertFrequency.NONE)


class SavedSearch(models.Model):
    """A search (its query string on /providers/) a buyer keeps, optionally with e-mail alerts.

    `alerts_since` is the moment alerts were switched on: only providers
    published or changed after it can be reported as new, and each provider at
    most once (`SavedSearchAlertSent`).
    """

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_searches"
    )
    name = models.CharField(_("name"), max_length=NAME_MAX_LENGTH)
    query_string = models.CharField(_("search"), max_length=QUERY_MAX_LENGTH, blank=True)
    frequency = models.CharField(
        _("e-mail alert"), max_length=10, choices=AlertFrequency, default=AlertFrequency.NONE
    )
    alerts_since = models.DateTimeField(_("alerts since"))
    last_alerted_at = models.DateTimeField(_("last alert sent"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = SavedSearchQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("saved search")
        verbose_name_plural = _("saved searches")
        constraints = [
            models.UniqueConstraint(
                "owner", Lower("name"), name="saved_search_name_unique_per_owner"
            ),
        ]

    def __str__(self):
        return self.name

    def get_search_url(self):
        url = reverse("search")
        return f"{url}?{self.query_string}" if self.query_string else url


class SavedSearchAlertSent(models.Model):
    """A provider already e-mailed for a saved search: it is never sent again."""

    saved_search = models.ForeignKey(
        SavedSearch, on_delete=models.CASCADE, related_name="alerts_sent"
    )
    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="+")
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("provider alerted")
        verbose_name_plural = _("providers alerted")
        constraints = [
            models.UniqueConstraint(
                fields=["saved_search", "provider"], name="saved_search_alert_once"
            ),
        ]

    def __str__(self):
        return f"{self.saved_search}: {self.provider_id}"


class InquiryStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class StandardQuestion(models.TextChoices):
    """The optional template of standard impact questions a buyer may ask."""

    CAPACITY = "capacity", _("What capacity (seats, people, hours) could you put on our work?")
    IMPACT_SHARE = (
        "impact-share",
        _("What share of the team on our account would be impact workers?"),
    )
    CERTIFICATIONS = (
        "certifications",
        _("Which certifications cover the delivery centre that would serve us?"),
    )
    PRICING = "pricing", _("How would you price this work, and on which model?")


class CapacityUnit(models.TextChoices):
    SEATS = "seats", _("seats")
    PEOPLE = "people", _("people")
    HOURS_MONTH = "hours-month", _("hours a month")


class InquiryBatch(models.Model):
    """One inquiry sent at once to several providers: the threads whose answers are compared."""

    buyer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="inquiry_batches"
    )
    shortlist = models.ForeignKey(
        Shortlist, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    subject = models.CharField(_("subject"), max_length=200)
    questions = models.JSONField(_("standard questions"), default=list, blank=True)
    created_at = models.DateTimeField(_("sent"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("inquiry sent to several providers")
        verbose_name_plural = _("inquiries sent to several providers")

    def __str__(self):
        return self.subject

    def get_absolute_url(self):
        return reverse("buyers:inquiry_answers", kwargs={"pk": self.pk})

    def question_labels(self):
        labels = dict(StandardQuestion.choices)
        return [labels[code] for code in self.questions if code in labels]


class InquiryQuerySet(models.QuerySet):
    def sent_by(self, user):
        return self.filter(buyer=user) if user.is_authenticated else self.none()

    def for_member(self, user):
        """Inquiries addressed to a provider the user is a member of."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(provider__memberships__user=user)

    def visible_to(self, user):
        """Only the two sides of a thread: the buyer and the provider's members."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(Q(buyer=user) | Q(provider__memberships__user=user)).distinct()


class Inquiry(models.Model):
    """A thread between one buyer and one provider's staff."""

    buyer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="inquiries"
    )
    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="inquiries")
    shortlist = models.ForeignKey(
        Shortlist,
        verbose_name=_("sent from shortlist"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="inquiries",
    )
    batch = models.ForeignKey(
        InquiryBatch,
        verbose_name=_("sent together with"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="inquiries",
    )
    #: An ISSP writing to another provider (to find partners) writes as one of its listings.
    sender_provider = models.ForeignKey(
        Provider,
        verbose_name=_("sent on behalf of"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="inquiries_sent",
    )
    #: The listing had no staff when the buyer wrote: it went to the public contact address.
    sent_unclaimed = models.BooleanField(_("sent to an unclaimed listing"), default=False)
    #: The provider's first reply.
    answered_at = models.DateTimeField(_("first answered"), null=True, blank=True)
    subject = models.CharField(_("subject"), max_length=200)
    questions = models.JSONField(_("standard questions"), default=list, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=InquiryStatus, default=InquiryStatus.OPEN
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    created_at = models.DateTimeField(_("sent"), auto_now_add=True, db_index=True)
    last_message_at = models.DateTimeField(_("last message"), db_index=True)

    objects = InquiryQuerySet.as_manager()

    class Meta:
        ordering = ["-last_message_at", "-id"]
        verbose_name = _("inquiry")
        verbose_name_plural = _("inquiries")
        indexes = [models.Index(fields=["buyer", "created_at"])]

    def __str__(self):
        return self.subject

    @property
    def is_open(self):
        return self.status == InquiryStatus.OPEN

    @property
    def buyer_display_name(self):
        """The buyer's name as the provider sees it: never the e-mail address."""
        if self.buyer.name:
            return self.buyer.name
        if self.sender_provider_id:
            return gettext("Someone at %(provider)s") % {"provider": self.sender_provider.name}
        return gettext("A buyer")

    @property
    def sender_organisation(self) -> str:
        """The sender's organisation as the provider sees it: their listing, or what they gave."""
        if self.sender_provider_id:
            return gettext("%(provider)s (impact sourcing provider)") % {
                "provider": self.sender_provider.name
            }
        return self.buyer.organisation_label()

    @property
    def sender_label(self) -> str:
        """ "Name, Organisation (industry, country)": who wrote, never their e-mail address."""
        organisation = self.sender_organisation
        if self.sender_provider_id and not self.buyer.name:
            return self.buyer_display_name
        if organisation:
            return gettext("%(name)s, %(organisation)s") % {
                "name": self.buyer_display_name,
                "organisation": organisation,
            }
        return self.buyer_display_name

    def question_labels(self):
        labels = dict(StandardQuestion.choices)
        return [labels[code] for code in self.questions if code in labels]

    def get_buyer_url(self):
        return reverse("buyers:inquiry_detail", kwargs={"pk": self.pk})

    def get_provider_url(self):
        return reverse("dashboard:inbox_detail", kwargs={"pk": self.pk})


class InquiryMessage(models.Model):
    inquiry = models.ForeignKey(Inquiry, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="inquiry_messages",
    )
    from_provider = models.BooleanField(_("sent by the provider"), default=False)
    body = models.TextField(_("message"), max_length=5000)
    created_at = models.DateTimeField(_("sent"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("inquiry message")
        verbose_name_plural = _("inquiry messages")
        indexes = [models.Index(fields=["author", "created_at"])]

    def __str__(self):
        return f"{self.inquiry}: {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def author_display_name(self):
        """Who wrote it, as the other side sees it: a name, never an e-mail address."""
        if self.author is None or not self.author.name:
            return self.inquiry.provider.name if self.from_provider else gettext("A buyer")
        return self.author.name


IMPACT_SHARE_CHECK = Q(impact_share__isnull=True) | Q(impact_share__lte=100)


class InquiryAnswer(models.Model):
    """A provider's structured answers to an inquiry's standard questions, sent with a reply.

    Only the questions the buyer asked are answered; a later reply may answer
    again, and the latest answer is the one compared.
    """

    message = models.OneToOneField(InquiryMessage, on_delete=models.CASCADE, related_name="answer")
    inquiry = models.ForeignKey(Inquiry, on_delete=models.CASCADE, related_name="answers")
    capacity_amount = models.PositiveIntegerField(_("capacity"), null=True, blank=True)
    capacity_unit = models.CharField(
        _("capacity unit"), max_length=20, choices=CapacityUnit, blank=True
    )
    impact_share = models.PositiveSmallIntegerField(
        _("impact-worker share (%)"), null=True, blank=True
    )
    certifications = models.ManyToManyField(
        Certification, verbose_name=_("certifications"), blank=True, related_name="+"
    )
    pricing_model = models.ForeignKey(
        PricingModel,
        verbose_name=_("pricing model"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    pricing_note = models.CharField(_("pricing"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("answered"), auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("structured answer")
        verbose_name_plural = _("structured answers")
        constraints = [
            models.CheckConstraint(condition=IMPACT_SHARE_CHECK, name="answer_share_percent"),
            models.CheckConstraint(
                condition=Q(capacity_amount__isnull=True, capacity_unit="")
                | (Q(capacity_amount__isnull=False) & ~Q(capacity_unit="")),
                name="answer_capacity_has_unit",
            ),
        ]

    def __str__(self):
        return f"{self.inquiry}: {self.created_at:%Y-%m-%d %H:%M}"


class ClaimLinkQuerySet(models.QuerySet):
    def usable(self, now=None):
        return self.filter(used_at__isnull=True, expires_at__gt=now or timezone.now())


class ClaimLink(models.Model):
    """The one-time link an unclaimed listing's contact address gets with an inquiry.

    It leads into the claim flow of that listing; once used (a claim sent
    through it) or expired it does nothing. Only a SHA-256 digest of the
    token is stored, so the database alone cannot give a working link.
    """

    inquiry = models.ForeignKey(Inquiry, on_delete=models.CASCADE, related_name="claim_links")
    token_digest = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    used_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    claim = models.ForeignKey(
        Claim, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = ClaimLinkQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("claim link")
        verbose_name_plural = _("claim links")

    def __str__(self):
        return f"{self.inquiry.provider_id}: {self.created_at:%Y-%m-%d}"
