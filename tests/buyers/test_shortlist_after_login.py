""" "Log in to shortlist": the anonymous button → log in → back on the same page, added."""

from urllib.parse import quote, urlsplit

import pytest
from allauth.account.models import EmailAddress
from django.contrib.messages import get_messages
from django.urls import reverse

from buyers import services
from buyers.models import Shortlist, ShortlistEntry
from buyers.views.shortlists import AFTER_LOGIN_KEY
from providers.models import ListingStatus
from tests.factories import BuyerFactory, IsspUserFactory, ProviderFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"
HERE = "/providers/?q=data&country=KE"


def verified(user):
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


def press_button(client, provider, here=HERE):
    """The anonymous button's link, as the page draws it, followed to the log-in page."""
    url = f"{reverse('buyers:shortlist_add')}?id={provider.pk}&next={quote(here, safe='')}"
    response = client.get(url)
    assert response.status_code == 302
    login = response["Location"]
    assert login.startswith(reverse("account_login") + "?next=")
    return url, login


def log_in(client, user, login_url):
    response = client.post(login_url, {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302, response.content.decode()[:500]
    return response["Location"]


def test_anonymous_button_links_to_the_add_page_with_the_page_to_return_to(client):
    provider = ProviderFactory(status=ListingStatus.PUBLISHED)
    html = client.get(provider.get_absolute_url()).content.decode()
    expected = f"/shortlists/add/?id={provider.pk}&amp;next={quote(provider.get_absolute_url())}"
    assert "Log in to shortlist" in html and expected in html
    assert 'rel="nofollow"' in html


def test_log_in_to_shortlist_adds_and_returns_to_the_page(client, django_assert_max_num_queries):
    provider = ProviderFactory(status=ListingStatus.PUBLISHED, name="Lagoon Data")
    buyer = verified(BuyerFactory())
    add_url, login_url = press_button(client, provider)
    back_to = log_in(client, buyer, login_url)
    assert back_to == add_url
    with django_assert_max_num_queries(22):
        response = client.get(back_to)
    assert response.status_code == 302
    assert response["Location"] == HERE
    entry = ShortlistEntry.objects.get()
    assert (entry.provider, entry.shortlist.owner, entry.shortlist.name) == (
        provider,
        buyer,
        "My shortlist",
    )
    shown = [str(m) for m in get_messages(response.wsgi_request)]
    assert any("Lagoon Data is on your shortlist “My shortlist”" in m for m in shown)
    # The wish is used once: the add page shows the choice again afterwards.
    assert AFTER_LOGIN_KEY not in client.session
    assert client.get(add_url).status_code == 200
    assert ShortlistEntry.objects.count() == 1


def test_an_existing_only_shortlist_gets_the_provider(client):
    provider = ProviderFactory(status=ListingStatus.PUBLISHED)
    buyer = verified(BuyerFactory())
    mine = services.shortlist_create(owner=buyer, name="Kenya vendors")
    _add, login_url = press_button(client, provider)
    client.get(log_in(client, buyer, login_url))
    assert list(mine.entries.values_list("provider", flat=True)) == [provider.pk]
    assert Shortlist.objects.count() == 1


def test_with_several_shortlists_the_choice_is_shown(client):
    provider = ProviderFactory(status=ListingStatus.PUBLISHED)
    buyer = verified(BuyerFactory())
    services.shortlist_create(owner=buyer, name="One")
    services.shortlist_create(owner=buyer, name="Two")
    _add, login_url = press_button(client, provider)
    response = client.get(log_in(client, buyer, login_url))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Choose the shortlist to add" in html
    assert f'name="next" value="{HERE}"' in html.replace("&amp;", "&")
    assert not ShortlistEntry.objects.exists()


def test_an_issp_account_shortlists_a_partner_too_and_is_sent_back(client):
    """ISSP staff keep shortlists of other providers, to find partners (issue 15)."""
    provider = ProviderFactory(status=ListingStatus.PUBLISHED)
    staff = verified(IsspUserFactory())
    _add, login_url = press_button(client, provider)
    response = client.get(log_in(client, staff, login_url))
    assert response.status_code == 302 and response["Location"] == HERE
    entry = ShortlistEntry.objects.get()
    assert entry.provider == provider and entry.shortlist.owner == staff


def test_a_logged_in_buyer_without_a_wish_sees_the_choice_and_nothing_is_added(client):
    provider = ProviderFactory(status=ListingStatus.PUBLISHED)
    client.force_login(BuyerFactory())
    response = client.get(f"{reverse('buyers:shortlist_add')}?id={provider.pk}&next=/")
    assert response.status_code == 200
    assert not ShortlistEntry.objects.exists()


def test_a_wish_for_another_provider_or_a_stale_one_adds_nothing(client):
    wanted = ProviderFactory(status=ListingStatus.PUBLISHED)
    other = ProviderFactory(status=ListingStatus.PUBLISHED)
    buyer = verified(BuyerFactory())
    _add, login_url = press_button(client, wanted)
    log_in(client, buyer, login_url)
    response = client.get(f"{reverse('buyers:shortlist_add')}?id={other.pk}&next=/")
    assert response.status_code == 200
    assert not ShortlistEntry.objects.exists()

    session = client.session
    session[AFTER_LOGIN_KEY] = {"provider": wanted.pk, "next": "/", "at": 0}
    session.save()
    response = client.get(f"{reverse('buyers:shortlist_add')}?id={wanted.pk}&next=/")
    assert response.status_code == 200
    assert not ShortlistEntry.objects.exists()


@pytest.mark.parametrize("query", ["id=999999", "id=abc", "provider=no-such-slug", "id=", ""])
def test_bad_input_to_the_anonymous_button_changes_nothing(client, query):
    response = client.get(f"{reverse('buyers:shortlist_add')}?{query}")
    assert response.status_code == 404
    assert AFTER_LOGIN_KEY not in client.session


def test_an_offsite_next_is_replaced_by_the_profile(client):
    provider = ProviderFactory(status=ListingStatus.PUBLISHED)
    buyer = verified(BuyerFactory())
    response = client.get(
        f"{reverse('buyers:shortlist_add')}?id={provider.pk}&next=https://evil.example/"
    )
    back_to = log_in(client, buyer, response["Location"])
    response = client.get(back_to)
    assert response.status_code == 302
    assert urlsplit(response["Location"]).netloc == ""
    assert response["Location"] == provider.get_absolute_url()


def test_a_draft_provider_cannot_be_wished_for(client):
    draft = ProviderFactory(status=ListingStatus.DRAFT)
    response = client.get(f"{reverse('buyers:shortlist_add')}?id={draft.pk}")
    assert response.status_code == 404
    assert AFTER_LOGIN_KEY not in client.session
