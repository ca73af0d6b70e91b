"""A tile-grid world map: one square per country, placed on a grid roughly where it lies.

A tile grid gives every country the same room, so small delivery countries
(Rwanda, Jamaica) are as visible as large ones, and the picture stays light
enough to draw on every request as plain SVG. The layout below was made for
ImpactDir: countries were first placed by their approximate centres on an
equirectangular grid (Europe and the Caribbean stretched, since they hold many
countries in little space), then adjusted by hand so neighbours stay neighbours.
Every ISO 3166-1 code that has a region in `providers.taxonomy_data` has a tile;
a country without one (none today) is listed beside the map instead.

Edit the grid as text: one row per line, two letters or `..` per column.
"""

import functools

GRID = """
.. .. .. .. .. .. GL .. .. .. .. IS FO SJ NO SE FI .. .. .. .. .. .. .. .. .. .. .. .. .. .. .. ..
.. .. CA .. .. .. PM .. .. .. .. IE IM GB DK AX EE RU .. .. .. .. .. .. .. .. .. .. .. .. .. .. ..
.. .. .. .. .. .. .. .. .. .. .. .. NL DE PL LT LV BY .. KZ .. .. .. MN .. .. .. .. .. .. .. .. ..
.. .. .. .. .. .. .. BM .. .. GG JE BE LU CZ SK UA MD .. GE UZ KG .. .. KP .. JP .. .. .. .. .. ..
.. .. .. US .. .. .. .. .. .. .. FR CH LI AT HU RO BG .. AM AZ TM TJ CN KR .. .. .. .. .. .. .. ..
.. .. .. .. .. .. .. .. .. .. PT ES AD MC SI HR RS MK TR CY SY IQ IR AF .. TW .. .. .. .. .. .. ..
.. .. .. MX .. BS TC .. .. .. .. GI VA IT SM BA ME AL GR LB JO KW BH PK NP BT MO HK .. .. .. .. ..
.. .. .. .. CU KY HT DO PR VG VI .. MA DZ TN MT LY EG PS IL SA QA AE IN BD MM LA VN .. .. .. .. ..
.. .. .. BZ GT JM AI SX MF BL KN .. EH MR ML NE TD SD ER YE OM .. LK .. TH KH PH .. MP GU .. UM ..
.. .. .. SV HN NI AG MS GP DM MQ .. CV SN GM BF NG CF SS ET DJ SO .. MV MY BN .. PW FM .. MH .. ..
.. .. .. .. CR PA LC BB VC GD TT .. GW GN CI GH BJ CM CD UG KE .. .. IO SG ID .. .. .. NR KI .. ..
.. .. .. .. .. AW CW BQ CO VE GY SR GF SL LR TG GQ CG RW TZ SC .. .. .. CX TL PG SB .. TV TK .. ..
.. .. .. .. .. .. EC PE BR .. .. .. .. .. ST GA AO BI MW KM .. .. .. .. CC .. .. VU FJ WF WS AS ..
.. .. .. .. .. .. .. BO PY .. .. .. .. SH .. NA ZM MZ MG YT .. .. .. .. .. .. AU NC TO NU CK PF ..
.. .. .. .. .. .. .. CL UY .. .. .. .. .. .. BW ZW SZ RE MU .. .. .. .. .. .. .. NF .. .. .. .. PN
.. .. .. .. .. .. .. AR .. .. .. .. .. .. .. ZA LS .. .. .. .. TF .. .. .. .. .. NZ .. .. .. .. ..
.. .. .. .. .. .. .. FK .. GS .. .. .. .. BV .. .. .. .. .. .. HM .. .. .. .. .. .. .. .. .. .. ..
"""


@functools.cache
def positions() -> dict[str, tuple[int, int]]:
    """ISO code -> (column, row) of its tile."""
    found = {}
    for row, line in enumerate(GRID.strip("\n").splitlines()):
        for column, code in enumerate(line.split()):
            if code != "..":
                found[code] = (column, row)
    return found


@functools.cache
def size() -> tuple[int, int]:
    """(columns, rows) of the grid."""
    lines = GRID.strip("\n").splitlines()
    return max(len(line.split()) for line in lines), len(lines)
