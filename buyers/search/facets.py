"""The search facets, each declared once.

A `Facet` says everything the directory needs to know about one filter of the
search URL: its parameter, label and API description; which values it accepts
and how they are written; where its options come from (`Options`: a taxonomy
table, its key, label and order, two levels at most); how a provider relates to
each option key in SQL (`Branch`: the rows, the provider column, the key and
extra conditions such as a certification's validity dates or an impact report
being the latest); and which tables decide all that. From the declarations come:

- the URL contract, its validation and messages, and the database path of
  exports, alerts and the API (`buyers.search.filters.SearchFilterSet`);
- the in-memory index's options and bitsets: `Facet.option_rows()`,
  `Facet.membership_sql()` (provider_id, option_key for every provider) and
  `Facet.membership_sql_for(provider_ids)` for incremental updates, all tested
  against the index built today (tests/buyers/test_search_declarations.py);
- the tables whose writes change what search shows (`search_tables()`,
  `link_tables()`), tested against the triggers installed in the database;
- the API's search parameters and taxonomy kinds (providers/api/views.py) and
  the parameters a saved search keeps (buyers/services.py).

Adding a facet: one `Facet` in `FILTERS` (where it goes is its place in the
contract and on the page), plus a migration installing the search triggers on
any table it names that has none yet (a provider's own rows: 0005's
published-only triggers with the `provider_joins` SQL and 0011's change log; a
taxonomy: 0003's). The index builder (build.py) reads `option_rows()` and the
branches, and incremental updates (changes.py) read `membership_sql_for()`:
neither knows any facet by name. A new kind of value (neither options, a
threshold nor a flag) needs a field in filters.py and a way of counting in
selector.py.
"""

import datetime
import functools
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Q
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from providers.collation import sort_key
from providers.models import SIZE_BAND_BOUNDS, ProviderType, SizeBand, translated

#: Facets whose values are option keys (ORed within a facet, ANDed across).
OPTIONS = "options"
#: A whole number a provider's value must reach (`impact_min`).
THRESHOLD = "threshold"
#: On or off (`verified`); its one option key is "1".
FLAG = "flag"


#: The source of a branch read from a provider's own row (its columns).
PROVIDER_TABLE = "providers_provider link"


@dataclass(frozen=True)
class Branch:
    """One way a provider reaches an option key: `SELECT provider, key FROM source WHERE where`.

    `source` is a FROM clause (its first table aliased `link`); `where` may hold one `%s`
    per `dated` for the date the membership is computed on (today).

    A branch whose keys each stand for several keys of a facet built before it (a region
    for its countries, a service category for its services) may say so: `rollup_of` names
    that facet and `rollup` selects (key, that facet's key) pairs. The index builder then
    ORs those bits instead of running the branch (tests hold both to the same answer).
    """

    source: str
    key: str
    provider: str = "link.provider_id"
    where: str = ""
    dated: int = 0
    rollup_of: str = ""
    rollup: str = ""

    @property
    def of_provider_row(self) -> bool:
        """Whether the branch reads only the provider's own row: the index builder then
        takes it from the one pass over the published providers it makes anyway."""
        return self.source == PROVIDER_TABLE and self.provider == "link.id"

    def row_value(self, on=None) -> tuple[str, list]:
        """For a provider-row branch: an expression over `link` giving the option key, or
        NULL when the provider has none; and its parameters."""
        if not self.where:
            return self.key, []
        return f"CASE WHEN {self.where} THEN {self.key} END", [on] * self.dated

    def select(self, columns: str, conditions=(), params=(), on=None) -> tuple[str, list]:
        wheres = [self.where] if self.where else []
        wheres += list(conditions)
        sql = f"SELECT {columns} FROM {self.source}"  # noqa: S608 (declared SQL)
        if wheres:
            sql += " WHERE " + " AND ".join(f"({w})" for w in wheres)
        return sql, [on] * self.dated + list(params)


@dataclass(frozen=True)
class Options:
    """Where a facet's options come from: a table (aliased `t`), its key and label
    columns and their order. With `parent`, the table is a two-level taxonomy: each top
    option comes before its children (level 1), both in `order`."""

    table: str
    key: str = "t.slug"
    label: str = "t.name"
    #: Columns of `t` to order by (within a level).
    order: tuple = ("position", "name")
    #: Column of `t` holding the parent's id (two levels).
    parent: str = ""
    #: Whether the key is a plain column holding repeated values (no id, no label).
    distinct: bool = False

    def sql(self) -> str:
        if self.distinct:
            return (
                f"SELECT DISTINCT {self.key}, {self.label}, 0, NULL FROM {self.table} t "  # noqa: S608 (declared SQL)
                f"ORDER BY {self.key}"
            )
        if not self.parent:
            order = ", ".join(f"t.{column}" for column in self.order)
            return f"SELECT {self.key}, {self.label}, 0, t.id FROM {self.table} t ORDER BY {order}"  # noqa: S608 (declared SQL)
        # Children sort under their parent: by the parent's order, then the child's own.
        order = [f"COALESCE(top.{column}, t.{column})" for column in (*self.order, "id")]
        order += ["CASE WHEN top.id IS NULL THEN 0 ELSE 1 END"]
        order += [f"t.{column}" for column in self.order]
        return (
            f"SELECT {self.key}, {self.label}, "  # noqa: S608 (declared SQL)
            "CASE WHEN top.id IS NULL THEN 0 ELSE 1 END, t.id "
            f"FROM {self.table} t LEFT JOIN {self.table} top ON top.id = t.{self.parent} "
            f"WHERE t.{self.parent} IS NULL OR top.{self.parent} IS NULL "
            f"ORDER BY {', '.join(order)}"
        )


def _placeholders(values) -> str:
    return ", ".join(["%s"] * len(values))


def _known_from_index(facet: "Facet", index) -> frozenset:
    return frozenset(option.key for option in index.options.get(facet.param, ()))


def _option_label(facet: "Facet", option) -> str:
    # The index keeps the stored (English) name; the page shows the active language's.
    return translated(option.label)


@dataclass(frozen=True, eq=False)
class Facet:
    param: str
    label: str
    #: The ways a provider reaches an option key (UNION ALL of them).
    branches: tuple
    #: Tables whose rows decide membership, options or labels: each carries the search
    #: triggers (tests/providers/test_search_triggers.py holds the database to it).
    tables: tuple
    kind: str = OPTIONS
    #: What the API says about the parameter (OpenAPI).
    description: str = ""
    #: A value as typed -> as the index keys it (after stripping spaces).
    normalise: Callable[[str], str] = str
    #: The keys the facet accepts, from the in-memory index (no query).
    known: Callable = _known_from_index
    #: An option's label as the page shows it.
    show: Callable = _option_label
    #: Every value the parameter can take when the set is fixed (the API lists them).
    fixed_values: tuple = ()
    #: Open data's kind of the facet's terms (stable term ids in the API), if any.
    term_kind: str = ""
    #: THRESHOLD: the accepted range, and the values offered as options.
    bounds: tuple = (0, 100)
    offered: tuple = ()
    #: For link tables: SQL joining their rows (as `c`) to their provider (as `p`),
    #: used by the triggers that touch the search token only for published providers.
    provider_joins: dict = field(default_factory=dict)
    #: Where the options a buyer can choose come from (else `fixed_values`).
    options: Options | None = None
    #: Labels of `fixed_values` (lazy strings), when they have any.
    fixed_labels: tuple = ()
    #: Whether the page lists the options in the alphabetical order of their names in the
    #: active language (`in_page_order`), rather than in the taxonomy's own order.
    alphabetical: bool = False

    def known_keys(self, index) -> frozenset:
        return self.known(self, index)

    def option_label(self, option) -> str:
        return self.show(self, option)

    # -- options and membership (the index) -------------------------------------

    def options_sql(self) -> str | None:
        """SQL selecting (key, label, level, id) of the options in the page's order (`id`
        is the taxonomy row's primary key, or NULL), or None for fixed options."""
        return self.options.sql() if self.options is not None else None

    def option_rows(self) -> list[tuple]:
        """(key, label, level, id) of every option a buyer can choose, in the page's order."""
        sql = self.options_sql()
        if sql is None:
            labels = self.fixed_labels or ("",) * len(self.fixed_values)
            return [
                (key, str(label), 0, None)
                for key, label in zip(self.fixed_values, labels, strict=True)
            ]
        with connection.cursor() as cursor:
            cursor.execute(sql)
            return [(str(key), label, int(level), pk) for key, label, level, pk in cursor]

    def membership_sql(self, on: datetime.date | None = None) -> tuple[str, list]:
        """SQL selecting (provider_id, option_key) for every provider (published or not)
        and its parameters; a provider may appear more than once for a key."""
        return self._union("", (), on)

    def membership_sql_for(self, provider_ids, on: datetime.date | None = None):
        """`membership_sql()` for the given providers only (an incremental update).

        On PostgreSQL the ids are one array parameter; on SQLite one parameter each
        (SQLite takes up to 32,766 in a statement: pass fewer ids per call)."""
        ids = [int(pk) for pk in provider_ids]
        if not ids:
            return self._union("1 = 0", (), on)
        if connection.vendor == "postgresql":
            return self._union("{provider} = ANY(%s)", [ids], on)
        return self._union(f"{{provider}} IN ({_placeholders(ids)})", ids, on)

    def _union(self, condition, params, on) -> tuple[str, list]:
        return self.membership_of(self.branches, on, condition, params)

    @staticmethod
    def membership_of(branches, on=None, condition="", params=()) -> tuple[str, list]:
        """`membership_sql()` of some of a facet's branches (UNION ALL of them)."""
        on = on or timezone.localdate()
        parts, all_params = [], []
        for branch in branches:
            conditions = [condition.format(provider=branch.provider)] if condition else []
            sql, branch_params = branch.select(
                f"{branch.provider} AS provider_id, {branch.key} AS option_key",
                conditions,
                params,
                on,
            )
            parts.append(sql)
            all_params += branch_params
        return " UNION ALL ".join(parts), all_params

    # -- the database path (the FilterSet) --------------------------------------

    def providers_sql(self, keys, on: datetime.date | None = None) -> tuple[str, list]:
        """SQL selecting the ids of providers having any of `keys` (OPTIONS, FLAG),
        or a value of at least `keys` (THRESHOLD: one whole number)."""
        on = on or timezone.localdate()
        parts, all_params = [], []
        for branch in self.branches:
            if self.kind == THRESHOLD:
                condition, params = f"{branch.key} >= %s", [int(keys)]
            else:
                keys = list(keys)
                condition, params = f"{branch.key} IN ({_placeholders(keys)})", keys
            sql, branch_params = branch.select(branch.provider, [condition], params, on)
            parts.append(sql)
            all_params += branch_params
        return " UNION ALL ".join(parts), all_params

    def q(self, keys, on: datetime.date | None = None) -> Q:
        """The condition on providers_provider for `keys` (see `providers_sql`)."""
        sql, params = self.providers_sql(keys, on)
        return Q(pk__in=RawSQL(sql, params))  # noqa: S611 (declared SQL, values are parameters)


# -- the declarations -------------------------------------------------------------

_PROVIDER_ROW = "JOIN providers_provider p ON p.id = c.provider_id"


def _country_name(facet, option) -> str:
    return str(countries.name(option.key))


@functools.cache
def _country_codes() -> frozenset:
    return frozenset(countries.countries)


def _any_country(facet, index) -> frozenset:
    # Any ISO code is accepted, not only those with a delivery centre (0 results, no notice).
    return _country_codes()


def _band_label(facet, option) -> str:
    return str(SizeBand(option.key).label)


def _type_label(facet, option) -> str:
    return str(ProviderType(option.key).label)


def _partnership_facet(param: str, label, table: str, description: str) -> "Facet":
    """Partnerships a provider offers (or seeks): kinds from the PartnershipKind taxonomy."""
    return Facet(
        param,
        label,
        branches=(
            Branch(
                f"{table} link JOIN providers_partnershipkind kind "
                "ON kind.id = link.partnershipkind_id",
                key="kind.slug",
            ),
        ),
        tables=(table, "providers_partnershipkind"),
        provider_joins={table: _PROVIDER_ROW},
        options=Options("providers_partnershipkind"),
        description=description,
        term_kind="partnership",
    )


def _bands(facet, index) -> frozenset:
    return frozenset(band.value for band in SizeBand)


def _size_case() -> str:
    cases = []
    for band, (low, high) in SIZE_BAND_BOUNDS.items():
        condition = f"link.workforce >= {max(low, 1)}"
        if high is not None:
            condition += f" AND link.workforce < {high}"
        cases.append(f"WHEN {condition} THEN '{band.value}'")
    return f"CASE {' '.join(cases)} END"


_CERTIFICATION_VALID = (
    "(link.expires_on IS NULL OR link.expires_on >= %s) "
    "AND (link.issued_on IS NULL OR link.issued_on <= %s)"
)

#: Every filter of the search but the text, in the order of the page (and of problems).
FILTERS = (
    Facet(
        "service",
        _("Service"),
        branches=(
            Branch(
                "providers_providerservice link JOIN providers_service s ON s.id = link.service_id",
                key="s.slug",
            ),
            # A provider offering a service also counts for its category.
            Branch(
                "providers_providerservice link "
                "JOIN providers_service s ON s.id = link.service_id "
                "JOIN providers_service parent ON parent.id = s.parent_id",
                key="parent.slug",
                rollup_of="service",
                rollup="SELECT parent.slug, s.slug FROM providers_service s "
                "JOIN providers_service parent ON parent.id = s.parent_id",
            ),
        ),
        tables=("providers_providerservice", "providers_service"),
        provider_joins={"providers_providerservice": _PROVIDER_ROW},
        options=Options("providers_service", parent="parent_id"),
        description="Service or service category code (repeat for several).",
        term_kind="service",
    ),
    Facet(
        "country",
        _("Delivery country"),
        branches=(Branch("providers_deliverycentre link", key="link.country"),),
        tables=("providers_deliverycentre",),
        provider_joins={"providers_deliverycentre": _PROVIDER_ROW},
        # Codes of every delivery centre; the page shows countries' names.
        options=Options(
            "providers_deliverycentre", key="t.country", label="t.country", distinct=True
        ),
        description="ISO 3166-1 alpha-2 code of a delivery centre.",
        normalise=str.upper,
        known=_any_country,
        show=_country_name,
        alphabetical=True,
    ),
    Facet(
        "region",
        _("Region"),
        branches=(
            Branch(
                "providers_deliverycentre link "
                "JOIN providers_regioncountry rc ON rc.country = link.country "
                "JOIN providers_region r ON r.id = rc.region_id",
                key="r.slug",
                rollup_of="country",
                rollup="SELECT r.slug, rc.country FROM providers_regioncountry rc "
                "JOIN providers_region r ON r.id = rc.region_id",
            ),
        ),
        tables=("providers_deliverycentre", "providers_regioncountry", "providers_region"),
        provider_joins={"providers_deliverycentre": _PROVIDER_ROW},
        options=Options("providers_region", order=("name",), parent="parent_id"),
        alphabetical=True,
        description="Region code (UN M49 regions and sub-regions).",
        term_kind="region",
    ),
    Facet(
        "certification",
        _("Certification"),
        branches=(
            # Only holdings valid on the day count (CertificationHolding.objects.valid()).
            Branch(
                "providers_certificationholding link "
                "JOIN providers_certification cert ON cert.id = link.certification_id",
                key="cert.slug",
                where=_CERTIFICATION_VALID,
                dated=2,
            ),
        ),
        tables=("providers_certificationholding", "providers_certification"),
        provider_joins={"providers_certificationholding": _PROVIDER_ROW},
        options=Options("providers_certification", order=("name",)),
        alphabetical=True,
        description="Certification code; only valid ones count.",
        term_kind="certification",
    ),
    Facet(
        "language",
        _("Language"),
        branches=(
            Branch(
                "providers_provider_languages link "
                "JOIN providers_language lang ON lang.id = link.language_id",
                key="lang.code",
            ),
        ),
        tables=("providers_provider_languages", "providers_language"),
        provider_joins={"providers_provider_languages": _PROVIDER_ROW},
        options=Options("providers_language", key="t.code", order=("name",)),
        alphabetical=True,
        description="ISO 639-1 language code of service.",
        normalise=str.lower,
    ),
    Facet(
        "group",
        _("Impact target group"),
        branches=(
            # Only the target groups of a provider's latest impact report count.
            Branch(
                "providers_impactreportgroup link "
                "JOIN providers_impactreport report ON report.id = link.report_id "
                "JOIN providers_targetgroup tg ON tg.id = link.target_group_id",
                key="tg.slug",
                provider="report.provider_id",
                where="report.is_latest",
            ),
        ),
        tables=("providers_impactreportgroup", "providers_impactreport", "providers_targetgroup"),
        provider_joins={
            "providers_impactreport": _PROVIDER_ROW,
            "providers_impactreportgroup": (
                "JOIN providers_impactreport r ON r.id = c.report_id "
                "JOIN providers_provider p ON p.id = r.provider_id"
            ),
        },
        description="Impact target-group code (latest report).",
        options=Options("providers_targetgroup"),
        term_kind="target-group",
    ),
    Facet(
        "type",
        _("Type of provider"),
        branches=(
            Branch(
                PROVIDER_TABLE,
                key="link.provider_type",
                provider="link.id",
                where="link.provider_type <> ''",
            ),
        ),
        tables=("providers_provider",),
        description="`dedicated`: a dedicated impact sourcing provider; `programme`: the "
        "impact sourcing programme of a traditional outsourcing company.",
        show=_type_label,
        fixed_values=tuple(ProviderType.values),
        fixed_labels=tuple(ProviderType.labels),
    ),
    Facet(
        "size",
        _("Workforce size"),
        branches=(
            Branch(
                PROVIDER_TABLE,
                key=_size_case(),
                provider="link.id",
                where="link.workforce >= 1",
            ),
        ),
        tables=("providers_provider",),
        description="Workforce size band.",
        known=_bands,
        show=_band_label,
        fixed_values=tuple(band.value for band in SizeBand),
        fixed_labels=tuple(band.label for band in SizeBand),
    ),
    Facet(
        "impact_min",
        _("Impact workers in the workforce"),
        kind=THRESHOLD,
        branches=(
            Branch(
                PROVIDER_TABLE,
                key="link.impact_share",
                provider="link.id",
                where="link.impact_share IS NOT NULL",
            ),
        ),
        tables=("providers_provider",),
        description="Minimum impact-worker share of the workforce, whole percent.",
        bounds=(0, 100),
        #: Thresholds offered as options (any whole percent is accepted).
        offered=(10, 25, 50, 75, 90),
    ),
    Facet(
        "pricing",
        _("Pricing model"),
        branches=(
            Branch(
                "providers_provider_pricing_models link "
                "JOIN providers_pricingmodel pm ON pm.id = link.pricingmodel_id",
                key="pm.slug",
            ),
        ),
        tables=("providers_provider_pricing_models", "providers_pricingmodel"),
        provider_joins={"providers_provider_pricing_models": _PROVIDER_ROW},
        options=Options("providers_pricingmodel"),
        description="Pricing-model code.",
        term_kind="pricing-model",
    ),
    Facet(
        "mode",
        _("Delivery mode"),
        branches=(
            Branch(
                "providers_provider_delivery_modes link "
                "JOIN providers_deliverymode dm ON dm.id = link.deliverymode_id",
                key="dm.slug",
            ),
        ),
        tables=("providers_provider_delivery_modes", "providers_deliverymode"),
        provider_joins={"providers_provider_delivery_modes": _PROVIDER_ROW},
        options=Options("providers_deliverymode"),
        description="Delivery-mode code.",
        term_kind="delivery-mode",
    ),
    _partnership_facet(
        "offers",
        _("Partnerships offered"),
        "providers_provider_partnerships_offered",
        "Partnership-kind code the provider offers other providers (repeat for several).",
    ),
    _partnership_facet(
        "seeks",
        _("Partnerships sought"),
        "providers_provider_partnerships_sought",
        "Partnership-kind code the provider seeks in other providers (repeat for several).",
    ),
    Facet(
        "verified",
        _("Verification"),
        kind=FLAG,
        branches=(
            Branch(
                PROVIDER_TABLE,
                key="'1'",
                provider="link.id",
                where="link.verified_at IS NOT NULL",
            ),
        ),
        tables=("providers_provider",),
        description="`1`: verified listings only.",
        fixed_values=("1",),
    ),
)
FILTERS_BY_PARAM = {facet.param: facet for facet in FILTERS}

#: Multi-valued facets in the order the page shows them. Values ORed within, ANDed across.
FACETS = tuple(facet for facet in FILTERS if facet.kind == OPTIONS)
FACETS_BY_PARAM = {facet.param: facet for facet in FACETS}

IMPACT_MIN = FILTERS_BY_PARAM["impact_min"]
#: Thresholds offered as options of the minimum impact share (any whole percent is accepted).
IMPACT_THRESHOLDS = IMPACT_MIN.offered


def search_tables() -> tuple:
    """Every table whose writes can change what search shows, each once (the provider
    table first): the tables of every declaration."""
    found = {"providers_provider": None}
    for facet in FILTERS:
        found.update(dict.fromkeys(facet.tables))
    return tuple(found)


def link_tables() -> dict:
    """Tables holding a provider's own rows -> SQL joining them (as `c`) to the provider (as
    `p`): their triggers touch the search token only for published providers."""
    found = {}
    for facet in FILTERS:
        found.update(facet.provider_joins)
    return found


# -- how the page shows facets ------------------------------------------------------


def in_page_order(facet: "Facet", options: list, label=None) -> list:
    """A facet's options (anything with `label` and `level`, in the index's order) as the
    page lists them: an alphabetical facet's in the order of their labels in the active
    language (`label(option)`, by default its `label`, already translated), accents and
    case aside (`providers.collation`), each sub-level option still under its parent; any
    other facet's as they come (the taxonomy's `position`)."""
    if not facet.alphabetical:
        return options
    label = label or (lambda option: option.label)
    groups: list = []
    for option in options:
        if option.level == 0 or not groups:
            groups.append([option])
        else:
            groups[-1].append(option)
    groups.sort(key=lambda group: sort_key(label(group[0])))
    ordered = []
    for top, *children in groups:
        ordered.append(top)
        ordered += sorted(children, key=lambda option: sort_key(label(option)))
    return ordered


@dataclass
class FacetOptionView:
    key: str
    label: str
    count: int
    selected: bool
    level: int = 0
    input_id: str = ""


@dataclass
class FacetGroup:
    param: str
    legend: str
    options: list
    kind: str = "checkbox"  # or "radio"
    active: bool = False

    @property
    def options_html(self):
        """The options as list items; built here because a search page shows ~150 of them
        and the template engine spent more time on them than the whole search took."""
        return format_html_join(
            "\n",
            '<li class="facet__option facet__option--level{}{}"><input type="{}" name="{}" '
            'value="{}" id="{}"{}> <label for="{}">{} ({})</label></li>',
            (
                (
                    option.level,
                    # A chosen option that gives no one now (still checked, to be removed).
                    "" if option.count else " facet__option--none",
                    self.kind,
                    self.param,
                    option.key,
                    option.input_id,
                    mark_safe(" checked") if option.selected else "",  # noqa: S308 (constant)
                    option.input_id,
                    option.label,
                    option.count,
                )
                for option in self.options
            ),
        )
