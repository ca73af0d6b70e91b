"""Writing the demo directory: bulk inserts of drawn providers, the demo users and their listings.

The demo users are fixed logins printed by `manage.py demo_logins`. Their
passwords are long, not common and not like the e-mail address, so they pass
the project's password validators; they protect nothing but a local demo.
"""

import contextlib
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction

from accounts.models import AccountType
from providers.models import (
    CaseStudy,
    CertificationHolding,
    DeliveryCentre,
    ImpactReport,
    ImpactReportGroup,
    ListingStatus,
    Membership,
    MembershipRole,
    Provider,
    ProviderService,
)


@dataclass(frozen=True)
class DemoUser:
    email: str
    password: str
    label: str
    name: str
    account_type: str
    is_staff: bool = False


DEMO_ADMIN = DemoUser(
    email="admin@impactdir.example",
    password="Copper-Heron-Lantern-7319",  # noqa: S106 - a published demo login
    label="Admin (Django admin and vetting)",
    name="Demo Operator",
    account_type=AccountType.BUYER,
    is_staff=True,
)
DEMO_BUYER = DemoUser(
    email="buyer@impactdir.example",
    password="Maple-Otter-Compass-2846",  # noqa: S106 - a published demo login
    label="Buyer (has a shortlist, a saved search and an answered inquiry)",
    name="Demo Buyer",
    account_type=AccountType.BUYER,
)
DEMO_ISSP = DemoUser(
    email="issp@impactdir.example",
    password="Saffron-Kite-Harbour-5072",  # noqa: S106 - a published demo login
    label="ISSP staff (owns a published and a draft listing)",
    name="Demo Provider Staff",
    account_type=AccountType.ISSP,
)
DEMO_USERS = (DEMO_ADMIN, DEMO_BUYER, DEMO_ISSP)


@contextlib.contextmanager
def _timestamps_as_given(model, *names):
    """Within the block, `bulk_create` writes the timestamps set on the instances.

    auto_now/auto_now_add fields take the current time in `pre_save`, which
    `bulk_create` calls for every row. Setting the dates with an UPDATE afterwards
    would rewrite every row (and its generated search vector) once more, which
    cost a fifth of the insert time at 100,000 providers. Only for single-threaded
    bulk loads like `seed_demo`: the flags are model-wide while the block runs.
    """
    fields = [model._meta.get_field(name) for name in names]
    saved = [(f.auto_now, f.auto_now_add) for f in fields]
    for f in fields:
        f.auto_now = f.auto_now_add = False
    try:
        yield
    finally:
        for f, (auto_now, auto_now_add) in zip(fields, saved, strict=True):
            f.auto_now, f.auto_now_add = auto_now, auto_now_add


def bundles_insert(bundles, *, now, batch_size=1000):
    """Insert bundles and all their parts with `bulk_create`; returns the provider ids.

    No history rows are written: generated data is not a change anyone made.
    Columns the database fills (generated search vectors, db defaults) are left
    to it, since `bulk_create` only writes concrete, non-generated fields.
    Listings get creation and update times spread over past years, so that
    "recently updated" means something in the demo.
    """
    providers = [b.provider for b in bundles]
    for bundle in bundles:
        bundle.provider.created_at = now - max(bundle.created_ago, bundle.updated_ago)
        bundle.provider.updated_at = now - bundle.updated_ago
    with _timestamps_as_given(Provider, "created_at", "updated_at"):
        Provider.objects.bulk_create(providers, batch_size=batch_size)

    through = Provider.languages.through
    m2m_rows = {
        through: [
            through(provider_id=b.provider.pk, language_id=pk)
            for b in bundles
            for pk in b.language_ids
        ],
    }
    through = Provider.listing_languages.through
    m2m_rows[through] = [
        through(provider_id=b.provider.pk, language_id=pk)
        for b in bundles
        for pk in b.listing_language_ids
    ]
    through = Provider.pricing_models.through
    m2m_rows[through] = [
        through(provider_id=b.provider.pk, pricingmodel_id=pk)
        for b in bundles
        for pk in b.pricing_model_ids
    ]
    through = Provider.delivery_modes.through
    m2m_rows[through] = [
        through(provider_id=b.provider.pk, deliverymode_id=pk)
        for b in bundles
        for pk in b.delivery_mode_ids
    ]
    through = Provider.industries.through
    m2m_rows[through] = [
        through(provider_id=b.provider.pk, industry_id=pk) for b in bundles for pk in b.industry_ids
    ]
    through = Provider.markets.through
    m2m_rows[through] = [
        through(provider_id=b.provider.pk, region_id=pk) for b in bundles for pk in b.market_ids
    ]
    for attribute, ids in (
        ("partnerships_offered", "partnerships_offered_ids"),
        ("partnerships_sought", "partnerships_sought_ids"),
    ):
        through = getattr(Provider, attribute).through
        m2m_rows[through] = [
            through(provider_id=b.provider.pk, partnershipkind_id=pk)
            for b in bundles
            for pk in getattr(b, ids)
        ]
    for model, rows in m2m_rows.items():
        model.objects.bulk_create(rows, batch_size=batch_size)

    ProviderService.objects.bulk_create(
        [s for b in bundles for s in b.services], batch_size=batch_size
    )
    CertificationHolding.objects.bulk_create(
        [h for b in bundles for h in b.holdings], batch_size=batch_size
    )
    CaseStudy.objects.bulk_create(
        [c for b in bundles for c in b.case_studies], batch_size=batch_size
    )

    centres = [(c, languages) for b in bundles for c, languages in b.centres]
    DeliveryCentre.objects.bulk_create([c for c, _ in centres], batch_size=batch_size)
    through = DeliveryCentre.languages.through
    through.objects.bulk_create(
        [
            through(deliverycentre_id=centre.pk, language_id=pk)
            for centre, languages in centres
            for pk in languages
        ],
        batch_size=batch_size,
    )

    reports = [(r, groups) for b in bundles for r, groups in b.reports]
    ImpactReport.objects.bulk_create([r for r, _ in reports], batch_size=batch_size)
    ImpactReportGroup.objects.bulk_create(
        [g for _, groups in reports for g in groups], batch_size=batch_size
    )
    return [p.pk for p in providers]


@transaction.atomic
def demo_users_ensure():
    """Create the demo admin, buyer and ISSP user if absent, with a verified primary e-mail.

    Returns {email: user}. Existing users keep their passwords; their e-mail address
    is marked verified and primary so they can log in despite mandatory confirmation.
    """
    from allauth.account.models import EmailAddress

    User = get_user_model()
    users = {}
    for demo in DEMO_USERS:
        user = User.objects.filter(email__iexact=demo.email).first()
        if user is None:
            create = User.objects.create_superuser if demo.is_staff else User.objects.create_user
            user = create(
                email=demo.email,
                password=demo.password,
                name=demo.name,
                account_type=demo.account_type,
            )
        address, _ = EmailAddress.objects.get_or_create(
            user=user, email=user.email, defaults={"verified": True, "primary": True}
        )
        if not (address.verified and address.primary):
            EmailAddress.objects.filter(user=user).exclude(pk=address.pk).update(primary=False)
            address.verified = address.primary = True
            address.save(update_fields=["verified", "primary"])
        users[demo.email] = user
    return users


@transaction.atomic
def demo_memberships_ensure(user):
    """Make `user` owner of the first published and the first draft provider, if they own none.

    Returns the providers they were given (empty if they already had a membership).
    """
    if Membership.objects.filter(user=user).exists():
        return []
    given = []
    for status in (ListingStatus.PUBLISHED, ListingStatus.DRAFT):
        provider = (
            Provider.objects.filter(status=status, website__endswith=".example/")
            .order_by("pk")
            .first()
        )
        if provider is not None:
            Membership.objects.create(provider=provider, user=user, role=MembershipRole.OWNER)
            given.append(provider)
    return given
