"""The demo directory's figures hold together, texts included, as the disclosure rule assumes.

Seeds 200 providers over the real taxonomies and checks every relation for every
provider: centres share out the workforce, the latest report's totals are the
listing's, group and centre counts add up to the impact workers, trends are
plausible, and no note, case study or description claims more people than there
are. Numbers are read back out of the stored texts, and every text must have
one of the shapes the checks can read, so a new kind of claim cannot slip past.
"""

import datetime
import importlib
import io
import re
from collections import Counter

import pytest
from django.apps import apps
from django.core.management import call_command

from providers import demo, disclosure
from providers.disclosure import THRESHOLD, Status
from providers.models import ListingStatus, Provider
from providers.selectors import provider_profile

pytestmark = pytest.mark.django_db

PROVIDERS = 200

TRAINED = re.compile(r"([\d,]+) trained specialists")
PILOT = re.compile(r"Pilot projects from (\d+) people")
OTHER_NOTES = re.compile(
    r"\d{2}\.\d% accuracy on audited samples|Around the clock, in three shifts"
)
TEAM = re.compile(r"A dedicated team of (\d+) people in ")
SMALL_TEAM = "A small dedicated team in "
JOBS = re.compile(r"and (\d+) new jobs for people from our target groups\.$")
JOBS_UNCOUNTED = re.compile(r"% and new jobs for people from our target groups\.$")
VOLUME = re.compile(r"for about ([\d,]+) items a month")
SHARE = re.compile(r"; about (\d+)% of its people are impact workers\.")
SHARE_WORDS = re.compile(r"; (most|some) of its people are impact workers\.")


def number(text):
    return int(text.replace(",", ""))


@pytest.fixture
def seeded(db):
    """The real taxonomies (an earlier test's flush may have removed them), then the providers."""
    importlib.import_module("providers.migrations.0002_seed_taxonomies").seed(apps, None)
    call_command(
        "seed_demo", "--providers", str(PROVIDERS), stdout=io.StringIO(), stderr=io.StringIO()
    )
    return list(
        Provider.objects.order_by("pk").prefetch_related(
            "centres", "services", "case_studies", "reports__groups__target_group"
        )
    )


def test_seeded_run_is_what_the_checks_below_cover(seeded):
    assert len(seeded) == PROVIDERS
    assert sum(p.is_published for p in seeded) >= 0.8 * PROVIDERS


def test_centres_share_out_the_workforce_and_the_latest_report(seeded):
    centre_workers_given = 0
    for provider in seeded:
        centres = list(provider.centres.all())
        assert centres, provider.slug
        headcounts = [c.headcount for c in centres]
        assert all(h >= 1 for h in headcounts), provider.slug
        assert sum(headcounts) == provider.workforce, provider.slug
        reports = sorted(provider.reports.all(), key=lambda r: r.period_end)
        if not reports:
            assert provider.status == ListingStatus.DRAFT, provider.slug
            continue
        latest = reports[-1]
        assert latest.is_latest
        assert latest.total_employees == provider.workforce, provider.slug
        workers = [c.impact_workers for c in centres]
        assert all(w is None for w in workers) or None not in workers, provider.slug
        if None not in workers:
            centre_workers_given += 1
            assert sum(workers) == latest.impact_workers, provider.slug
            for centre in centres:
                assert 0 <= centre.impact_workers <= centre.headcount, provider.slug
        for centre in centres:
            assert 1 <= centre.seats <= centre.headcount
    assert 0.8 * PROVIDERS <= centre_workers_given < PROVIDERS


def test_every_report_adds_up(seeded):
    group_fields = {
        "persons-with-disabilities": "employees_with_disabilities",
        "low-income-areas": "employees_low_income_areas",
        "women": "women_employees",
    }
    counted = uncounted = 0
    for provider in seeded:
        for report in provider.reports.all():
            total, workers = report.total_employees, report.impact_workers
            assert total >= 3, provider.slug
            assert 1 <= workers <= total, provider.slug
            for name in disclosure.REPORT_COUNT_FIELDS[2:]:
                value = getattr(report, name)
                assert value is None or 0 <= value <= total, (provider.slug, name)
            groups = list(report.groups.all())
            assert groups, provider.slug
            counts = [g.workers for g in groups]
            if None in counts:
                uncounted += 1
                assert set(counts) == {None}, provider.slug
                continue
            counted += 1
            assert all(c >= 1 for c in counts), provider.slug
            assert sum(counts) == workers, provider.slug
            for group in groups:
                name = group_fields.get(group.target_group.slug)
                value = getattr(report, name) if name else None
                # Employees of a group include the impact workers hired from it.
                assert value is None or value >= group.workers, (provider.slug, name)
    assert counted > 8 * uncounted > 0


def test_trends_over_the_reporting_years_are_plausible(seeded):
    series = 0
    for provider in seeded:
        reports = sorted(provider.reports.all(), key=lambda r: r.period_end)
        if len(reports) > 1:
            series += 1
        for earlier, later in zip(reports, reports[1:], strict=False):
            # Consecutive yearly periods, the same definition and evidence kind.
            assert later.period_start.year == earlier.period_start.year + 1, provider.slug
            assert later.period_start > earlier.period_end, provider.slug
            assert later.impact_worker_definition == earlier.impact_worker_definition
            # Staff changes by at most about a third a year, mostly growth.
            assert 0.95 * earlier.total_employees - 1 <= later.total_employees, provider.slug
            assert later.total_employees <= 1.3 * earlier.total_employees + 1, provider.slug
            # A similar impact share (one person more or less moves a small firm's a lot).
            expected = later.total_employees * earlier.impact_workers / earlier.total_employees
            assert abs(later.impact_workers - expected) <= max(2, 0.15 * later.total_employees)
            for name in ("women_employees", "living_wage_employees"):
                before, after = getattr(earlier, name), getattr(later, name)
                assert (before is None) == (after is None), (provider.slug, name)
            if earlier.training_hours_per_employee and later.training_hours_per_employee:
                ratio = later.training_hours_per_employee / earlier.training_hours_per_employee
                assert 0.9 <= ratio <= 1.1, provider.slug
    assert series > PROVIDERS / 3


def test_service_notes_never_claim_more_people_than_the_workforce(seeded):
    claims = Counter()
    for provider in seeded:
        trained = 0
        for service in provider.services.all():
            note = service.note
            if not note:
                continue
            if match := TRAINED.fullmatch(note):
                claims["trained"] += 1
                assert number(match[1]) >= THRESHOLD, (provider.slug, note)
                trained += number(match[1])
            elif match := PILOT.fullmatch(note):
                claims["pilot"] += 1
                assert 2 <= number(match[1]) <= provider.workforce, (provider.slug, note)
            else:
                assert OTHER_NOTES.fullmatch(note), (provider.slug, note)
        # Together, not only one by one: nobody is counted in two services' teams.
        assert trained <= provider.workforce, provider.slug
    assert claims["trained"] >= 20 and claims["pilot"] >= 10, claims


def test_case_studies_never_describe_teams_larger_than_the_firm(seeded):
    teams = Counter()
    for provider in seeded:
        reports = list(provider.reports.all())
        staff = min([provider.workforce] + [r.total_employees for r in reports])
        impact = min([r.impact_workers for r in reports], default=provider.workforce)
        for study in provider.case_studies.all():
            if match := TEAM.match(study.approach):
                teams["numbered"] += 1
                team = number(match[1])
                assert THRESHOLD <= team <= staff, (provider.slug, study.approach, staff)
            else:
                assert study.approach.startswith(SMALL_TEAM), (provider.slug, study.approach)
                assert staff < THRESHOLD, provider.slug
                teams["small"] += 1
                team = staff
            if match := JOBS.search(study.results):
                jobs = number(match[1])
                assert THRESHOLD <= jobs <= min(team, impact), (provider.slug, study.results)
            else:
                assert JOBS_UNCOUNTED.search(study.results), (provider.slug, study.results)
            volume = number(VOLUME.search(study.challenge)[1])
            assert volume <= max(1000, team * 3000 + 500), (provider.slug, study.challenge)
            assert provider.founded_year <= study.year
    assert teams["numbered"] > 50 and teams["small"] > 0, teams


def test_descriptions_give_the_share_the_profile_gives(seeded):
    words = Counter()
    for provider in seeded:
        latest = next((r for r in provider.reports.all() if r.is_latest), None)
        if match := SHARE.search(provider.description):
            words["number"] += 1
            assert latest is not None, provider.slug
            assert latest.impact_workers >= THRESHOLD, provider.slug
            assert number(match[1]) == latest.impact_share, provider.slug
            assert provider.impact_share == latest.impact_share, provider.slug
        else:
            match = SHARE_WORDS.search(provider.description)
            assert match, (provider.slug, provider.description)
            words[match[1]] += 1
            if latest is not None:
                assert latest.impact_workers < THRESHOLD, provider.slug
                most = 2 * latest.impact_workers > latest.total_employees
                assert match[1] == ("most" if most else "some"), provider.slug
    assert words["number"] > PROVIDERS / 2 and words["most"] + words["some"] > 0, words


def test_small_groups_make_the_disclosure_rule_visible_on_profiles(seeded):
    """Profiles show banded counts, and withheld ones beside them (secondary suppression)."""
    seen = Counter()
    for provider in seeded:
        if not provider.is_published:
            continue
        profile = provider_profile(slug=provider.slug)
        for centre in profile.centres:
            seen[f"centre headcount {centre.headcount.status}"] += 1
            seen[f"centre workers {centre.impact_workers.status}"] += 1
        if profile.impact is not None:
            for group in profile.impact.groups:
                seen[f"group {group.workers.status}"] += 1
    for kind in ("centre headcount", "centre workers", "group"):
        for status in (Status.EXACT, Status.BANDED, Status.WITHHELD):
            assert seen[f"{kind} {status}"] > 0, (kind, status, seen)


def test_the_generator_keeps_the_relations_at_benchmark_variety():
    """The pure generator, without a database, over many more providers than a test seeds."""
    taxonomy = demo.Taxonomy(
        services=((1, "Data annotation", "data-services"), (2, "Voice support", "cx")),
        certifications=((1, "ISO 9001", "iso-9001"),),
        target_groups=(
            (1, "Women", "women"),
            (2, "Refugees", "refugees-displaced"),
            (3, "Persons with disabilities", "persons-with-disabilities"),
        ),
        languages={"en": 1, "sw": 2},
        industries=((1, "Insurance"),),
        pricing_models=(1,),
        delivery_modes=(1,),
        markets=(1,),
    )
    today = datetime.date(2026, 12, 1)
    for index in range(3000):
        bundle = demo.build_provider(index, seed=7, taxonomy=taxonomy, today=today)
        workforce = bundle.provider.workforce
        assert sum(c.headcount for c, _ in bundle.centres) == workforce
        if bundle.reports:
            latest, groups = bundle.reports[0]
            assert latest.total_employees == workforce
            workers = [c.impact_workers for c, _ in bundle.centres]
            assert None in workers or sum(workers) == latest.impact_workers
            assert all(
                w is None or w <= c.headcount
                for w, (c, _) in zip(workers, bundle.centres, strict=True)
            )
        for report, groups in bundle.reports:
            counts = [g.workers for g in groups]
            assert None in counts or sum(counts) == report.impact_workers
        trained = sum(number(m[1]) for s in bundle.services if (m := TRAINED.fullmatch(s.note)))
        assert trained <= workforce
        staff = min([workforce] + [r.total_employees for r, _ in bundle.reports])
        for study in bundle.case_studies:
            match = TEAM.match(study.approach)
            assert (match is not None and number(match[1]) <= staff) or staff < THRESHOLD
