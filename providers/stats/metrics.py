"""The figures statistics summarise, and how a median of published values is taken."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import numpy as np
from django.utils.translation import gettext_lazy as _

from impactdir import l10n
from providers.models import IRIS_CODES

from .charts import decimal_machine, decimal_text

#: No median is drawn from fewer providers than this. With five, at least two
#: providers lie on either side of the median, so it never stands for one or two
#: firms a reader could name from a narrow filter, and one provider changing its
#: report moves it little. Below that a "sector median" would describe a firm.
MIN_PROVIDERS = 5


@dataclass(frozen=True)
class Metric:
    """A figure of the latest report that is summarised by its median."""

    key: str  # the report field, or "impact_share"
    label: str
    unit: str  # percent, multiple, hours, months
    scale: int  # stored values are in 1/scale units (hundredths for rates)

    @property
    def iris_code(self) -> str:
        return IRIS_CODES.get(self.key, "")

    @property
    def unit_label(self) -> str:
        return {
            "percent": _("%"),
            "multiple": _("× minimum wage"),
            "hours": _("hours"),
            "months": _("months"),
        }[self.unit]

    def short(self, value: Decimal) -> str:
        """The number alone (the unit is in the chart's title), for labels on points."""
        return decimal_text(value, 2 if self.unit == "multiple" else 1)

    def text(self, value: Decimal) -> str:
        shown = decimal_text(value, 1)
        if self.unit == "percent":
            return l10n.percent_sign(shown)
        if self.unit == "multiple":
            return _("%(value)s×") % {"value": decimal_text(value, 2)}
        if self.unit == "hours":
            return _("%(value)s hours") % {"value": shown}
        return _("%(value)s months") % {"value": shown}


METRICS = (
    Metric("impact_share", _("Impact-worker share of employees"), "percent", 1),
    Metric("voluntary_turnover_pct", _("Voluntary turnover rate"), "percent", 100),
    Metric("min_wage_multiple", _("Entry wage as a multiple of minimum wage"), "multiple", 100),
    Metric("training_hours_per_employee", _("Training hours per employee"), "hours", 100),
    Metric("placement_rate_pct", _("Placed into further jobs or education"), "percent", 100),
    Metric("average_tenure_months", _("Average tenure"), "months", 100),
)
METRICS_BY_KEY = {metric.key: metric for metric in METRICS}


@dataclass(frozen=True)
class Median:
    """The median of published values, or None when fewer than MIN_PROVIDERS published one."""

    metric: Metric
    value: Decimal | None
    providers: int

    @property
    def enough(self) -> bool:
        return self.value is not None

    @property
    def text(self) -> str:
        return self.metric.text(self.value) if self.value is not None else ""

    @property
    def machine(self) -> str:
        return decimal_machine(self.value) if self.value is not None else ""


def median(metric: Metric, values: np.ndarray) -> Median:
    """The exact median of `values` (integers in 1/metric.scale units)."""
    n = len(values)
    if n < MIN_PROVIDERS:
        return Median(metric, None, n)
    middle = n // 2
    if n % 2:
        total = 2 * int(np.partition(values, middle)[middle])
    else:
        around = np.partition(values, [middle - 1, middle])
        total = int(around[middle - 1]) + int(around[middle])
    return Median(metric, Decimal(total) / (2 * metric.scale), n)
