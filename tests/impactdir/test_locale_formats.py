"""Dates, numbers and percentages in the reader's language; machine outputs in none.

Pages are asked for under their language's prefix (/fr/…), where the switcher leads; the
catalogues may or may not translate the sentences around them yet, so the tests look at the
figures: Django's own month names (its catalogues ship with it) and the separators and
percent patterns of settings.FORMAT_MODULE_PATH.
"""

import csv
import datetime
import io
import json
from decimal import Decimal

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse
from django.utils import translation

from buyers import services as buyer_services
from impactdir import l10n
from impactdir.l10n import count_words
from impactdir.languages import localized_url
from providers import models as m
from providers.forms import ImpactReportForm
from providers.services.catalogue import providers_refresh_derived
from tests import factories as f

NNBSP, NBSP = "\u202f", "\xa0"
VERIFIED_AT = datetime.datetime(2025, 12, 1, 14, 5, tzinfo=datetime.UTC)

# What each language shows, from the same values.
EXPECTED = {
    "en": {
        "date": "1 December 2025",
        "month": "July 2024",
        "moment": "1 December 2025, 14:05 UTC",
        "time": "14:05 UTC",
        "count": "12,345",
        "decimal": "1,234.5",
        "percent": "51%",
        "decimal_percent": "12.5%",
    },
    "fr": {
        "date": "1 décembre 2025",
        "month": "juillet 2024",
        "moment": "1 décembre 2025 14:05 UTC",
        "time": "14:05 UTC",
        "count": f"12{NBSP}345",
        "decimal": f"1{NBSP}234,5",
        "percent": f"51{NNBSP}%",
        "decimal_percent": f"12,5{NNBSP}%",
    },
    "es": {
        "date": "1 de diciembre de 2025",
        "month": "julio de 2024",
        "moment": "1 de diciembre de 2025 a las 14:05 UTC",
        "time": "14:05 UTC",
        "count": f"12{NBSP}345",
        "decimal": f"1{NBSP}234,5",
        "percent": f"51{NBSP}%",
        "decimal_percent": f"12,5{NBSP}%",
    },
    "pt": {
        "date": "1 de Dezembro de 2025",
        "month": "Julho de 2024",
        "moment": "1 de Dezembro de 2025 às 14:05 UTC",
        "time": "14:05 UTC",
        "count": "12.345",
        "decimal": "1.234,5",
        "percent": "51%",
        "decimal_percent": "12,5%",
    },
    "ar": {
        "date": "1 ديسمبر، 2025",
        "month": "يوليو 2024",
        "moment": "1 ديسمبر، 2025، 2:05 م UTC",
        "time": "2:05 م UTC",
        "count": "12,345",
        "decimal": "1,234.5",
        "percent": "51%",
        "decimal_percent": "12.5%",
    },
}


@pytest.fixture(autouse=True)
def _back_to_the_default_language():
    """LocaleMiddleware activates the cookie's language in the test's thread and nothing
    resets it: without this the next test module would run in Arabic."""
    yield
    translation.deactivate()


def test_every_declared_language_has_its_expectations():
    assert sorted(EXPECTED) == sorted(code for code, _name in settings.LANGUAGES)


@pytest.mark.parametrize("lang", sorted(EXPECTED))
def test_the_helpers_write_each_languages_conventions(lang):
    want = EXPECTED[lang]
    with translation.override(lang):
        assert l10n.date(datetime.date(2025, 12, 1)) == want["date"]
        assert l10n.date(VERIFIED_AT) == want["date"]
        assert l10n.month(datetime.date(2024, 7, 1)) == want["month"]
        assert l10n.datetime_zone(VERIFIED_AT) == want["moment"]
        assert l10n.time_zone(VERIFIED_AT) == want["time"]
        assert l10n.number(12345) == want["count"]
        assert l10n.decimal(Decimal("1234.50")) == want["decimal"]
        assert l10n.percent(51) == want["percent"]
        assert l10n.percent("51") == want["percent"]
        assert l10n.percent(Decimal("12.50")) == want["decimal_percent"]
        assert l10n.percent(None) == l10n.date(None) == l10n.datetime_zone(None) == ""


def test_years_and_ids_are_not_grouped_and_small_counts_stay_in_words():
    assert settings.USE_THOUSAND_SEPARATOR is False
    with translation.override("fr"):
        assert count_words(3) == "trois"
        assert count_words(12345) == f"12{NBSP}345"
        assert count_words("x") == "x"
    with translation.override("en"):
        assert count_words(3) == "three"
        assert count_words(1200) == "1,200"


def _page(client, url, lang, **params):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = lang
    response = client.get(localized_url(url, lang), params)
    assert response.status_code == 200, url
    return response.content.decode()


@pytest.fixture
def big_provider(db):
    """A published provider whose figures need grouping and whose share is 51%."""
    provider = f.ProviderFactory(
        name="Grouping Works",
        slug="grouping-works",
        workforce=12345,
        verified_at=VERIFIED_AT,
        assured_date=datetime.date(2025, 12, 1),
    )
    f.ProviderServiceFactory(
        provider=provider, service=m.Service.objects.get(slug="data-annotation")
    )
    f.DeliveryCentreFactory(provider=provider, country="KE", headcount=12345, impact_workers=6296)
    f.ImpactReportFactory(
        provider=provider,
        period_start=datetime.date(2024, 7, 1),
        period_end=datetime.date(2025, 6, 30),
        total_employees=12345,
        impact_workers=6296,  # 51.0%
        voluntary_turnover_pct=Decimal("12.50"),
        provenance=m.Provenance.SELF_REPORTED,
    )
    providers_refresh_derived()
    return provider


@pytest.mark.django_db
@pytest.mark.parametrize("lang", sorted(EXPECTED))
def test_a_profile_shows_dates_counts_and_shares_in_the_readers_language(
    client, big_provider, lang, django_assert_max_num_queries
):
    want = EXPECTED[lang]
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = lang
    with django_assert_max_num_queries(4):  # as tests/providers/test_profile.py asserts
        response = client.get(localized_url(big_provider.get_absolute_url(), lang))
    html = response.content.decode()
    assert f'lang="{lang}"' in html
    assert want["date"] in html  # verified on, last confirmed on
    assert want["count"] in html  # workforce, employees, centre headcount
    assert want["percent"] in html  # impact-worker share
    with translation.override(lang):
        assert l10n.month(datetime.date(2024, 7, 1)) in html
        # Voluntary turnover as reported, in the row whose label says "(%)".
        assert f">{l10n.decimal(Decimal('12.50'))}<" in html
    for other, text in EXPECTED.items():
        if other != lang and text["percent"] != want["percent"]:
            assert text["percent"] not in html.replace(want["percent"], "")
    # What machines read on the page stays as it was: JSON-LD numbers and dates.
    start = html.index('<script type="application/ld+json"')
    data = json.loads(html[html.index(">", start) + 1 : html.index("</script>", start)])
    assert data["numberOfEmployees"]["value"] == 12345


@pytest.mark.django_db
@pytest.mark.parametrize("lang", ["en", "fr", "ar"])
def test_search_cards_show_the_share_and_period_in_the_readers_language(client, big_provider, lang):
    html = _page(client, reverse("search"), lang, service="data-annotation")
    with translation.override(lang):
        assert l10n.percent(51) in html
        assert l10n.month(datetime.date(2025, 6, 1)) in html
        assert l10n.percent(50) in html  # the "at least 50%" facet option


@pytest.mark.django_db
@pytest.mark.parametrize("lang", ["en", "fr", "es"])
def test_stats_show_percentages_in_the_readers_language_and_csv_stays_plain(
    client, big_provider, lang
):
    for n in range(5):
        f.ImpactReportFactory(
            provider=f.ProviderFactory(slug=f"peer-{n}", workforce=200),
            total_employees=200,
            impact_workers=100,
            voluntary_turnover_pct=Decimal("12.50"),
        )
    providers_refresh_derived()
    html = _page(client, reverse("stats:index"), lang)
    with translation.override(lang):
        assert l10n.percent(Decimal("12.5")) in html  # median voluntary turnover
        assert l10n.percent(100) in html  # all reports self-reported: "100% (6)"
    assert "%%" not in html

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = lang
    body = client.get(reverse("stats:csv", args=["provenance"])).content.decode()
    rows = list(csv.reader(io.StringIO(body.removeprefix("\ufeff"))))
    assert rows[0] == ["provenance", "providers", "percent"]
    assert ["self-reported", "6", "100"] in rows


@pytest.mark.django_db
@pytest.mark.parametrize("lang", ["en", "fr"])
def test_the_dashboard_shows_completeness_as_a_percentage(client, lang):
    provider = f.ProviderFactory(status=m.ListingStatus.DRAFT)
    owner = f.IsspUserFactory()
    f.MembershipFactory(provider=provider, user=owner, role=m.MembershipRole.OWNER)
    client.force_login(owner)
    html = _page(client, reverse("dashboard:index"), lang)
    listing = _page(client, reverse("dashboard:listing", args=[provider.pk]), lang)
    sign = EXPECTED[lang]["percent"].removeprefix("51")
    assert sign in html and sign in listing
    if lang == "fr":
        assert "0%" not in html.replace(f"0{NNBSP}%", "")


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("lang", ["en", "fr"])
def test_an_inquiry_answer_email_and_thread_use_the_readers_formats(client, lang):
    provider = f.ProviderFactory(slug="answering-works")
    member = f.IsspUserFactory(email="staff@answering.example")
    f.MembershipFactory(provider=provider, user=member)
    buyer = f.BuyerFactory(email="buyer@example.org")
    [inquiry] = buyer_services.inquiry_send(
        buyer=buyer,
        providers=[provider],
        subject="Seats",
        body="How many seats?",
        questions=["capacity", "impact-share"],
    )
    client.force_login(member)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = lang
    mail.outbox.clear()
    response = client.post(
        localized_url(reverse("dashboard:inbox_reply", args=[inquiry.pk]), lang),
        {"body": "", "capacity_amount": "1200", "capacity_unit": "seats", "impact_share": "65"},
    )
    assert response.status_code == 302
    [email] = mail.outbox
    with translation.override(lang):
        assert l10n.percent(65) in email.body
        assert l10n.number(1200) in email.body
    client.force_login(buyer)
    thread = _page(client, inquiry.get_buyer_url(), lang)
    message = inquiry.messages.order_by("-created_at").first()
    with translation.override(lang):
        assert l10n.datetime_zone(message.created_at) in thread
    iso = message.created_at.replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%S+0000")
    assert f'datetime="{iso}"' in thread  # the machine value stays ISO


@pytest.mark.django_db
def test_an_invitation_email_gives_its_date_in_the_senders_language(
    client, django_capture_on_commit_callbacks
):
    provider = f.ProviderFactory(status=m.ListingStatus.DRAFT)
    owner = f.IsspUserFactory()
    f.MembershipFactory(provider=provider, user=owner, role=m.MembershipRole.OWNER)
    client.force_login(owner)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            localized_url(reverse("dashboard:team", args=[provider.pk]), "fr"),
            {"email": "new.person@example.org", "role": "editor"},
        )
    invitation = m.Invitation.objects.get()
    with translation.override("fr"):
        expected = l10n.date(invitation.expires_at)
    assert any(month in expected for month in ("janvier", "décembre", "juin", "mars", "mai"))
    assert expected in mail.outbox[0].body


@pytest.mark.django_db
@pytest.mark.parametrize("lang", ["fr", "es", "pt", "ar"])
def test_date_inputs_hold_iso_values_and_accept_local_and_iso_dates(client, lang, big_provider):
    """A date input only takes ISO values: Django's default would write 01/07/2024 here."""
    owner = f.IsspUserFactory()
    f.MembershipFactory(provider=big_provider, user=owner, role=m.MembershipRole.OWNER)
    client.force_login(owner)
    report = big_provider.reports.get()
    html = _page(client, reverse("dashboard:report_edit", args=[big_provider.pk, report.pk]), lang)
    assert 'type="date" name="period_start" value="2024-07-01"' in html
    assert 'type="date" name="period_end" value="2025-06-30"' in html
    field = ImpactReportForm.base_fields["period_start"]
    with translation.override(lang):
        assert field.clean("2024-07-01") == datetime.date(2024, 7, 1)  # what browsers send
        if lang != "ar":  # typed by hand where there is no date picker: day first
            assert field.clean("01/07/2024") == datetime.date(2024, 7, 1)


@pytest.mark.django_db
def test_machine_outputs_are_the_same_in_every_language(client, big_provider):
    """The API, the sitemap and CSV exports do not follow the reader's language."""
    api = "/api/v1/providers/?service=data-annotation"
    sitemap = "/sitemap.xml"
    profiles = reverse("sitemap_section", args=["providers"])
    compare_csv = reverse("buyers:compare_export") + "?p=grouping-works"
    outputs = {}
    for lang in EXPECTED:
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = lang
        answers = {}
        for url in (api, sitemap, profiles, compare_csv):
            response = client.get(url)
            assert response.status_code == 200, url
            body = b"".join(response.streaming_content) if response.streaming else response.content
            answers[url] = body
        outputs[lang] = answers
    for lang in EXPECTED:
        assert outputs[lang][api] == outputs["en"][api], lang
        assert outputs[lang][sitemap] == outputs["en"][sitemap], lang
        assert outputs[lang][profiles] == outputs["en"][profiles], lang
    for lang, answers in outputs.items():
        text = answers[compare_csv].decode()
        assert NBSP not in text and NNBSP not in text, lang
        assert "2025-12-01" in text and "décembre" not in text, lang
    assert b"12345" in outputs["fr"][api] and b"2025-12-01" in outputs["fr"][api]


@pytest.mark.django_db
def test_open_data_says_when_in_the_readers_language_and_its_files_in_none(
    client, tmp_path, settings
):
    from providers.opendata.catalogue import published_files
    from tests.providers.opendata_helpers import build, full_listing

    settings.OPEN_DATA_ROOT = tmp_path / "open-data"
    full_listing()
    built = build(settings.OPEN_DATA_ROOT)
    files = {}
    for lang in EXPECTED:
        html = _page(client, reverse("opendata:index"), lang)
        with translation.override(lang):
            assert f">{l10n.datetime_zone(built.created)}</time>" in html, lang
        assert f'datetime="{built.created:%Y-%m-%dT%H:%M:%S}+0000"' in html
        for published in published_files():
            response = client.get(reverse("opendata:file", args=[published.name]))
            content = (
                b"".join(response.streaming_content) if response.streaming else response.content
            )
            files.setdefault(published.name, set()).add(content)
    assert files and all(len(versions) == 1 for versions in files.values())
