"""Ids read from a query string or a form: one way to parse them, everywhere.

``str.isdigit()`` accepts "²" and "①", which ``int()`` then refuses (a server
error), and ``int()`` itself accepts "٣" (an Arabic-Indic three), " 7 " and
"1_0". An id here is 1 to 18 ASCII digits without a leading zero: it always
fits the database's 64-bit integers, and anything else is not an id at all.
"""

import re

from django import forms
from django.utils.translation import gettext_lazy as _

ID_RE = re.compile(r"[1-9][0-9]{0,17}")


def parse_id(value) -> int | None:
    """The id that `value` spells, or None when it is not one."""
    if isinstance(value, str) and ID_RE.fullmatch(value):
        return int(value)
    return None


class IdField(forms.Field):
    """A form field for an id, parsed by `parse_id`; anything else is invalid."""

    default_error_messages = {"invalid": _("That is not a valid reference.")}

    def to_python(self, value):
        if value in self.empty_values:
            return None
        parsed = parse_id(value)
        if parsed is None:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return parsed


class IdModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    """Django's many-to-many choice field, with each posted id read by `parse_id` first.

    Django looks every posted value up in the database as it is: a number past
    SQLite's 64-bit integers ("99999999999999999999") raises OverflowError there,
    a server error. Here it is an invalid choice like any other.
    """

    def _check_values(self, value):
        if (self.to_field_name or "pk") == "pk" and isinstance(value, (list, tuple)):
            for pk in value:
                if parse_id(str(pk)) is None:
                    raise forms.ValidationError(
                        self.error_messages["invalid_pk_value"],
                        code="invalid_pk_value",
                        params={"pk": pk},
                    )
        return super()._check_values(value)
