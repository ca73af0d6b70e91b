"""Template filters for numbers, percentages and moments in the active language's format.

Dates use Django's own named formats: `{{ day|date:"DATE_FORMAT" }}` (1 December 2026,
1 décembre 2026) and `{{ day|date:"YEAR_MONTH_FORMAT" }}` (December 2026); these filters
cover what Django has no filter for:

- `number`: a count grouped in the language's way (12,345 / 12 345 / 12.345), like
  humanize's `intcomma`, decimals included (3.5 / 3,5).
- `percent`: a number that is a percentage already: 51% / 51 % (French) / 51 % (Spanish).
- `count_words`: one to nine in words (humanize's `apnumber`), larger counts grouped.
- `datetime_zone` / `time_zone`: a moment with its time zone: 1 December 2026, 14:05 UTC.

`<time datetime="…">` values stay ISO: `|date:"c"` or `|date:'Y-m-d\\TH:i:sO'`.
"""

from django import template

from impactdir import l10n

register = template.Library()

register.filter("number", l10n.number, is_safe=True)
register.filter("percent", l10n.percent, is_safe=True)
register.filter("count_words", l10n.count_words, is_safe=True)
register.filter("datetime_zone", l10n.datetime_zone, expects_localtime=False, is_safe=True)
register.filter("time_zone", l10n.time_zone, expects_localtime=False, is_safe=True)
