import pytest
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from buyers import services
from buyers.models import AlertFrequency, SavedSearch, SavedSearchAlertSent
from providers.models import ListingStatus
from tests.factories import DeliveryCentreFactory, ProviderFactory

pytestmark = pytest.mark.django_db


def kenyan(name, status=ListingStatus.PUBLISHED):
    provider = ProviderFactory(name=name, status=status)
    DeliveryCentreFactory(provider=provider, country="KE")
    return provider


def publish(provider):
    provider.status = ListingStatus.PUBLISHED
    provider.save()


def run(frequency="daily"):
    mail.outbox.clear()
    call_command("send_search_alerts", frequency=frequency, stdout=open("/dev/null", "w"))  # noqa: SIM115
    return list(mail.outbox)


def test_save_current_search_from_its_query_string(buyer_client, buyer):
    response = buyer_client.get(
        reverse("buyers:search_new") + "?country=KE&service=data-annotation&page=3&junk=1&q="
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'value="service=data-annotation&amp;country=KE"' in html
    response = buyer_client.post(
        reverse("buyers:search_new"),
        {"name": "Kenya annotation", "frequency": "weekly", "query": "country=KE&page=2"},
    )
    assert response.status_code == 302
    saved = SavedSearch.objects.get(owner=buyer)
    assert (saved.name, saved.query_string, saved.frequency) == (
        "Kenya annotation",
        "country=KE",
        "weekly",
    )
    assert saved.get_search_url() == "/providers/?country=KE"
    listing = buyer_client.get(reverse("buyers:searches")).content.decode()
    assert "Kenya annotation" in listing and 'href="/providers/?country=KE"' in listing


@pytest.mark.parametrize(
    "data",
    [
        {"name": "", "frequency": "daily", "query": "country=KE"},
        {"name": "Fine", "frequency": "hourly", "query": "country=KE"},
        {"name": "x" * 121, "frequency": "daily", "query": ""},
        {"name": "Fine", "frequency": "daily", "query": "q=" + "a" * 2100},
        {"name": "Nul\x00", "frequency": "daily", "query": ""},
    ],
)
def test_bad_input_saves_nothing(buyer_client, buyer, data):
    response = buyer_client.post(reverse("buyers:search_new"), data)
    assert response.status_code == 400
    assert SavedSearch.objects.count() == 0


def test_nul_bytes_in_a_search_are_dropped(buyer_client, buyer):
    response = buyer_client.post(
        reverse("buyers:search_new"),
        {"name": "Odd", "frequency": "none", "query": "q=da%00ta&country=%00"},
    )
    assert response.status_code == 302
    assert SavedSearch.objects.get(owner=buyer).query_string == "q=data"


def test_rename_change_alert_and_delete(buyer_client, buyer):
    saved = services.saved_search_create(owner=buyer, name="Kenya", query_string="country=KE")
    services.saved_search_create(owner=buyer, name="Peru", query_string="country=PE")
    url = reverse("buyers:search_update", args=[saved.pk])
    prefix = f"s{saved.pk}"
    buyer_client.post(url, {f"{prefix}-name": "peru", f"{prefix}-frequency": "daily"})
    saved.refresh_from_db()
    assert (saved.name, saved.frequency) == ("Kenya", "none")
    before = saved.alerts_since
    buyer_client.post(url, {f"{prefix}-name": "Kenya all", f"{prefix}-frequency": "daily"})
    saved.refresh_from_db()
    assert (saved.name, saved.frequency) == ("Kenya all", "daily")
    assert saved.alerts_since > before
    confirm = buyer_client.get(reverse("buyers:search_delete", args=[saved.pk]))
    assert "Delete the saved search “Kenya all”?" in confirm.content.decode()
    buyer_client.post(reverse("buyers:search_delete", args=[saved.pk]))
    assert list(SavedSearch.objects.values_list("name", flat=True)) == ["Peru"]


def test_alerts_send_each_new_provider_once_and_nothing_when_nothing_is_new(buyer, other_buyer):
    already = kenyan("Already There")
    waiting = kenyan("Waiting Review", status=ListingStatus.SUBMITTED)
    services.saved_search_create(
        owner=buyer, name="Kenya", query_string="country=KE", frequency=AlertFrequency.DAILY
    )
    services.saved_search_create(
        owner=buyer, name="Weekly Kenya", query_string="country=KE", frequency="weekly"
    )
    services.saved_search_create(
        owner=other_buyer, name="Peru", query_string="country=PE", frequency="daily"
    )

    assert run() == []  # nothing new since the search was saved

    publish(waiting)
    peru = ProviderFactory(name="Lima Digital")
    DeliveryCentreFactory(provider=peru, country="PE")
    outbox = run()
    assert sorted(m.to[0] for m in outbox) == ["buyer@example.org", "other-buyer@example.org"]
    to_buyer = next(m for m in outbox if m.to == ["buyer@example.org"])
    assert "Waiting Review" in to_buyer.body
    assert "Already There" not in to_buyer.body and "Lima Digital" not in to_buyer.body
    assert "== Kenya ==" in to_buyer.body and "Weekly Kenya" not in to_buyer.body
    assert "1 new provider matches" in to_buyer.subject

    assert run() == []  # idempotent: the same provider is never sent twice

    fresh = kenyan("Fresh Kenya")
    outbox = run()
    assert len(outbox) == 1
    assert "Fresh Kenya" in outbox[0].body and "Waiting Review" not in outbox[0].body

    # The weekly run sends its own search's news once, in one digest.
    outbox = run("weekly")
    assert len(outbox) == 1
    assert "Waiting Review" in outbox[0].body and "Fresh Kenya" in outbox[0].body
    assert run("weekly") == []
    assert SavedSearchAlertSent.objects.filter(provider=already).count() == 0
    assert SavedSearchAlertSent.objects.filter(provider=fresh).count() == 2


def test_newly_matching_provider_is_sent(buyer):
    moved = ProviderFactory(name="Moving Centre")
    DeliveryCentreFactory(provider=moved, country="UG")
    services.saved_search_create(
        owner=buyer, name="Kenya", query_string="country=KE", frequency="daily"
    )
    assert run() == []
    DeliveryCentreFactory(provider=moved, country="KE")
    moved.save()  # editing a listing's parts saves the listing
    outbox = run()
    assert len(outbox) == 1 and "Moving Centre" in outbox[0].body


def test_no_alert_searches_and_inactive_buyers_get_nothing(buyer, other_buyer):
    services.saved_search_create(owner=buyer, name="Quiet", query_string="country=KE")
    services.saved_search_create(
        owner=other_buyer, name="Gone", query_string="country=KE", frequency="daily"
    )
    other_buyer.is_active = False
    other_buyer.save()
    kenyan("New One")
    assert run() == []
    assert run("weekly") == []


def test_failed_send_records_nothing_and_next_run_retries(buyer, settings):
    services.saved_search_create(
        owner=buyer, name="Kenya", query_string="country=KE", frequency="daily"
    )
    kenyan("New One")
    working = settings.MAILERS
    # Nothing listens on port 9 (discard): a real SMTP connection that fails.
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": 9, "timeout": 2},
        }
    }
    with pytest.raises(CommandError, match="1 saved search"):
        run()
    assert SavedSearchAlertSent.objects.count() == 0
    settings.MAILERS = working
    outbox = run()
    assert len(outbox) == 1 and "New One" in outbox[0].body


def test_command_refuses_unknown_frequency():
    with pytest.raises(CommandError):
        call_command("send_search_alerts", frequency="hourly")


def test_search_actions_include_carries_the_current_search(buyer, issp_user):
    from django.contrib.auth.models import AnonymousUser
    from django.template import RequestContext, Template
    from django.test import RequestFactory

    template = Template('{% include "buyers/search_actions.html" %}')
    request = RequestFactory().get("/providers/?q=data&country=KE&page=3")
    for user, save, export in [(buyer, True, True), (issp_user, False, True)]:
        request.user = user
        html = template.render(RequestContext(request, {"user": user}))
        assert ('href="/searches/new/?q=data&amp;country=KE"' in html) is save
        assert ('href="/exports/providers.csv?q=data&amp;country=KE"' in html) is export
    request.user = AnonymousUser()
    assert "<a" not in template.render(RequestContext(request, {"user": request.user}))


def test_search_page_offers_to_save_and_export_the_search_shown(buyer_client):
    ProviderFactory(name="Kenya Data Works")

    html = buyer_client.get("/providers/?q=data&page=1").content.decode()

    assert 'href="/searches/new/?q=data"' in html
    assert 'href="/exports/providers.csv?q=data"' in html
