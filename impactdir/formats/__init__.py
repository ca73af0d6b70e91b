"""The project's additions to Django's locale formats (settings.FORMAT_MODULE_PATH).

Django looks here first and falls back to its own `django/conf/locale/<lang>/formats.py`,
so each module holds only what Django's own format leaves out or gets wrong for this
directory:

- `PERCENT_FORMAT`, a name of our own that Django has no counterpart for: the pattern a
  number becomes a percentage in (CLDR's percent patterns: "51%", "51 %" with a narrow
  no-break space in French, a no-break space in Spanish). `impactdir.l10n.percent` reads it.
- English: day-month-year dates and a 24-hour clock (see en/formats.py).
- Arabic: a date-and-time format (Django's Arabic has none) and CLDR's separators.
"""
