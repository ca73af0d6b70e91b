import pytest

from tests.factories import BuyerFactory, IsspUserFactory, MembershipFactory, ProviderFactory


@pytest.fixture
def buyer(db):
    return BuyerFactory(email="buyer@example.org", name="Bea Buyer", organisation="Acme Corp")


@pytest.fixture
def other_buyer(db):
    return BuyerFactory(email="other-buyer@example.org", name="Otto Other")


@pytest.fixture
def issp_user(db):
    return IsspUserFactory(email="staff@issp.example", name="Sam Staff")


@pytest.fixture
def provider(db):
    return ProviderFactory(name="Kisumu Data Works", slug="kisumu-data-works")


@pytest.fixture
def member(db, provider, issp_user):
    """issp_user is a member of `provider`."""
    MembershipFactory(provider=provider, user=issp_user)
    return issp_user


@pytest.fixture
def buyer_client(client, buyer):
    client.force_login(buyer)
    return client
