import pytest
from django import forms

from impactdir.ids import IdField, parse_id

ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")

NOT_IDS = [
    "",
    "²",
    "①",
    "٣",
    "１",  # a full-width one
    " 7",
    "7 ",
    "7\n",
    "+7",
    "-7",
    "1_0",
    "0",
    "007",
    "1.0",
    "1e3",
    "9" * 19,
    "\x00",
    None,
    7,
]


@pytest.mark.parametrize("value", NOT_IDS)
def test_anything_but_plain_ascii_digits_is_not_an_id(value):
    assert parse_id(value) is None


@pytest.mark.parametrize(("value", "expected"), [("1", 1), ("42", 42), ("9" * 18, 10**18 - 1)])
def test_plain_ascii_digits_are_an_id(value, expected):
    assert parse_id(value) == expected


class ExampleForm(forms.Form):
    item = IdField(required=False)


@pytest.mark.parametrize("value", ["²", "①", "٣", "1_0", "9" * 30])
def test_the_form_field_refuses_with_a_message(value):
    form = ExampleForm({"item": value})
    assert not form.is_valid()
    assert form.errors["item"] == ["That is not a valid reference."]


def test_the_form_field_accepts_an_id_and_nothing():
    assert ExampleForm({"item": "12"}).is_valid()
    form = ExampleForm({"item": ""})
    assert form.is_valid() and form.cleaned_data["item"] is None


def test_arabic_indic_digits_are_what_int_would_take():
    # Why this module exists: int() reads these, so "٣" named row 3.
    assert int("3".translate(ARABIC_INDIC)) == 3
    assert parse_id("3".translate(ARABIC_INDIC)) is None
