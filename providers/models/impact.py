"""Impact reports: a provider's figures for one period, IRIS+ coded, with provenance.

Two different things vouch for a report: its provenance is the provider's own
claim (self-reported, backed by a document, verified by a third party it
names), and the directory's verification (`directory_*` fields) is an
operator's check of it, which any later edit clears.

`REPORT_FIGURE_FIELDS` is the display order every page and export uses; a
report older than `STALE_AFTER_MONTHS` is shown as stale.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from providers.disclosure import percent_of
from providers.storage import evidence_storage

from .dates import months_before
from .parts import VerificationState
from .taxonomy import TargetGroup

#: Impact figures older than this are shown as stale.
STALE_AFTER_MONTHS = 24


class Provenance(models.TextChoices):
    SELF_REPORTED = "self-reported", _("Self-reported")
    DOCUMENTED = "documented", _("Backed by a document")
    THIRD_PARTY = "third-party", _("Third-party verified (provider's claim)")


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

#: The fields of a report that hold the directory's check (not the provider's provenance).
REPORT_VERIFICATION_FIELDS = (
    "directory_verification",
    "directory_verification_notes",
    "directory_verified_by",
    "directory_verified_at",
)

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
    return months_before(on, STALE_AFTER_MONTHS)


class ImpactReport(models.Model):
    """A provider's impact figures for one reporting period, with IRIS+ codes and provenance."""

    provider = models.ForeignKey(
        "providers.Provider", on_delete=models.CASCADE, related_name="reports"
    )
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
    # The provider's own claim that a third party verified the figures (part of its provenance).
    verifier = models.CharField(
        _("third-party verifier (provider's claim)"), max_length=200, blank=True
    )
    verified_on = models.DateField(
        _("third-party verification date (provider's claim)"), null=True, blank=True
    )
    # The directory's own check of the report, made by an operator through
    # `providers.services.vetting.report_set_verification`; any edit of the
    # report afterwards sets it back to unverified.
    directory_verification = models.CharField(
        _("verification by the directory"),
        max_length=20,
        choices=VerificationState,
        default=VerificationState.UNVERIFIED,
    )
    directory_verification_notes = models.TextField(_("what the directory checked"), blank=True)
    directory_verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("checked by (operator)"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    directory_verified_at = models.DateTimeField(_("checked at"), null=True, blank=True)
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
            models.CheckConstraint(
                condition=Q(directory_verification=VerificationState.UNVERIFIED)
                | Q(directory_verified_at__isnull=False),
                name="report_directory_check_dated",
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

    @property
    def is_verified_by_directory(self) -> bool:
        return self.directory_verification == VerificationState.VERIFIED

    def clear_directory_verification(self) -> bool:
        """Set an edited report back to unverified, on the instance; its caller saves it.

        Whatever changes a report's figures, period, definition, provenance,
        evidence or target-group counts calls this, so the directory's check never
        vouches for figures it did not see. Returns whether there was a check to
        clear; without a reason of the editor's, the history's change reason says so.
        """
        if self.directory_verification == VerificationState.UNVERIFIED:
            return False
        self.directory_verification = VerificationState.UNVERIFIED
        self.directory_verification_notes = ""
        self.directory_verified_by = None
        self.directory_verified_at = None
        # A reason the editor gave stays (the history shows the check cleared anyway).
        if not getattr(self, "_change_reason", ""):
            self._change_reason = "Edited: to be verified by the directory again"
        return True

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
