"""Two people edit one listing: the second save is refused and shown the other change."""

import re
import threading

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from providers.models import CaseStudy, ListingStatus, MembershipRole, Provider
from providers.services.access import StaleEditError
from providers.services.parts import provider_update_profile
from tests.factories import CaseStudyFactory, IsspUserFactory, MembershipFactory, ServiceFactory
from tests.providers.listing_helpers import listing_with_owner


def loaded_version(response) -> str:
    match = re.search(r'name="version" value="(\d+)"', response.text)
    assert match, "the form carries the version it was loaded at"
    return match.group(1)


@pytest.fixture
def two_editors():
    provider, owner = listing_with_owner(tagline="Original tagline", name="Shared Ltd")
    colleague = IsspUserFactory()
    MembershipFactory(provider=provider, user=colleague, role=MembershipRole.EDITOR)
    first, second = Client(), Client()
    first.force_login(owner)
    second.force_login(colleague)
    return provider, owner, colleague, first, second


def profile_post(version, tagline, name="Shared Ltd"):
    return {
        "version": version,
        "name": name,
        "tagline": tagline,
        "contact_email": "team@shared.example",
    }


@pytest.mark.django_db
def test_second_profile_save_at_the_same_version_is_refused_and_shows_the_other_change(
    two_editors,
):
    provider, owner, colleague, first, second = two_editors
    url = reverse("dashboard:profile", args=[provider.pk])
    v1 = loaded_version(first.get(url))
    v2 = loaded_version(second.get(url))
    assert v1 == v2 == "1"

    assert first.post(url, profile_post(v1, "Owner's tagline")).status_code == 302
    response = second.post(url, profile_post(v2, "Colleague's tagline"))
    assert response.status_code == 200
    assert "Someone else saved this listing" in response.text
    assert "nothing was overwritten" in response.text
    # The other change is shown next to what the colleague typed.
    assert "Owner&#x27;s tagline" in response.text
    assert "Colleague&#x27;s tagline" in response.text
    assert owner.email in response.text  # who saved last
    # A way to the current values.
    assert f'href="{url}"' in response.text

    provider.refresh_from_db()
    assert provider.tagline == "Owner's tagline"
    assert provider.version == 2
    assert provider.history.filter(tagline="Colleague's tagline").count() == 0

    # Having seen the other change, the colleague may deliberately save again.
    assert loaded_version(response) == "2"
    assert second.post(url, profile_post("2", "Colleague's tagline")).status_code == 302
    provider.refresh_from_db()
    assert provider.tagline == "Colleague's tagline"


@pytest.mark.django_db
def test_stale_services_save_is_refused(two_editors):
    provider, _owner, _colleague, first, second = two_editors
    url = reverse("dashboard:services", args=[provider.pk])
    a, b = ServiceFactory(), ServiceFactory()
    version = loaded_version(first.get(url))
    assert loaded_version(second.get(url)) == version

    def rows(service):
        return {
            "version": version,
            "services-TOTAL_FORMS": "1",
            "services-INITIAL_FORMS": "0",
            "services-0-service": service.pk,
        }

    assert first.post(url, rows(a)).status_code == 302
    response = second.post(url, rows(b))
    assert response.status_code == 200
    assert "Someone else saved this listing" in response.text
    assert f"<li>{provider.name}: {a.name}</li>" in response.text  # what is saved now
    assert list(provider.services.values_list("service_id", flat=True)) == [a.pk]


@pytest.mark.django_db
def test_stale_delete_is_refused(two_editors):
    provider, _owner, _colleague, first, second = two_editors
    case_study = CaseStudyFactory(provider=provider)
    edit_url = reverse("dashboard:case_study_edit", args=[provider.pk, case_study.pk])
    delete_url = reverse("dashboard:case_study_delete", args=[provider.pk, case_study.pk])
    version = loaded_version(first.get(edit_url))
    data = {
        "version": version,
        "title": "Improved by the owner",
        "challenge": "c",
        "approach": "a",
        "results": "r",
        "year": str(case_study.year),
    }
    assert first.post(edit_url, data).status_code == 302
    response = second.post(delete_url, {"version": version}, follow=True)
    assert "Someone else saved this listing" in response.text
    assert CaseStudy.objects.get(pk=case_study.pk).title == "Improved by the owner"


@pytest.mark.django_db
def test_stale_vetted_proposal_is_refused_too():
    provider, owner = listing_with_owner(status=ListingStatus.PUBLISHED, name="Live")
    provider_update_profile(
        provider=provider, user=owner, version=1, data={"name": "First proposal"}
    )
    with pytest.raises(StaleEditError):
        provider_update_profile(
            provider=provider, user=owner, version=1, data={"name": "Second proposal"}
        )
    assert provider.pending_changes.get().data == {"name": "First proposal"}


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs a database that runs two sessions at once"
)
def test_simultaneous_saves_in_two_threads_let_exactly_one_win():
    provider, owner = listing_with_owner(tagline="start")
    barrier = threading.Barrier(2)
    outcomes = []

    def save(tagline):
        from django.db import connection as thread_connection

        try:
            barrier.wait()
            provider_update_profile(
                provider=Provider.objects.get(pk=provider.pk),
                user=owner,
                version=1,
                data={"tagline": tagline},
            )
            outcomes.append(("saved", tagline))
        except StaleEditError:
            outcomes.append(("refused", tagline))
        finally:
            thread_connection.close()

    threads = [threading.Thread(target=save, args=(t,)) for t in ("one", "two")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(kind for kind, _ in outcomes) == ["refused", "saved"]
    winner = next(tagline for kind, tagline in outcomes if kind == "saved")
    provider.refresh_from_db()
    assert (provider.tagline, provider.version) == (winner, 2)
