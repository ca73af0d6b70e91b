"""The search page's markup for phones, keyboards and in-place updates (the browser tests in
tests/e2e/test_search_browser.py drive it), and the marks on its shared result cards."""

import datetime
import re

import pytest
from django.utils import timezone

from providers.services.catalogue import providers_refresh_derived
from tests.factories import (
    BuyerFactory,
    DeliveryCentreFactory,
    ImpactReportFactory,
    ProviderFactory,
)

pytestmark = pytest.mark.django_db

URL = "/providers/"
STALE = "Impact figures stale"


def card_of(html: str, name: str) -> str:
    """The <article> of the card whose provider is `name`."""
    for card in re.findall(r"<article class=\"provider-card\".*?</article>", html, re.S):
        if f">{name}</a>" in card:
            return card
    raise AssertionError(f"no card for {name}")


@pytest.fixture
def reports():
    today = timezone.localdate()
    old = ProviderFactory(name="Old Figures Ltd", slug="old-figures")
    ImpactReportFactory(
        provider=old,
        period_start=datetime.date(today.year - 4, 1, 1),
        period_end=datetime.date(today.year - 4, 12, 31),
    )
    recent = ProviderFactory(name="Recent Figures Ltd", slug="recent-figures")
    ImpactReportFactory(provider=recent)
    ProviderFactory(name="No Figures Ltd", slug="no-figures")
    providers_refresh_derived()


def test_cards_mark_stale_impact_figures(client, reports):
    html = client.get(URL).content.decode()
    assert STALE in card_of(html, "Old Figures Ltd")
    assert STALE not in card_of(html, "Recent Figures Ltd")
    assert STALE not in card_of(html, "No Figures Ltd")


def test_the_shared_cards_are_the_same_for_every_visitor(client, reports):
    # Cards are rendered once and cached for everyone: nothing in them may depend on who asks.
    anonymous = client.get(URL).content.decode()
    client.force_login(BuyerFactory())
    buyer = client.get(URL).content.decode()
    for name in ("Old Figures Ltd", "Recent Figures Ltd", "No Figures Ltd"):
        assert card_of(anonymous, name) == card_of(buyer, name)


def test_filters_control_counts_active_filters_but_not_the_text(client):
    for number, country in enumerate(["KE", "UG"]):
        provider = ProviderFactory(name=f"Provider {number}")
        DeliveryCentreFactory(provider=provider, country=country)
    providers_refresh_derived()

    def toggle(query):
        html = client.get(URL, query).content.decode()
        return re.search(r'<summary class="search__toggle">(.*?)</summary>', html).group(1)

    assert toggle({}) == "Filters"
    assert toggle({"q": "provider"}) == "Filters"
    assert toggle({"country": "KE"}) == "Filters (1)"
    assert toggle({"country": ["KE", "UG"], "q": "provider", "verified": "1"}) == "Filters (3)"


def test_skip_to_results_comes_first_and_has_its_target(client, reports):
    html = client.get(URL).content.decode()
    body = html[html.index("<body") :]
    first_link = re.search(r"<a [^>]*>", body).group(0)
    assert 'href="#results"' in first_link
    assert re.search(r'<h2 id="results" class="visually-hidden" tabindex="-1">', html)


def test_htmx_answer_keeps_the_live_region_and_error_outside_the_swap(client, reports):
    full = client.get(URL).content.decode()
    partial = client.get(URL, {"country": "KE"}, headers={"HX-Request": "true"}).content.decode()
    # The live region and the error box persist across swaps: only the full page has them.
    for persistent in ('id="search-announcer"', 'id="search-error"'):
        assert persistent in full
        assert persistent not in partial
    # search.js reopens the panel by this exact opening tag.
    assert '<details id="search-filters"' in partial
    assert 'id="result-count"' in partial
