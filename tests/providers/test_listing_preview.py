"""An owner's preview of a listing that is not published: the public profile, for its team only."""

import re

import pytest
from django.urls import reverse

from providers.models import ListingStatus, MembershipRole
from tests.factories import BuyerFactory, IsspUserFactory, MembershipFactory, StaffFactory
from tests.providers.listing_helpers import listing_with_owner

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft():
    return listing_with_owner(
        status=ListingStatus.DRAFT,
        complete=True,
        name="Preview Lagoon Works",
        slug="preview-lagoon",
    )


def preview_url(provider):
    return reverse("dashboard:preview", args=[provider.pk])


@pytest.mark.parametrize("status", [ListingStatus.DRAFT, ListingStatus.SUBMITTED])
def test_the_owner_sees_the_profile_with_a_banner(client, status, django_assert_max_num_queries):
    provider, owner = listing_with_owner(
        status=status, complete=True, name="Preview Lagoon Works", slug="preview-lagoon"
    )
    client.force_login(owner)

    with django_assert_max_num_queries(6):
        response = client.get(preview_url(provider))

    assert response.status_code == 200
    assert [t.name for t in response.templates][0] == "providers/detail.html"
    html = response.content.decode()
    assert "<h1><bdi>Preview Lagoon Works</bdi></h1>" in html
    assert "Preview — not public" in html
    assert f"its status now: {provider.get_status_display()}." in html
    assert '<meta name="robots" content="noindex, nofollow">' in html
    assert 'rel="canonical"' not in html
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert "no-store" in response["Cache-Control"]
    # The public address still knows nothing of it.
    assert client.get(provider.get_absolute_url()).status_code == 404


def test_it_shows_what_the_public_profile_shows(client, draft):
    provider, owner = draft
    client.force_login(owner)
    preview = client.get(preview_url(provider)).content.decode()
    provider.status = ListingStatus.PUBLISHED
    provider.save(update_fields=["status"])
    public = client.get(provider.get_absolute_url()).content.decode()

    def main(html):
        html = html[html.index('<header class="profile-header">') : html.index("</main>")]
        # ISSP staff may shortlist providers: the form's CSRF token is masked anew each time.
        return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", html)

    # Only the address the page's own forms send the visitor back to differs.
    assert main(preview).replace(preview_url(provider), provider.get_absolute_url()) == main(public)
    assert "Preview — not public" not in public


def test_an_editor_of_the_listing_may_preview(client, draft):
    provider, _owner = draft
    editor = IsspUserFactory()
    MembershipFactory(provider=provider, user=editor, role=MembershipRole.EDITOR)
    client.force_login(editor)
    assert client.get(preview_url(provider)).status_code == 200


@pytest.mark.parametrize("who", ["other_issp", "buyer", "staff"])
def test_anyone_else_gets_a_404(client, draft, who):
    provider, _owner = draft
    listing_with_owner(name="Rival Works", slug="rival-works")
    user = {"other_issp": IsspUserFactory, "buyer": BuyerFactory, "staff": StaffFactory}[who]()
    client.force_login(user)
    response = client.get(preview_url(provider))
    assert response.status_code == 404
    assert "Preview Lagoon Works" not in response.content.decode()


def test_anonymous_visitors_are_sent_to_log_in(client, draft):
    provider, _owner = draft
    response = client.get(preview_url(provider))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_the_listing_page_links_to_the_preview_until_published(client, draft):
    provider, owner = draft
    client.force_login(owner)
    html = client.get(reverse("dashboard:listing", args=[provider.pk])).content.decode()
    assert f'href="{preview_url(provider)}">Preview the profile as buyers will see it</a>' in html
    provider.status = ListingStatus.PUBLISHED
    provider.save(update_fields=["status"])
    html = client.get(reverse("dashboard:listing", args=[provider.pk])).content.decode()
    assert "Preview the profile" not in html and "View the public profile" in html
