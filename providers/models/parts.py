"""A provider's own parts: services offered, delivery centres, certifications held, case studies.

Each part carries a change history (django-simple-history). Impact reports, the
other part, have a module of their own (`impact`).
"""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField
from simple_history.models import HistoricalRecords

from providers.storage import evidence_storage

from .taxonomy import Certification, Industry, Language, Service

#: Case studies younger than this count as recent.
RECENT_CASE_STUDY_YEARS = 3


class VoiceKind(models.TextChoices):
    VOICE = "voice", _("Voice")
    NON_VOICE = "non-voice", _("Non-voice")
    BOTH = "both", _("Voice and non-voice")


class ProviderService(models.Model):
    provider = models.ForeignKey(
        "providers.Provider", on_delete=models.CASCADE, related_name="services"
    )
    service = models.ForeignKey(
        Service,
        on_delete=models.PROTECT,
        related_name="offerings",
        limit_choices_to={"parent__isnull": False},
    )
    voice = models.CharField(_("voice or non-voice"), max_length=10, choices=VoiceKind, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["service__position", "service__name"]
        verbose_name = _("service offered")
        verbose_name_plural = _("services offered")
        constraints = [
            models.UniqueConstraint(fields=["provider", "service"], name="provider_service_unique"),
        ]
        indexes = [models.Index(fields=["service", "provider"])]

    def __str__(self):
        return f"{self.provider}: {self.service.name}"


class DeliveryCentre(models.Model):
    provider = models.ForeignKey(
        "providers.Provider", on_delete=models.CASCADE, related_name="centres"
    )
    country = CountryField(_("country"))
    city = models.CharField(_("city"), max_length=120, blank=True)
    seats = models.PositiveIntegerField(_("seats"), null=True, blank=True)
    headcount = models.PositiveIntegerField(_("headcount"), null=True, blank=True)
    impact_workers = models.PositiveIntegerField(_("impact workers"), null=True, blank=True)
    languages = models.ManyToManyField(Language, verbose_name=_("languages"), blank=True)

    history = HistoricalRecords(m2m_fields=[languages])

    class Meta:
        ordering = ["country", "city"]
        verbose_name = _("delivery centre")
        verbose_name_plural = _("delivery centres")
        constraints = [
            models.CheckConstraint(
                condition=Q(impact_workers__isnull=True)
                | Q(headcount__isnull=True)
                | Q(impact_workers__lte=F("headcount")),
                name="centre_impact_workers_within_headcount",
            ),
        ]
        indexes = [models.Index(fields=["country", "provider"])]

    def __str__(self):
        place = f"{self.city}, {self.country.name}" if self.city else self.country.name
        return f"{self.provider}: {place}"


class VerificationState(models.TextChoices):
    UNVERIFIED = "unverified", _("Not yet checked")
    VERIFIED = "verified", _("Verified")
    REJECTED = "rejected", _("Could not be verified")


class CertificationHoldingQuerySet(models.QuerySet):
    def valid(self, on=None):
        """Holdings not expired on `on` (today) and issued by then; no expiry means valid."""
        on = on or timezone.localdate()
        return self.filter(Q(expires_on__isnull=True) | Q(expires_on__gte=on)).filter(
            Q(issued_on__isnull=True) | Q(issued_on__lte=on)
        )

    def expired(self, on=None):
        on = on or timezone.localdate()
        return self.filter(expires_on__lt=on)


class CertificationHolding(models.Model):
    provider = models.ForeignKey(
        "providers.Provider", on_delete=models.CASCADE, related_name="certifications"
    )
    certification = models.ForeignKey(
        Certification, on_delete=models.PROTECT, related_name="holdings"
    )
    scope = models.CharField(_("scope"), max_length=300, blank=True)
    certificate_number = models.CharField(_("certificate number"), max_length=100, blank=True)
    issued_on = models.DateField(_("issued on"), null=True, blank=True)
    expires_on = models.DateField(_("expires on"), null=True, blank=True)
    #: In private storage: served only by `providers.evidence`, to members and operators.
    evidence = models.FileField(
        _("evidence"), upload_to="evidence/certifications/", storage=evidence_storage, blank=True
    )
    verification = models.CharField(
        _("verification"),
        max_length=20,
        choices=VerificationState,
        default=VerificationState.UNVERIFIED,
    )

    history = HistoricalRecords()

    objects = CertificationHoldingQuerySet.as_manager()

    class Meta:
        ordering = ["certification__name"]
        verbose_name = _("certification held")
        verbose_name_plural = _("certifications held")
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_on__isnull=True)
                | Q(issued_on__isnull=True)
                | Q(expires_on__gt=F("issued_on")),
                name="holding_expiry_after_issue",
            ),
            models.UniqueConstraint(
                fields=["provider", "certification", "certificate_number"],
                name="holding_unique_certificate",
            ),
        ]
        indexes = [models.Index(fields=["certification", "expires_on", "provider"])]

    def __str__(self):
        return f"{self.provider}: {self.certification}"

    def is_expired(self, on=None):
        on = on or timezone.localdate()
        return self.expires_on is not None and self.expires_on < on


class CaseStudy(models.Model):
    provider = models.ForeignKey(
        "providers.Provider", on_delete=models.CASCADE, related_name="case_studies"
    )
    title = models.CharField(_("title"), max_length=200)
    client_industry = models.ForeignKey(
        Industry,
        verbose_name=_("client industry"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
    )
    service = models.ForeignKey(
        Service, verbose_name=_("service"), on_delete=models.SET_NULL, null=True, blank=True
    )
    challenge = models.TextField(_("challenge"))
    approach = models.TextField(_("approach"))
    results = models.TextField(_("results"), help_text=_("With numbers where you have them."))
    year = models.PositiveSmallIntegerField(
        _("year"), validators=[MinValueValidator(1990), MaxValueValidator(2100)]
    )
    client_quote = models.TextField(_("client quote"), blank=True)
    quote_attribution = models.CharField(_("quote attribution"), max_length=200, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-year", "title"]
        verbose_name = _("case study")
        verbose_name_plural = _("case studies")
        # The newest first, as the library and the home page read them.
        indexes = [models.Index(F("year").desc(), F("id").desc(), name="casestudy_newest")]
        constraints = [
            models.CheckConstraint(
                condition=Q(client_quote="") | ~Q(quote_attribution=""),
                name="case_study_quote_attributed",
            ),
        ]

    def __str__(self):
        return self.title

    def is_recent(self, on=None):
        on = on or timezone.localdate()
        return self.year > on.year - RECENT_CASE_STUDY_YEARS
