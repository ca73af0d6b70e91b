"""The disclosure rule: exact, banded or withheld, with secondary suppression.

The property test plays the reader the rule is written against: it sees what
the rule publishes, knows the rule, and works out every value a hidden count
could have by trying them all. No count shown as "fewer than 10" may come out
as a single value.
"""

import itertools
from decimal import Decimal

import pytest
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st

from providers import disclosure
from providers.disclosure import Status


def statuses(shown):
    return [figure.status for figure in shown]


def test_counts_below_ten_are_banded_zero_included():
    assert disclosure.count(None).status is Status.MISSING
    assert disclosure.count(0).status is Status.BANDED
    assert disclosure.count(9).status is Status.BANDED
    assert disclosure.count(10) == disclosure.Shown(Status.EXACT, 10)
    assert str(disclosure.count(3)) == "fewer than 10"
    assert disclosure.count(3).machine == "<10"
    assert str(disclosure.count(12_345)) == "12,345"
    assert disclosure.count(12_345).machine == "12345"


def test_rates_are_shown_as_reported_without_trailing_zeros():
    assert str(disclosure.rate(Decimal("31.50"))) == "31.5"
    assert disclosure.rate(Decimal("96.0")).machine == "96"
    assert disclosure.rate(None).is_missing


def test_subtracting_the_other_centres_from_the_total_gives_nothing():
    """The probe's case: 128 employees, centres of 120 and 8."""
    figures = disclosure.listing_figures(
        workforce=128,
        report={"total_employees": 128, "impact_workers": 100},
        centres=[(120, 90), (8, 10)],
    )

    assert figures.workforce == disclosure.Shown(Status.EXACT, 128)
    assert figures.report["total_employees"].value == 128
    headcounts = [centre.headcount for centre in figures.centres]
    assert statuses(headcounts) == [Status.WITHHELD, Status.BANDED]
    # The impact workers of the centres add up too, and both are shown.
    assert [centre.impact_workers.value for centre in figures.centres] == [90, 10]


def test_parts_that_do_not_add_up_are_left_alone():
    figures = disclosure.listing_figures(workforce=300, centres=[(120, None), (8, None)])

    assert statuses(c.headcount for c in figures.centres) == [Status.EXACT, Status.BANDED]


def test_the_largest_part_is_withheld_first():
    figures = disclosure.listing_figures(
        workforce=1000, centres=[(40, None), (955, None), (5, None)]
    )

    assert statuses(c.headcount for c in figures.centres) == [
        Status.EXACT,
        Status.WITHHELD,
        Status.BANDED,
    ]


def test_two_small_parts_that_add_up_to_nothing_are_protected_by_a_third():
    # 0 + 0 + 20 = 20: subtracting 20 would show both small centres are empty.
    figures = disclosure.listing_figures(workforce=20, centres=[(0, None), (0, None), (20, None)])

    assert statuses(c.headcount for c in figures.centres) == [
        Status.BANDED,
        Status.BANDED,
        Status.WITHHELD,
    ]


def test_when_every_part_is_hidden_and_the_total_still_tells_all_parts_look_alike():
    # Two centres of 9 beside a total of 18 can only be 9 and 9.
    figures = disclosure.listing_figures(workforce=18, centres=[(9, None), (9, None)])

    assert figures.workforce.value == 18
    assert statuses(c.headcount for c in figures.centres) == [Status.WITHHELD] * 2


def test_target_group_counts_that_add_up_to_the_impact_workers():
    figures = disclosure.listing_figures(
        workforce=1308,
        report={"total_employees": 1308, "impact_workers": 1237},
        groups={"refugees": 1234, "disabilities": 3},
    )

    assert statuses(figures.groups.values()) == [Status.WITHHELD, Status.BANDED]
    assert figures.report["impact_workers"].value == 1237


def test_a_share_is_shown_only_when_its_count_is():
    shown = disclosure.listing_figures(
        workforce=40, report={"total_employees": 40, "impact_workers": 10}
    )
    hidden = disclosure.listing_figures(
        workforce=40, report={"total_employees": 40, "impact_workers": 9}
    )

    assert shown.impact_share == disclosure.Shown(Status.EXACT, 25)
    assert hidden.impact_share.status is Status.WITHHELD
    assert hidden.report["impact_workers"].status is Status.BANDED


def test_aggregates_add_up_only_exact_counts():
    figures = [disclosure.count(n) for n in (3, 120, 9, 45)]
    assert disclosure.sum_exact(figures) == 165


# --------------------------------------------------------------------------
# The reader who knows the rule
# --------------------------------------------------------------------------


def _feasible(cells, relations):
    """Every value each hidden part can take, given the published figures and the sums.

    `cells` maps a key to (true value, Shown); `relations` lists (total key,
    part keys) for the sums that really hold, whose totals are published (the
    rule never hides a total). Missing figures count as 0. Sums over the same
    parts are solved together; sums over different parts share no unknowns.
    """
    known = {
        key: (shown.value if shown.is_exact else 0)
        for key, (_value, shown) in cells.items()
        if shown.status not in HIDDEN
    }
    families = {}
    for total, parts in relations:
        families.setdefault(tuple(parts), []).append(known[total])
    seen = {}
    for parts, totals in families.items():
        hidden = [p for p in parts if p not in known]
        if not hidden:
            continue
        exact = [known[p] for p in parts if p in known]
        slack = [total - sum(exact) for total in totals]
        if len(set(slack)) > 1:
            continue  # two different totals cannot both hold; nothing to solve
        slack = slack[0]
        banded_beside = any(cells[p][1].status is Status.BANDED for p in hidden)
        floor = max([disclosure.THRESHOLD, *exact]) if banded_beside else 0
        domains = [
            range(disclosure.THRESHOLD)
            if cells[p][1].status is Status.BANDED
            else range(floor, max(floor, slack) + 1)
            for p in hidden
        ]
        found = [set() for _ in hidden]
        for values in itertools.product(*domains[:-1]):
            last = slack - sum(values)
            if last in domains[-1]:
                for i, value in enumerate((*values, last)):
                    found[i].add(value)
        seen.update(zip(hidden, found, strict=True))
    return seen


HIDDEN = (Status.BANDED, Status.WITHHELD)

small = st.none() | st.integers(0, 25)


@st.composite
def listings(draw):
    centres = draw(st.lists(st.tuples(small, small), max_size=3))
    groups = draw(st.lists(small, max_size=3))
    heads = sum(h or 0 for h, _w in centres)
    workers = sum(w or 0 for _h, w in centres)
    # Totals that add up are the interesting case; sometimes they do not.
    workforce = draw(
        st.sampled_from([heads, heads, heads + draw(st.integers(0, 30)) if heads else None])
    )
    total = draw(st.sampled_from([heads, heads + 3, workforce or heads]))
    impact = draw(st.sampled_from([workers, sum(g or 0 for g in groups), min(total, workers + 5)]))
    impact = min(impact, total)
    return workforce, total, impact, centres, groups


@settings(max_examples=400, deadline=None)
@given(listings())
def test_no_banded_count_can_be_worked_out(listing):
    workforce, total, impact, centres, groups = listing
    figures = disclosure.listing_figures(
        workforce=workforce,
        report={"total_employees": total, "impact_workers": impact},
        groups=dict(enumerate(groups)),
        centres=centres,
    )
    cells = {
        "workforce": (workforce, figures.workforce),
        "total": (total, figures.report["total_employees"]),
        "impact": (impact, figures.report["impact_workers"]),
    }
    for i, ((head, work), shown) in enumerate(zip(centres, figures.centres, strict=True)):
        cells[f"h{i}"] = (head, shown.headcount)
        cells[f"w{i}"] = (work, shown.impact_workers)
    for i, value in enumerate(groups):
        cells[f"g{i}"] = (value, figures.groups[i])
    sums = [
        ("workforce", [f"h{i}" for i in range(len(centres))]),
        ("total", [f"h{i}" for i in range(len(centres))]),
        ("impact", [f"w{i}" for i in range(len(centres))]),
        ("impact", [f"g{i}" for i in range(len(groups))]),
    ]
    holding = [
        (key, parts)
        for key, parts in sums
        if parts
        and cells[key][1].is_exact
        and cells[key][0] == sum(cells[p][0] or 0 for p in parts)
    ]
    # Totals are never hidden by the rule, only banded when small themselves.
    for key in ("workforce", "total", "impact"):
        assert cells[key][1].status is not Status.WITHHELD

    for key, values in _feasible(cells, holding).items():
        if cells[key][1].status is Status.BANDED:
            assert values != {cells[key][0] or 0}, (key, cells)


@settings(max_examples=200, deadline=None)
@given(listings(), st.randoms(use_true_random=False))
def test_the_outcome_does_not_depend_on_the_order_of_the_parts(listing, rng):
    """Outputs list centres in different orders (by name, by code): they must hide the same."""
    workforce, total, impact, centres, groups = listing
    report = {"total_employees": total, "impact_workers": impact}
    order = list(range(len(centres)))
    rng.shuffle(order)

    straight = disclosure.listing_figures(
        workforce=workforce, report=report, groups=dict(enumerate(groups)), centres=centres
    )
    shuffled = disclosure.listing_figures(
        workforce=workforce,
        report=report,
        groups={i: groups[i] for i in reversed(range(len(groups)))},
        centres=[centres[i] for i in order],
    )

    assert [shuffled.centres[order.index(i)] for i in range(len(centres))] == straight.centres
    assert shuffled.groups == straight.groups
    assert shuffled.report == straight.report


def test_two_equal_largest_centres_are_withheld_together():
    figures = disclosure.listing_figures(
        workforce=248, centres=[(120, None), (8, None), (120, None)]
    )

    assert statuses(c.headcount for c in figures.centres) == [
        Status.WITHHELD,
        Status.BANDED,
        Status.WITHHELD,
    ]


@pytest.mark.django_db
def test_the_rule_page_names_the_largest_banded_count(client):
    html = client.get(reverse("disclosure")).content.decode()
    assert f"lies between 0 and {disclosure.THRESHOLD - 1}," in html
