"""The taxonomies a listing is described by: small lookup tables edited in admin.

Services (two levels: categories and their services), UN M49 regions with their
countries, certifications, impact target groups, languages, industries, pricing
models, delivery modes and kinds of partnership. Migrations 0002 and 0013 seed them
from `providers.taxonomy_data`.
"""

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField


def translated(text: str) -> str:
    """A taxonomy name or description in the active language.

    Names are stored in English, as `providers.taxonomy_data` seeds them (marked
    with `gettext_noop`, so they are in the catalogues), and translated by gettext
    when shown: a term an operator adds or renames shows in English until its new
    name is translated. Machine outputs (open data, the API, HSDS) use the stored
    English name instead.
    """
    return gettext(text) if text else text


class TranslatedName:
    """`translated_name`, `translated_description` and `str()` in the active language."""

    @property
    def translated_name(self) -> str:
        return translated(self.name)

    @property
    def translated_description(self) -> str:
        return translated(getattr(self, "description", ""))

    def __str__(self):
        return self.translated_name


# The admin's taxonomy lists show both: the stored English name and the operator's language.
TranslatedName.translated_name.fget.short_description = _("name in your language")


class ServiceQuerySet(models.QuerySet):
    def categories(self):
        return self.filter(parent__isnull=True)

    def leaves(self):
        return self.filter(parent__isnull=False)


class Service(TranslatedName, models.Model):
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
        if self.parent_id and self.parent:
            return f"{self.parent.translated_name} → {self.translated_name}"
        return self.translated_name

    @property
    def is_category(self):
        return self.parent_id is None


class Region(TranslatedName, models.Model):
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


class Certification(TranslatedName, models.Model):
    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(_("slug"), max_length=120, unique=True)
    category = models.CharField(_("category"), max_length=20, choices=CertificationCategory)
    issuer = models.CharField(_("issuing body"), max_length=200, blank=True)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("certification")
        verbose_name_plural = _("certifications")


class TargetGroup(TranslatedName, models.Model):
    """A group the job market shuts out, whom impact sourcing deliberately hires."""

    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(_("slug"), max_length=120, unique=True)
    description = models.TextField(_("description"), blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "name"]
        verbose_name = _("impact target group")
        verbose_name_plural = _("impact target groups")


class Language(TranslatedName, models.Model):
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


class Industry(TranslatedName, models.Model):
    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(_("slug"), max_length=120, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("industry")
        verbose_name_plural = _("industries")


class PricingModel(TranslatedName, models.Model):
    name = models.CharField(_("name"), max_length=80)
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "name"]
        verbose_name = _("pricing model")
        verbose_name_plural = _("pricing models")


class PartnershipKind(TranslatedName, models.Model):
    """A kind of partnership between providers, which a listing offers or seeks."""

    name = models.CharField(_("name"), max_length=80)
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    description = models.CharField(_("description"), max_length=200, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "name"]
        verbose_name = _("partnership kind")
        verbose_name_plural = _("partnership kinds")


class DeliveryMode(TranslatedName, models.Model):
    name = models.CharField(_("name"), max_length=80)
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "name"]
        verbose_name = _("delivery mode")
        verbose_name_plural = _("delivery modes")
