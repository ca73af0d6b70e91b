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
