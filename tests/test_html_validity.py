"""The pages people use most pass the Nu HTML checker (vnu) with no errors.

Runs when vnu is available (VNU_JAR, or node_modules/vnu-jar in the repository
or /tmp, plus java); CI does not install it, so it skips there. Install with
`npm i vnu-jar` (see the README).
"""

import json
import subprocess

import pytest
from django.db import connection
from django.template import loader
from django.test import Client
from django.urls import reverse

from buyers.models import ShortlistMember
from buyers.shortlists import sharing as shortlist_sharing
from tests import factories as f
from tests.impactdir.site_world import one_of_everything
from tests.vnu import require_vnu

pytestmark = pytest.mark.django_db


def pages(w) -> dict:
    """(who, path) of each page checked, by a short name."""
    p, s, i = w["provider"], w["shortlist"], w["inquiry"]
    listing = lambda name: reverse(f"dashboard:{name}", args=[p.pk])  # noqa: E731
    return {
        "home": (None, reverse("home")),
        "search": (None, reverse("search")),
        "search-filtered": (None, reverse("search") + "?q=lagoon&country=KE&sort=size"),
        "search-empty": (None, reverse("search") + "?q=nothing-matches-this"),
        # No result: the chosen country greyed, "did you mean" (SQLite), relaxation hints.
        "search-did-you-mean": (None, reverse("search") + "?q=lgaon&country=KE"),
        # A misspelt word read as the listings' word (SQLite): "Showing results for".
        "search-corrected": (None, reverse("search") + "?q=lagon"),
        # A query naming a term: the facet suggestion.
        "search-named": (None, reverse("search") + "?q=kenya"),
        "case-studies": (None, reverse("case_studies")),
        # Chips, a problem notice and the greyed chosen options.
        "case-studies-filtered": (
            None,
            reverse("case_studies") + "?q=study&year=1900&service=no-such&country=KE",
        ),
        "case-studies-empty": (None, reverse("case_studies") + "?q=nothing-matches-this"),
        "profile": (None, p.get_absolute_url()),
        "profile-buyer": ("buyer", p.get_absolute_url()),
        "compare": (None, reverse("buyers:compare") + f"?p={p.slug}&p={w['unclaimed'].slug}"),
        "compare-buyer": (
            "buyer",
            reverse("buyers:compare") + f"?p={p.slug}&p={w['unclaimed'].slug}",
        ),
        # The visitor's own selection (chosen first, see CHOSEN): remove forms, the bar.
        "compare-selection": (None, reverse("buyers:compare")),
        "search-chosen": (None, reverse("search")),
        "profile-chosen": (None, p.get_absolute_url()),
        "about": (None, reverse("about")),
        "privacy": (None, reverse("privacy")),
        "terms": (None, reverse("terms")),
        "ordering": (None, reverse("ordering")),
        "disclosure": (None, reverse("disclosure")),
        "not-found": (None, "/no-such-page/"),
        "login": (None, reverse("account_login")),
        "signup": (None, reverse("account_signup")),
        "password-reset": (None, reverse("account_reset_password")),
        "account-email": ("buyer", reverse("account_email")),
        "password-change": ("buyer", reverse("account_change_password")),
        "account-delete": ("buyer", reverse("account_delete")),
        "workspace": ("buyer", reverse("buyers:workspace")),
        "shortlists": ("buyer", reverse("buyers:shortlists")),
        "shortlist": ("buyer", reverse("buyers:shortlist_detail", args=[s.pk])),
        "saved-searches": ("buyer", reverse("buyers:searches")),
        "inquiries": ("buyer", reverse("buyers:inquiries")),
        "inquiry": ("buyer", reverse("buyers:inquiry_detail", args=[i.pk])),
        "inquiry-new": ("buyer", reverse("buyers:inquiry_new") + f"?provider={p.slug}"),
        "dashboard": ("owner", reverse("dashboard:index")),
        "dashboard-listing": ("owner", listing("listing")),
        "dashboard-preview": ("owner", listing("preview")),
        "dashboard-profile": ("owner", listing("profile")),
        "dashboard-services": ("owner", listing("services")),
        "dashboard-logo": ("owner", listing("logo")),
        "dashboard-centres": ("owner", listing("centres")),
        "dashboard-certifications": ("owner", listing("certifications")),
        "dashboard-reports": ("owner", listing("reports")),
        "dashboard-report-new": ("owner", listing("report_create")),
        "dashboard-case-studies": ("owner", listing("case_studies")),
        "dashboard-team": ("owner", listing("team")),
        "dashboard-inbox": ("owner", reverse("dashboard:inbox")),
        "dashboard-inbox-thread": ("owner", reverse("dashboard:inbox_detail", args=[i.pk])),
        # A shared shortlist (members and invitations added by the test): a form per row.
        "shortlist-sharing": ("buyer", reverse("buyers:shortlist_sharing", args=[s.pk])),
        "shortlist-shared": ("shortlist_member", reverse("buyers:shortlist_detail", args=[s.pk])),
        "shortlist-invite": (None, w["shortlist_invite_path"]),
        "account-profile": ("buyer", reverse("account_profile")),
        "inquiry-answers": ("buyer", reverse("buyers:inquiry_answers", args=[w["batch"].pk])),
        "inquiry-new-unclaimed": (
            "buyer",
            reverse("buyers:inquiry_new") + f"?provider={w['unclaimed'].slug}",
        ),
        "profile-unclaimed": (None, w["unclaimed"].get_absolute_url()),
        "claim-link": ("owner", w["claim_path"]),
        "claim-link-signed-out": (None, w["claim_path"]),
    }


#: Pages checked with two providers in the visitor's compare selection.
CHOSEN = {"compare-selection", "search-chosen", "profile-chosen"}


def vnu_errors(command, files: dict) -> dict:
    """{page name: [line: message]} of the Nu checker's errors in `files` (path -> name)."""
    result = subprocess.run(  # noqa: S603 (our own files)
        [*command, "--format", "json", "--exit-zero-always", *files],
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    messages = json.loads(result.stderr or result.stdout)["messages"]
    errors = [m for m in messages if m.get("type") == "error"]
    by_page = {}
    for message in errors:
        page = files.get(message.get("url", "").removeprefix("file:"), message.get("url"))
        by_page.setdefault(page, []).append(f"{message.get('lastLine')}: {message['message']}")
    print(f"vnu checked {len(files)} pages: {len(errors)} errors")
    for page, found in by_page.items():
        print(f"  {page}: {len(found)}")
        for line in found:
            print(f"    {line}")
    return by_page


def test_pages_pass_the_nu_html_checker(tmp_path):
    command = require_vnu()
    world = one_of_everything()
    # Two of each part, so that pages repeating a form per row are checked for
    # repeated ids, and a logo, whose removal form sits beside the upload form.
    provider = world["provider"]
    f.DeliveryCentreFactory(provider=provider, city="Second City")
    f.CertificationHoldingFactory(provider=provider)
    f.CaseStudyFactory(provider=provider, title="Second study")
    provider.logo = "logos/lagoon.png"
    provider.save(update_fields=["logo"])
    shortlist = world["shortlist"]
    for n, role in enumerate(("edit", "read")):
        member = f.BuyerFactory(name=f"Member {n}", organisation="Consortium")
        ShortlistMember.objects.create(
            shortlist=shortlist, user=member, role=role, invited_email=member.email
        )
        world["shortlist_member"] = member
        invite = shortlist_sharing.shortlist_invite(
            shortlist=shortlist, user=world["buyer"], email=f"later{n}@consortium.example"
        )
    world["shortlist_invite_path"] = shortlist_sharing.invite_url(invite)
    files = {}
    for name, (who, path) in pages(world).items():
        client = Client()
        if who is not None:
            client.force_login(world[who])
        if name in CHOSEN:
            for chosen in (provider, world["unclaimed"]):
                client.post(reverse("buyers:compare_add"), {"provider": chosen.pk})
        response = client.get(path)
        assert response.status_code in (200, 404), (name, response.status_code)
        if name == "search-did-you-mean" and connection.vendor == "sqlite":
            assert b"Did you mean" in response.content  # the suggestion is there to be checked
        if name in CHOSEN:  # the selection is there to be checked
            assert b"Compare (2)" in response.content or b"from compare" in response.content
        target = tmp_path / f"{name}.html"
        target.write_bytes(response.content)
        files[str(target)] = name
    for template in ("500.html", "503.html"):
        # Rendered as the error handlers render them: no request, no context.
        target = tmp_path / template
        target.write_text(loader.render_to_string(template))
        files[str(target)] = template
    assert vnu_errors(command, files) == {}


def forms_in_error(w) -> dict:
    """(who, path, bad data) of each form posted in error, by a short name."""
    p = w["provider"]
    listing = lambda name: reverse(f"dashboard:{name}", args=[p.pk])  # noqa: E731
    services = {
        "version": str(p.version),
        "services-TOTAL_FORMS": "1",
        "services-INITIAL_FORMS": "0",
        "services-MIN_NUM_FORMS": "0",
        "services-MAX_NUM_FORMS": "60",
        "services-0-service": "999999",
    }
    return {
        "signup-in-error": (None, reverse("account_signup"), {"email": "not an address"}),
        "login-in-error": (None, reverse("account_login"), {"login": "x@x.example"}),
        "dashboard-profile-in-error": ("owner", listing("profile"), {"version": "1"}),
        "dashboard-services-in-error": ("owner", listing("services"), services),
        "dashboard-report-in-error": (
            "owner",
            listing("report_create"),
            {"version": str(p.version), "provenance": "third-party", "placement_rate_pct": "140"},
        ),
        "dashboard-centre-in-error": ("owner", listing("centre_create"), {"version": "1"}),
        "saved-search-in-error": (
            "buyer",
            reverse("buyers:search_new"),
            {"name": "", "frequency": "often", "query": "country=KE"},
        ),
        "shortlists-in-error": ("buyer", reverse("buyers:shortlists"), {"name": ""}),
        "inquiry-reply-in-error": (
            "buyer",
            reverse("buyers:inquiry_reply", args=[w["inquiry"].pk]),
            {"body": "x" * 5001},
        ),
        "shortlist-sharing-in-error": (
            "buyer",
            reverse("buyers:shortlist_sharing", args=[w["shortlist"].pk]),
            {"invite-email": "not an address", "invite-role": "admin"},
        ),
        "inquiry-new-in-error": (
            "buyer",
            reverse("buyers:inquiry_new") + f"?provider={p.slug}",
            {"provider": p.slug, "subject": "", "body": ""},
        ),
    }


def test_forms_in_error_pass_the_nu_html_checker(tmp_path):
    """The error summary, the fields' messages and aria attributes validate too."""
    command = require_vnu()
    world = one_of_everything()
    files = {}
    for name, (who, path, data) in forms_in_error(world).items():
        client = Client()
        if who is not None:
            client.force_login(world[who])
        response = client.post(path, data)
        html = response.content.decode()
        assert response.status_code in (200, 400), (name, response.status_code)
        assert 'class="error-summary"' in html, name
        target = tmp_path / f"{name}.html"
        target.write_bytes(response.content)
        files[str(target)] = name
    assert vnu_errors(command, files) == {}
