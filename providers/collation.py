"""Sorting names as people read them in any of the directory's languages.

`sort_key` orders text without regard to case or accents ("États-Unis" with the
E's, "Égypte" between "Egypte" and "Espagne"), for facet options, select boxes
and lists whose order is alphabetical. It is the Unicode compatibility
decomposition with the combining marks dropped, case-folded: enough for the five
languages (Arabic letters are in alphabetical order in Unicode, and its hamza and
madda forms decompose to a bare alef and a combining mark). A full collation
would also put "œ" with "oe"; PyICU needs the ICU C library and a compiler on
every machine, and pyuca (no release since 2017) costs each worker 12 MB, so
neither was worth it here.
"""

import functools
import unicodedata

from django.forms.models import ModelChoiceIterator


@functools.lru_cache(maxsize=8192)
def sort_key(text: str) -> tuple:
    """(the text without accents, case-folded; the text itself, for a stable tie-break)."""
    text = str(text)
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    # Arabic tatweel (kashida) only stretches a word; it is no letter.
    return (bare.replace("\u0640", "").casefold(), text)


def sorted_by_name(items, name=str) -> list:
    """`items` sorted by `name(item)` (`sort_key`)."""
    return sorted(items, key=lambda item: sort_key(name(item)))


class ByLabelChoiceIterator(ModelChoiceIterator):
    """A model choice field's choices in the alphabetical order of their labels in the
    active language (the empty choice first), for taxonomies without an order of their
    own (languages, industries, regions, certifications): set as the field's `iterator`."""

    def __iter__(self):
        choices = list(super().__iter__())
        empty = [choice for choice in choices if choice[0] == ""]
        rest = [choice for choice in choices if choice[0] != ""]
        return iter(empty + sorted(rest, key=lambda choice: sort_key(str(choice[1]))))


def sort_choices_by_label(form, *names) -> None:
    """Make the named model choice fields of `form` list their choices by label."""
    for name in names:
        if name in form.fields:
            form.fields[name].iterator = ByLabelChoiceIterator
