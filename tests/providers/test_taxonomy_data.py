"""The seed migration loaded the taxonomies every other part of the site relies on."""

import importlib
from collections import defaultdict

import pytest
from django.apps import apps
from django_countries import countries

from providers import taxonomy_data as data
from providers.models import (
    Certification,
    DeliveryMode,
    Industry,
    Language,
    PricingModel,
    Region,
    RegionCountry,
    Service,
    TargetGroup,
)

pytestmark = pytest.mark.django_db

seed_migration = importlib.import_module("providers.migrations.0002_seed_taxonomies")

TOP_LEVEL_REGIONS = {
    "africa",
    "asia",
    "europe",
    "latin-america-caribbean",
    "northern-america",
    "oceania",
}


def table_counts():
    models = [
        Service,
        Region,
        RegionCountry,
        Certification,
        TargetGroup,
        Language,
        Industry,
        PricingModel,
        DeliveryMode,
    ]
    return {model.__name__: model.objects.count() for model in models}


def test_services_are_the_four_categories_of_the_product_in_order():
    categories = list(Service.objects.categories().values_list("slug", flat=True))
    assert categories == ["data-services", "customer-experience", "back-office", "technology"]


def test_service_tree_has_exactly_two_levels():
    assert Service.objects.count() == 4 + 6 + 4 + 4 + 3
    for service in Service.objects.leaves().select_related("parent"):
        assert service.parent.parent_id is None, service.slug


def test_services_sit_under_their_category_in_display_order():
    data_services = Service.objects.get(slug="data-services")
    assert list(data_services.children.values_list("name", flat=True)) == [
        "Data annotation",
        "Data entry",
        "Data verification & cleaning",
        "Digitisation & scanning",
        "Transcription",
        "Content moderation",
    ]
    assert Service.objects.get(slug="chat-email-support").parent.slug == "customer-experience"
    assert Service.objects.get(slug="claims-processing").parent.slug == "back-office"
    assert Service.objects.get(slug="web-app-development").parent.slug == "technology"


def test_regions_carry_their_m49_codes_and_parents():
    expected = {
        "africa": ("002", None),
        "sub-saharan-africa": ("202", "africa"),
        "eastern-africa": ("014", "sub-saharan-africa"),
        "northern-africa": ("015", "africa"),
        "latin-america-caribbean": ("419", None),
        "south-america": ("005", "latin-america-caribbean"),
        "northern-america": ("021", None),
        "south-eastern-asia": ("035", "asia"),
        "southern-europe": ("039", "europe"),
        "polynesia": ("061", "oceania"),
    }
    for slug, (code, parent) in expected.items():
        region = Region.objects.get(slug=slug)
        assert region.m49_code == code, slug
        assert (region.parent.slug if region.parent else None) == parent, slug
    assert Region.objects.count() == 28
    assert set(Region.objects.filter(parent=None).values_list("slug", flat=True)) == (
        TOP_LEVEL_REGIONS
    )


def regions_of(code):
    return set(RegionCountry.objects.filter(country=code).values_list("region__slug", flat=True))


def test_a_country_sits_in_its_sub_region_and_every_region_above():
    assert regions_of("KE") == {"eastern-africa", "sub-saharan-africa", "africa"}
    assert regions_of("EG") == {"northern-africa", "africa"}
    assert regions_of("NG") == {"western-africa", "sub-saharan-africa", "africa"}
    assert regions_of("ZA") == {"southern-africa", "sub-saharan-africa", "africa"}
    assert regions_of("CD") == {"middle-africa", "sub-saharan-africa", "africa"}
    assert regions_of("IN") == {"southern-asia", "asia"}
    assert regions_of("PH") == {"south-eastern-asia", "asia"}
    assert regions_of("TR") == {"western-asia", "asia"}
    assert regions_of("CO") == {"south-america", "latin-america-caribbean"}
    assert regions_of("MX") == {"central-america", "latin-america-caribbean"}
    assert regions_of("JM") == {"caribbean", "latin-america-caribbean"}
    assert regions_of("US") == {"northern-america"}
    assert regions_of("GB") == {"northern-europe", "europe"}
    assert regions_of("UA") == {"eastern-europe", "europe"}
    assert regions_of("FJ") == {"melanesia", "oceania"}
    assert regions_of("AQ") == set()


def test_every_country_django_countries_knows_is_in_exactly_one_top_level_region():
    """Antarctica is the one exception: M49 places it in no region."""
    top_levels = defaultdict(set)
    for country, slug in RegionCountry.objects.filter(region__parent=None).values_list(
        "country", "region__slug"
    ):
        top_levels[country].add(slug)
    for code, name in countries:
        if code in data.COUNTRIES_WITHOUT_REGION:
            assert code not in top_levels
            continue
        assert len(top_levels[code]) == 1, f"{code} ({name}): {top_levels[code]}"
    assert sorted(data.COUNTRIES_WITHOUT_REGION) == ["AQ"]


def test_every_country_is_in_exactly_one_leaf_region_and_all_its_ancestors():
    leaves = set(Region.objects.filter(children=None).values_list("slug", flat=True))
    memberships = defaultdict(set)
    for country, slug in RegionCountry.objects.values_list("country", "region__slug"):
        memberships[country].add(slug)
    ancestry = data.region_ancestry()
    for code, slugs in memberships.items():
        (leaf,) = slugs & leaves
        assert slugs == set(ancestry[leaf]), code


def test_certification_catalogue():
    by_slug = dict(Certification.objects.values_list("slug", "category"))
    assert by_slug["iso-27001"] == "security"
    assert by_slug["pci-dss"] == "security"
    assert by_slug["soc-2"] == "security"
    for slug in ["iso-9001", "iso-18295", "iso-20000", "copc"]:
        assert by_slug[slug] == "quality", slug
    for slug in ["sa8000", "b-corp", "certified-social-enterprise"]:
        assert by_slug[slug] == "social", slug
    assert len(by_slug) == len(data.CERTIFICATIONS) >= 10
    assert Certification.objects.get(slug="iso-27001").name == "ISO/IEC 27001"


def test_target_groups_are_those_of_the_product_in_order():
    assert list(TargetGroup.objects.values_list("slug", flat=True)) == [
        "persons-with-disabilities",
        "people-in-poverty",
        "low-income-areas",
        "long-term-unemployed",
        "youth-without-experience",
        "women",
        "refugees-displaced",
        "minorities",
        "indigenous-peoples",
    ]


def test_languages_are_iso_639_1_with_english_names():
    names = dict(Language.objects.values_list("code", "name"))
    assert 35 <= len(names) <= 60
    assert names["en"] == "English"
    assert names["sw"] == "Swahili"
    assert names["hi"] == "Hindi"
    assert names["ar"] == "Arabic"
    assert names["pt"] == "Portuguese"
    assert all(len(code) == 2 and code.islower() for code in names)


def test_industries_pricing_models_and_delivery_modes():
    industries = set(Industry.objects.values_list("slug", flat=True))
    assert len(industries) >= 15
    assert {"banking-financial-services", "insurance", "healthcare", "retail-ecommerce"} <= (
        industries
    )
    assert list(PricingModel.objects.values_list("slug", flat=True)) == [
        "per-fte",
        "per-transaction",
        "outcome-based",
        "hybrid",
    ]
    assert list(DeliveryMode.objects.values_list("slug", flat=True)) == [
        "onsite",
        "remote",
        "hybrid",
    ]


def test_seeding_again_changes_nothing():
    before = table_counts()
    seed_migration.seed(apps, None)
    assert table_counts() == before


def test_seeding_restores_renamed_and_missing_rows():
    Service.objects.filter(slug="data-entry").update(name="Typing")
    RegionCountry.objects.filter(country="KE").delete()
    seed_migration.seed(apps, None)
    assert Service.objects.get(slug="data-entry").name == "Data entry"
    assert regions_of("KE") == {"eastern-africa", "sub-saharan-africa", "africa"}


def test_reverse_removes_the_seeded_rows_and_forward_brings_them_back():
    before = table_counts()
    seed_migration.unseed(apps, None)
    assert set(table_counts().values()) == {0}
    seed_migration.seed(apps, None)
    assert table_counts() == before
