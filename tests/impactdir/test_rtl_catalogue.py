"""Left-to-right names inside right-to-left translations stay readable.

In an Arabic sentence a Latin name that ends with a neutral character ("IRIS+", "C#",
"C++") loses it to the other side: the browser's bidi algorithm gives the trailing "+"
the sentence's direction, so "رموز IRIS+ الخاصة" shows "+IRIS". A left-to-right mark
(U+200E) after the name, or the name isolated between U+2066 and U+2069, keeps it whole.
This test reads the compiled catalogues of the right-to-left languages and names every
message where such a name is followed by right-to-left text with neither.
"""

import re

import pytest
from django.conf import settings
from django.utils import translation
from django.utils.translation import trans_real

RTL_LANGUAGES = [
    code for code, _name in settings.LANGUAGES if translation.get_language_info(code)["bidi"]
]

#: A Latin word ending in "+" or "#" (IRIS+, C#, C++), then spaces or punctuation, then a
#: right-to-left letter (Hebrew, Arabic and their presentation forms).
BROKEN = re.compile(
    r"[A-Za-z0-9][+#]+(?=[\s\"'“”«»()،,.:;!?؟]*[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufeff])"
)


def broken_names(text):
    return [match.group() for match in BROKEN.finditer(text)]


@pytest.mark.parametrize("lang", RTL_LANGUAGES)
def test_latin_names_ending_in_a_sign_are_kept_whole(lang):
    catalog = trans_real.translation(lang)._catalog
    found = []
    for key, text in catalog.items():
        if not isinstance(text, str):
            continue
        msgid = key[0] if isinstance(key, tuple) else key
        if broken := broken_names(text):
            found.append(f"  {msgid[:70]!r}: {', '.join(broken)}")
    assert not found, (
        f"{len(found)} {lang} message(s) where a name ending in + or # is followed by "
        "right-to-left text: add U+200E (left-to-right mark) after the name:\n" + "\n".join(found)
    )


@pytest.mark.parametrize(
    ("text", "broken"),
    [
        ("تحمل أرقام الأثر رموز IRIS+ الخاصة بها", ["S+"]),
        ("مؤشرات IRIS+، والمصدر", ["S+"]),
        ("لغة C# فقط", ["C#"]),
        ("رموز IRIS+\u200e الخاصة بها", []),
        ("رموز \u2066IRIS+\u2069 الخاصة بها", []),
        ("IRIS+ codes", []),
        ("ISO/IEC 27001 معتمد", []),
    ],
)
def test_what_counts_as_broken(text, broken):
    assert broken_names(text) == broken
