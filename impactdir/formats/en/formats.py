# Django's "en" formats are American ("Dec. 1, 2026, 2:05 p.m."). The directory's English is
# international: day-month-year with the month in words reads one way everywhere
# ("1 December 2026"), and a 24-hour clock with its time zone ("14:05 UTC") cannot be taken
# for the wrong half of the day.
DATE_FORMAT = "j F Y"
DATETIME_FORMAT = "j F Y, H:i"
TIME_FORMAT = "H:i"
MONTH_DAY_FORMAT = "j F"
SHORT_DATE_FORMAT = "d/m/Y"
SHORT_DATETIME_FORMAT = "d/m/Y H:i"
FIRST_DAY_OF_WEEK = 1  # Monday

PERCENT_FORMAT = "{}%"
