# Spanish writes a space (no-break) before the percent sign (CLDR, RAE's Ortografía 2010).
PERCENT_FORMAT = "{}\xa0%"
