"""Fuzz the query string of every admin changelist, as an operator: never a 500.

The operators' lists read filters (our own SimpleListFilters among them),
search, ordering and paging from the URL. For each registered model,
hypothesis sends query strings built from the parameters its filters expect
(read from the changelist itself, so a new filter is fuzzed without touching
this file) next to admin's own (`q`, `o`, `p`, `all`, `e`, `_facets`), and bad
object ids to its change and history pages. A non-staff user is sent to the
admin's log-in page. Bounded by EXAMPLES; prints its counts.
"""

import pytest
from django.contrib import admin
from django.test import Client, RequestFactory
from django.urls import reverse
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from tests.fuzz_site import make_world
from tests.fuzzing import FUZZ, Tally, path_values, query_strings, quote_segment, seeded

pytestmark = pytest.mark.django_db

EXAMPLES = 8

ADMIN_PARAMS = ("q", "o", "p", "all", "e", "_facets", "_popup", "_to_field")

MODELS = sorted((model._meta.app_label, model._meta.model_name) for model in admin.site._registry)


def changelist_params(model_admin, staff) -> list[str]:
    """The query parameters the model's changelist filters expect."""
    request = RequestFactory().get("/")
    request.user = staff
    changelist = model_admin.get_changelist_instance(request)
    return [name for spec in changelist.filter_specs for name in spec.expected_parameters()]


@pytest.mark.parametrize(("app_label", "model_name"), MODELS)
def test_fuzz_admin_changelist(app_label, model_name, capsys):
    world = make_world()
    staff, buyer = Client(), Client()
    staff.force_login(world["staff"])
    buyer.force_login(world["buyer"])
    model = next(m for m in admin.site._registry if m._meta.model_name == model_name)
    params = (*changelist_params(admin.site._registry[model], world["staff"]), *ADMIN_PARAMS)
    changelist = reverse(f"admin:{app_label}_{model_name}_changelist")
    tally = Tally(f"admin {app_label}.{model_name} ({len(params)} parameters)")

    @seeded(tally.label)
    @hypothesis_settings(FUZZ, max_examples=EXAMPLES)
    @given(
        query=query_strings(params),
        object_id=st.one_of(st.none(), path_values),
        page=st.sampled_from(["change/", "history/", "delete/", "history/1/", "history/²/"]),
    )
    def run(query, object_id, page):
        if object_id is None:
            url = f"{changelist}?{query}"
        else:
            url = f"{changelist}{quote_segment(object_id)}/{page}?{query}"
        response = tally.send(lambda: staff.get(url))
        tally.add(response.status_code)
        assert response.status_code < 500, url

    run()
    refused = buyer.get(f"{changelist}?q=x")
    tally.add(refused.status_code)
    assert refused.status_code == 302 and refused["Location"].startswith(reverse("admin:login"))
    tally.report(capsys)


def test_an_empty_to_field_is_treated_as_absent(client):
    """Django's ModelAdmin looks up a field named "" (FieldDoesNotExist, a 500);
    impactdir.middleware.AdminEmptyToFieldMiddleware drops the empty parameter on
    every admin URL, GET and POST."""
    world = make_world()
    client.force_login(world["staff"])
    url = reverse("admin:providers_provider_change", args=[world["provider"].pk])
    assert client.get(url, {"_to_field": ""}).status_code == 200
    delete = reverse("admin:providers_provider_delete", args=[world["provider"].pk])
    assert client.get(delete, {"_to_field": ""}).status_code == 200
    assert client.post(url + "?_to_field=", {"_to_field": ""}).status_code < 500
    # A non-empty unknown field is still refused by the admin itself.
    assert client.get(url, {"_to_field": "nope"}).status_code == 400
