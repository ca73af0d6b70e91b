"""Calendar arithmetic the listing's age marks share."""

import calendar
import datetime


def months_before(on: datetime.date, months: int) -> datetime.date:
    """The same day `months` calendar months before `on`, or that month's last day.

    29 February minus 12 months is 28 February: clamping every month to the 28th
    would let dates count as fresh for up to 3 days too long.
    """
    total = on.year * 12 + on.month - 1 - months
    year, month = divmod(total, 12)
    day = min(on.day, calendar.monthrange(year, month + 1)[1])
    return datetime.date(year, month + 1, day)


def months_after(on: datetime.date, months: int) -> datetime.date:
    """The same day `months` calendar months after `on`, or that month's last day."""
    return months_before(on, -months)
