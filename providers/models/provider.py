"""The listing itself: `Provider`, its lifecycle status and the search verbs of its QuerySet."""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField
from simple_history.models import HistoricalRecords

from .dates import months_before
from .impact import ImpactReport, ImpactReportGroup
from .parts import CertificationHolding, DeliveryCentre, ProviderService
from .taxonomy import (
    Certification,
    DeliveryMode,
    Industry,
    Language,
    PartnershipKind,
    PricingModel,
    Region,
    RegionCountry,
    Service,
    TargetGroup,
)


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


class ProviderType(models.TextChoices):
    """Who provides impact sourcing: a dedicated provider, or the programme of an outsourcer."""

    DEDICATED = "dedicated", _("Dedicated impact sourcing provider")
    PROGRAMME = "programme", _("Impact sourcing programme of an outsourcing company")


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


#: A listing not confirmed by its provider for this long is marked everywhere it is shown.
UNCONFIRMED_AFTER_MONTHS = 24


def unconfirmed_cutoff(on: datetime.date) -> datetime.date:
    """Listings last confirmed before this date are marked as not confirmed."""
    return months_before(on, UNCONFIRMED_AFTER_MONTHS)


def confirmed_before_q(cutoff: datetime.date) -> Q:
    """The condition of `ProviderQuerySet.confirmed_before` (admin facet counts reuse it)."""
    return (
        Q(assured_date__lt=cutoff)
        | Q(assured_date__isnull=True, published_at__date__lt=cutoff)
        | Q(assured_date__isnull=True, published_at__isnull=True, created_at__date__lt=cutoff)
    )


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

    def confirmed_before(self, cutoff: datetime.date):
        """Listings whose provider last confirmed them before `cutoff` (see `confirmed_on`)."""
        return self.filter(confirmed_before_q(cutoff))

    def unconfirmed(self, on=None):
        """Listings not confirmed for `UNCONFIRMED_AFTER_MONTHS` on `on` (today)."""
        return self.confirmed_before(unconfirmed_cutoff(on or timezone.localdate()))

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
    provider_type = models.CharField(
        _("type of provider"),
        max_length=20,
        choices=ProviderType,
        blank=True,
        help_text=_(
            "A company whose business is impact sourcing, or the impact sourcing programme of "
            "a traditional outsourcing company (this listing's centres and impact figures are "
            "the programme's own)."
        ),
    )
    parent_company = models.CharField(
        _("parent company"),
        max_length=200,
        blank=True,
        help_text=_("For a programme: the outsourcing company that runs it."),
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
    listing_languages = models.ManyToManyField(
        Language,
        verbose_name=_("listing written in"),
        blank=True,
        related_name="written_listings",
        help_text=_(
            "The languages this listing's own texts are written in; they are shown as written, "
            "whatever language a visitor reads the site in."
        ),
    )
    partnerships_offered = models.ManyToManyField(
        PartnershipKind,
        verbose_name=_("partnerships offered"),
        blank=True,
        related_name="offering_providers",
        help_text=_("What this provider offers other providers."),
    )
    partnerships_sought = models.ManyToManyField(
        PartnershipKind,
        verbose_name=_("partnerships sought"),
        blank=True,
        related_name="seeking_providers",
        help_text=_("What this provider looks for in other providers."),
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

    # Denormalised from the provider's parts so search can filter and rank
    # without joins; every write that changes the parts refreshes them
    # (`providers.services.catalogue.provider_refresh_derived`).
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
        m2m_fields=[
            pricing_models,
            delivery_modes,
            industries,
            languages,
            markets,
            listing_languages,
            partnerships_offered,
            partnerships_sought,
        ],
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
            # A programme names its parent company; a dedicated provider has none.
            models.CheckConstraint(
                condition=Q(provider_type=ProviderType.PROGRAMME, parent_company__gt="")
                | (~Q(provider_type=ProviderType.PROGRAMME) & Q(parent_company="")),
                name="provider_parent_company_of_programme",
            ),
        ]
        indexes = [
            models.Index(fields=["name", "id"], name="provider_name_id"),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("providers:detail", kwargs={"slug": self.slug})

    def clean(self):
        super().clean()
        self.parent_company = (self.parent_company or "").strip()
        if self.provider_type == ProviderType.PROGRAMME and not self.parent_company:
            raise ValidationError(
                {"parent_company": _("Name the outsourcing company that runs the programme.")}
            )
        if self.provider_type != ProviderType.PROGRAMME and self.parent_company:
            raise ValidationError(
                {
                    "parent_company": _(
                        "Only a programme of an outsourcing company has a parent company: "
                        "choose that type, or leave this empty."
                    )
                }
            )

    @property
    def is_published(self):
        return self.status == ListingStatus.PUBLISHED

    @property
    def is_verified(self):
        return self.verified_at is not None

    @property
    def confirmed_on(self) -> datetime.date:
        """When the provider last stood behind the listing as a whole.

        That is `assured_date` once they confirmed it; before their first
        confirmation, the day it was first published (they had just submitted
        it for review), or created. A listing that was never confirmed is thus
        marked 24 months after it went live, not the day it is published.
        """
        if self.assured_date is not None:
            return self.assured_date
        moment = self.published_at or self.created_at or timezone.now()
        return timezone.localdate(moment)

    def is_unconfirmed(self, on=None) -> bool:
        """Not confirmed for `UNCONFIRMED_AFTER_MONTHS` (templates call it without `on`)."""
        return self.confirmed_on < unconfirmed_cutoff(on or timezone.localdate())

    @property
    def size_band(self):
        return size_band_for(self.workforce)

    @property
    def size_band_label(self):
        band = self.size_band
        return SizeBand(band).label if band else ""
