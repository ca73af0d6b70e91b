import datetime

import factory
from factory.django import DjangoModelFactory

from accounts.models import AccountType, User
from providers import models as m


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ["email"]
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.org")
    name = factory.Faker("name")
    account_type = AccountType.BUYER
    password = factory.PostGenerationMethodCall("set_password", "correct horse battery staple")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class BuyerFactory(UserFactory):
    account_type = AccountType.BUYER


class IsspUserFactory(UserFactory):
    account_type = AccountType.ISSP


class StaffFactory(UserFactory):
    is_staff = True
    is_superuser = True


class ServiceCategoryFactory(DjangoModelFactory):
    class Meta:
        model = m.Service
        django_get_or_create = ["slug"]

    name = factory.Sequence(lambda n: f"Category {n}")
    slug = factory.Sequence(lambda n: f"category-{n}")


class ServiceFactory(DjangoModelFactory):
    class Meta:
        model = m.Service
        django_get_or_create = ["slug"]

    name = factory.Sequence(lambda n: f"Service {n}")
    slug = factory.Sequence(lambda n: f"service-{n}")
    parent = factory.SubFactory(ServiceCategoryFactory)


class RegionFactory(DjangoModelFactory):
    class Meta:
        model = m.Region
        django_get_or_create = ["slug"]

    name = factory.Sequence(lambda n: f"Region {n}")
    slug = factory.Sequence(lambda n: f"region-{n}")
    m49_code = factory.Sequence(lambda n: f"{900 + n % 99:03d}")


class CertificationFactory(DjangoModelFactory):
    class Meta:
        model = m.Certification
        django_get_or_create = ["slug"]

    name = factory.Sequence(lambda n: f"Certification {n}")
    slug = factory.Sequence(lambda n: f"certification-{n}")
    category = m.CertificationCategory.QUALITY


class TargetGroupFactory(DjangoModelFactory):
    class Meta:
        model = m.TargetGroup
        django_get_or_create = ["slug"]

    name = factory.Sequence(lambda n: f"Group {n}")
    slug = factory.Sequence(lambda n: f"group-{n}")


class LanguageFactory(DjangoModelFactory):
    class Meta:
        model = m.Language
        django_get_or_create = ["code"]

    code = "en"
    name = "English"


class ProviderFactory(DjangoModelFactory):
    class Meta:
        model = m.Provider
        django_get_or_create = ["slug"]

    name = factory.Sequence(lambda n: f"Fictional Provider {n}")
    slug = factory.Sequence(lambda n: f"fictional-provider-{n}")
    tagline = "Impact sourcing for data and customer services"
    description = "A fictional impact sourcing provider used in tests."
    hq_country = "KE"
    legal_form = m.LegalForm.SOCIAL_ENTERPRISE
    workforce = 120
    status = m.ListingStatus.PUBLISHED
    contact_email = factory.LazyAttribute(lambda o: f"hello@{o.slug}.example")


class ProviderServiceFactory(DjangoModelFactory):
    class Meta:
        model = m.ProviderService

    provider = factory.SubFactory(ProviderFactory)
    service = factory.SubFactory(ServiceFactory)


class DeliveryCentreFactory(DjangoModelFactory):
    class Meta:
        model = m.DeliveryCentre

    provider = factory.SubFactory(ProviderFactory)
    country = "KE"
    city = "Nairobi"
    seats = 80
    headcount = 100
    impact_workers = 60


class CertificationHoldingFactory(DjangoModelFactory):
    class Meta:
        model = m.CertificationHolding

    provider = factory.SubFactory(ProviderFactory)
    certification = factory.SubFactory(CertificationFactory)
    certificate_number = factory.Sequence(lambda n: f"CERT-{n:05d}")
    issued_on = factory.LazyFunction(lambda: datetime.date.today() - datetime.timedelta(days=365))
    expires_on = factory.LazyFunction(lambda: datetime.date.today() + datetime.timedelta(days=365))


class ImpactReportFactory(DjangoModelFactory):
    class Meta:
        model = m.ImpactReport

    provider = factory.SubFactory(ProviderFactory)
    period_start = factory.LazyFunction(lambda: datetime.date(datetime.date.today().year - 1, 1, 1))
    period_end = factory.LazyFunction(lambda: datetime.date(datetime.date.today().year - 1, 12, 31))
    impact_worker_definition = "People hired from a target group at the time of hiring."
    total_employees = 100
    impact_workers = 60
    is_latest = True


class CaseStudyFactory(DjangoModelFactory):
    class Meta:
        model = m.CaseStudy

    provider = factory.SubFactory(ProviderFactory)
    title = factory.Sequence(lambda n: f"Case study {n}")
    challenge = "A backlog of documents to digitise."
    approach = "A trained team working in two shifts."
    results = "1.2 million pages digitised at 99.5% accuracy."
    year = factory.LazyFunction(lambda: datetime.date.today().year - 1)


class MembershipFactory(DjangoModelFactory):
    class Meta:
        model = m.Membership

    provider = factory.SubFactory(ProviderFactory)
    user = factory.SubFactory(IsspUserFactory)
    role = m.MembershipRole.OWNER
