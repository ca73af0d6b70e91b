"""Every language keeps the query budgets of PRODUCT.md: 6 per search page, 4 per profile.

Translated labels are read from the catalogues in memory, never from the database,
so a French or Arabic page costs what the English one does.
"""

import pytest
from django.urls import reverse
from django.utils import translation

from buyers.search.current import search_index
from providers.models import Provider
from tests.buyers.test_search_facets import build_directory

pytestmark = pytest.mark.django_db

LANGUAGES = ["en", "fr", "es", "pt", "ar"]


def url_in(language, name, **kwargs):
    with translation.override(language):
        return reverse(name, kwargs=kwargs)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize(
    "query",
    [{}, {"country": ["KE", "UG"], "size": "50-249"}, {"q": "data annotation", "sort": "impact"}],
)
def test_search_page_budget_in_every_language(
    client, settings, django_assert_max_num_queries, language, query
):
    build_directory(count=30, seed=3)
    settings.SEARCH_PAGE_SIZE = 20
    search_index()
    url = url_in(language, "search")
    with django_assert_max_num_queries(6):
        response = client.get(url, query)
    assert response.status_code == 200
    assert f'<html lang="{language}"' in response.content.decode()


@pytest.mark.parametrize("language", LANGUAGES)
def test_profile_page_budget_in_every_language(client, django_assert_max_num_queries, language):
    build_directory(count=5, seed=4)
    provider = Provider.objects.published().order_by("pk").first()
    url = url_in(language, "providers:detail", slug=provider.slug)
    with django_assert_max_num_queries(4):
        response = client.get(url)
    assert response.status_code == 200
    assert f'<html lang="{language}"' in response.content.decode()
