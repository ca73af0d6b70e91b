"""The provider catalogue: ISSP listings and everything a buyer judges them by.

Taxonomies (services, regions, certifications, target groups, languages,
industries, pricing models, delivery modes) are small lookup tables edited in
admin and seeded by a data migration. A provider's own parts (services offered,
delivery centres, certification holdings, impact reports, case studies) carry a
change history.
"""

import calendar
import datetime

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Exists, F, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField
from simple_history.models import HistoricalRecords

from providers.storage import evidence_storage

from .disclosure import percent_of

#: Impact figures older than this are shown as stale.
STALE_AFTER_MONTHS = 24
#: Case studies younger than this count as recent.
RECENT_CASE_STUDY_YEARS = 3


# --------------------------------------------------------------------------
# Taxonomies
# --------------------------------------------------------------------------


class ServiceQuerySet(models.QuerySet):
    def categories(self):
        return self.filter(parent__isnull=True)

    def leaves(self):
        return self.filter(parent__isnull=False)


class Service(models.Model):
    """Two-level service taxonomy: a category (no parent) and its services."""

    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(_("slug"), max_length=120, unique=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("category"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    description = models.TextField(_("description"), blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    objects = ServiceQuerySet.as_manager()

    class Meta:
        ordering = ["position", "name"]
        verbose_name = _("service")
        verbose_name_plural = _("services")
        constraints = [
            models.CheckConstraint(condition=~Q(parent=F("id")), name="service_not_own_parent"),
        ]

    def __str__(self):
        return f"{self.parent.name} → {self.name}" if self.parent_id and self.parent else self.name

    @property
    def is_category(self):
        return self.parent_id is None


class Region(models.Model):
    """A UN M49 region (no parent) or sub-region, with the countries it holds."""

    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(_("slug"), max_length=120, unique=True)
    m49_code = models.CharField(_("M49 code"), max_length=3, unique=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent region"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("region")
        verbose_name_plural = _("regions")

    def __str__(self):
        return self.name


class RegionCountry(models.Model):
    """A country's membership of a region; a country sits in its sub-region and its region."""

    region = models.ForeignKey(Region, on_delete=models.CASCADE, related_name="countries")
    country = CountryField(_("country"))

    class Meta:
        verbose_name = _("region country")
        verbose_name_plural = _("region countries")
        constraints = [
            models.UniqueConstraint(fields=["region", "country"], name="region_country_unique"),
        ]
        indexes = [models.Index(fields=["country", "region"])]

    def __str__(self):
        return f"{self.country.name} in {self.region}"


class CertificationCategory(models.TextChoices):
    SECURITY = "security", _("Security")
    QUALITY = "quality", _("Quality")
    SOCIAL = "social", _("Social")


class Certification(models.Model):
    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(_("slug"), max_length=120, unique=True)
    category = models.CharField(_("category"), max_length=20, choices=CertificationCategory)
    issuer = models.CharField(_("issuing body"), max_length=200, blank=True)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("certification")
        verbose_name_plural = _("certifications")

    def __str__(self):
        return self.name


class TargetGroup(models.Model):
    """A group the job market shuts out, whom impact sourcing deliberately hires."""

    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(_("slug"), max_length=120, unique=True)
    description = models.TextField(_("description"), blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "name"]
        verbose_name = _("impact target group")
        verbose_name_plural = _("impact target groups")

    def __str__(self):
        return self.name


class Language(models.Model):
    code = models.CharField(_("ISO 639-1 code"), max_length=2, unique=True)
    name = models.CharField(_("name"), max_length=80)

    class Meta:
        ordering = ["name"]
        verbose_name = _("language")
        verbose_name_plural = _("languages")
        constraints = [
            models.CheckConstraint(
                condition=Q(code__regex=r"^[a-z]{2}$"), name="language_code_iso639_1"
            ),
        ]

    def __str__(self):
        return self.name


class Industry(models.Model):
    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(_("slug"), max_length=120, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("industry")
        verbose_name_plural = _("industries")

    def __str__(self):
        return self.name


class PricingModel(models.Model):
    name = models.CharField(_("name"), max_length=80)
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "name"]
        verbose_name = _("pricing model")
        verbose_name_plural = _("pricing models")

    def __str__(self):
        return self.name


class DeliveryMode(models.Model):
    name = models.CharField(_("name"), max_length=80)
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "name"]
        verbose_name = _("delivery mode")
        verbose_name_plural = _("delivery modes")

    def __str__(self):
        return self.name


# --------------------------------------------------------------------------
# Providers
# --------------------------------------------------------------------------


class ListingStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    PUBLISHED = "published", _("Published")
    REJECTED = "rejected", _("Rejected")
    SUSPENDED = "suspended", _("Suspended")
    INACTIVE = "inactive", _("Inactive")


class LegalForm(models.TextChoices):
    FOR_PROFIT = "for-profit", _("For-profit company")
    NON_PROFIT = "non-profit", _("Non-profit organisation")
    SOCIAL_ENTERPRISE = "social-enterprise", _("Social enterprise")
    COOPERATIVE = "cooperative", _("Cooperative")


class SizeBand(models.TextChoices):
    """Workforce size bands of the search contract (`size` parameter)."""

    SMALL = "1-49", _("1–49 people")
    MEDIUM = "50-249", _("50–249 people")
    LARGE = "250-999", _("250–999 people")
    XLARGE = "1000-plus", _("1,000+ people")


#: size band → inclusive lower bound and exclusive upper bound (None = open).
SIZE_BAND_BOUNDS = {
    SizeBand.SMALL: (1, 50),
    SizeBand.MEDIUM: (50, 250),
    SizeBand.LARGE: (250, 1000),
    SizeBand.XLARGE: (1000, None),
}


def size_band_for(workforce):
    if not workforce:
        return None
    for band, (low, high) in SIZE_BAND_BOUNDS.items():
        if workforce >= low and (high is None or workforce < high):
            return band
    return None


class ProviderQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=ListingStatus.PUBLISHED)

    def verified(self):
        return self.filter(verified_at__isnull=False)

    def offering(self, *services):
        """Providers offering any of the given services; a category matches its children."""
        service_ids = [s.pk if isinstance(s, Service) else s for s in services]
        return self.filter(
            Exists(
                ProviderService.objects.filter(provider=OuterRef("pk")).filter(
                    Q(service_id__in=service_ids) | Q(service__parent_id__in=service_ids)
                )
            )
        )

    def delivering_in(self, *countries):
        """Providers with a delivery centre in any of the given countries (ISO codes)."""
        codes = [str(c) for c in countries]
        return self.filter(
            Exists(DeliveryCentre.objects.filter(provider=OuterRef("pk"), country__in=codes))
        )

    def delivering_in_region(self, *regions):
        """Providers with a delivery centre in a country of any of the given regions."""
        region_ids = [r.pk if isinstance(r, Region) else r for r in regions]
        countries = RegionCountry.objects.filter(region_id__in=region_ids).values("country")
        return self.filter(
            Exists(DeliveryCentre.objects.filter(provider=OuterRef("pk"), country__in=countries))
        )

    def with_valid_certification(self, *certifications, on=None):
        """Providers holding any of the given certifications, not expired on `on` (today)."""
        on = on or timezone.localdate()
        cert_ids = [c.pk if isinstance(c, Certification) else c for c in certifications]
        return self.filter(
            Exists(
                CertificationHolding.objects.valid(on=on).filter(
                    provider=OuterRef("pk"), certification_id__in=cert_ids
                )
            )
        )

    def speaking(self, *languages):
        """Providers serving in any of the given languages (ISO 639-1 codes)."""
        return self.filter(
            Exists(
                Provider.languages.through.objects.filter(
                    provider_id=OuterRef("pk"), language__code__in=languages
                )
            )
        )

    def hiring_from(self, *groups):
        """Providers whose latest impact report names any of the given target groups."""
        group_ids = [g.pk if isinstance(g, TargetGroup) else g for g in groups]
        return self.filter(
            Exists(
                ImpactReportGroup.objects.filter(
                    report__provider=OuterRef("pk"),
                    report__is_latest=True,
                    target_group_id__in=group_ids,
                )
            )
        )

    def in_size_band(self, *bands):
        condition = Q()
        for band in bands:
            low, high = SIZE_BAND_BOUNDS[SizeBand(band)]
            band_q = Q(workforce__gte=low)
            if high is not None:
                band_q &= Q(workforce__lt=high)
            condition |= band_q
        return self.filter(condition) if bands else self

    def with_impact_share_at_least(self, percent):
        """Providers whose latest report's impact workers are at least `percent` of staff."""
        return self.filter(impact_share__gte=percent)

    def priced_by(self, *pricing_models):
        ids = [p.pk if isinstance(p, PricingModel) else p for p in pricing_models]
        return self.filter(
            Exists(
                Provider.pricing_models.through.objects.filter(
                    provider_id=OuterRef("pk"), pricingmodel_id__in=ids
                )
            )
        )

    def delivered_as(self, *modes):
        ids = [m.pk if isinstance(m, DeliveryMode) else m for m in modes]
        return self.filter(
            Exists(
                Provider.delivery_modes.through.objects.filter(
                    provider_id=OuterRef("pk"), deliverymode_id__in=ids
                )
            )
        )

    def with_latest_report(self):
        """Attach `latest_report_id` (the newest report by period end) to each provider."""
        return self.annotate(
            latest_report_id=ImpactReport.objects.filter(
                provider=OuterRef("pk"), is_latest=True
            ).values("pk")[:1]
        )


class Provider(models.Model):
    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=200, unique=True)
    tagline = models.CharField(_("tagline"), max_length=200, blank=True)
    description = models.TextField(_("description"), blank=True)
    website = models.URLField(_("website"), blank=True)
    founded_year = models.PositiveSmallIntegerField(
        _("year founded"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1800), MaxValueValidator(2100)],
    )
    hq_country = CountryField(_("headquarters country"), blank=True)
    legal_form = models.CharField(_("legal form"), max_length=30, choices=LegalForm, blank=True)
    org_registry = models.CharField(_("organisation registry"), max_length=200, blank=True)
    org_number = models.CharField(_("registration number"), max_length=100, blank=True)
    workforce = models.PositiveIntegerField(
        _("total workforce"), null=True, blank=True, validators=[MinValueValidator(1)]
    )
    pricing_models = models.ManyToManyField(
        PricingModel, verbose_name=_("pricing models"), blank=True, related_name="providers"
    )
    delivery_modes = models.ManyToManyField(
        DeliveryMode, verbose_name=_("delivery modes"), blank=True, related_name="providers"
    )
    industries = models.ManyToManyField(
        Industry, verbose_name=_("industries served"), blank=True, related_name="providers"
    )
    languages = models.ManyToManyField(
        Language, verbose_name=_("languages of service"), blank=True, related_name="providers"
    )
    markets = models.ManyToManyField(
        Region, verbose_name=_("buyer markets served"), blank=True, related_name="market_providers"
    )
    logo = models.ImageField(_("logo"), upload_to="logos/", blank=True)
    contact_name = models.CharField(_("contact name"), max_length=150, blank=True)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=40, blank=True)

    status = models.CharField(
        _("listing status"),
        max_length=20,
        choices=ListingStatus,
        default=ListingStatus.DRAFT,
        db_index=True,
    )
    rejection_reason = models.TextField(_("rejection reason"), blank=True)
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("verified by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    verification_notes = models.TextField(_("what was checked"), blank=True)
    assured_date = models.DateField(_("last confirmed"), null=True, blank=True)
    published_at = models.DateTimeField(_("first published"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True, db_index=True)
    version = models.PositiveIntegerField(_("version"), default=1)

    # Denormalised from the provider's parts, kept current by services so
    # search can filter and rank without joins. Refreshed by
    # `providers.services.provider_refresh_search_data`.
    impact_share = models.PositiveSmallIntegerField(
        _("impact-worker share (%)"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(100)],
        help_text=_("Impact workers as a share of all employees in the latest report."),
    )
    service_text = models.TextField(blank=True, editable=False)
    case_study_text = models.TextField(blank=True, editable=False)

    history = HistoricalRecords(
        m2m_fields=[pricing_models, delivery_modes, industries, languages, markets],
        excluded_fields=["service_text", "case_study_text", "updated_at"],
    )

    objects = ProviderQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("provider")
        verbose_name_plural = _("providers")
        constraints = [
            models.CheckConstraint(
                condition=Q(impact_share__isnull=True) | Q(impact_share__lte=100),
                name="provider_impact_share_0_100",
            ),
            models.CheckConstraint(
                condition=Q(workforce__isnull=True) | Q(workforce__gte=1),
                name="provider_workforce_positive",
            ),
            models.CheckConstraint(
                condition=~Q(status=ListingStatus.REJECTED) | ~Q(rejection_reason=""),
                name="provider_rejection_has_reason",
            ),
        ]
        indexes = [
            models.Index(fields=["name", "id"], name="provider_name_id"),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("providers:detail", kwargs={"slug": self.slug})

    @property
    def is_published(self):
        return self.status == ListingStatus.PUBLISHED

    @property
    def is_verified(self):
        return self.verified_at is not None

    @property
    def size_band(self):
        return size_band_for(self.workforce)

    @property
    def size_band_label(self):
        band = self.size_band
        return SizeBand(band).label if band else ""


class VoiceKind(models.TextChoices):
    VOICE = "voice", _("Voice")
    NON_VOICE = "non-voice", _("Non-voice")
    BOTH = "both", _("Voice and non-voice")


class ProviderService(models.Model):
    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="services")
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
    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="centres")
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
    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="certifications")
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


class Provenance(models.TextChoices):
    SELF_REPORTED = "self-reported", _("Self-reported")
    DOCUMENTED = "documented", _("Backed by a document")
    THIRD_PARTY = "third-party", _("Verified by a third party")


#: IRIS+ metric codes for the figures of an impact report.
IRIS_CODES = {
    "total_employees": "OI8869",
    "employees_with_disabilities": "OI2003",
    "employees_low_income_areas": "OI8266",
    "min_wage_multiple": "OI6176",
    "living_wage_employees": "OI4724",
    "training_hours_per_employee": "OI7877",
    "average_tenure_months": "OI2248",
    "voluntary_turnover_pct": "OI1638",
    "placement_rate_pct": "PI3527",
}

#: The figures of an impact report, in display order (profiles, comparison, exports).
REPORT_FIGURE_FIELDS = [
    "total_employees",
    "impact_workers",
    "employees_with_disabilities",
    "employees_low_income_areas",
    "women_employees",
    "living_wage_employees",
    "min_wage_multiple",
    "training_hours_per_employee",
    "average_tenure_months",
    "voluntary_turnover_pct",
    "placement_rate_pct",
]

PERCENT_VALIDATORS = [MinValueValidator(0), MaxValueValidator(100)]


class ImpactReportQuerySet(models.QuerySet):
    def latest_per_provider(self):
        """One report per provider: the one with the latest period end."""
        return self.filter(is_latest=True)

    def stale(self, on=None):
        on = on or timezone.localdate()
        return self.filter(period_end__lt=stale_cutoff(on))


def stale_cutoff(on):
    """Reports whose period ended before this date are stale."""
    months = on.year * 12 + on.month - 1 - STALE_AFTER_MONTHS
    year, month = divmod(months, 12)
    # The same day of the month, or the month's last day when it is shorter
    # (29 February); clamping every month to 28 let reports stay fresh 3 days too long.
    day = min(on.day, calendar.monthrange(year, month + 1)[1])
    return datetime.date(year, month + 1, day)


class ImpactReport(models.Model):
    """A provider's impact figures for one reporting period, with IRIS+ codes and provenance."""

    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="reports")
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    impact_worker_definition = models.TextField(
        _("definition of impact worker used"),
        help_text=_("Whom this report counts as an impact worker, in your own words."),
    )
    total_employees = models.PositiveIntegerField(
        _("total permanent employees"), help_text="IRIS+ OI8869"
    )
    impact_workers = models.PositiveIntegerField(_("impact workers"))
    target_groups = models.ManyToManyField(
        TargetGroup, through="ImpactReportGroup", related_name="reports", blank=True
    )
    employees_with_disabilities = models.PositiveIntegerField(
        _("full-time employees with disabilities"), null=True, blank=True, help_text="IRIS+ OI2003"
    )
    employees_low_income_areas = models.PositiveIntegerField(
        _("employees from low-income areas"), null=True, blank=True, help_text="IRIS+ OI8266"
    )
    women_employees = models.PositiveIntegerField(_("women employees"), null=True, blank=True)
    min_wage_multiple = models.DecimalField(
        _("entry wage as a multiple of minimum wage"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        help_text="IRIS+ OI6176",
    )
    living_wage_employees = models.PositiveIntegerField(
        _("employees earning a living wage or more"),
        null=True,
        blank=True,
        help_text="IRIS+ OI4724",
    )
    training_hours_per_employee = models.DecimalField(
        _("training hours per employee"),
        max_digits=7,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        help_text="IRIS+ OI7877",
    )
    average_tenure_months = models.DecimalField(
        _("average tenure (months)"),
        max_digits=6,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        help_text="IRIS+ OI2248",
    )
    voluntary_turnover_pct = models.DecimalField(
        _("voluntary turnover rate (%)"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=PERCENT_VALIDATORS,
        help_text="IRIS+ OI1638",
    )
    placement_rate_pct = models.DecimalField(
        _("placed into further jobs or education (%)"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=PERCENT_VALIDATORS,
        help_text="IRIS+ PI3527",
    )
    provenance = models.CharField(
        _("provenance"), max_length=20, choices=Provenance, default=Provenance.SELF_REPORTED
    )
    #: In private storage: served only by `providers.evidence`, to members and operators.
    evidence = models.FileField(
        _("evidence"), upload_to="evidence/reports/", storage=evidence_storage, blank=True
    )
    verifier = models.CharField(_("verified by (third party)"), max_length=200, blank=True)
    verified_on = models.DateField(_("verified on"), null=True, blank=True)
    is_latest = models.BooleanField(
        _("latest report"), default=False, editable=False, db_index=True
    )
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    objects = ImpactReportQuerySet.as_manager()

    class Meta:
        ordering = ["provider", "-period_end"]
        get_latest_by = "period_end"
        verbose_name = _("impact report")
        verbose_name_plural = _("impact reports")
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "period_start", "period_end"],
                name="report_one_per_provider_period",
            ),
            models.UniqueConstraint(
                fields=["provider"],
                condition=Q(is_latest=True),
                name="report_one_latest_per_provider",
            ),
            models.CheckConstraint(
                condition=Q(period_end__gt=F("period_start")), name="report_period_ordered"
            ),
            models.CheckConstraint(
                condition=Q(impact_workers__lte=F("total_employees")),
                name="report_impact_workers_within_workforce",
            ),
            models.CheckConstraint(
                condition=Q(employees_with_disabilities__isnull=True)
                | Q(employees_with_disabilities__lte=F("total_employees")),
                name="report_disabled_within_workforce",
            ),
            models.CheckConstraint(
                condition=Q(employees_low_income_areas__isnull=True)
                | Q(employees_low_income_areas__lte=F("total_employees")),
                name="report_low_income_within_workforce",
            ),
            models.CheckConstraint(
                condition=Q(women_employees__isnull=True)
                | Q(women_employees__lte=F("total_employees")),
                name="report_women_within_workforce",
            ),
            models.CheckConstraint(
                condition=Q(living_wage_employees__isnull=True)
                | Q(living_wage_employees__lte=F("total_employees")),
                name="report_living_wage_within_workforce",
            ),
            models.CheckConstraint(
                condition=Q(voluntary_turnover_pct__isnull=True)
                | Q(voluntary_turnover_pct__gte=0, voluntary_turnover_pct__lte=100),
                name="report_turnover_0_100",
            ),
            models.CheckConstraint(
                condition=Q(placement_rate_pct__isnull=True)
                | Q(placement_rate_pct__gte=0, placement_rate_pct__lte=100),
                name="report_placement_0_100",
            ),
            models.CheckConstraint(
                condition=~Q(provenance=Provenance.THIRD_PARTY) | ~Q(verifier=""),
                name="report_third_party_names_verifier",
            ),
        ]

    def __str__(self):
        return f"{self.provider}: {self.period_start:%Y-%m} – {self.period_end:%Y-%m}"

    @property
    def impact_share(self):
        """Impact workers as a whole percent of total employees (None without employees)."""
        if not self.total_employees:
            return None
        return percent_of(self.impact_workers, self.total_employees)

    def is_stale(self, on=None):
        on = on or timezone.localdate()
        return self.period_end < stale_cutoff(on)

    def figure_codes(self):
        """(field name, IRIS+ code) for every figure reported, in display order."""
        return [
            (name, IRIS_CODES.get(name, ""))
            for name in REPORT_FIGURE_FIELDS
            if getattr(self, name) is not None
        ]


class ImpactReportGroup(models.Model):
    """How many of a report's impact workers come from one target group."""

    report = models.ForeignKey(ImpactReport, on_delete=models.CASCADE, related_name="groups")
    target_group = models.ForeignKey(
        TargetGroup, on_delete=models.PROTECT, related_name="report_groups"
    )
    workers = models.PositiveIntegerField(_("workers"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["target_group__position", "target_group__name"]
        verbose_name = _("target group count")
        verbose_name_plural = _("target group counts")
        constraints = [
            models.UniqueConstraint(fields=["report", "target_group"], name="report_group_unique"),
        ]
        indexes = [models.Index(fields=["target_group", "report"])]

    def __str__(self):
        return f"{self.report}: {self.target_group}"


class CaseStudy(models.Model):
    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="case_studies")
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


# --------------------------------------------------------------------------
# ISSP self-service: proposed changes to vetted facts, team invitations
# --------------------------------------------------------------------------


class PendingChangeKind(models.TextChoices):
    PROFILE = "profile", _("Name or organisation identifier")
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


class PendingChange(models.Model):
    """A proposed edit to a vetted fact of a published listing, held until an admin approves.

    The live rows stay untouched, so the public profile and search keep showing the
    published values; `providers.services.listings.pending_changes_apply` writes
    `data` into the live rows once the listing is approved.
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
    """An owner's invitation to an address with no account yet; accepted after sign-up."""

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
