"""Many-to-many choices read their ids like every other id (impactdir.ids)."""

import pytest
from django import forms

from impactdir.ids import IdModelMultipleChoiceField
from providers.models import PricingModel

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("posted", ["99999999999999999999", "²", "-1", "0", " 7"])
def test_a_posted_value_that_is_not_an_id_is_an_invalid_choice(posted):
    field = IdModelMultipleChoiceField(queryset=PricingModel.objects.all())
    with pytest.raises(forms.ValidationError) as refused:
        field.clean([posted])
    assert refused.value.code == "invalid_pk_value"


def test_real_ids_are_chosen():
    model = PricingModel.objects.first()
    field = IdModelMultipleChoiceField(queryset=PricingModel.objects.all())
    assert list(field.clean([str(model.pk)])) == [model]
