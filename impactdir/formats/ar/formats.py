# Django's Arabic formats have no DATETIME_FORMAT, so datetimes fell back to the American
# "N j, Y, P" of settings; this is its DATE_FORMAT and TIME_FORMAT joined with the Arabic comma.
DATETIME_FORMAT = "j F، Y، g:i A"
SHORT_DATETIME_FORMAT = "d\u200f/m\u200f/Y g:i A"

# Django's Arabic separators (decimal comma, point for thousands) are the Maghreb's (ar-DZ,
# ar-MA, ar-TN); CLDR's Arabic with Western digits, which the directory shows and browsers'
# Intl.NumberFormat use, writes 12,345.5, as readers from Egypt to Jordan and the Gulf expect.
DECIMAL_SEPARATOR = "."
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3  # Django's Arabic has none, so 12345 went ungrouped

PERCENT_FORMAT = "{}%"
