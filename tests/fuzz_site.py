"""The site the walk fuzzes: a small world of users and rows, and a table of every URL.

`make_world()` builds one listing with one of everything (owned by `owner`), a
buyer's shortlist, saved search and inquiry to it, a rival listing with its own
member (`other_issp`), a second buyer and a published listing nobody has
claimed. Private rows carry the `SECRETS`, which no response to anyone else may
contain.

`PAGES` names every URL pattern of the project (by its URL name) with how to
fill its path, the query parameters it reads and who it is for:

- `right`: the user the page or form is for (None: anyone, anonymous included);
- `private`: the URL names a row of `right`'s; everyone else must be refused
  (403, 404, or the log-in page) and a POST from them must change nothing.

`tests/test_fuzz_site.py` fails when a URL pattern is missing here, when a view
takes a method the table does not fuzz, and when a page or form answers 500.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from allauth.account.models import EmailAddress
from django.urls import URLPattern, URLResolver, get_resolver

from accounts.models import User
from buyers import services as buyer_services
from buyers.inquiries.claim_links import claim_link_create
from buyers.models import (
    EntryNote,
    Inquiry,
    InquiryMessage,
    SavedSearch,
    Shortlist,
    ShortlistEntry,
    ShortlistInvite,
    ShortlistMember,
)
from buyers.shortlists import sharing as shortlist_sharing
from providers.models import (
    CaseStudy,
    CertificationHolding,
    Claim,
    DeliveryCentre,
    ImpactReport,
    Invitation,
    ListingStatus,
    Membership,
    MembershipRole,
    PendingChange,
    Provider,
    ProviderService,
)
from providers.services import parts as part_services
from providers.services.team import member_invite
from tests.factories import (
    BuyerFactory,
    CertificationFactory,
    CertificationHoldingFactory,
    IsspUserFactory,
    MembershipFactory,
    ProviderFactory,
    StaffFactory,
)
from tests.fuzzing import Field
from tests.providers.listing_helpers import listing_with_owner, stored_evidence

SECRETS = ["fuzz-secret-note", "fuzz-secret-body", "Fuzz secret search", "Fuzz Secret Proposal"]


def make_world() -> dict:
    provider, owner = listing_with_owner(
        status=ListingStatus.PUBLISHED, complete=True, name="Fuzz Owned", slug="fuzz-owned"
    )
    editor = IsspUserFactory(email="editor@fuzz.example")
    editor_membership = MembershipFactory(
        provider=provider, user=editor, role=MembershipRole.EDITOR
    )
    holding = CertificationHoldingFactory(provider=provider, evidence=stored_evidence())
    report = provider.reports.get()
    report.evidence = stored_evidence(folder="evidence/reports")
    report.save()
    invitation = member_invite(
        provider=provider, invited_by=owner, email="invitee@fuzz.example", role="editor"
    )
    provider.refresh_from_db()
    part_services.provider_update_profile(
        provider=provider,
        user=owner,
        version=provider.version,
        data={"name": "Fuzz Secret Proposal"},
    )
    provider.refresh_from_db()
    proposal = PendingChange.objects.get(provider=provider)
    part_services.certification_save(
        provider=provider,
        user=owner,
        version=provider.version,
        data={
            "certification": CertificationFactory(),
            "certificate_number": "FUZZ-1",
            "issued_on": datetime.date(2025, 1, 1),
            "expires_on": datetime.date(2030, 1, 1),
            "evidence": stored_evidence(),
        },
        holding=holding,
    )
    provider.refresh_from_db()
    evidence_change = PendingChange.objects.filter(provider=provider).exclude(pk=proposal.pk).get()

    rival, other_issp = listing_with_owner(
        status=ListingStatus.PUBLISHED, complete=True, name="Fuzz Rival", slug="fuzz-rival"
    )
    unclaimed = ProviderFactory(name="Fuzz Unclaimed", slug="fuzz-unclaimed")
    draft = ProviderFactory(name="Fuzz Draft", slug="fuzz-draft", status=ListingStatus.DRAFT)

    buyer = BuyerFactory(email="buyer@fuzz.example")
    other_buyer = BuyerFactory(email="other-buyer@fuzz.example")
    shortlist = buyer_services.shortlist_create(owner=buyer, name="Fuzz list")
    buyer_services.shortlist_add(
        shortlist=shortlist, user=buyer, provider=provider, note="fuzz-secret-note"
    )
    buyer_services.shortlist_add(shortlist=shortlist, user=buyer, provider=rival)
    # Shared with a colleague (edit rights); one invitation still open.
    colleague = BuyerFactory(email="colleague@fuzz.example")
    shortlist_member = ShortlistMember.objects.create(
        shortlist=shortlist, user=colleague, role="edit", invited_email=colleague.email
    )
    shortlist_invite = shortlist_sharing.shortlist_invite(
        shortlist=shortlist, user=buyer, email="consortium@fuzz.example", role="read"
    )
    saved = buyer_services.saved_search_create(
        owner=buyer, name="Fuzz secret search", query_string="country=KE", frequency="daily"
    )
    [inquiry] = buyer_services.inquiry_send(
        buyer=buyer, providers=[provider], subject="Capacity", body="fuzz-secret-body"
    )
    # One inquiry to two providers (their answers compared), one to the unclaimed listing.
    batch = buyer_services.inquiry_send(
        buyer=buyer,
        providers=[provider, rival],
        subject="Pricing",
        body="fuzz-secret-body",
        questions=["capacity", "impact-share", "certifications", "pricing"],
    )[0].batch
    [to_unclaimed] = buyer_services.inquiry_send(
        buyer=buyer, providers=[unclaimed], subject="Hello", body="fuzz-secret-body"
    )
    claim_path = claim_link_create(inquiry=to_unclaimed)
    invitee = IsspUserFactory(email="invitee@fuzz.example")
    for user in (owner, other_issp, buyer, other_buyer, invitee):
        EmailAddress.objects.get_or_create(
            user=user, email=user.email, defaults={"verified": True, "primary": True}
        )
    return {
        "provider": provider,
        "owner": owner,
        "editor": editor,
        "editor_membership": editor_membership,
        "holding": holding,
        "report": report,
        "centre": provider.centres.get(),
        "case_study": provider.case_studies.get(),
        "invitation": invitation,
        "invitee": invitee,
        "proposal": proposal,
        "evidence_change": evidence_change,
        "rival": rival,
        "other_issp": other_issp,
        "unclaimed": unclaimed,
        "draft": draft,
        "buyer": buyer,
        "other_buyer": other_buyer,
        "shortlist": shortlist,
        "entry": shortlist.entries.get(provider=provider),
        "shortlist_member": shortlist_member,
        "shortlist_invite": shortlist_invite,
        "saved": saved,
        "inquiry": inquiry,
        "batch": batch,
        "claim_token": claim_path.rstrip("/").rsplit("/", 1)[1],
        "staff": StaffFactory(email="operator@fuzz.example"),
    }


def foreign_ids(w) -> list[int]:
    """Ids of other users' rows, tried wherever an id goes."""
    rival = w["rival"]
    return sorted(
        {
            rival.pk,
            w["unclaimed"].pk,
            w["draft"].pk,
            *rival.centres.values_list("pk", flat=True),
            *rival.reports.values_list("pk", flat=True),
            *rival.case_studies.values_list("pk", flat=True),
            *rival.services.values_list("pk", flat=True),
            *rival.memberships.values_list("pk", flat=True),
            w["shortlist"].pk,
            w["entry"].pk,
            w["shortlist_member"].pk,
            w["shortlist_invite"].pk,
            w["saved"].pk,
            w["inquiry"].pk,
            w["batch"].pk,
        }
    )


def owned_rows(w) -> list:
    """Every row the owner and the buyer own: what a wrong user's POST must leave as it is."""
    p, b = w["provider"], w["buyer"]
    querysets = [
        Provider.objects.filter(pk=p.pk),
        Membership.objects.filter(provider=p),
        ProviderService.objects.filter(provider=p),
        DeliveryCentre.objects.filter(provider=p),
        CertificationHolding.objects.filter(provider=p),
        ImpactReport.objects.filter(provider=p),
        CaseStudy.objects.filter(provider=p),
        PendingChange.objects.filter(provider=p),
        Invitation.objects.filter(provider=p),
        Claim.objects.filter(provider=p),
        Shortlist.objects.filter(owner=b),
        ShortlistEntry.objects.filter(shortlist__owner=b),
        EntryNote.objects.filter(entry__shortlist__owner=b),
        ShortlistMember.objects.filter(shortlist__owner=b),
        ShortlistInvite.objects.filter(shortlist__owner=b),
        SavedSearch.objects.filter(owner=b),
        Inquiry.objects.filter(buyer=b),
        InquiryMessage.objects.filter(inquiry__buyer=b),
        EmailAddress.objects.filter(user__in=[w["owner"], b]),
    ]
    users = User.objects.filter(pk__in=[w["owner"].pk, b.pk]).order_by("pk")
    return [list(qs.order_by("pk").values()) for qs in querysets] + [
        [{k: v for k, v in row.items() if k != "last_login"} for row in users.values()]
    ]


# ----------------------------------------------------------------- the table

SEARCH_PARAMS = (
    "q",
    "service",
    "country",
    "region",
    "certification",
    "language",
    "group",
    "type",
    "size",
    "impact_min",
    "pricing",
    "mode",
    "offers",
    "seeks",
    "verified",
    "sort",
    "page",
)

#: Who a page of each side is refused to (besides anonymous visitors).
WRONG = {"buyer": ("other_buyer", "owner"), "owner": ("other_issp", "buyer")}


@dataclass(frozen=True)
class Page:
    """One URL pattern: how to fill its path, what it reads, whom it is for."""

    kwargs: Callable[[dict], dict] = lambda w: {}
    #: The path itself, for a pattern without a name (instead of reversing `kwargs`).
    path: Callable[[dict], str] | None = None
    params: tuple[str, ...] = ()
    right: str | None = None
    private: bool = False
    #: The methods the view answers; the walk checks that it answers no other.
    get: bool = True
    post: bool = False
    #: Where the page's POST form is rendered when not on the page itself: a URL
    #: name, or a function of the world giving a path.
    form_on: str | Callable[[dict], str] | None = None
    #: Fields of a form no page renders for `right` (added to any found on the page).
    fields: dict[str, Field] | None = None

    @property
    def wrong(self) -> tuple[str, ...]:
        return WRONG.get(self.right, ()) if self.private else ()


def _listing(w):
    return {"pk": w["provider"].pk}


def _item(key):
    return lambda w: {"pk": w["provider"].pk, "item": w[key].pk}


def _shortlist(w):
    return {"pk": w["shortlist"].pk}


def _entry(w):
    return {"pk": w["shortlist"].pk, "entry_pk": w["entry"].pk}


def _inquiry(w):
    return {"pk": w["inquiry"].pk}


VERSION = {"version": Field("hidden")}

PAGES: dict[str, Page] = {
    # Public pages
    "home": Page(params=("q", "next", "page")),
    "search": Page(params=(*SEARCH_PARAMS, "next")),
    "case_studies": Page(params=("q", "service", "industry", "group", "country", "year", "page")),
    "providers:detail": Page(kwargs=lambda w: {"slug": "fuzz-owned"}, params=("next", "mode", "p")),
    "ordering": Page(params=("q", "sort")),
    "disclosure": Page(),
    "about": Page(),
    "privacy": Page(),
    "terms": Page(),
    "favicon": Page(),
    "stats:index": Page(params=("region", "service")),
    "stats:methodology": Page(),
    "stats:compare_csv": Page(params=("p",)),
    "stats:provider_csv": Page(kwargs=lambda w: {"slug": "fuzz-owned"}),
    "stats:csv": Page(kwargs=lambda w: {"name": "regions"}, params=("region", "service")),
    "opendata:index": Page(),
    "opendata:fields": Page(),
    "opendata:file": Page(kwargs=lambda w: {"name": "organizations.json"}),
    "sitemap_index": Page(),
    "sitemap_section": Page(kwargs=lambda w: {"section": "providers"}, params=("p",)),
    "robots_txt": Page(),
    "buyers:compare": Page(params=("p", "diff")),
    "buyers:compare_add": Page(get=False, post=True, form_on="providers:detail"),
    "buyers:compare_remove": Page(
        get=False,
        post=True,
        fields={"provider": Field("hidden", ["all"]), "next": Field("hidden", ["/compare/"])},
    ),
    "buyers:compare_export": Page(params=("p",)),
    "buyers:export_help": Page(),
    # The language switcher, in every page's footer (here the French search page's, with a
    # query string in its `next`).
    "set_language": Page(
        get=False, post=True, form_on=lambda w: "/fr/providers/?q=data&country=KE"
    ),
    # The buyer's workspace
    "buyers:workspace": Page(params=("next",), right="buyer"),
    "buyers:shortlists": Page(post=True, params=("next", "page"), right="buyer"),
    "buyers:shortlist_add": Page(
        post=True,
        params=("provider", "id", "next", "mode"),
        right="buyer",
        form_on=lambda w: "/shortlists/add/?provider=fuzz-owned",
    ),
    "buyers:shortlist_remove": Page(
        get=False, post=True, right="buyer", form_on="providers:detail"
    ),
    "buyers:shortlist_detail": Page(
        kwargs=_shortlist, params=("next", "sort"), right="buyer", private=True
    ),
    "buyers:shortlist_rename": Page(
        get=False,
        post=True,
        kwargs=_shortlist,
        right="buyer",
        private=True,
        form_on="buyers:shortlist_detail",
    ),
    "buyers:shortlist_delete": Page(post=True, kwargs=_shortlist, right="buyer", private=True),
    "buyers:shortlist_sort": Page(
        get=False,
        post=True,
        kwargs=_shortlist,
        right="buyer",
        private=True,
        form_on="buyers:shortlist_detail",
    ),
    "buyers:shortlist_export": Page(kwargs=_shortlist, right="buyer", private=True),
    "buyers:shortlist_sharing": Page(post=True, kwargs=_shortlist, right="buyer", private=True),
    "buyers:shortlist_member_role": Page(
        get=False,
        post=True,
        kwargs=lambda w: {"pk": w["shortlist"].pk, "member_pk": w["shortlist_member"].pk},
        right="buyer",
        private=True,
        form_on="buyers:shortlist_sharing",
    ),
    "buyers:shortlist_member_remove": Page(
        get=False,
        post=True,
        kwargs=lambda w: {"pk": w["shortlist"].pk, "member_pk": w["shortlist_member"].pk},
        right="buyer",
        private=True,
        form_on="buyers:shortlist_sharing",
    ),
    "buyers:shortlist_invite_withdraw": Page(
        get=False,
        post=True,
        kwargs=lambda w: {"pk": w["shortlist"].pk, "invite_pk": w["shortlist_invite"].pk},
        right="buyer",
        private=True,
        form_on="buyers:shortlist_sharing",
    ),
    # For a member (the owner is refused: they delete instead); nobody else gets in.
    "buyers:shortlist_leave": Page(
        get=False,
        post=True,
        kwargs=_shortlist,
        right="buyer",
        private=True,
        fields={},
    ),
    # The e-mailed link: anyone holding it sees the invitation; only its address accepts.
    "buyers:shortlist_invite": Page(
        post=True,
        kwargs=lambda w: {"token": shortlist_sharing.invite_token(w["shortlist_invite"])},
        fields={},
    ),
    "buyers:entry_note": Page(
        get=False,
        post=True,
        kwargs=_entry,
        right="buyer",
        private=True,
        form_on="buyers:shortlist_detail",
    ),
    "buyers:entry_move": Page(
        get=False,
        post=True,
        kwargs=_entry,
        right="buyer",
        private=True,
        form_on="buyers:shortlist_detail",
    ),
    "buyers:entry_remove": Page(
        get=False,
        post=True,
        kwargs=_entry,
        right="buyer",
        private=True,
        form_on="buyers:shortlist_detail",
    ),
    "buyers:export_search": Page(params=SEARCH_PARAMS, right="buyer"),
    "buyers:searches": Page(params=("page",), right="buyer"),
    "buyers:search_new": Page(post=True, params=SEARCH_PARAMS, right="buyer"),
    "buyers:search_update": Page(
        get=False,
        post=True,
        kwargs=lambda w: {"pk": w["saved"].pk},
        right="buyer",
        private=True,
        form_on="buyers:searches",
    ),
    "buyers:search_delete": Page(
        post=True, kwargs=lambda w: {"pk": w["saved"].pk}, right="buyer", private=True
    ),
    "buyers:inquiries": Page(params=("status", "page"), right="buyer"),
    "buyers:inquiry_new": Page(
        post=True,
        params=("provider", "shortlist"),
        right="buyer",
        form_on=lambda w: "/inquiries/new/?provider=fuzz-owned",
    ),
    "buyers:inquiry_detail": Page(kwargs=_inquiry, params=("next",), right="buyer", private=True),
    "buyers:inquiry_reply": Page(
        get=False,
        post=True,
        kwargs=_inquiry,
        right="buyer",
        private=True,
        form_on="buyers:inquiry_detail",
    ),
    "buyers:inquiry_answers": Page(
        kwargs=lambda w: {"pk": w["batch"].pk}, right="buyer", private=True
    ),
    "buyers:inquiry_close": Page(
        get=False,
        post=True,
        kwargs=_inquiry,
        right="buyer",
        private=True,
        form_on="buyers:inquiry_detail",
    ),
    # The ISSP dashboard
    "dashboard:index": Page(params=("next",), right="owner"),
    "dashboard:create": Page(post=True, right="owner"),
    "dashboard:claim_search": Page(params=("q",), right="owner"),
    "dashboard:claim": Page(
        post=True, kwargs=lambda w: {"provider_id": w["unclaimed"].pk}, right="owner"
    ),
    "dashboard:listing": Page(kwargs=_listing, params=("next",), right="owner", private=True),
    "dashboard:preview": Page(kwargs=_listing, right="owner", private=True),
    "dashboard:confirm": Page(
        get=False,
        post=True,
        kwargs=_listing,
        right="owner",
        private=True,
        form_on="dashboard:listing",
    ),
    "dashboard:submit": Page(
        get=False,
        post=True,
        kwargs=_listing,
        right="owner",
        private=True,
        form_on="dashboard:listing",
    ),
    "dashboard:deactivate": Page(
        get=False,
        post=True,
        kwargs=_listing,
        right="owner",
        private=True,
        form_on="dashboard:listing",
    ),
    "dashboard:pending_withdraw": Page(
        get=False,
        post=True,
        kwargs=_item("proposal"),
        right="owner",
        private=True,
        form_on="dashboard:listing",
    ),
    "dashboard:profile": Page(post=True, kwargs=_listing, right="owner", private=True),
    "dashboard:services": Page(post=True, kwargs=_listing, right="owner", private=True),
    "dashboard:logo": Page(post=True, kwargs=_listing, right="owner", private=True),
    "dashboard:logo_remove": Page(
        get=False, post=True, kwargs=_listing, right="owner", private=True, fields=VERSION
    ),
    "dashboard:centres": Page(kwargs=_listing, right="owner", private=True),
    "dashboard:centre_create": Page(post=True, kwargs=_listing, right="owner", private=True),
    "dashboard:centre_edit": Page(post=True, kwargs=_item("centre"), right="owner", private=True),
    "dashboard:centre_delete": Page(
        get=False,
        post=True,
        kwargs=_item("centre"),
        right="owner",
        private=True,
        form_on="dashboard:centres",
    ),
    "dashboard:certifications": Page(kwargs=_listing, right="owner", private=True),
    "dashboard:certification_create": Page(post=True, kwargs=_listing, right="owner", private=True),
    "dashboard:certification_edit": Page(
        post=True, kwargs=_item("holding"), right="owner", private=True
    ),
    "dashboard:certification_delete": Page(
        get=False,
        post=True,
        kwargs=_item("holding"),
        right="owner",
        private=True,
        form_on="dashboard:certifications",
    ),
    "dashboard:reports": Page(kwargs=_listing, right="owner", private=True),
    "dashboard:report_create": Page(post=True, kwargs=_listing, right="owner", private=True),
    "dashboard:report_edit": Page(post=True, kwargs=_item("report"), right="owner", private=True),
    "dashboard:report_delete": Page(
        get=False,
        post=True,
        kwargs=_item("report"),
        right="owner",
        private=True,
        form_on="dashboard:reports",
    ),
    "dashboard:case_studies": Page(kwargs=_listing, right="owner", private=True),
    "dashboard:case_study_create": Page(post=True, kwargs=_listing, right="owner", private=True),
    "dashboard:case_study_edit": Page(
        post=True, kwargs=_item("case_study"), right="owner", private=True
    ),
    "dashboard:case_study_delete": Page(
        get=False,
        post=True,
        kwargs=_item("case_study"),
        right="owner",
        private=True,
        form_on="dashboard:case_studies",
    ),
    "dashboard:invitation": Page(
        post=True, kwargs=lambda w: {"token": w["invitation"].token}, right="invitee"
    ),
    "dashboard:team": Page(post=True, kwargs=_listing, right="owner", private=True),
    "dashboard:member_remove": Page(
        get=False,
        post=True,
        kwargs=_item("editor_membership"),
        right="owner",
        private=True,
        form_on="dashboard:team",
    ),
    "dashboard:invitation_cancel": Page(
        get=False,
        post=True,
        kwargs=_item("invitation"),
        right="owner",
        private=True,
        form_on="dashboard:team",
    ),
    "dashboard:inbox": Page(params=("status", "page"), right="owner"),
    "dashboard:inbox_detail": Page(kwargs=_inquiry, params=("next",), right="owner", private=True),
    "dashboard:inbox_reply": Page(
        get=False,
        post=True,
        kwargs=_inquiry,
        right="owner",
        private=True,
        form_on="dashboard:inbox_detail",
    ),
    "dashboard:inbox_close": Page(
        get=False,
        post=True,
        kwargs=_inquiry,
        right="owner",
        private=True,
        form_on="dashboard:inbox_detail",
    ),
    "dashboard:claim_link": Page(
        post=True, kwargs=lambda w: {"token": w["claim_token"]}, right="owner"
    ),
    # Evidence files
    "evidence:certifications": Page(
        kwargs=lambda w: {"pk": w["holding"].pk}, params=("file",), right="owner", private=True
    ),
    "evidence:reports": Page(
        kwargs=lambda w: {"pk": w["report"].pk}, params=("file",), right="owner", private=True
    ),
    "evidence:change": Page(
        kwargs=lambda w: {"pk": w["evidence_change"].pk}, right="owner", private=True
    ),
    # Accounts (allauth, with our log-in and sign-up forms)
    "account_login": Page(post=True, params=("next",)),
    "account_logout": Page(post=True, params=("next",), right="buyer"),
    "account_inactive": Page(),
    "account_signup": Page(post=True, params=("next",)),
    "account_reauthenticate": Page(post=True, params=("next",), right="buyer"),
    "account_email": Page(post=True, right="buyer"),
    "account_email_verification_sent": Page(),
    "account_change_password": Page(post=True, right="buyer"),
    "account_delete": Page(post=True, right="buyer"),
    "account_profile": Page(post=True, right="buyer"),
    # The buyer has a password: these pages redirect, so their fields are listed.
    "account_set_password": Page(
        post=True,
        right="buyer",
        fields={"password1": Field("password", ["Fuzz-pass-1"]), "password2": Field("password")},
    ),
    "account_reset_password": Page(
        post=True,
    ),
    "account_confirm_login_code": Page(post=True, fields={"code": Field("text")}),
    "account_confirm_email": Page(post=True, kwargs=lambda w: {"key": "fuzzkey"}, fields={}),
    "account_reset_password_from_key_done": Page(),
    "account_reset_password_from_key": Page(
        post=True,
        kwargs=lambda w: {"uidb36": "zz9", "key": "fuzz-key"},
        fields={"password1": Field("password", ["Fuzz-pass-1"]), "password2": Field("password")},
    ),
    "account_reset_password_done": Page(),
}

#: URL patterns the walk leaves out (by route prefix), and why. A new pattern must be
#: added to PAGES or API_PAGES, or be under one of these.
NOT_FUZZED = {
    # tests/test_fuzz_admin.py fuzzes every registered model's changelist, change,
    # delete and history pages (by model, so a new model is covered); admin's forms
    # and decision actions are left to tests/providers/test_admin*.py.
    "admin/": "Django admin: operators only; fuzzed by model in tests/test_fuzz_admin.py",
}

#: Patterns still being built, by route prefix: the walk lists them as pending
#: instead of failing. Empty now that the API's endpoints are in API_PAGES.
PENDING: dict[str, str] = {}


def _api_provider(w):
    from providers.api.selectors import provider_uuid

    return {"provider_id": provider_uuid(w["provider"].pk)}


#: The JSON API (/api/v1/, read-only): fuzzed like PAGES. A pattern without a
#: name is keyed by its route.
API_PAGES: dict[str, Page] = {
    "api_root": Page(),
    "api_docs": Page(),
    "api-v1:api-root": Page(),
    "api-v1:openapi-json": Page(),
    "api-v1:provider_list": Page(params=(*SEARCH_PARAMS, "page_size")),
    "api-v1:provider_facets": Page(params=(*SEARCH_PARAMS, "page_size")),
    "api-v1:provider_detail": Page(kwargs=_api_provider),
    "api-v1:taxonomies": Page(params=("kind", "lang")),
    "api/v1/^.+$": Page(path=lambda w: "/api/v1/no-such-address/"),
}


@dataclass(frozen=True)
class Route:
    #: The namespaced URL name, or the route itself for a pattern without a name.
    name: str
    route: str


def url_patterns() -> list[Route]:
    """Every URL pattern of the project, with its namespaced name and its route."""

    def walk(patterns, prefix="", namespace=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = namespace + (f"{pattern.namespace}:" if pattern.namespace else "")
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
            elif isinstance(pattern, URLPattern):
                route = prefix + str(pattern.pattern)
                name = namespace + pattern.name if pattern.name else route
                yield Route(name=name, route=route)

    return list(walk(get_resolver().url_patterns))


def left_out(route: Route) -> str | None:
    """Why the walk leaves `route` out, if it does."""
    for prefix, why in NOT_FUZZED.items():
        if route.route.startswith(prefix):
            return why
    return None


def pending(route: Route) -> str | None:
    for prefix, why in PENDING.items():
        if route.route.lstrip("^").startswith(prefix):
            return why
    return None


def all_pages() -> dict[str, Page]:
    return {**PAGES, **API_PAGES}
