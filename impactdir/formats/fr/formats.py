# French sets a narrow no-break space before the percent sign (CLDR, Imprimerie nationale).
PERCENT_FORMAT = "{}\u202f%"
