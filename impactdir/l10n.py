"""Dates, times, numbers and percentages for people, in the active language's format.

Everything shown to a person goes through Django's locale formats (the named formats
DATE_FORMAT, YEAR_MONTH_FORMAT, DATETIME_FORMAT, TIME_FORMAT and the separators, with the
project's additions in impactdir/formats) or through these few helpers, which the template
filters of `impactdir.templatetags.locale_formats` expose. Machine outputs (open data, the
API, CSV cells, `<time datetime>`, sitemaps, headers, form values) never call them: they
write ISO 8601 and plain digits.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.contrib.humanize.templatetags.humanize import apnumber
from django.utils import timezone
from django.utils.formats import date_format, get_format, number_format


def number(value, decimal_pos: int | None = None) -> str:
    """A number with the language's thousand separator and decimal mark: 12,345 / 12 345."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        try:
            value = Decimal(value)
        except ArithmeticError:
            return value
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return str(value)  # not a number: shown as it is rather than failing the page
    if isinstance(value, Decimal) and not value.is_finite():
        return str(value)
    if isinstance(value, Decimal) and decimal_pos is None and value == value.to_integral():
        value = int(value)
    return number_format(value, decimal_pos, force_grouping=True)


def decimal(value: Decimal) -> str:
    """A decimal as given, without trailing zeros, in the language's format: 3.5 / 3,5."""
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    places = len(text.partition(".")[2])
    return number(Decimal(text), places or None)


def percent(value) -> str:
    """A percentage (`value` is in percent already): 51% in English, 51 % in French."""
    if value is None or value == "":
        return ""
    return percent_sign(decimal(value) if isinstance(value, Decimal) else number(value))


def percent_sign(text: str) -> str:
    """A number already formatted for the language (`text`), as a percentage."""
    return str(get_format("PERCENT_FORMAT")).format(text)


def date(value: datetime.date | None) -> str:
    """A day in words: 1 December 2026 / 1 décembre 2026 / 1 de diciembre de 2026."""
    if not value:
        return ""
    if isinstance(value, datetime.datetime):
        value = _local(value)
    return date_format(value, "DATE_FORMAT")


def month(value: datetime.date | None) -> str:
    """A month and year: December 2026 / décembre 2026 / diciembre de 2026."""
    return date_format(value, "YEAR_MONTH_FORMAT") if value else ""


def _local(value: datetime.datetime) -> datetime.datetime:
    return timezone.localtime(value) if timezone.is_aware(value) else value


def _zone(value: datetime.datetime) -> str:
    return (value.tzname() or "") if timezone.is_aware(value) else ""


def datetime_zone(value: datetime.datetime | None) -> str:
    """A moment with its time zone: 1 December 2026, 14:05 UTC / 1 décembre 2026 14:05 UTC."""
    if not value:
        return ""
    if not isinstance(value, datetime.datetime):
        return date(value)
    local = _local(value)
    return f"{date_format(local, 'DATETIME_FORMAT')} {_zone(local)}".rstrip()


def time_zone(value: datetime.datetime | None) -> str:
    """The time of a moment with its zone: 14:05 UTC / 2:05 م UTC."""
    if not value:
        return ""
    local = _local(value)
    return f"{date_format(local, 'TIME_FORMAT')} {_zone(local)}".rstrip()


def count_words(value):
    """1–9 in words ("three providers"), as humanize's `apnumber`; 10 and more grouped."""
    try:
        n = int(value)
    except (TypeError, ValueError):
        return value
    return apnumber(n) if 0 < n < 10 else number(n)
