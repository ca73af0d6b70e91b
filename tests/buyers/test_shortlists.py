import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from buyers import services
from buyers.models import EntryNote, Shortlist, ShortlistEntry
from providers.models import ListingStatus
from tests.factories import ProviderFactory

pytestmark = pytest.mark.django_db


def entries(shortlist):
    """(slug, the owner's own note) per entry, in order."""
    return [
        (
            e.provider.slug,
            "".join(n.text for n in e.notes.all() if n.author_id == shortlist.owner_id),
        )
        for e in shortlist.entries.order_by("position").select_related("provider")
    ]


def own_note(entry, user) -> str:
    note = EntryNote.objects.filter(entry=entry, author=user).first()
    return note.text if note else ""


def test_create_several_named_shortlists_and_refuse_duplicate_names(buyer_client, buyer):
    url = reverse("buyers:shortlists")
    response = buyer_client.post(url, {"name": "  Data   partners "})
    shortlist = Shortlist.objects.get(owner=buyer)
    assert shortlist.name == "Data partners"
    assert response.status_code == 302 and response["Location"] == shortlist.get_absolute_url()
    buyer_client.post(url, {"name": "Voice"})
    response = buyer_client.post(url, {"name": "data PARTNERS"})
    assert response.status_code == 400
    assert "You already have a shortlist called" in response.content.decode()
    assert sorted(Shortlist.objects.filter(owner=buyer).values_list("name", flat=True)) == [
        "Data partners",
        "Voice",
    ]
    response = buyer_client.post(url, {"name": ""})
    assert response.status_code == 400
    assert Shortlist.objects.filter(owner=buyer).count() == 2


def test_add_and_remove_without_javascript_redirects_back(buyer_client, buyer, provider):
    shortlist = services.shortlist_create(owner=buyer, name="Data partners")
    next_url = "/providers/?q=data&country=KE"
    response = buyer_client.post(
        reverse("buyers:shortlist_add"),
        {"provider": provider.slug, "shortlist": shortlist.pk, "next": next_url},
    )
    assert response.status_code == 302 and response["Location"] == next_url
    assert entries(shortlist) == [(provider.slug, "")]
    # Adding twice changes nothing.
    buyer_client.post(
        reverse("buyers:shortlist_add"), {"provider": provider.slug, "shortlist": shortlist.pk}
    )
    assert ShortlistEntry.objects.count() == 1
    response = buyer_client.post(
        reverse("buyers:shortlist_remove"),
        {"provider": provider.slug, "shortlist": shortlist.pk, "next": "https://evil.example/"},
    )
    # An off-site `next` is ignored.
    assert response.status_code == 302 and response["Location"] == provider.get_absolute_url()
    assert entries(shortlist) == []


@pytest.mark.parametrize("next_url", ["²", "home", "buyers:shortlists", "x" * 300, "\x00"])
def test_a_next_that_is_no_path_sends_the_buyer_to_the_provider(
    buyer_client, buyer, provider, next_url
):
    """redirect() took a `next` without a slash for a URL name: a 500 (found by the fuzz walk)."""
    shortlist = services.shortlist_create(owner=buyer, name="Data partners")
    for name in ("buyers:shortlist_add", "buyers:shortlist_remove"):
        response = buyer_client.post(
            reverse(name), {"provider": provider.slug, "shortlist": shortlist.pk, "next": next_url}
        )
        assert response.status_code == 302
        assert response["Location"] == provider.get_absolute_url()


def test_first_add_creates_my_shortlist(buyer_client, buyer, provider):
    buyer_client.post(reverse("buyers:shortlist_add"), {"provider": provider.slug})
    shortlist = Shortlist.objects.get(owner=buyer)
    assert shortlist.name == "My shortlist"
    assert entries(shortlist) == [(provider.slug, "")]


def test_add_in_place_with_htmx_returns_the_button(buyer_client, buyer, provider):
    shortlist = services.shortlist_create(owner=buyer, name="Data partners")
    response = buyer_client.post(
        reverse("buyers:shortlist_add"),
        {"provider": provider.slug, "shortlist": shortlist.pk, "next": "/providers/"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert f'id="shortlist-button-{provider.pk}"' in html
    assert "On “Data partners”" in html
    assert "added to “Data partners”" in html
    assert "<html" not in html
    assert entries(shortlist) == [(provider.slug, "")]


def test_unpublished_or_unknown_provider_cannot_be_added(buyer_client, buyer):
    draft = ProviderFactory(status=ListingStatus.DRAFT)
    shortlist = services.shortlist_create(owner=buyer, name="Data partners")
    for slug in [draft.slug, "no-such-provider", "<script>"]:
        response = buyer_client.post(
            reverse("buyers:shortlist_add"), {"provider": slug, "shortlist": shortlist.pk}
        )
        assert response.status_code == 302
    assert ShortlistEntry.objects.count() == 0
    with pytest.raises(ValidationError):
        services.shortlist_add(shortlist=shortlist, user=buyer, provider=draft)


def test_another_buyers_shortlist_cannot_be_added_to(buyer_client, other_buyer, provider):
    theirs = services.shortlist_create(owner=other_buyer, name="Theirs")
    buyer_client.post(
        reverse("buyers:shortlist_add"), {"provider": provider.slug, "shortlist": theirs.pk}
    )
    assert ShortlistEntry.objects.count() == 0
    with pytest.raises(PermissionDenied):
        services.shortlist_add(
            shortlist=theirs, user=other_buyer.__class__(pk=0), provider=provider
        )


def test_notes_reorder_and_sort(buyer_client, buyer):
    a = ProviderFactory(name="Alpha Annotation", workforce=40, impact_share=30)
    b = ProviderFactory(name="Bravo BPO", workforce=900, impact_share=80)
    c = ProviderFactory(name="Charlie Content", workforce=300, impact_share=None)
    shortlist = services.shortlist_create(owner=buyer, name="Mix")
    for p in (b, c, a):
        services.shortlist_add(shortlist=shortlist, user=buyer, provider=p)
    entry_a = shortlist.entries.get(provider=a)

    response = buyer_client.post(
        reverse("buyers:entry_note", args=[shortlist.pk, entry_a.pk]),
        {"note": "Strong on Swahili =1+1"},
    )
    assert response.status_code == 302
    assert own_note(entry_a, buyer) == "Strong on Swahili =1+1"
    # A note that is too long is refused and the old one kept.
    response = buyer_client.post(
        reverse("buyers:entry_note", args=[shortlist.pk, entry_a.pk]),
        {"note": "x" * 2001},
        follow=True,
    )
    assert "The note was not saved" in response.content.decode()
    buyer_client.post(
        reverse("buyers:entry_note", args=[shortlist.pk, entry_a.pk]), {"note": "bad\x00note"}
    )
    assert own_note(entry_a, buyer) == "Strong on Swahili =1+1"

    buyer_client.post(
        reverse("buyers:entry_move", args=[shortlist.pk, entry_a.pk]), {"direction": "up"}
    )
    assert [s for s, _n in entries(shortlist)] == [b.slug, a.slug, c.slug]
    buyer_client.post(
        reverse("buyers:entry_move", args=[shortlist.pk, entry_a.pk]), {"direction": "sideways"}
    )
    assert [s for s, _n in entries(shortlist)] == [b.slug, a.slug, c.slug]

    buyer_client.post(reverse("buyers:shortlist_sort", args=[shortlist.pk]), {"by": "name"})
    assert [s for s, _n in entries(shortlist)] == [a.slug, b.slug, c.slug]
    buyer_client.post(reverse("buyers:shortlist_sort", args=[shortlist.pk]), {"by": "size"})
    assert [s for s, _n in entries(shortlist)] == [b.slug, c.slug, a.slug]
    buyer_client.post(reverse("buyers:shortlist_sort", args=[shortlist.pk]), {"by": "impact"})
    assert [s for s, _n in entries(shortlist)] == [b.slug, a.slug, c.slug]
    buyer_client.post(reverse("buyers:shortlist_sort", args=[shortlist.pk]), {"by": "bogus"})
    assert [s for s, _n in entries(shortlist)] == [b.slug, a.slug, c.slug]

    page = buyer_client.get(shortlist.get_absolute_url()).content.decode()
    # Compare from the shortlist in one click, in the shortlist's order.
    assert f"/compare/?p={b.slug}&amp;p={a.slug}&amp;p={c.slug}" in page
    page = page[page.index('class="entry-list"') :]
    assert page.index("Bravo BPO") < page.index("Alpha Annotation") < page.index("Charlie")
    assert "Strong on Swahili =1+1" in page


def test_rename_and_delete_with_confirmation(buyer_client, buyer, provider):
    shortlist = services.shortlist_create(owner=buyer, name="Old")
    services.shortlist_create(owner=buyer, name="Taken")
    services.shortlist_add(shortlist=shortlist, user=buyer, provider=provider)
    buyer_client.post(reverse("buyers:shortlist_rename", args=[shortlist.pk]), {"name": "taken"})
    shortlist.refresh_from_db()
    assert shortlist.name == "Old"
    buyer_client.post(reverse("buyers:shortlist_rename", args=[shortlist.pk]), {"name": "New"})
    shortlist.refresh_from_db()
    assert shortlist.name == "New"

    confirm = buyer_client.get(reverse("buyers:shortlist_delete", args=[shortlist.pk]))
    assert confirm.status_code == 200
    assert "Delete “New”?" in confirm.content.decode()
    assert Shortlist.objects.filter(pk=shortlist.pk).exists()
    response = buyer_client.post(reverse("buyers:shortlist_delete", args=[shortlist.pk]))
    assert response.status_code == 302
    assert not Shortlist.objects.filter(pk=shortlist.pk).exists()
    assert ShortlistEntry.objects.count() == 0


def test_button_shows_state_for_buyer_anonymous_and_issp(client, buyer, issp_user, provider):
    from django.template import Context, Template
    from django.test import RequestFactory

    template = Template('{% include "includes/shortlist_button.html" %}')
    request = RequestFactory().get("/providers/?q=x")

    from django.contrib.auth.models import AnonymousUser

    request.user = AnonymousUser()
    html = template.render(Context({"provider": provider, "request": request}))
    assert "Log in to shortlist" in html and "next=/providers/%3Fq%3Dx" in html

    # ISSP staff shortlist other providers too, to find partners.
    request.user = issp_user
    html = template.render(Context({"provider": provider, "request": request}))
    assert "Add to shortlist" in html and "Log in" not in html

    shortlist = services.shortlist_create(owner=buyer, name="Data partners")
    services.shortlist_create(owner=buyer, name="Voice")
    services.shortlist_add(shortlist=shortlist, user=buyer, provider=provider)
    request = RequestFactory().get("/providers/?q=x")  # the shortlists are read once a request
    request.user = buyer
    html = template.render(Context({"provider": provider, "request": request}))
    assert "On “Data partners”" in html
    assert '<option value="' in html and ">Voice</option>" in html
    assert ">Data partners</option>" not in html


def test_card_button_links_to_the_add_page_instead_of_nesting_forms(buyer_client, buyer, provider):
    from django.template import RequestContext, Template
    from django.test import RequestFactory

    shortlist = services.shortlist_create(owner=buyer, name="Data partners")
    request = RequestFactory().get("/providers/?country=KE&sort=name")
    request.user = buyer
    template = Template("{% load shortlists %}{% shortlist_card_button pk %}")
    button = template.render(RequestContext(request, {"pk": provider.pk}))
    assert "<form" not in button
    # The way back keeps every filter, encoded once.
    assert (
        f"/shortlists/add/?id={provider.pk}&amp;next=/providers/%3Fcountry%3DKE%26sort%3Dname"
        in button
    )
    assert f'aria-describedby="provider-{provider.pk}-name"' in button
    services.shortlist_add(shortlist=shortlist, user=buyer, provider=provider)
    del request._buyer_shortlists
    assert "On “Data partners”" in template.render(RequestContext(request, {"pk": provider.pk}))

    page = buyer_client.get(
        reverse("buyers:shortlist_add") + f"?id={provider.pk}&next=/providers/%3Fq%3Dx"
    )
    assert page.status_code == 200
    text = page.content.decode()
    assert 'name="next" value="/providers/?q=x"' in text and "On “Data partners”" in text
    response = buyer_client.post(
        reverse("buyers:shortlist_add"),
        {"provider": provider.slug, "new_name": "Finalists", "next": "/providers/?q=x"},
    )
    assert response["Location"] == "/providers/?q=x"
    assert entries(Shortlist.objects.get(owner=buyer, name="Finalists")) == [(provider.slug, "")]
    for query in ["?provider=nope", "?id=999999", "?id=99999999999999999999999", "?id=x"]:
        assert buyer_client.get(reverse("buyers:shortlist_add") + query).status_code == 404


def test_htmx_buttons_never_submit_an_enclosing_form(buyer_client, buyer, provider):
    shortlist = services.shortlist_create(owner=buyer, name="Data partners")
    response = buyer_client.get(
        reverse("buyers:shortlist_add") + f"?provider={provider.slug}&mode=buttons",
        HTTP_HX_REQUEST="true",
    )
    html = response.content.decode()
    assert "<form" not in html and 'type="submit"' not in html
    assert "Add to “Data partners”" in html and "X-CSRFToken" in html
    response = buyer_client.post(
        reverse("buyers:shortlist_add"),
        {"provider": provider.slug, "shortlist": shortlist.pk, "mode": "buttons"},
        HTTP_HX_REQUEST="true",
    )
    html = response.content.decode()
    assert "<form" not in html and "On “Data partners”" in html
    assert entries(shortlist) == [(provider.slug, "")]
