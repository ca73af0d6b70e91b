"""Taxonomy, country and language names in the page's language (issue #17).

Names are stored in English and translated by gettext when shown; lists without an
order of their own sort by the translated names, accents and case aside. Pages built
from per-process data (statistics, the case-study library, the home page) built in
one language show every other its own names. Expected names are read from the
catalogues with gettext, so a name left untranslated fails.
"""

import gettext as gettext_module
import pathlib

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from accounts.forms import AccountProfileForm
from providers import models as m
from providers import taxonomy_data
from providers.collation import sort_key
from providers.forms import CentreForm, ProfileForm
from tests import factories as f

pytestmark = pytest.mark.django_db


def gettext_in(language, text):
    with translation.override(language):
        return gettext(text)


def _get(client, language, name, **kwargs):
    client.cookies["django_language"] = language
    with translation.override(language):
        url = reverse(name, **kwargs)
    return client.get(url, headers={"accept-language": language})


# -- sorting ------------------------------------------------------------------------


def test_sort_key_ignores_case_and_accents():
    names = ["Zambie", "états-Unis", "Espagne", "Égypte", "allemagne", "Egypte"]
    assert sorted(names, key=sort_key) == [
        "allemagne",
        "Egypte",
        "Égypte",
        "Espagne",
        "états-Unis",
        "Zambie",
    ]


def test_sort_key_reads_arabic_hamza_forms_as_alef():
    assert sort_key("أمريكا")[0] == sort_key("امريكا")[0]
    assert sorted(["مصر", "إسبانيا", "كينيا"], key=sort_key) == ["إسبانيا", "كينيا", "مصر"]


@pytest.mark.parametrize("language", ["fr", "es", "pt", "ar"])
def test_country_and_industry_choices_follow_the_language(language):
    with translation.override(language):
        form = AccountProfileForm()
        countries = [str(label) for code, label in form.fields["country"].choices if code]
        industries = [str(label) for pk, label in form.fields["industry"].choices if pk]
        kenya = dict(form.fields["country"].choices)["KE"]
    assert countries == sorted(countries, key=sort_key)
    assert industries == sorted(industries, key=sort_key)
    assert gettext_in(language, "Agriculture") in industries
    assert str(kenya) != "Kenya" or language == "fr"  # "Kenya" is also the French name


def test_portuguese_country_names_are_brazilian():
    with translation.override("pt"):
        from django_countries import countries

        assert countries.name("KE") == "Quênia"


def test_dashboard_choices_are_translated_and_sorted():
    with translation.override("fr"):
        profile = ProfileForm()
        languages = [str(label) for _pk, label in profile.fields["languages"].choices]
        modes = [str(label) for _pk, label in profile.fields["delivery_modes"].choices]
        centre = [str(label) for _pk, label in CentreForm().fields["languages"].choices]
    assert languages == sorted(languages, key=sort_key)
    assert centre == languages
    assert gettext_in("fr", "Swahili") in languages and "German" not in languages
    # Delivery modes keep the taxonomy's own order (position), translated.
    assert modes == [gettext_in("fr", name) for _slug, name in taxonomy_data.DELIVERY_MODES]


def test_models_read_in_the_active_language():
    service = m.Service.objects.select_related("parent").get(slug="content-moderation")
    with translation.override("es"):
        assert str(service) == (f"{gettext('Data services')} → {gettext('Content moderation')}")
        assert service.translated_name == gettext("Content moderation") != service.name
    assert service.name == "Content moderation"  # stored in English


# -- pages --------------------------------------------------------------------------


@pytest.fixture
def listing():
    provider = f.ProviderFactory(name="Savannah Data Works", slug="savannah-data-works")
    f.ProviderServiceFactory(
        provider=provider, service=m.Service.objects.get(slug="content-moderation")
    )
    for code in ("sw", "de", "en"):
        provider.languages.add(m.Language.objects.get(code=code))
    provider.industries.add(m.Industry.objects.get(slug="healthcare"))
    for country in ("US", "EG", "DE"):
        f.DeliveryCentreFactory(provider=provider, country=country)
    report = f.ImpactReportFactory(provider=provider)
    report.target_groups.add(m.TargetGroup.objects.get(slug="refugees-displaced"))
    return provider


@pytest.mark.parametrize("language", ["fr", "ar"])
def test_profile_shows_translated_names_in_localised_order(
    client, listing, language, django_assert_max_num_queries
):
    with django_assert_max_num_queries(4):
        response = _get(client, language, "providers:detail", kwargs={"slug": listing.slug})
    html = response.content.decode()
    for english in ("Content moderation", "Data services", "Healthcare & life sciences"):
        assert gettext_in(language, english) in html, english
        assert f">{english}<" not in html
    languages = [gettext_in(language, name) for name in ("Swahili", "German", "English")]
    positions = sorted(languages, key=sort_key)
    assert [html.index(name) for name in positions] == sorted(html.index(n) for n in positions)
    assert gettext_in(language, "Refugees and displaced people") in html


def test_case_study_library_built_in_english_serves_french_names(client, listing):
    f.CaseStudyFactory(
        provider=listing,
        service=m.Service.objects.get(slug="content-moderation"),
        client_industry=m.Industry.objects.get(slug="healthcare"),
    )
    english = _get(client, "en", "case_studies").content.decode()
    assert "Content moderation" in english
    french = _get(client, "fr", "case_studies").content.decode()
    assert gettext_in("fr", "Content moderation") in french
    assert gettext_in("fr", "Healthcare & life sciences") in french
    assert ">Content moderation (" not in french


def test_statistics_built_in_english_serve_each_language_its_names(client, listing):
    english = _get(client, "en", "stats:index").content.decode()
    assert "Content moderation" in english and "Northern Africa" in english
    for language in ("fr", "ar"):
        html = _get(client, language, "stats:index").content.decode()
        assert gettext_in(language, "Content moderation") in html
        assert gettext_in(language, "Northern Africa") in html
        assert "Northern Africa" not in html


def test_home_page_names_services_in_the_page_language(client, listing):
    assert "Content moderation" in _get(client, "en", "home").content.decode()
    html = _get(client, "fr", "home").content.decode()
    assert gettext_in("fr", "Content moderation") in html


# -- the catalogues -----------------------------------------------------------------


def _taxonomy_names() -> set:
    names = set()
    for _slug, category, services in taxonomy_data.SERVICES:
        names |= {category, *(name for _s, name in services)}
    names |= {name for _code, _slug, name, _parent in taxonomy_data.REGIONS}
    for table in (
        taxonomy_data.TARGET_GROUPS,
        taxonomy_data.LANGUAGES,
        taxonomy_data.INDUSTRIES,
        taxonomy_data.PRICING_MODELS,
        taxonomy_data.DELIVERY_MODES,
    ):
        names |= {name for _slug, name in table}
    for _slug, name, description in taxonomy_data.PARTNERSHIP_KINDS:
        names |= {name, description}
    names.add("Certified social enterprise")
    return names


@pytest.mark.parametrize("language", [code for code, _name in settings.LANGUAGES if code != "en"])
def test_every_taxonomy_name_is_in_the_catalogue_and_translated(language):
    """makemessages extracts `N_` (impactdir/management/commands/makemessages.py), and the
    compiled catalogue holds a translation of each (msgfmt leaves out untranslated and
    fuzzy entries)."""
    path = pathlib.Path(settings.BASE_DIR, "locale", language, "LC_MESSAGES", "django.mo")
    with path.open("rb") as compiled:
        catalogue = gettext_module.GNUTranslations(compiled)._catalog
    missing = sorted(name for name in _taxonomy_names() if not catalogue.get(name))
    assert not missing, f"untranslated in {path}: {missing[:5]}"


def test_home_page_case_studies_cached_in_english_show_french_names(client, listing):
    f.CaseStudyFactory(
        provider=listing,
        service=m.Service.objects.get(slug="content-moderation"),
        client_industry=m.Industry.objects.get(slug="healthcare"),
    )
    assert "Content moderation" in _get(client, "en", "home").content.decode()
    html = _get(client, "fr", "home").content.decode()
    assert gettext_in("fr", "Healthcare & life sciences") in html
    assert "Healthcare &amp; life sciences" not in html
